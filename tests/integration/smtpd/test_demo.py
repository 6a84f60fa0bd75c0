"""The demo as scripts/demo starts it: demo/smtpd/smtpd.toml with the shared users file
demo/mail/users, Maildirs under mail/; Alice (AUTH with "hungry") sends to Bob."""
import os
import shutil
import tempfile
import unittest

from harness import Daemon, SOURCE_DIR, main, run
import smtputil as su


class Demo(unittest.TestCase):
    def test_demo_config_delivers_to_bob(self):
        with tempfile.TemporaryDirectory(prefix="smtpd-demo-") as stage:
            for part in ("smtpd", "mail"):
                shutil.copytree(os.path.join(SOURCE_DIR, "demo", part), os.path.join(stage, part))
            with Daemon("smtpd", "--config", os.path.join(stage, "smtpd", "smtpd.toml"), "--trace") as d:
                port = d.endpoint("smtp")[1]
                p = run(["swaks", "--server", f"127.0.0.1:{port}", "--from", "alice@hamburger.edu",
                         "--to", "bob@hamburger.edu", "--auth", "LOGIN", "--auth-user", "alice",
                         "--auth-password", "hungry", "--header", "Subject: demo"], timeout=60)
                self.assertIn("235 2.7.0 Authentication successful", p.stdout)
                self.assertEqual(su.transaction(port), "250 2.0.0 Message accepted for delivery")
                got = su.wait_messages(stage, "bob", 2)
                self.assertTrue(any(b"Subject: demo" in m for m in got))


if __name__ == "__main__":
    main()
