"""SIGHUP reloads zones atomically; a broken zone is rejected with file:line and the old one stays."""
import os
import shutil
import signal
import tempfile
import unittest

from harness import Daemon, main, run, wait_until
from dnsutil import short, zone

ZONE = """$ORIGIN reload.test.
$TTL 60
@    SOA ns1 hostmaster {serial} 7200 3600 1209600 60
     NS  ns1
ns1  A   192.0.2.1
www  A   {addr}
"""


class ReloadTest(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="dnsd-reload-")
        self.path = os.path.join(self.dir, "reload.test.zone")

    def tearDown(self):
        shutil.rmtree(self.dir)

    def write(self, text):
        tmp = self.path + ".tmp"
        with open(tmp, "w") as f:
            f.write(text)
        os.rename(tmp, self.path)

    def test_sighup_swaps_and_rejects_broken_zone(self):
        self.write(ZONE.format(serial=1, addr="192.0.2.10"))
        with Daemon("dnsd", "--zone", self.path) as d:
            port = d.udp_port()
            self.assertEqual(short(port, "www.reload.test"), ["192.0.2.10"])
            self.write(ZONE.format(serial=2, addr="192.0.2.20") + "new A 192.0.2.30\n")
            d.signal(signal.SIGHUP)
            self.assertTrue(wait_until(lambda: short(port, "www.reload.test") == ["192.0.2.20"]), d.log())
            self.assertEqual(short(port, "new.reload.test"), ["192.0.2.30"])
            self.assertEqual(short(port, "reload.test", "SOA")[0].split()[2], "2")
            # Broken: a bad address on line 7. The old zone keeps serving.
            self.write(ZONE.format(serial=3, addr="192.0.2.40") + "bad A 300.1.2.3\n")
            d.signal(signal.SIGHUP)
            want = f"{self.path}:7: bad IPv4 address '300.1.2.3'"
            self.assertTrue(wait_until(lambda: want in d.log()), d.log())
            self.assertEqual(short(port, "www.reload.test"), ["192.0.2.20"])
            # Semantic errors carry the line too: CNAME beside other data.
            self.write(ZONE.format(serial=4, addr="192.0.2.50") + "www CNAME ns1\n")
            d.signal(signal.SIGHUP)
            want = f"{self.path}:7: CNAME at www.reload.test. beside other data"
            self.assertTrue(wait_until(lambda: want in d.log()), d.log())
            self.assertEqual(short(port, "www.reload.test"), ["192.0.2.20"])
            # Fixed again: picked up.
            self.write(ZONE.format(serial=5, addr="192.0.2.60"))
            d.signal(signal.SIGHUP)
            self.assertTrue(wait_until(lambda: short(port, "www.reload.test") == ["192.0.2.60"]), d.log())

    def test_broken_zone_at_start_exits_with_usage_error(self):
        self.write(ZONE.format(serial=1, addr="192.0.2.10") + "x TXT \"unterminated\n")
        with self.assertRaises(Exception):
            Daemon("dnsd", "--zone", self.path).start()

    def test_config_zone_tables_relative_to_config(self):
        self.write(ZONE.format(serial=1, addr="192.0.2.10"))
        conf = os.path.join(self.dir, "dnsd.toml")
        with open(conf, "w") as f:
            f.write('[dns]\naxfr_allow = ["127.0.0.1"]\n\n[[zone]]\nname = "reload.test"\n'
                    'file = "reload.test.zone"\n')
        with Daemon("dnsd", "--config", conf, cwd="/") as d:
            self.assertEqual(short(d.udp_port(), "www.reload.test"), ["192.0.2.10"])
            p = run(["dig", "@127.0.0.1", "-p", str(d.tcp_port()), "reload.test", "AXFR", "+short"])
            self.assertEqual(len(p.stdout.splitlines()), 5)

    def test_dns_zone_key_relative_to_config(self):
        self.write(ZONE.format(serial=1, addr="192.0.2.11"))
        conf = os.path.join(self.dir, "dnsd.toml")
        with open(conf, "w") as f:
            f.write('[dns]\nzone = ["reload.test.zone"]\n')
        with Daemon("dnsd", "--config", conf, cwd="/") as d:
            self.assertEqual(short(d.udp_port(), "www.reload.test"), ["192.0.2.11"])

    def test_bad_axfr_allow_is_a_usage_error(self):
        self.write(ZONE.format(serial=1, addr="192.0.2.10"))
        p = run([os.path.join(os.environ.get("SUITE_BIN_DIR", ""), "dnsd"), "--zone", self.path,
                 "--axfr-allow", "10.0.0.0/33", "--listen", "127.0.0.1:0"], check=False, timeout=30)
        self.assertEqual(p.returncode, 2, p.stderr)
        self.assertIn("is not an address, a CIDR range", p.stderr)

    def test_demo_config_loads(self):
        from harness import SOURCE_DIR
        conf = os.path.join(SOURCE_DIR, "demo", "dns", "dnsd.toml")
        with Daemon("dnsd", "--config", conf) as d:
            port = d.udp_port()
            self.assertEqual(short(port, "hamburger.edu", "MX"), ["10 mail.hamburger.edu.", "20 relay.hamburger.edu."])
            self.assertEqual(short(port, "gaia.cs.umass.edu"), ["128.119.245.12"])
            self.assertEqual(short(port, "www.networkutopia.com"), ["212.212.212.212"])


if __name__ == "__main__":
    main()
