"""Poisoning attempts against dnsd --recursive, from a small "attacker" authoritative server on
loopback (attack.edu): forged answers from another address or port, with the wrong id, for
another question, and out-of-bailiwick records in an answer and in a referral's glue. Each is
ignored; upstream queries carry random ids from random ports, and names in random case (0x20). The same server also plays a
server whose UDP answers are truncated (TCP follows) and one that answers FORMERR to EDNS."""
import socket
import struct
import threading
import unittest

from harness import main, run
from dnsutil import parse_dig
from hierarchy import Hierarchy

A, NS = 1, 2


def wire_name(n):
    return b"".join(bytes([len(l)]) + l.encode() for l in n.rstrip(".").split(".") if l) + b"\0"


def rr(owner, rtype, rdata, ttl=300):
    return wire_name(owner) + struct.pack(">HHIH", rtype, 1, ttl, len(rdata)) + rdata


def a(addr):
    return socket.inet_aton(addr)


def message(qid, aa, qname, qtype, an=(), ns=(), ar=(), rcode=0):
    flags = 0x8000 | (0x0400 if aa else 0) | rcode
    head = struct.pack(">HHHHHH", qid, flags, 1, len(an), len(ns), len(ar))
    return head + wire_name(qname) + struct.pack(">HH", qtype, 1) + b"".join(an) + b"".join(ns) + b"".join(ar)


def parse_query(data):
    """(id, name with a trailing dot as sent, type)."""
    qid = struct.unpack(">H", data[:2])[0]
    labels, i = [], 12
    while data[i]:
        labels.append(data[i + 1:i + 1 + data[i]].decode())
        i += 1 + data[i]
    qtype = struct.unpack(">H", data[i + 1:i + 3])[0]
    return qid, ".".join(labels) + ".", qtype


class Attacker:
    """attack.edu's server: answers every query, and before the real answer to
    a.attack.edu. sends the forgeries."""

    def __init__(self, addr, port, other_addr):
        self.addr = addr
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind((addr, port))
        self.other_port = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.other_port.bind((addr, 0))
        self.other_addr = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.other_addr.bind((other_addr, 0))
        self.tcp = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.tcp.bind((addr, port))
        self.tcp.listen(8)
        self.seen = []  # (id, source port, name)
        threading.Thread(target=self._run, daemon=True).start()
        threading.Thread(target=self._run_tcp, daemon=True).start()

    def _run_tcp(self):
        while True:
            try:
                conn, _ = self.tcp.accept()
            except OSError:
                return
            with conn:
                conn.settimeout(5)
                try:
                    n = struct.unpack(">H", conn.recv(2))[0]
                    data = b""
                    while len(data) < n:
                        data += conn.recv(n - len(data))
                    qid, qname, qtype = parse_query(data)
                    reply = message(qid, True, qname, qtype, an=[rr(qname, A, a("10.0.0.3"))])
                    conn.sendall(struct.pack(">H", len(reply)) + reply)
                except (OSError, struct.error, IndexError):
                    pass

    def _run(self):
        while True:
            try:
                data, peer = self.sock.recvfrom(4096)
                qid, qname, qtype = parse_query(data)
            except (OSError, IndexError, struct.error):
                return
            self.seen.append((qid, peer[1], qname))
            try:
                self._answer(qid, qname, qtype, peer, edns=data[11] > 0)
            except OSError:
                return

    def _answer(self, qid, qname, qtype, peer, edns):
        # Answers echo the question's case (0x20), as real servers do, but nocase.attack.edu.
        forged = message(qid, True, qname, qtype, an=[rr(qname, A, a("6.6.6.6"))])
        name = qname.lower()
        if name == "a.attack.edu.":
            self.other_port.sendto(forged, peer)  # the right id, from another port
            self.other_addr.sendto(forged, peer)  # ... and from another address
            self.sock.sendto(message(qid ^ 0x5555, True, qname, qtype, an=[rr(qname, A, a("6.6.6.7"))]), peer)
            self.sock.sendto(message(qid, True, "b.attack.edu.", qtype, an=[rr("b.attack.edu.", A, a("6.6.6.8"))]),
                             peer)
            # The real answer, with an out-of-bailiwick record riding along.
            self.sock.sendto(message(qid, True, qname, qtype, an=[
                rr(qname, A, a("10.0.0.1")), rr("www.networkutopia.com.", A, a("6.6.6.6"))],
                ns=[rr("networkutopia.com.", NS, wire_name("ns.attack.edu."))]), peer)
        elif name == "sub.attack.edu.":
            # A referral whose glue is for a name outside attack.edu.
            self.sock.sendto(message(qid, False, qname, qtype,
                                     ns=[rr("sub.attack.edu.", NS, wire_name("dns1.networkutopia.com."))],
                                     ar=[rr("dns1.networkutopia.com.", A, a(self.addr))]), peer)
        elif name == "tc.attack.edu.":
            tc = bytearray(message(qid, True, qname, qtype))
            tc[2] |= 0x02  # TC: the answer is over TCP
            self.sock.sendto(bytes(tc), peer)
        elif name == "old.attack.edu." and edns:
            self.sock.sendto(message(qid, False, qname, qtype, rcode=1), peer)  # FORMERR, no OPT
        elif name == "ent.attack.edu.":
            # A broken server: NXDOMAIN for an empty non-terminal (x.ent.attack.edu exists).
            soa = wire_name("ns.attack.edu.") + wire_name("admin.attack.edu.") + struct.pack(">5I", 1, 7200, 3600,
                                                                                             1209600, 60)
            self.sock.sendto(message(qid, True, qname, qtype, ns=[rr("attack.edu.", 6, soa)], rcode=3), peer)
        elif name == "x.ent.attack.edu.":
            self.sock.sendto(message(qid, True, qname, qtype, an=[rr(qname, A, a("10.0.0.6"))]), peer)
        elif name == "nocase.attack.edu.":
            self.sock.sendto(message(qid, True, name, qtype, an=[rr(name, A, a("10.0.0.5"))]), peer)
        else:
            self.sock.sendto(message(qid, True, qname, qtype, an=[rr(qname, A, a("10.0.0.2"))]), peer)

    def close(self):
        for s in (self.sock, self.other_port, self.other_addr, self.tcp):
            s.close()


class PoisoningTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.attacker = None

        def make(addr, port):
            cls.attacker = Attacker(addr, port, addr.rsplit(".", 1)[0] + ".12")
        cls.h = Hierarchy(extra={11: make}).start()
        cls.r = cls.h.resolver

    @classmethod
    def tearDownClass(cls):
        codes = cls.h.stop()
        cls.attacker.close()
        assert all(c == 0 for c in codes), (codes, cls.r.log())

    def dig(self, name, qtype="A"):
        p = run(["dig", f"@{self.h.addr(20)}", "-p", str(self.h.port), "+noall", "+comments", "+answer",
                 "+time=5", "+tries=1", name, qtype])
        replies = parse_dig(p.stdout)
        self.assertEqual(len(replies), 1, p.stdout)
        return replies[0]

    def test_1_forgeries_ignored_and_out_of_bailiwick_not_cached(self):
        r = self.dig("a.attack.edu")
        self.assertEqual(r["answer"], ["a.attack.edu. 300 in a 10.0.0.1"], self.r.log())
        log = self.r.log()
        self.assertRegex(log, r"A a\.attack\.edu: answer 1 A, 2 out-of-bailiwick ignored, [34] stray datagrams")
        # The record that rode along was not believed: the real one comes from networkutopia.com.
        r = self.dig("www.networkutopia.com")
        self.assertEqual(r["answer"], ["www.networkutopia.com. 300 in a 212.212.212.212"])

    def test_2_out_of_bailiwick_glue_in_a_referral_ignored(self):
        r = self.dig("sub.attack.edu")
        self.assertEqual(r["status"], "SERVFAIL")  # the real dns1.networkutopia.com is lame for it
        self.assertIn("A sub.attack.edu: referral sub.attack.edu (1 NS), 1 out-of-bailiwick ignored", self.r.log())
        r = self.dig("dns1.networkutopia.com")
        self.assertEqual(r["answer"], [f"dns1.networkutopia.com. 300 in a {self.h.addr(7)}"])

    def test_3_random_ids_and_ports(self):
        for i in range(8):
            self.assertEqual(self.dig(f"c{i}.attack.edu")["answer"], [f"c{i}.attack.edu. 300 in a 10.0.0.2"])
        seen = [s for s in self.attacker.seen if s[2].lower().startswith("c")]
        self.assertEqual(len(seen), 8)
        self.assertGreater(len({s[0] for s in seen}), 6)
        self.assertGreater(len({s[1] for s in seen}), 6)
        # 0x20: the names' letters in random case (8 names of 13 letters all in lower case: 2^-104).
        self.assertTrue(any(s[2] != s[2].lower() for s in seen), seen)

    def test_4_truncated_answer_retried_over_tcp(self):
        r = self.dig("tc.attack.edu")
        self.assertEqual(r["answer"], ["tc.attack.edu. 300 in a 10.0.0.3"], self.r.log())
        self.assertIn("A tc.attack.edu: answer 1 A, over TCP", self.r.log())

    def test_5_formerr_to_edns_retried_without(self):
        r = self.dig("old.attack.edu")
        self.assertEqual(r["answer"], ["old.attack.edu. 300 in a 10.0.0.2"], self.r.log())
        self.assertIn("A old.attack.edu: answer 1 A, without EDNS", self.r.log())

    def test_6_server_not_echoing_case_asked_again_in_plain_case(self):
        r = self.dig("nocase.attack.edu")
        self.assertEqual(r["answer"], ["nocase.attack.edu. 300 in a 10.0.0.5"], self.r.log())
        self.assertIn("A nocase.attack.edu: answer 1 A, case not echoed (0x20 off)", self.r.log())

    def test_7_qname_minimisation_falls_back_to_the_full_name_on_nxdomain(self):
        # RFC 9156 2.3, relaxed: an NXDOMAIN for a part of the name, then the full name is asked.
        r = self.dig("x.ent.attack.edu")
        self.assertEqual(r["answer"], ["x.ent.attack.edu. 300 in a 10.0.0.6"], self.r.log())
        log = self.r.log()
        self.assertIn("A ent.attack.edu: nxdomain", log)
        self.assertIn("A x.ent.attack.edu: answer 1 A", log)
        self.assertLess(log.index("A ent.attack.edu: nxdomain"), log.index("A x.ent.attack.edu: answer 1 A"))


if __name__ == "__main__":
    main()
