"""Malformed input over UDP and TCP: FORMERR or silence, never a crash or a hang."""
import random
import socket
import struct
import time
import unittest

from harness import Daemon, main
from dnsutil import short, zone


def header(id=0x1234, flags=0x0100, qd=1, an=0, ns=0, ar=0):
    return struct.pack(">HHHHHH", id, flags, qd, an, ns, ar)


def qname(name):
    out = b""
    for label in name.split("."):
        if label:
            out += bytes([len(label)]) + label.encode()
    return out + b"\0"


def question(name="www.example.test", qtype=1):
    return qname(name) + struct.pack(">HH", qtype, 1)


class BadInputTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.d = Daemon("dnsd", "--zone", zone("example.test.zone"), "--tcp-io-timeout-ms", "500",
                       "--tcp-idle-timeout-ms", "2000").start()
        cls.port = cls.d.udp_port()

    @classmethod
    def tearDownClass(cls):
        code = cls.d.stop()
        assert code == 0, cls.d.log()

    def udp(self, data, expect_reply=True):
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.settimeout(1.0 if expect_reply else 0.3)
            s.sendto(data, ("127.0.0.1", self.port))
            try:
                return s.recv(65535)
            except socket.timeout:
                return None

    def rcode(self, reply):
        self.assertIsNotNone(reply)
        self.assertGreaterEqual(len(reply), 12)
        flags = struct.unpack(">H", reply[2:4])[0]
        self.assertTrue(flags & 0x8000)
        return flags & 0xF

    def assert_alive(self):
        self.assertEqual(short(self.port, "mail.example.test", "A"), ["192.0.2.25"])

    def test_valid_query_baseline(self):
        r = self.udp(header() + question())
        self.assertEqual(self.rcode(r), 0)
        self.assertEqual(r[:2], b"\x12\x34")

    def test_truncated_headers_are_dropped(self):
        for n in range(0, 12):
            self.assertIsNone(self.udp(header()[:n], expect_reply=False), n)
        self.assert_alive()

    def test_truncated_question_is_formerr(self):
        full = header() + question()
        for n in range(12, len(full)):
            self.assertEqual(self.rcode(self.udp(full[:n])), 1, n)

    def test_pointer_loop_and_forward_pointer(self):
        loop = header() + b"\xc0\x0c" + struct.pack(">HH", 1, 1)     # points at itself
        fwd = header() + b"\xc0\x20" + struct.pack(">HH", 1, 1) + b"\0" * 20  # points ahead
        two = header() + b"\x01a\xc0\x0e" + struct.pack(">HH", 1, 1)  # a -> pointer to the pointer
        for msg in (loop, fwd, two):
            self.assertEqual(self.rcode(self.udp(msg)), 1)
        self.assert_alive()

    def test_label_over_63_and_name_over_255(self):
        r = self.udp(header() + b"\x40" + b"a" * 64 + b"\0" + struct.pack(">HH", 1, 1))
        self.assertEqual(self.rcode(r), 1)
        ok63 = header() + b"\x3f" + b"a" * 63 + qname("example.test") + struct.pack(">HH", 1, 1)
        self.assertEqual(self.rcode(self.udp(ok63)), 3)  # a valid name, just not there
        long_name = b"".join(b"\x3f" + b"b" * 63 for _ in range(4)) + b"\0"  # 257 octets
        self.assertEqual(self.rcode(self.udp(header() + long_name + struct.pack(">HH", 1, 1))), 1)

    def test_qdcount_other_than_one(self):
        self.assertEqual(self.rcode(self.udp(header(qd=0))), 1)
        self.assertEqual(self.rcode(self.udp(header(qd=2) + question() + question())), 1)

    def test_response_as_query_is_dropped(self):
        self.assertIsNone(self.udp(header(flags=0x8400) + question(), expect_reply=False))

    def test_unknown_opcode_notimp(self):
        r = self.udp(header(flags=(2 << 11)) + question())
        self.assertEqual(self.rcode(r), 4)

    def test_two_opt_records_formerr(self):
        opt = b"\0" + struct.pack(">HHIH", 41, 1232, 0, 0)
        self.assertEqual(self.rcode(self.udp(header(ar=2) + question() + opt + opt)), 1)

    def test_malformed_edns_option_formerr(self):
        # RFC 6891 6.1.2: options are {code, length, data}; NSD answers FORMERR when one runs
        # past the OPT's rdata.
        def opt(options):
            return b"\0" + struct.pack(">HHIH", 41, 1232, 0, len(options)) + options
        cookie = struct.pack(">HH", 10, 8) + b"abcdefgh"
        self.assertEqual(self.rcode(self.udp(header(ar=1) + question() + opt(cookie))), 0)
        for bad in (struct.pack(">HH", 10, 10) + b"ab", struct.pack(">HH", 10, 8)[:3], cookie + b"\0"):
            with self.subTest(options=bad):
                self.assertEqual(self.rcode(self.udp(header(ar=1) + question() + opt(bad))), 1)

    def test_counts_beyond_data_formerr(self):
        self.assertEqual(self.rcode(self.udp(header(an=5) + question())), 1)

    def test_random_bytes(self):
        rng = random.Random(20261123)
        base = header() + question()
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            for i in range(3000):
                if i % 2:
                    data = bytes(rng.randrange(256) for _ in range(rng.randrange(1, 100)))
                else:  # mutate a valid query: more likely to reach deep parsing
                    b = bytearray(base)
                    for _ in range(rng.randrange(1, 5)):
                        b[rng.randrange(len(b))] = rng.randrange(256)
                    data = bytes(b)
                s.sendto(data, ("127.0.0.1", self.port))
        self.assert_alive()

    def tcp(self):
        s = socket.create_connection(("127.0.0.1", self.port), timeout=5)
        return s

    def recv_exact(self, s, n):
        buf = b""
        while len(buf) < n:
            chunk = s.recv(n - len(buf))
            if not chunk:
                return None
            buf += chunk
        return buf

    def test_tcp_length_prefix_larger_than_data_times_out(self):
        with self.tcp() as s:
            msg = header() + question()
            s.sendall(struct.pack(">H", len(msg) + 100) + msg)
            start = time.monotonic()
            s.settimeout(5)
            self.assertEqual(s.recv(10), b"")  # closed by the io timeout, nothing answered
            self.assertLess(time.monotonic() - start, 4)
        self.assert_alive()

    def test_tcp_tiny_length_closes(self):
        with self.tcp() as s:
            s.sendall(b"\x00\x05hello")
            s.settimeout(5)
            self.assertEqual(s.recv(10), b"")

    def test_tcp_pipelined_queries_and_garbage(self):
        with self.tcp() as s:
            q1 = header(id=1) + question("www.example.test", 28)
            bad = header(id=2) + b"\xc0\x0c\x00\x01\x00\x01"
            q3 = header(id=3) + question("mail.example.test", 1)
            s.sendall(b"".join(struct.pack(">H", len(m)) + m for m in (q1, bad, q3)))
            ids = []
            for _ in range(3):
                n = struct.unpack(">H", self.recv_exact(s, 2))[0]
                reply = self.recv_exact(s, n)
                ids.append((struct.unpack(">H", reply[:2])[0], self.rcode(reply)))
            self.assertEqual(ids, [(1, 0), (2, 1), (3, 0)])

    def test_tcp_idle_timeout(self):
        with self.tcp() as s:
            start = time.monotonic()
            s.settimeout(10)
            self.assertEqual(s.recv(10), b"")
            self.assertLess(time.monotonic() - start, 8)


if __name__ == "__main__":
    main()
