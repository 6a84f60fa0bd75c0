"""The same zone served by NSD and by dnsd: 50+ queries must get the same rcode, flags and
answer/authority/additional RRsets (order and id aside)."""
import unittest

from harness import Daemon, main, wait_until
from dnsutil import dig_batch, zone
from nsd_fixture import Nsd, nsd_binary

ZONES = [("example.test", zone("example.test.zone")), ("2.0.192.in-addr.arpa", zone("2.0.192.in-addr.arpa.zone"))]

NAMES_TYPES = [
    ("example.test", t) for t in ("SOA", "NS", "MX", "TXT", "CAA", "A", "AAAA", "ANY", "SRV", "PTR")
] + [
    ("www.example.test", "A"), ("www.example.test", "AAAA"), ("www.example.test", "MX"), ("www.example.test", "ANY"),
    ("WWW.Example.TEST", "A"), ("ns1.example.test", "A"), ("ns1.example.test", "AAAA"),
    ("mail.example.test", "A"), ("mail.example.test", "TXT"),
    ("alias.example.test", "A"), ("alias.example.test", "CNAME"), ("alias.example.test", "AAAA"),
    ("alias.example.test", "TXT"), ("chain1.example.test", "A"), ("chain1.example.test", "CNAME"),
    ("chain2.example.test", "AAAA"), ("dangling.example.test", "A"), ("outside.example.test", "A"),
    ("txt.example.test", "TXT"), ("_sip._udp.example.test", "SRV"), ("sip.example.test", "A"),
    ("weird.example.test", "TYPE65280"), ("weird.example.test", "A"), ("hinfo.example.test", "HINFO"),
    ("a.b.c.ent.example.test", "A"), ("b.c.ent.example.test", "A"), ("c.ent.example.test", "A"),
    ("ent.example.test", "A"), ("x.ent.example.test", "A"),
    ("foo.wild.example.test", "A"), ("foo.wild.example.test", "TXT"), ("foo.wild.example.test", "MX"),
    ("a.b.wild.example.test", "A"), ("wild.example.test", "A"), ("*.wild.example.test", "A"),
    ("x.walias.example.test", "A"), ("x.walias.example.test", "CNAME"),
    ("sub.example.test", "NS"), ("sub.example.test", "A"), ("host.sub.example.test", "A"),
    ("ns.sub.example.test", "A"), ("deep.host.sub.example.test", "MX"),
    ("nonexistent.example.test", "A"), ("nonexistent.example.test", "MX"), ("a.b.nonexistent.example.test", "A"),
    ("mixed.example.test", "A"), ("big.example.test", "TXT"),
    ("10.2.0.192.in-addr.arpa", "PTR"), ("25.2.0.192.in-addr.arpa", "PTR"), ("99.2.0.192.in-addr.arpa", "PTR"),
    ("2.0.192.in-addr.arpa", "NS"), ("www.example.org", "A"), ("test", "SOA"), ("example.test", "DS"),
]


def compare(case, a, b):
    case.assertEqual(a["status"], b["status"])
    case.assertEqual(a["flags"], b["flags"])
    for s in ("answer", "authority", "additional"):
        case.assertEqual(a[s], b[s], s)


@unittest.skipUnless(nsd_binary(), "nsd is not installed")
class DifferentialTest(unittest.TestCase):
    def test_same_answers_as_nsd(self):
        self.assertGreaterEqual(len(NAMES_TYPES), 50)
        queries = [f"{n} {t}" for n, t in NAMES_TYPES]
        with Nsd(ZONES) as nsd, Daemon("dnsd", *sum((["--zone", p] for _, p in ZONES), [])) as d:
            for opts in (["+bufsize=1232"], ["+tcp"], ["+noedns"], ["+rec", "+bufsize=4096"]):
                ours = dig_batch(d.udp_port(), queries, *opts)
                theirs = dig_batch(nsd.port, queries, *opts)
                # Guard against comparing two empty outputs: most queries have answers.
                self.assertGreater(sum(1 for r in theirs if r["answer"]), 30)
                self.assertGreater(sum(1 for r in theirs if r["status"] == "NXDOMAIN"), 3)
                for q, a, b in zip(queries, ours, theirs):
                    with self.subTest(query=q, opts=opts):
                        if "tc" in b["flags"] or "tc" in a["flags"]:
                            # Both must truncate; what is kept in a truncated reply differs by design.
                            self.assertEqual("tc" in a["flags"], "tc" in b["flags"])
                            continue
                        compare(self, a, b)


@unittest.skipUnless(nsd_binary(), "nsd is not installed")
class NsdSecondaryTest(unittest.TestCase):
    def test_nsd_transfers_the_zone_from_dnsd(self):
        from harness import run
        with Daemon("dnsd", "--zone", zone("example.test.zone"), "--axfr-allow", "127.0.0.1") as d:
            primary = f"127.0.0.1@{d.tcp_port()}"
            sec = [("example.test", "example.test.secondary", f"request-xfr: AXFR {primary} NOKEY",
                    f"allow-notify: 127.0.0.1 NOKEY")]
            with Nsd(sec, wait_for_zone=False) as nsd:
                def www():
                    p = run(["dig", "@127.0.0.1", "-p", str(nsd.port), "+short", "+time=1", "+tries=1",
                             "www.example.test", "A"], check=False)
                    return sorted(p.stdout.split())
                got = wait_until(www, timeout=30, interval=0.2)
                self.assertEqual(got, ["192.0.2.10", "192.0.2.11", "192.0.2.12"], nsd.read_log())
                p = run(["dig", "@127.0.0.1", "-p", str(nsd.port), "+short", "example.test", "SOA"])
                self.assertIn("2026112301", p.stdout)
                p = run(["dig", "@127.0.0.1", "-p", str(nsd.port), "+short", "weird.example.test", "TYPE65280"])
                self.assertEqual(p.stdout.strip().lower(), "\\# 4 0a000001")
            self.assertIn("AXFR example.test.", d.log())


if __name__ == "__main__":
    main()
