"""RRsets as clients see them: records that differ only in the case of a name are one record
(RFC 4343, RFC 2181 5), and an RRset has one TTL (RFC 2181 5.2), the same in answers and in
AXFR, with a warning at load for the records that said otherwise."""
import unittest

from harness import Daemon, main, run
from dnsutil import dig, norm, zone
from nsd_fixture import Nsd, nsd_binary

ZONE = zone("rrset.test.zone")


def axfr(port):
    p = run(["dig", "@127.0.0.1", "-p", str(port), "+noall", "+answer", "+time=5", "+tries=1", "rrset.test", "AXFR"])
    return [norm(l) for l in p.stdout.splitlines() if l.strip() and not l.startswith(";")]


def of_type(lines, owner, rtype):
    return sorted(l for l in lines if l.split()[0] == owner and l.split()[3] == rtype)


class RRsetTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.d = Daemon("dnsd", "--zone", ZONE, "--axfr-allow", "127.0.0.1").start()
        cls.port = cls.d.udp_port()

    @classmethod
    def tearDownClass(cls):
        code = cls.d.stop()
        assert code == 0, cls.d.log()

    def test_records_differing_only_in_name_case_are_one(self):
        self.assertEqual(dig(self.port, "rrset.test", "NS")["answer"], ["rrset.test. 3600 in ns ns.rrset.test."])
        self.assertEqual(dig(self.port, "rrset.test", "MX")["answer"], ["rrset.test. 3600 in mx 10 mail.rrset.test."])
        self.assertEqual(len(dig(self.port, "www.rrset.test", "A")["answer"]), 2)
        lines = axfr(self.port)
        self.assertEqual(len(of_type(lines, "rrset.test.", "ns")), 1, lines)
        self.assertEqual(len(of_type(lines, "rrset.test.", "mx")), 1, lines)
        self.assertEqual(len(of_type(lines, "www.rrset.test.", "a")), 2, lines)

    @unittest.skipUnless(nsd_binary(), "nsd is not installed")
    def test_duplicates_as_nsd_drops_them(self):
        with Nsd([("rrset.test", ZONE)]) as nsd:
            for name, rtype in (("rrset.test", "NS"), ("rrset.test", "MX"), ("cname2.rrset.test", "CNAME")):
                with self.subTest(name=name, rtype=rtype):
                    self.assertEqual(dig(self.port, name, rtype)["answer"], dig(nsd.port, name, rtype)["answer"])

    def test_one_ttl_per_rrset_in_answers_and_axfr(self):
        www = dig(self.port, "www.rrset.test", "A", tcp=True)["answer"]
        self.assertEqual(www, ["www.rrset.test. 3600 in a 192.0.2.10", "www.rrset.test. 3600 in a 192.0.2.11"])
        txt = dig(self.port, "txt.rrset.test", "TXT")["answer"]
        self.assertEqual(txt, ['txt.rrset.test. 600 in txt "one"', 'txt.rrset.test. 600 in txt "two"'])
        lines = axfr(self.port)
        self.assertEqual(of_type(lines, "www.rrset.test.", "a"), www)
        self.assertEqual(of_type(lines, "txt.rrset.test.", "txt"), txt)

    def test_differing_ttls_are_warned_about_at_load(self):
        self.d.wait_for_log("rrset.test.zone:16: www.rrset.test. TTL 300 does not match the TTL 3600 of the A RRset")
        self.d.wait_for_log("rrset.test.zone:19: txt.rrset.test. TTL 3600 does not match the TTL 600 of the TXT RRset")


if __name__ == "__main__":
    main()
