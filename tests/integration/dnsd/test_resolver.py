"""dnsd --recursive against a loopback hierarchy (root, TLDs, authoritative servers, a lame
one and one that never answers), asked with dig and kdig: one hierarchy for every check."""
import socket
import struct
import unittest

from harness import main, run, wait_until
from dnsutil import parse_dig
from hierarchy import Hierarchy


class ResolverTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.h = Hierarchy().start()
        cls.r = cls.h.resolver
        cls.server = cls.h.addr(20)

    @classmethod
    def tearDownClass(cls):
        codes = cls.h.stop()
        assert all(c == 0 for c in codes), (codes, cls.r.log())

    def dig(self, *args, tool="dig"):
        argv = [tool, f"@{self.server}", "-p", str(self.h.port)]
        if tool == "kdig":
            return run(argv + ["+time=5", "+retry=0"] + list(args)).stdout
        p = run(argv + ["+noall", "+comments", "+answer", "+authority", "+time=5", "+tries=1"] + list(args))
        replies = parse_dig(p.stdout)
        self.assertEqual(len(replies), 1, p.stdout + p.stderr)
        return replies[0]

    def test_a_walks_root_tld_authoritative(self):
        r = self.dig("gaia.cs.umass.edu", "A")
        self.assertEqual(r["status"], "NOERROR")
        self.assertEqual(r["flags"], {"qr", "rd", "ra"})
        self.assertEqual(r["answer"], ["gaia.cs.umass.edu. 300 in a 128.119.245.12"])
        log = self.r.wait_for_log("A gaia.cs.umass.edu. -> NOERROR")
        # QNAME minimisation (RFC 9156): each server is asked about one label more than its zone.
        self.assertIn(f"-> {self.h.addr(2)} A edu: referral edu (1 NS)", log)
        self.assertIn(f"-> {self.h.addr(3)} A umass.edu: referral umass.edu (1 NS)", log)
        self.assertIn(f"-> {self.h.addr(5)} A cs.umass.edu: nodata", log)
        self.assertIn(f"-> {self.h.addr(5)} A gaia.cs.umass.edu: answer 1 A", log)

    def test_cache_hit_ttl_counts_down(self):
        first = self.dig("cis.poly.edu", "A")
        self.assertEqual(first["status"], "NOERROR")
        ttl0 = int(first["answer"][0].split()[1])
        later = {}

        def lower():
            later["r"] = self.dig("cis.poly.edu", "A")
            return int(later["r"]["answer"][0].split()[1]) < ttl0
        self.assertTrue(wait_until(lower, timeout=4, interval=0.3))
        self.assertIn("cis.poly.edu. -> NOERROR 1 answer (cached)", self.r.log())
        self.assertEqual(self.r.log().count(f"A cis.poly.edu: answer"), 1)  # asked upstream once

    def test_aaaa_and_mx_with_kdig(self):
        r = self.dig("gaia.cs.umass.edu", "AAAA")
        self.assertEqual(r["answer"], ["gaia.cs.umass.edu. 300 in aaaa 2001:db8::12"])
        out = self.dig("networkutopia.com", "MX", tool="kdig")
        self.assertIn("status: NOERROR", out)
        self.assertRegex(out, r"networkutopia\.com\.\s+\d+\s+IN\s+MX\s+10 mail\.networkutopia\.com\.")

    def test_cname_chain_across_zones(self):
        r = self.dig("alias.networkutopia.com", "A")
        self.assertEqual(r["status"], "NOERROR")
        self.assertEqual(r["answer"], sorted([
            "alias.networkutopia.com. 300 in cname www.umass.edu.",
            "www.umass.edu. 300 in cname www.poly.edu.",
            "www.poly.edu. 300 in a 128.238.24.40"]))

    def test_nxdomain_and_nodata_with_soa(self):
        r = self.dig("nobody.umass.edu", "A")
        self.assertEqual(r["status"], "NXDOMAIN")
        self.assertEqual(r["answer"], [])
        self.assertTrue(r["authority"] and " soa " in r["authority"][0], r)
        again = self.dig("nobody.umass.edu", "MX")  # RFC 2308: NXDOMAIN is for every type
        self.assertEqual(again["status"], "NXDOMAIN")
        self.assertIn("MX nobody.umass.edu. -> NXDOMAIN 0 answers (cached)", self.r.log())
        r = self.dig("cis.poly.edu", "MX")
        self.assertEqual(r["status"], "NOERROR")
        self.assertEqual(r["answer"], [])
        self.assertTrue(r["authority"] and " soa " in r["authority"][0], r)

    def test_delegation_without_glue(self):
        r = self.dig("www.noglue.com", "A")
        self.assertEqual(r["status"], "NOERROR", self.r.log())
        self.assertEqual(r["answer"], ["www.noglue.com. 300 in a 192.0.2.82"])
        self.assertIn("A ns.nets.net: answer 1 A", self.r.log())

    def test_lame_server_is_skipped(self):
        r = self.dig("www.lame.edu", "A")
        self.assertEqual(r["status"], "NOERROR", self.r.log())
        self.assertEqual(r["answer"], ["www.lame.edu. 300 in a 192.0.2.80"])
        r = self.dig("www.alllame.edu", "A")
        self.assertEqual(r["status"], "SERVFAIL")
        self.assertIn(f"-> {self.h.addr(9)} A www.alllame.edu: lame (REFUSED)", self.r.log())

    def test_server_that_times_out(self):
        r = self.dig("www.slow.edu", "A")
        self.assertEqual(r["status"], "NOERROR", self.r.log())
        self.assertEqual(r["answer"], ["www.slow.edu. 300 in a 192.0.2.81"])
        r = self.dig("www.dead.edu", "A")
        self.assertEqual(r["status"], "SERVFAIL")
        self.assertIn(f"-> {self.h.addr(10)} A www.dead.edu: timeout", self.r.log())

    def test_refused_for_a_client_not_allowed(self):
        r = self.dig("-b", self.h.addr(200), "gaia.cs.umass.edu", "A")
        self.assertEqual(r["status"], "REFUSED")
        self.assertNotIn("ra", r["flags"])
        ok = self.dig("-b", self.h.addr(100), "www.umass.edu", "A")
        self.assertEqual(ok["status"], "NOERROR")

    def test_identical_concurrent_queries_collapsed(self):
        qname = b"\x03www\x0dnetworkutopia\x03com\x00"
        socks = []
        for i in range(6):
            s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            s.settimeout(5)
            s.sendto(struct.pack(">HHHHHH", 100 + i, 0x0100, 1, 0, 0, 0) + qname + b"\x00\x01\x00\x01",
                     (self.server, self.h.port))
            socks.append(s)
        for i, s in enumerate(socks):
            data, _ = s.recvfrom(4096)
            s.close()
            qid, flags, _, ancount = struct.unpack(">HHHH", data[:8])
            self.assertEqual((qid, flags & 0xF, ancount), (100 + i, 0, 1))
        self.assertEqual(self.r.log().count("A www.networkutopia.com: answer"), 1, self.r.log())

    def test_tcp_and_own_zone_authoritative(self):
        r = self.dig("+tcp", "mail.networkutopia.com", "A")
        self.assertEqual(r["answer"], ["mail.networkutopia.com. 300 in a 212.212.212.2"])
        r = self.dig("host.local.test", "A")
        self.assertIn("aa", r["flags"])
        self.assertEqual(r["answer"], ["host.local.test. 300 in a 192.0.2.99"])


class BusyTest(unittest.TestCase):
    """--max-resolutions: a query beyond the cap gets SERVFAIL at once instead of a coroutine
    of its own, so a client sending names faster than they resolve cannot grow memory."""
    @classmethod
    def setUpClass(cls):
        cls.h = Hierarchy(resolver_args=("--max-resolutions", "1")).start()
        cls.server = cls.h.addr(20)

    @classmethod
    def tearDownClass(cls):
        codes = cls.h.stop()
        assert all(c == 0 for c in codes), (codes, cls.h.resolver.log())

    def ask(self, qid, labels):
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.settimeout(5)
        qname = b"".join(bytes([len(l)]) + l.encode() for l in labels) + b"\x00"
        s.sendto(struct.pack(">HHHHHH", qid, 0x0100, 1, 0, 0, 0) + qname + b"\x00\x01\x00\x01",
                 (self.server, self.h.port))
        return s

    def rcode(self, s):
        data, _ = s.recvfrom(4096)
        s.close()
        return struct.unpack(">HH", data[:4])[1] & 0xF

    def test_servfail_beyond_the_cap(self):
        slow = self.ask(1, ["www", "dead", "edu"])  # its only server never answers
        # The edu server's referral is traced when it arrives; then the resolution waits
        # (300 ms a try) on a server that never answers.
        self.h.resolver.wait_for_log("A dead.edu: referral dead.edu", timeout=10)
        self.assertEqual(self.rcode(self.ask(2, ["gaia", "cs", "umass", "edu"])), 2)  # SERVFAIL, busy
        self.assertIn("[busy]", self.h.resolver.log())
        self.assertEqual(self.rcode(slow), 2)  # the slow one ends in SERVFAIL too, in its time
        self.assertEqual(self.rcode(self.ask(3, ["gaia", "cs", "umass", "edu"])), 0)  # room again


if __name__ == "__main__":
    main()
