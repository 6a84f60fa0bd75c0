"""Postfix (Debian's, from its own temporary config directory) as the sending MTA relaying
into smtpd: a message submitted to Postfix for bob@hamburger.edu arrives in bob's Maildir,
with Postfix's Received: line below ours, using ESMTP, PIPELINING and STARTTLS as Postfix
chooses them."""
import os
import smtplib
import tempfile
import unittest

from harness import main, make_cert, wait_until
import smtputil as su
from postfix_fixture import Postfix


@unittest.skipUnless(os.geteuid() == 0, "Postfix's master needs root")
class PostfixRelay(unittest.TestCase):
    def test_postfix_relays_into_smtpd(self):
        with tempfile.TemporaryDirectory(prefix="smtpd-postfix-") as base:
            os.chmod(base, 0o755)
            cert, key = make_cert(base)
            with su.start(os.path.join(base, "smtpd"), "--tls-cert", cert, "--tls-key", key) as d:
                settings = {"relayhost": f"[127.0.0.1]:{su.port_of(d)}", "smtp_tls_security_level": "may"}
                with Postfix(os.path.join(base, "postfix"), settings) as pf:
                    with smtplib.SMTP("127.0.0.1", pf.port, timeout=30) as s:
                        s.sendmail("alice@crepes.fr", ["bob@hamburger.edu", "alice@hamburger.edu"],
                                   b"From: alice@crepes.fr\r\nTo: bob@hamburger.edu\r\nSubject: via postfix\r\n\r\n"
                                   b"Do you like ketchup?\r\n")
                    try:
                        msgs = su.wait_messages(os.path.join(base, "smtpd"), "bob", 1, timeout=40)
                        su.wait_messages(os.path.join(base, "smtpd"), "alice", 1, timeout=10)
                    except AssertionError:
                        raise AssertionError("not delivered\n" + pf.log() + d.log())
                    self.assertTrue(wait_until(pf.queue_empty, timeout=20), pf.log())
                stored = msgs[0]
                self.assertIn(b"Subject: via postfix", stored)
                self.assertIn(b"Received: from crepes.fr", stored)
                self.assertIn(b"with ESMTPS id", stored)  # Postfix used STARTTLS
                self.assertIn(b"by crepes.fr (Postfix)", stored)
                log = d.log()
                self.assertIn("C: EHLO crepes.fr", log)
                self.assertIn("C: STARTTLS", log)


if __name__ == "__main__":
    main()
