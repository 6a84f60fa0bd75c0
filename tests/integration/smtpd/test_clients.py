"""smtpd with real clients: swaks (plain, --pipeline, STARTTLS, AUTH PLAIN and LOGIN, a 10 MB
attachment, a refused relay), Python's smtplib (an SMTPUTF8 address, BDAT) and curl smtp://."""
import base64
import email
import email.policy
import hashlib
import os
import smtplib
import tempfile
import unittest

from harness import main, make_cert, run
import smtputil as su

SWAKS = ["swaks", "--timeout", "30", "--from", "alice@crepes.fr", "--helo", "crepes.fr"]


class Clients(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory(prefix="smtpd-clients-")
        cls.base = cls.tmp.name
        cert, key = make_cert(cls.base)
        cls.d = su.start(cls.base, "--tls-cert", cert, "--tls-key", key).start()
        cls.port = su.port_of(cls.d)
        cls.server = f"127.0.0.1:{cls.port}"

    @classmethod
    def tearDownClass(cls):
        code = cls.d.stop()
        cls.tmp.cleanup()
        assert code == 0, f"smtpd exited {code}\n{cls.d.log()}"

    def swaks(self, *args, check=True, user="bob"):
        before = len(su.messages(self.base, user))
        p = run(SWAKS + ["--server", self.server, "--to", f"{user}@hamburger.edu"] + list(args), check=check,
                timeout=90)
        return p, before

    def delivered(self, before, user="bob"):
        return su.wait_messages(self.base, user, before + 1)[-1]

    def test_swaks_plain(self):
        p, before = self.swaks("--header", "Subject: swaks plain", "--body", "plain body")
        self.assertIn("<-  250 2.0.0 Message accepted for delivery", p.stdout)
        msg = self.delivered(before)
        self.assertIn(b"Subject: swaks plain", msg)
        self.assertIn(b"with ESMTP id", msg)

    def test_swaks_pipeline(self):
        p, before = self.swaks("--pipeline", "--header", "Subject: swaks pipelined")
        self.assertIn("250 2.0.0 Message accepted for delivery", p.stdout)
        self.assertIn(b"Subject: swaks pipelined", self.delivered(before))

    def test_swaks_starttls_and_auth_plain(self):
        p, before = self.swaks("--tls", "--auth", "PLAIN", "--auth-user", "alice", "--auth-password", "hungry",
                               "--header", "Subject: swaks tls")
        self.assertIn("<-  220 2.0.0 Ready to start TLS", p.stdout)
        self.assertIn("=== TLS started with cipher TLSv1.3", p.stdout)
        self.assertIn("235 2.7.0 Authentication successful", p.stdout)
        msg = self.delivered(before)
        self.assertIn(b"with ESMTPSA id", msg)  # RFC 3848: TLS and AUTH

    def test_swaks_auth_login_and_bad_password(self):
        p, before = self.swaks("--auth", "LOGIN", "--auth-user", "bob", "--auth-password", "hungry",
                               "--header", "Subject: swaks login")
        self.assertIn("235 2.7.0 Authentication successful", p.stdout)
        self.assertIn(b"with ESMTPA id", self.delivered(before))
        p, _ = self.swaks("--auth", "LOGIN", "--auth-user", "bob", "--auth-password", "wrong", check=False)
        self.assertNotEqual(p.returncode, 0)
        self.assertIn("535 5.7.8 Authentication credentials invalid", p.stdout)

    def test_swaks_refused_relay_and_authenticated_relay(self):
        p = run(SWAKS + ["--server", self.server, "--to", "someone@elsewhere.example"], check=False)
        self.assertNotEqual(p.returncode, 0)
        self.assertIn("554 5.7.1 <someone@elsewhere.example>... Relay access denied", p.stdout)
        # Authenticated, the same recipient is queued for relaying.
        p = run(SWAKS + ["--server", self.server, "--to", "someone@elsewhere.example", "--auth", "PLAIN",
                         "--auth-user", "alice", "--auth-password", "hungry"])
        self.assertIn("250 2.0.0 Message accepted for delivery", p.stdout)

    def test_swaks_10mb_attachment(self):
        data = hashlib.sha256(b"seed").digest() * (7_500_000 // 32)  # ~7.5 MB, ~10 MB in base64
        path = os.path.join(self.base, "big.bin")
        with open(path, "wb") as f:
            f.write(data)
        p, before = self.swaks("--attach-type", "application/octet-stream", "--attach", path,
                               "--header", "Subject: big", "--suppress-data")
        self.assertIn("250 2.0.0 Message accepted for delivery", p.stdout)
        msg = email.message_from_bytes(self.delivered(before), policy=email.policy.default)
        parts = [part for part in msg.walk() if part.get_content_type() == "application/octet-stream"]
        self.assertEqual(len(parts), 1)
        self.assertEqual(hashlib.sha256(parts[0].get_content()).digest(), hashlib.sha256(data).digest())
        self.assertIn("-- message body: 10", self.d.log())  # about 10 MB on the wire

    def test_smtplib_smtputf8(self):
        before = len(su.messages(self.base, "bob"))
        msg = "From: José <josé@crêpes.fr>\r\nTo: bob@hamburger.edu\r\nSubject: crème brûlée\r\n\r\nMerci!\r\n"
        with smtplib.SMTP("127.0.0.1", self.port, timeout=30) as s:
            s.ehlo("crepes.fr")
            self.assertTrue(s.has_extn("smtputf8"))
            refused = s.sendmail("josé@crêpes.fr", ["bob@hamburger.edu"], msg.encode(),
                                 mail_options=["SMTPUTF8", "BODY=8BITMIME"])
            self.assertEqual(refused, {})
            # Without SMTPUTF8 the same address is refused (RFC 6531 3.5).
            code, text = s.mail("josé@crêpes.fr")
            self.assertEqual(code, 553)
        stored = self.delivered(before)
        self.assertTrue(stored.startswith("Return-Path: <josé@crêpes.fr>\n".encode()), stored)
        self.assertIn("with UTF8SMTP".encode(), stored)
        self.assertIn("Subject: crème brûlée".encode(), stored)

    def test_smtplib_bdat(self):
        before = len(su.messages(self.base, "bob"))
        first = b"Subject: bdat from smtplib\r\n\r\n"
        second = b"line one\r\n.leading dot kept as is\r\n"
        with smtplib.SMTP("127.0.0.1", self.port, timeout=30) as s:
            s.ehlo("crepes.fr")
            self.assertTrue(s.has_extn("chunking"))
            self.assertEqual(s.mail("alice@crepes.fr")[0], 250)
            self.assertEqual(s.rcpt("bob@hamburger.edu")[0], 250)
            s.send(b"BDAT %d\r\n" % len(first) + first)
            self.assertEqual(s.getreply(), (250, b"2.0.0 %d octets received" % len(first)))
            s.send(b"BDAT %d LAST\r\n" % len(second) + second)
            self.assertEqual(s.getreply(), (250, b"2.0.0 Message accepted for delivery"))
        stored = self.delivered(before)
        self.assertTrue(stored.endswith(b"\nline one\n.leading dot kept as is\n"), stored)  # no unstuffing in BDAT

    def test_curl_smtp(self):
        path = os.path.join(self.base, "curl.eml")
        with open(path, "w") as f:
            f.write("From: alice@crepes.fr\r\nTo: bob@hamburger.edu\r\nSubject: via curl\r\n\r\n"
                    ".starts with a dot\r\nbody\r\n")
        before = len(su.messages(self.base, "bob"))
        run(["curl", "-sS", "--max-time", "30", f"smtp://{self.server}/crepes.fr", "--mail-from", "alice@crepes.fr",
             "--mail-rcpt", "bob@hamburger.edu", "-T", path])
        stored = self.delivered(before)
        self.assertIn(b"Subject: via curl", stored)
        self.assertTrue(stored.endswith(b"\n.starts with a dot\nbody\n"), stored)  # stuffed by curl, unstuffed here


if __name__ == "__main__":
    main()
