"""Relay end to end: dnsd serves the MX of hamburger.edu (a dead host first, then the real
one, by preference); the crepes.fr smtpd on 127.0.0.1 takes mail from Alice (AUTH) for
bob@hamburger.edu, queues it, looks the MX up through its stub resolver and delivers it over
SMTP with STARTTLS to the hamburger.edu smtpd on 127.0.0.2, into Bob's Maildir. A recipient
the remote server refuses comes back to Alice as an RFC 3464 bounce; a domain without mail
hosts (NXDOMAIN) too. The queue survives a restart while the destination is down."""
import os
import re
import socket
import tempfile
import unittest

from harness import main, make_cert, wait_until
import smtputil as su

ZONE = """$ORIGIN hamburger.edu.
$TTL 60
@     IN SOA ns1 hostmaster ( 1 7200 3600 1209600 60 )
      IN NS  ns1
      IN MX  5 dead
      IN MX  10 mail
ns1   IN A   127.0.0.2
dead  IN A   127.0.0.3
mail  IN A   127.0.0.2
"""


def submit(port, rcpts, subject):
    with su.Smtp(port) as s:
        s.reply()
        s.cmd("EHLO crepes.fr")
        assert s.cmd("AUTH PLAIN AGFsaWNlAGh1bmdyeQ==").startswith("235"), "auth"
        s.cmd("MAIL FROM:<alice@crepes.fr> RET=HDRS ENVID=env+2B1")
        for r in rcpts:
            s.cmd(f"RCPT TO:<{r}> NOTIFY=FAILURE")
        s.cmd("DATA")
        s.send(f"From: alice@crepes.fr\r\nSubject: {subject}\r\n\r\n..dot line\r\nDo you like ketchup?\r\n.\r\n")
        last = s.reply()[-1]
        s.cmd("QUIT")
        return last


class Relay(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        try:
            socket.create_connection(("127.0.0.2", 9), timeout=1).close()
        except ConnectionRefusedError:
            pass  # 127.0.0.2 is there (loopback /8)
        cls.tmp = tempfile.TemporaryDirectory(prefix="smtpd-relay-")
        base = cls.tmp.name
        cls.dns = su.start_dns(base, ZONE)
        cert, key = make_cert(base)
        cls.hb_base = os.path.join(base, "hamburger")
        cls.hb = su.start(cls.hb_base, "--tls-cert", cert, "--tls-key", key, listen=("127.0.0.2:0",)).start()
        hb_port = cls.hb.endpoint("smtp")[1]
        dns_port = cls.dns.endpoint("udp")[1]
        cls.cf_base = os.path.join(base, "crepes")
        cls.cf_args = ["--resolver", f"127.0.0.1:{dns_port}", "--relay-port", str(hb_port),
                       "--retry-min-ms", "300", "--retry-max-ms", "1000", "--relay-timeout-ms", "5000"]
        cls.cf = su.start(cls.cf_base, *cls.cf_args, domain="crepes.fr").start()
        cls.cf_port = su.port_of(cls.cf)

    @classmethod
    def tearDownClass(cls):
        su.stop_all(cls.tmp, cls.cf, cls.hb, cls.dns)

    def test_mx_relay_with_starttls(self):
        before = len(su.messages(self.hb_base, "bob"))
        self.assertEqual(submit(self.cf_port, ["bob@hamburger.edu"], "relayed"),
                         "250 2.0.0 Message accepted for delivery")
        msgs = su.wait_messages(self.hb_base, "bob", before + 1, timeout=30)
        m = [x for x in msgs if b"Subject: relayed" in x]
        self.assertEqual(len(m), 1, self.cf.log())
        self.assertIn(b"\n.dot line\nDo you like ketchup?\n", m[0])
        # Two hops: crepes.fr's Received (ESMTPA: Alice authenticated on loopback) below
        # hamburger.edu's (ESMTPS: the relay used STARTTLS).
        received = re.findall(rb"Received: from ([^ ]+) .*?\n\tby ([^ ]+) with (\w+)", m[0])
        self.assertEqual(received[0][1:], (b"hamburger.edu", b"ESMTPS"), m[0])
        self.assertEqual(received[1][1:], (b"crepes.fr", b"ESMTPA"), m[0])
        log = self.cf.wait_for_log("delivered to <bob@hamburger.edu>")
        self.assertRegex(log, r"delivered to <bob@hamburger.edu> via mail.hamburger.edu \[127.0.0.2\]")
        self.assertIn("connect to 127.0.0.3", log)  # the preferred MX was tried first
        wait_until(lambda: not os.listdir(os.path.join(self.cf_base, "queue", "new")), timeout=10)

    def test_refused_recipient_bounces_to_sender(self):
        before = len(su.messages(self.cf_base, "alice"))
        self.assertEqual(submit(self.cf_port, ["nobody@hamburger.edu"], "to nobody"),
                         "250 2.0.0 Message accepted for delivery")
        bounce = su.wait_messages(self.cf_base, "alice", before + 1, timeout=30)[-1]
        self.assertIn(b"Return-Path: <>", bounce)
        self.assertIn(b"Subject: Undelivered Mail Returned to Sender", bounce)
        self.assertIn(b"Content-Type: multipart/report; report-type=delivery-status;", bounce)
        self.assertIn(b"Original-Envelope-Id: env+1", bounce)
        self.assertIn(b"Final-Recipient: rfc822; nobody@hamburger.edu", bounce)
        self.assertIn(b"Action: failed\nStatus: 5.1.1\nRemote-MTA: dns; mail.hamburger.edu", bounce)
        self.assertIn(b"Diagnostic-Code: smtp; 550 5.1.1 <nobody@hamburger.edu>... User unknown", bounce)
        self.assertIn(b"Content-Type: text/rfc822-headers\n\nReceived:", bounce)  # RET=HDRS
        self.assertNotIn(b"Do you like ketchup?", bounce)

    def test_unknown_domain_bounces(self):
        before = len(su.messages(self.cf_base, "alice"))
        submit(self.cf_port, ["bob@nowhere.hamburger.edu"], "to nowhere")
        bounce = su.wait_messages(self.cf_base, "alice", before + 1, timeout=30)[-1]
        self.assertIn(b"Status: 5.1.2", bounce)

    def test_queue_survives_restart_while_destination_is_down(self):
        # Point the crepes.fr instance at a port where nothing listens, queue, restart on the
        # real port: the message waits in the queue and goes out after the restart.
        self.cf.stop()
        dead = socket.socket()
        dead.bind(("127.0.0.2", 0))
        dead_port = dead.getsockname()[1]
        args = list(self.cf_args)
        args[args.index("--relay-port") + 1] = str(dead_port)
        cf = su.start(self.cf_base, *args, domain="crepes.fr").start()
        try:
            self.assertEqual(submit(su.port_of(cf), ["bob@hamburger.edu"], "after restart"),
                             "250 2.0.0 Message accepted for delivery")
            cf.wait_for_log("connect to 127.0.0.2", timeout=20)
        finally:
            self.assertEqual(cf.stop(), 0)
            dead.close()
        self.assertTrue(os.listdir(os.path.join(self.cf_base, "queue", "new")))
        type(self).cf = su.start(self.cf_base, *self.cf_args, domain="crepes.fr").start()
        type(self).cf_port = su.port_of(self.cf)
        self.cf.wait_for_log("message(s) waiting in", timeout=10)
        wait_until(lambda: any(b"Subject: after restart" in m for m in su.messages(self.hb_base, "bob")), 30)
        self.assertTrue(any(b"Subject: after restart" in m for m in su.messages(self.hb_base, "bob")),
                        self.cf.log())


if __name__ == "__main__":
    main()
