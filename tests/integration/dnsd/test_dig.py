"""dnsd answers dig and kdig over UDP and TCP for every record type, with the right flags."""
import unittest

from harness import Daemon, main, run
from dnsutil import dig, short, zone

ZONE_ARGS = ["--zone", zone("example.test.zone"), "--zone", zone("2.0.192.in-addr.arpa.zone"),
             "--axfr-allow", "127.0.0.0/8", "--threads", "2"]


class DigTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.d = Daemon("dnsd", *ZONE_ARGS).start()
        cls.port = cls.d.udp_port()

    @classmethod
    def tearDownClass(cls):
        code = cls.d.stop()
        assert code == 0, cls.d.log()

    def test_same_port_for_udp_and_tcp(self):
        self.assertEqual(self.d.udp_port(), self.d.tcp_port())

    def test_every_type_udp_tcp_dig_kdig(self):
        cases = [
            ("www.example.test", "A", ["192.0.2.10", "192.0.2.11", "192.0.2.12"]),
            ("www.example.test", "AAAA", ["2001:db8::10"]),
            ("example.test", "NS", ["ns1.example.test.", "ns2.example.net."]),
            ("alias.example.test", "CNAME", ["www.example.test."]),
            ("example.test", "MX", ["10 mail.example.test.", "20 mail2.example.net."]),
            ("txt.example.test", "TXT", ['"hello world" "second string" "semi;colon" "quote\\"d"']),
            ("10.2.0.192.in-addr.arpa", "PTR", ["www.example.test."]),
            ("_sip._udp.example.test", "SRV", ["10 60 5060 sip.example.test."]),
            ("example.test", "CAA", ['0 issue "ca.example.net"']),
            ("example.test", "SOA", ["ns1.example.test. hostmaster.example.test. 2026112301 7200 3600 1209600 300"]),
            ("weird.example.test", "TYPE65280", ["\\# 4 0a000001"]),
        ]
        for name, qtype, want in cases:
            for tcp in (False, True):
                for tool in ("dig", "kdig"):
                    with self.subTest(name=name, qtype=qtype, tcp=tcp, tool=tool):
                        got = short(self.port, name, qtype, tcp=tcp, tool=tool)
                        self.assertEqual(got, sorted(w.lower() for w in want))

    def test_positive_answer_flags_and_sections(self):
        r = dig(self.port, "www.example.test", "A")
        self.assertEqual(r["status"], "NOERROR")
        self.assertEqual(r["flags"], {"qr", "aa"})  # +norec: RD clear, RA never set
        self.assertEqual(len(r["answer"]), 3)
        self.assertIn("example.test. 3600 in ns ns1.example.test.", r["authority"])
        self.assertIn("ns1.example.test. 3600 in a 192.0.2.1", r["additional"])
        self.assertIn("ns1.example.test. 3600 in aaaa 2001:db8::1", r["additional"])

    def test_rd_is_copied_ra_is_not_set(self):
        p = run(["dig", "@127.0.0.1", "-p", str(self.port), "+rec", "www.example.test"])
        self.assertRegex(p.stdout, r"flags: qr aa rd;")

    def test_mx_additional(self):
        r = dig(self.port, "example.test", "MX")
        self.assertIn("mail.example.test. 300 in a 192.0.2.25", r["additional"])

    def test_cname_chain(self):
        r = dig(self.port, "chain1.example.test", "A")
        self.assertEqual(r["status"], "NOERROR")
        self.assertIn("chain1.example.test. 3600 in cname chain2.example.test.", r["answer"])
        self.assertIn("chain2.example.test. 3600 in cname www.example.test.", r["answer"])
        self.assertEqual(len(r["answer"]), 5)

    def test_dangling_cname_is_nxdomain(self):
        r = dig(self.port, "dangling.example.test", "A")
        self.assertEqual(r["status"], "NXDOMAIN")  # RFC 6604: rcode of the last name
        self.assertEqual(r["answer"], ["dangling.example.test. 3600 in cname nowhere.example.test."])

    def test_nxdomain_with_soa_negative_ttl(self):
        r = dig(self.port, "nope.example.test", "A")
        self.assertEqual(r["status"], "NXDOMAIN")
        self.assertIn("aa", r["flags"])
        self.assertEqual(len(r["authority"]), 1)
        self.assertTrue(r["authority"][0].startswith("example.test. 300 in soa "))

    def test_nodata(self):
        r = dig(self.port, "mail.example.test", "TXT")
        self.assertEqual(r["status"], "NOERROR")
        self.assertEqual(r["answer"], [])
        self.assertTrue(r["authority"][0].startswith("example.test. 300 in soa "))

    def test_empty_non_terminal_is_nodata(self):
        r = dig(self.port, "c.ent.example.test", "A")
        self.assertEqual(r["status"], "NOERROR")
        self.assertEqual(r["answer"], [])

    def test_referral(self):
        r = dig(self.port, "host.sub.example.test", "A")
        self.assertEqual(r["status"], "NOERROR")
        self.assertNotIn("aa", r["flags"])
        self.assertEqual(r["answer"], [])
        self.assertEqual(r["authority"], ["sub.example.test. 3600 in ns ns.other.example.net.",
                                          "sub.example.test. 3600 in ns ns.sub.example.test."])
        self.assertEqual(r["additional"], ["ns.sub.example.test. 3600 in a 192.0.2.53"])

    def test_wildcard(self):
        r = dig(self.port, "anything.wild.example.test", "A")
        self.assertEqual(r["answer"], ["anything.wild.example.test. 3600 in a 192.0.2.99"])
        r = dig(self.port, "x.y.wild.example.test", "TXT")
        self.assertEqual(r["answer"], ['x.y.wild.example.test. 3600 in txt "wildcard"'])
        r = dig(self.port, "foo.walias.example.test", "A")
        self.assertIn("foo.walias.example.test. 3600 in cname www.example.test.", r["answer"])
        r = dig(self.port, "wild.example.test", "A")  # the wildcard's parent is an ENT: NODATA
        self.assertEqual((r["status"], r["answer"]), ("NOERROR", []))

    def test_refused_outside_our_zones(self):
        r = dig(self.port, "www.example.org", "A")
        self.assertEqual(r["status"], "REFUSED")
        self.assertNotIn("aa", r["flags"])

    def test_case_insensitive_and_query_case_echoed(self):
        r = dig(self.port, "mixed.EXAMPLE.test", "A")
        self.assertEqual(r["answer"], ["mixed.example.test. 3600 in a 192.0.2.77"])
        p = run(["dig", "@127.0.0.1", "-p", str(self.port), "+noall", "+answer", "WwW.ExAmPlE.TeSt", "AAAA"])
        self.assertIn("WwW.ExAmPlE.TeSt.", p.stdout)

    def test_truncation_then_tcp(self):
        # Six 101-octet TXT strings do not fit in 512 octets.
        p = run(["dig", "@127.0.0.1", "-p", str(self.port), "+noedns", "+ignore", "big.example.test", "TXT"])
        self.assertRegex(p.stdout, r"flags: qr aa tc")
        p = run(["dig", "@127.0.0.1", "-p", str(self.port), "+noedns", "big.example.test", "TXT"])
        self.assertIn("Truncated, retrying in TCP mode", p.stdout)
        self.assertIn("ANSWER: 6", p.stdout)
        # With EDNS and a big enough buffer it fits over UDP.
        p = run(["dig", "@127.0.0.1", "-p", str(self.port), "+bufsize=1232", "big.example.test", "TXT"])
        self.assertNotIn("Truncated", p.stdout)
        self.assertIn("ANSWER: 6", p.stdout)
        # A small advertised size is raised to 512 (RFC 6891 6.2.5); still truncated.
        p = run(["dig", "@127.0.0.1", "-p", str(self.port), "+bufsize=100", "+ignore", "big.example.test", "TXT"])
        self.assertRegex(p.stdout, r"flags: qr aa tc")
        self.assertIn("udp: 1232", p.stdout)

    def test_badvers(self):
        p = run(["dig", "@127.0.0.1", "-p", str(self.port), "+edns=1", "+noednsneg", "example.test", "SOA"])
        self.assertIn("status: BADVERS", p.stdout)
        self.assertIn("EDNS: version: 0", p.stdout)

    def test_axfr_dig_and_kdig(self):
        p = run(["dig", "@127.0.0.1", "-p", str(self.port), "example.test", "AXFR"])
        lines = [l for l in p.stdout.splitlines() if l and not l.startswith(";")]
        self.assertIn("SOA", lines[0].split())
        self.assertIn("SOA", lines[-1].split())
        self.assertEqual(len(lines), 39)  # 37 records + the SOA twice (RFC 5936 2.2)
        p = run(["kdig", "@127.0.0.1", "-p", str(self.port), "example.test", "AXFR"])
        self.assertIn("192.0.2.99", p.stdout)
        self.assertNotIn("failed", p.stdout.lower())

    def test_axfr_over_udp_refused_and_name_must_be_apex(self):
        r = dig(self.port, "www.example.test", "AXFR", tcp=True, check=False)
        self.assertEqual(r["status"], "NOTAUTH")

    def test_several_queries_on_one_tcp_connection(self):
        p = run(["dig", "@127.0.0.1", "-p", str(self.port), "+tcp", "+keepopen", "+short",
                 "www.example.test", "AAAA", "mail.example.test", "A", "sip.example.test", "A"])
        self.assertEqual(p.stdout.split(), ["2001:db8::10", "192.0.2.25", "192.0.2.50"])

    def test_nslookup_mx(self):
        p = run(["nslookup", "-port=" + str(self.port), "-type=MX", "example.test", "127.0.0.1"])
        self.assertIn("mail exchanger = 10 mail.example.test.", p.stdout)


class AxfrAccessTest(unittest.TestCase):
    def test_axfr_refused_without_permission(self):
        with Daemon("dnsd", "--zone", zone("example.test.zone")) as d:
            r = dig(d.tcp_port(), "example.test", "AXFR", check=False)
            p = run(["dig", "@127.0.0.1", "-p", str(d.tcp_port()), "example.test", "AXFR"], check=False)
            self.assertIn("Transfer failed", p.stdout)
            del r


if __name__ == "__main__":
    main()
