"""dnsd --recursive's modes over the loopback hierarchy: QNAME minimisation as the root and
TLD servers see it (their own --trace), and without it; --forward to another dnsd --recursive
with failover; serve-stale (RFC 8767) once the only server of a zone is gone."""
import unittest

from harness import main, run, wait_until
from dnsutil import parse_dig
from hierarchy import Hierarchy


def dig(h, server, *args):
    p = run(["dig", f"@{server}", "-p", str(h.port), "+noall", "+comments", "+answer", "+authority", "+time=5",
             "+tries=1"] + list(args))
    replies = parse_dig(p.stdout)
    assert len(replies) == 1, p.stdout + p.stderr
    return replies[0]


class ModesTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.h = Hierarchy(trace_servers=True, resolver_args=("--serve-stale",)).start()
        try:
            cls.full = cls.h.add_resolver(21, "--no-qname-minimisation")
            # The first forwarder never answers (a black hole): the second one must take over.
            cls.fwd = cls.h.add_resolver(22, "--forward", f"{cls.h.addr(10)}:{cls.h.port}", "--forward",
                                         f"{cls.h.addr(20)}:{cls.h.port}")
            cls.dead = cls.h.add_resolver(23, "--forward", f"{cls.h.addr(10)}:{cls.h.port}")
        except Exception:
            cls.h.stop()
            raise

    @classmethod
    def tearDownClass(cls):
        codes = cls.h.stop()
        assert all(c == 0 for c in codes), (codes, cls.h.resolver.log())

    def test_minimised_names_at_root_and_tld(self):
        r = dig(self.h, self.h.addr(20), "gaia.cs.umass.edu", "A")
        self.assertEqual(r["answer"], ["gaia.cs.umass.edu. 300 in a 128.119.245.12"])
        self.h.resolver.wait_for_log("A gaia.cs.umass.edu. -> NOERROR")
        # 0x20 puts the names in random case: compare in lower case.
        self.assertTrue(wait_until(lambda: "q: a umass.edu." in self.h.servers[3].log().lower(), timeout=5))
        root = self.h.servers[2].log().lower()
        edu = self.h.servers[3].log().lower()
        self.assertIn("q: a edu. ->", root)
        self.assertNotIn("umass", root)
        self.assertIn("q: a umass.edu. ->", edu)
        self.assertNotIn("gaia", edu)
        log = self.h.resolver.log()
        self.assertIn(f"-> {self.h.addr(5)} A cs.umass.edu: nodata", log)

    def test_without_minimisation_the_root_sees_the_full_name(self):
        r = dig(self.h, self.h.addr(21), "www.networkutopia.com", "MX")
        self.assertEqual(r["status"], "NOERROR", self.full.log())
        self.assertTrue(wait_until(lambda: "q: mx www.networkutopia.com." in self.h.servers[2].log().lower(),
                                   timeout=5))
        self.assertIn(f"-> {self.h.addr(2)} MX www.networkutopia.com: referral com (1 NS)", self.full.log())
        self.assertIn(f"-> {self.h.addr(4)} MX www.networkutopia.com: referral networkutopia.com (1 NS)",
                      self.full.log())

    def test_forward_with_failover_and_cache(self):
        r = dig(self.h, self.h.addr(22), "www.networkutopia.com", "A")
        self.assertEqual(r["status"], "NOERROR", self.fwd.log())
        self.assertEqual(r["answer"], ["www.networkutopia.com. 300 in a 212.212.212.212"])
        self.assertIn("ra", r["flags"])
        log = self.fwd.wait_for_log("A www.networkutopia.com. -> NOERROR")
        self.assertIn(f"=> {self.h.addr(20)}:{self.h.port} A www.networkutopia.com: answer 1 A", log)
        self.assertNotIn(f"-> {self.h.addr(2)} ", log)  # it never iterates itself
        # The forwarder (our resolver on .20) iterated; a second query is answered from the cache.
        # (it logs the name in the random case our resolver sent it)
        self.assertTrue(wait_until(lambda: "a www.networkutopia.com. -> noerror" in self.h.resolver.log().lower(),
                                   timeout=5))
        r = dig(self.h, self.h.addr(22), "www.networkutopia.com", "A")
        self.assertEqual(r["status"], "NOERROR")
        self.assertIn("A www.networkutopia.com. -> NOERROR 1 answer (cached)", self.fwd.wait_for_log("(cached)"))
        # A CNAME chain across zones comes whole from the forwarder.
        r = dig(self.h, self.h.addr(22), "alias.networkutopia.com", "A")
        self.assertEqual(r["answer"], sorted([
            "alias.networkutopia.com. 300 in cname www.umass.edu.",
            "www.umass.edu. 300 in cname www.poly.edu.",
            "www.poly.edu. 300 in a 128.238.24.40"]))
        r = dig(self.h, self.h.addr(22), "nobody.poly.edu", "A")
        self.assertEqual(r["status"], "NXDOMAIN")

    def test_forward_to_a_dead_forwarder_only(self):
        r = dig(self.h, self.h.addr(23), "www.networkutopia.com", "A")
        self.assertEqual(r["status"], "SERVFAIL")
        self.assertIn(f"=> {self.h.addr(10)}:{self.h.port} A www.networkutopia.com: timeout", self.dead.log())

    def test_serve_stale_when_the_zone_server_is_gone(self):
        first = dig(self.h, self.h.addr(20), "www.stale.edu", "A")
        self.assertEqual(first["answer"], ["www.stale.edu. 2 in a 192.0.2.83"], self.h.resolver.log())
        plain = dig(self.h, self.h.addr(21), "www.stale.edu", "A")  # no --serve-stale there
        self.assertEqual(plain["status"], "NOERROR")
        self.assertEqual(self.h.servers[12].stop(), 0)
        # After the 2-second TTL, the server is unreachable: the stale answer, TTL 30.
        got = {}

        def stale():
            got["r"] = dig(self.h, self.h.addr(20), "www.stale.edu", "A")
            return got["r"]["answer"] == ["www.stale.edu. 30 in a 192.0.2.83"]
        self.assertTrue(wait_until(stale, timeout=8, interval=0.5), (got, self.h.resolver.log()))
        self.assertEqual(got["r"]["status"], "NOERROR")
        self.assertIn("A www.stale.edu. -> NOERROR 1 answer (stale)", self.h.resolver.log())
        self.assertIn("no server answered: stale answer for www.stale.edu", self.h.resolver.log())
        # Without --serve-stale: SERVFAIL.
        self.assertTrue(wait_until(lambda: dig(self.h, self.h.addr(21), "www.stale.edu", "A")["status"] == "SERVFAIL",
                                   timeout=8, interval=0.5), self.full.log())


if __name__ == "__main__":
    main()
