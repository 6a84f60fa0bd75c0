"""dnsd --recursive and Unbound (Debian) over the same loopback hierarchy: the same rcode,
flags and answer records (TTLs aside) for 50+ questions. Unbound reaches each zone through
a stub-zone (it has no setting for the port of the servers it iterates to)."""
import os
import shutil
import subprocess
import unittest

from harness import main, run, wait_until
from dnsutil import parse_dig
from hierarchy import Hierarchy, SERVERS

UNBOUND = shutil.which("unbound") or "/usr/sbin/unbound"

NAMES = [
    ("gaia.cs.umass.edu", t) for t in ("A", "AAAA", "MX", "TXT", "NS", "SOA")
] + [
    ("cis.poly.edu", t) for t in ("A", "AAAA", "MX")
] + [
    ("www.umass.edu", "A"), ("www.umass.edu", "CNAME"), ("www.umass.edu", "AAAA"), ("www.poly.edu", "A"),
    ("alias.networkutopia.com", "A"), ("alias.networkutopia.com", "MX"), ("alias.networkutopia.com", "CNAME"),
    ("networkutopia.com", "MX"), ("networkutopia.com", "NS"), ("networkutopia.com", "SOA"),
    ("networkutopia.com", "A"), ("www.networkutopia.com", "A"), ("www.networkutopia.com", "AAAA"),
    ("mail.networkutopia.com", "A"), ("dns1.networkutopia.com", "A"), ("nobody.networkutopia.com", "A"),
    ("umass.edu", "NS"), ("umass.edu", "SOA"), ("umass.edu", "MX"), ("dns.umass.edu", "A"),
    ("poly.edu", "NS"), ("poly.edu", "SOA"), ("dns.poly.edu", "A"),
    ("nobody.umass.edu", "A"), ("nobody.umass.edu", "MX"), ("a.b.c.poly.edu", "A"), ("cs.umass.edu", "A"),
    ("nosuch.edu", "A"), ("nosuch.com", "MX"), ("nosuch.tld", "A"),
    ("www.noglue.com", "A"), ("www.noglue.com", "MX"), ("noglue.com", "SOA"), ("ns.nets.net", "A"),
    ("www.lame.edu", "A"), ("lame.edu", "NS"), ("www.alllame.edu", "A"),
    ("edu", "NS"), ("edu", "SOA"), ("com", "SOA"), ("net", "NS"),
    ("GAIA.CS.UMASS.EDU", "A"), ("Www.NetworkUtopia.Com", "A"),
    ("cis.poly.edu", "TXT"), ("mail.networkutopia.com", "MX"), ("nobody.poly.edu", "AAAA"),
]

# Zones Unbound reaches by stub-zone: name -> the octets of its servers' addresses.
STUBS = {".": [2], "edu": [3], "com": [4], "net": [4], "umass.edu": [5], "poly.edu": [6],
         "lame.edu": [9, 6], "alllame.edu": [9], "networkutopia.com": [7], "noglue.com": [8]}


@unittest.skipUnless(os.path.exists(UNBOUND), "unbound is not installed (scripts/install-deps)")
class UnboundDifferentialTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.h = Hierarchy().start()
        conf = os.path.join(cls.h.dir, "unbound.conf")
        cls.log_path = os.path.join(cls.h.dir, "unbound.log")
        lines = ["server:", f"  interface: {cls.h.addr(30)}", f"  port: {cls.h.port}", "  do-daemonize: no",
                 '  username: ""', '  chroot: ""', f'  directory: "{cls.h.dir}"', '  pidfile: ""',
                 "  use-syslog: no", f'  logfile: "{cls.log_path}"', "  verbosity: 1", "  do-ip6: no",
                 "  num-threads: 1", "  access-control: 127.0.0.0/8 allow", "  do-not-query-localhost: no",
                 '  module-config: "iterator"', "  qname-minimisation: no", "  minimal-responses: yes"]
        for zone, octets in STUBS.items():
            lines += ["stub-zone:", f'  name: "{zone}"']
            lines += [f"  stub-addr: {cls.h.addr(o)}@{cls.h.port}" for o in octets]
        with open(conf, "w") as f:
            f.write("\n".join(lines) + "\n")
        cls.unbound = subprocess.Popen([UNBOUND, "-d", "-c", conf], stdout=subprocess.DEVNULL,
                                       stderr=subprocess.STDOUT)
        if not wait_until(cls.started, timeout=15):
            cls.tearDownClass()
            raise RuntimeError("unbound did not start")

    @classmethod
    def started(cls):
        if not os.path.exists(cls.log_path):
            return False
        with open(cls.log_path) as f:
            return "start of service" in f.read()

    @classmethod
    def tearDownClass(cls):
        cls.unbound.terminate()
        cls.unbound.wait(timeout=10)
        codes = cls.h.stop()
        assert all(c == 0 for c in codes), codes

    def ask(self, server, queries):
        path = os.path.join(self.h.dir, "queries")
        with open(path, "w") as f:
            f.write("\n".join(f"{n} {t}" for n, t in queries) + "\n")
        p = run(["dig", f"@{server}", "-p", str(self.h.port), "+noall", "+comments", "+answer", "+time=5",
                 "+tries=1", "-f", path], timeout=120)
        replies = parse_dig(p.stdout)
        self.assertEqual(len(replies), len(queries), p.stdout)
        return replies

    @staticmethod
    def essence(r):
        # TTLs aside: name, class, type and data, in lower case.
        answer = sorted(" ".join(line.split()[:1] + line.split()[2:]) for line in r["answer"])
        return r["status"], sorted(r["flags"]), answer

    def test_same_answers(self):
        self.assertGreaterEqual(len(NAMES), 50)
        ours = self.ask(self.h.addr(20), NAMES)
        theirs = self.ask(self.h.addr(30), NAMES)
        for (name, qtype), a, b in zip(NAMES, ours, theirs):
            with self.subTest(name=name, qtype=qtype):
                self.assertEqual(self.essence(a), self.essence(b))


if __name__ == "__main__":
    main()
