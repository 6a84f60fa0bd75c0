"""The textbook's mail scenario through our own servers: dnsd serves crepes.fr and
hamburger.edu, whose MX records point at two loopback addresses; Alice submits with swaks to
the crepes.fr smtpd (AUTH), which queues the message, finds hamburger.edu's MX through dnsd and
relays it to the hamburger.edu smtpd, which delivers it into Bob's Maildir; Bob reads it with
Python's poplib and with fetchmail (keep, then delete) from the hamburger.edu pop3d.

    python3 test_alice_to_bob.py          as a test (ctest runs it)
    python3 test_alice_to_bob.py --show   the same, then prints the three servers' transcripts
"""
import os
import poplib
import re
import stat
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path[:0] = [os.path.join(HERE, ".."), os.path.join(HERE, "..", "smtpd")]

from harness import Daemon, main, run, wait_until  # noqa: E402
import smtputil as su  # noqa: E402

CREPES_MX, HAMBURGER_MX = "127.0.0.2", "127.0.0.3"
ZONES = {
    "crepes.fr": f"""$ORIGIN crepes.fr.
$TTL 60
@     IN SOA ns1 hostmaster ( 1 7200 3600 1209600 60 )
      IN NS  ns1
      IN MX  10 mail
ns1   IN A   127.0.0.1
mail  IN A   {CREPES_MX}
""",
    "hamburger.edu": f"""$ORIGIN hamburger.edu.
$TTL 60
@     IN SOA ns1 hostmaster ( 1 7200 3600 1209600 60 )
      IN NS  ns1
      IN MX  10 mail
ns1   IN A   127.0.0.1
mail  IN A   {HAMBURGER_MX}
""",
}
BODY = "Do you like ketchup?\r\nHow about pickles?\r\n.a line that starts with a dot\r\n"
SHOW = "--show" in sys.argv
if SHOW:
    sys.argv.remove("--show")


class AliceToBob(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory(prefix="alice-to-bob-")
        base = cls.tmp.name
        zone_args = []
        for name, text in ZONES.items():
            path = os.path.join(base, name + ".zone")
            with open(path, "w") as f:
                f.write(text)
            zone_args += ["--zone", path]
        cls.dns = Daemon("dnsd", *zone_args, "--trace").start()
        dns_port = cls.dns.endpoint("udp")[1]
        # hamburger.edu: smtpd delivering into Bob's Maildir, pop3d over the same Maildir.
        cls.hb_base = os.path.join(base, "hamburger.edu")
        cls.hb = su.start(cls.hb_base, domain="hamburger.edu", queue=False, listen=(f"{HAMBURGER_MX}:0",)).start()
        hb_port = su.port_of(cls.hb)
        cls.pop = Daemon("pop3d", "--maildir-root", os.path.join(cls.hb_base, "mail"), "--users",
                         os.path.join(cls.hb_base, "users"), "--allow-plain-passwords", "--login-delay-ms", "0",
                         "--trace", listen=(f"{HAMBURGER_MX}:0",)).start()
        cls.pop_port = cls.pop.tcp_port()
        # crepes.fr: Alice's server, which relays through the MX that dnsd names.
        cls.cf_base = os.path.join(base, "crepes.fr")
        cls.cf = su.start(cls.cf_base, "--resolver", f"127.0.0.1:{dns_port}", "--relay-port", str(hb_port),
                          "--retry-min-ms", "300", "--retry-max-ms", "1000", "--relay-timeout-ms", "10000",
                          domain="crepes.fr", listen=(f"{CREPES_MX}:0",)).start()
        cls.cf_port = su.port_of(cls.cf)

    @classmethod
    def tearDownClass(cls):
        daemons = [("crepes.fr smtpd", cls.cf), ("hamburger.edu smtpd", cls.hb), ("hamburger.edu pop3d", cls.pop),
                   ("dnsd", cls.dns)]
        codes = [d.stop() for _, d in daemons]
        if SHOW:
            for label, d in daemons:
                lines = [l for l in d.log().splitlines() if re.search(r" (C|S|Q): | -- ", l)]
                print(f"\n===== {label} =====")
                print("\n".join(lines))
        cls.tmp.cleanup()
        assert codes == [0, 0, 0, 0], f"exit codes {codes}"

    def test_1_alice_submits_and_the_mail_is_relayed_by_mx(self):
        out = run(["swaks", "--server", CREPES_MX, "--port", str(self.cf_port), "--ehlo", "crepes.fr",
                   "--auth", "PLAIN", "--auth-user", "alice", "--auth-password", "hungry",
                   "--from", "alice@crepes.fr", "--to", "bob@hamburger.edu",
                   "--header", "Subject: Searching for the meaning of life", "--body", BODY], timeout=60).stdout
        self.assertIn("250 2.0.0 Message accepted for delivery", out)
        msgs = su.wait_messages(self.hb_base, "bob", 1, timeout=30)
        self.assertEqual(len(msgs), 1)
        log = self.cf.wait_for_log("delivered to <bob@hamburger.edu>", timeout=20)
        self.assertRegex(log, rf"delivered to <bob@hamburger.edu> via mail.hamburger.edu \[{HAMBURGER_MX}\]")
        self.assertRegex(self.dns.log(), r"MX hamburger\.edu")  # the MX lookup went through dnsd

    def test_2_bob_reads_it_with_poplib(self):
        su.wait_messages(self.hb_base, "bob", 1, timeout=30)
        p = poplib.POP3(HAMBURGER_MX, self.pop_port, timeout=15)
        try:
            self.assertTrue(p.getwelcome().startswith(b"+OK"))
            p.user("bob")
            p.pass_("hungry")
            count, _ = p.stat()
            self.assertEqual(count, 1)
            _, lines, _ = p.retr(1)
        finally:
            p.quit()  # no DELE: the message stays
        text = b"\r\n".join(lines) + b"\r\n"
        # Both hops' Received: fields, newest first, above Alice's message byte for byte.
        received = re.findall(rb"^Received: from [^\r]*\r\n\tby ([^ ]+) with (\w+)", text, re.M)
        self.assertEqual([r[0] for r in received], [b"hamburger.edu", b"crepes.fr"], text)
        self.assertEqual(received[1][1], b"ESMTPA")  # Alice authenticated on the first hop
        self.assertIn(b"Subject: Searching for the meaning of life\r\n", text)
        # poplib undoes the dot-stuffing: the body is what Alice sent (swaks ends it with a
        # blank line of its own).
        body = text.split(b"\r\n\r\n", 1)[1]
        self.assertEqual(body.rstrip(b"\r\n") + b"\r\n", BODY.encode())

    def fetchmail(self, home, keep):
        mbox = os.path.join(home, "mbox")
        rc = os.path.join(home, "fetchmailrc")
        with open(rc, "w") as f:
            f.write(f"set no syslog\nset idfile {home}/fetchids\n"
                    f"poll {HAMBURGER_MX} service {self.pop_port} protocol pop3 uidl auth password\n"
                    f"  user bob there with password hungry is bob here\n"
                    f"  {'keep' if keep else 'fetchall'} sslproto '' "
                    f"mda \"/bin/sh -c 'cat >> {mbox}; echo ==END== >> {mbox}'\"\n")
        os.chmod(rc, stat.S_IRUSR | stat.S_IWUSR)
        env = dict(os.environ, HOME=home, FETCHMAILHOME=home)
        p = subprocess.run(["fetchmail", "-f", rc, "--nodetach"], capture_output=True, text=True, timeout=60,
                           env=env)
        self.assertIn(p.returncode, (0, 1), p.stdout + p.stderr)
        with open(mbox, "rb") as f:
            return f.read()

    def test_3_bob_fetches_it_with_fetchmail_keep_then_delete(self):
        wait_until(lambda: len(self.maildir_files()) == 1, timeout=30)  # in cur/ once read
        home = tempfile.mkdtemp(prefix="fetchmail-", dir=self.tmp.name)
        got = self.fetchmail(home, keep=True)
        self.assertEqual(got.count(b"==END=="), 1)
        self.assertIn(b"Do you like ketchup?", got)
        self.assertEqual(len(self.maildir_files()), 1)  # kept on the server
        got = self.fetchmail(home, keep=False)  # DELE and QUIT
        self.assertEqual(got.count(b"==END=="), 2)
        self.assertEqual(self.maildir_files(), [])

    def maildir_files(self):
        root = os.path.join(self.hb_base, "mail", "bob")
        return [f for sub in ("new", "cur") for f in os.listdir(os.path.join(root, sub))]


if __name__ == "__main__":
    main()
