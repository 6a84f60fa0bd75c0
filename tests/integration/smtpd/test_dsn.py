"""RFC 3461 reports other than bounces, and loop detection, with Python's smtplib as the client.
crepes.fr (127.0.0.1, a queue, --delay-warning-s 1) takes Alice's mail: to bob@crepes.fr with
NOTIFY=SUCCESS Alice gets a "delivered" report; to bob@hamburger.edu, whose server (127.0.0.2,
--no-dsn) does not advertise DSN, a "relayed" one (to dsn.hamburger.edu, whose server
does, none: the parameters are passed on); to slow.hamburger.edu, whose MX host is
down, one "delayed" report however often the queue retries. NOTIFY=NEVER and the null sender
get none. A message with 51 Received: lines is refused with 554 5.4.6 (DATA; over BDAT 50 and
a Delivered-To:), one with 50 is taken."""
import os
import re
import smtplib
import tempfile
import unittest

from harness import main, wait_until
import smtputil as su

ZONE = """$ORIGIN hamburger.edu.
$TTL 60
@     IN SOA ns1 hostmaster ( 1 7200 3600 1209600 60 )
      IN NS  ns1
      IN MX  10 mail
ns1   IN A   127.0.0.2
mail  IN A   127.0.0.2
slow  IN MX  10 dead
dead  IN A   127.0.0.3
dsn   IN MX  10 mail2
mail2 IN A   127.0.0.4
"""

MESSAGE = "From: alice@crepes.fr\r\nSubject: {subject}\r\n\r\nDo you like ketchup?\r\n"


def reports(base, kind):
    """Alice's reports of one kind (by their Action field)."""
    return [m for m in su.messages(base, "alice") if f"\nAction: {kind}\n".encode() in m]


class Reports(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory(prefix="smtpd-dsn-")
        base = cls.tmp.name
        cls.dns = su.start_dns(base, ZONE)
        cls.hb_base = os.path.join(base, "hamburger")
        cls.hb = su.start(cls.hb_base, "--no-dsn", queue=False, listen=("127.0.0.2:0",)).start()
        # A next hop that does advertise DSN, on the same port (the relay has one port).
        cls.dsn_base = os.path.join(base, "dsn")
        cls.dsn = su.start(cls.dsn_base, queue=False, domain="dsn.hamburger.edu",
                           listen=(f"127.0.0.4:{su.port_of(cls.hb)}",)).start()
        cls.cf_base = os.path.join(base, "crepes")
        cls.cf = su.start(cls.cf_base, "--resolver", f"127.0.0.1:{cls.dns.endpoint('udp')[1]}",
                          "--relay-port", str(su.port_of(cls.hb)), "--retry-min-ms", "200",
                          "--retry-max-ms", "400", "--relay-timeout-ms", "5000",
                          "--delay-warning-s", "1", domain="crepes.fr").start()
        cls.port = su.port_of(cls.cf)

    @classmethod
    def tearDownClass(cls):
        su.stop_all(cls.tmp, cls.cf, cls.hb, cls.dsn, cls.dns)

    def send(self, rcpt, subject, mail_options=(), rcpt_options=(), sender="alice@crepes.fr", auth=False):
        with smtplib.SMTP("127.0.0.1", self.port, timeout=15) as s:
            s.ehlo("crepes.fr")
            self.assertTrue(s.has_extn("dsn"))
            if auth:
                s.login("alice", "hungry")
            refused = s.sendmail(sender, [rcpt], MESSAGE.format(subject=subject),
                                 mail_options=list(mail_options), rcpt_options=list(rcpt_options))
            self.assertEqual(refused, {})

    def queue_empty(self):
        return not os.listdir(os.path.join(self.cf_base, "queue", "new"))

    def test_delivered_report_for_local_delivery(self):
        # NOTIFY=NEVER and the null sender first: no report may come of them.
        self.send("bob@crepes.fr", "never", rcpt_options=["NOTIFY=NEVER"])
        self.send("bob@crepes.fr", "null sender", sender="", rcpt_options=["NOTIFY=SUCCESS"])
        self.send("bob@crepes.fr", "delivered", mail_options=["RET=HDRS", "ENVID=QQ314159"],
                  rcpt_options=["NOTIFY=SUCCESS", "ORCPT=rfc822;Bob@crepes.fr"])
        wait_until(lambda: any(b"Subject: delivered" in m for m in reports(self.cf_base, "delivered")), 20)
        wait_until(self.queue_empty, 10)  # this test runs first: the queue then held only reports
        got = [m for m in reports(self.cf_base, "delivered")]
        self.assertEqual(len(got), 1, self.cf.log())
        m = got[0]
        self.assertTrue(m.startswith(b"Return-Path: <>\n"), m)  # sent from the null sender
        self.assertIn(b"Subject: Successful Mail Delivery Report", m)
        self.assertIn(b"Original-Envelope-Id: QQ314159\n", m)
        self.assertIn(b"Original-Recipient: rfc822;Bob@crepes.fr\nFinal-Recipient: rfc822; bob@crepes.fr\n"
                      b"Action: delivered\nStatus: 2.0.0\n", m)
        self.assertIn(b"Content-Type: text/rfc822-headers\n\nReceived: from crepes.fr", m)  # RET=HDRS
        self.assertNotIn(b"Do you like ketchup?", m)
        self.assertNotIn(b"\nReturn-Path: <alice", m)
        bob = [x for x in su.messages(self.cf_base, "bob") if b"Subject: delivered" in x]
        self.assertEqual(len(bob), 1)

    def test_parameters_passed_to_a_next_hop_with_dsn(self):
        relayed = self.cf.log().count("relayed report for")
        self.send("bob@dsn.hamburger.edu", "passed on", mail_options=["RET=HDRS", "ENVID=env3"],
                  rcpt_options=["NOTIFY=SUCCESS", "ORCPT=rfc822;bob@dsn.hamburger.edu"], auth=True)
        su.wait_messages(self.dsn_base, "bob", 1)
        log = self.dsn.wait_for_log("C: RCPT TO:<bob@dsn.hamburger.edu>")
        self.assertRegex(log, r"C: MAIL FROM:<alice@crepes.fr> SIZE=\d+ BODY=8BITMIME RET=HDRS ENVID=env3\n")
        self.assertIn("C: RCPT TO:<bob@dsn.hamburger.edu> NOTIFY=SUCCESS ORCPT=rfc822;bob@dsn.hamburger.edu\n", log)
        # The next hop reports from now on: no report of ours, once the queue is through with it.
        log = self.cf.wait_for_log("delivered to <bob@dsn.hamburger.edu>")
        name = re.search(r"queue: (\S+) delivered to <bob@dsn.hamburger.edu>", log).group(1)
        log = self.cf.wait_for_log(f"queue: {name} done after")
        self.assertEqual(log.count("relayed report for"), relayed)

    def test_relayed_report_when_the_next_hop_has_no_dsn(self):
        self.send("bob@hamburger.edu", "relayed", mail_options=["RET=FULL", "ENVID=env2"],
                  rcpt_options=["NOTIFY=SUCCESS,FAILURE"], auth=True)
        wait_until(lambda: any(b"Subject: relayed" in m for m in reports(self.cf_base, "relayed")), 20)
        m = [x for x in reports(self.cf_base, "relayed") if b"Subject: relayed" in x][0]
        self.assertIn(b"Original-Envelope-Id: env2\n", m)
        self.assertIn(b"Final-Recipient: rfc822; bob@hamburger.edu\nAction: relayed\nStatus: 2.0.0\n"
                      b"Remote-MTA: dns; mail.hamburger.edu\nDiagnostic-Code: smtp; 250 2.0.0", m)
        self.assertIn(b"Content-Type: message/rfc822\n\nReceived:", m)  # RET=FULL
        self.assertIn(b"Do you like ketchup?", m)
        # The next hop got no DSN parameters (it did not offer DSN) and has the message.
        log = self.hb.wait_for_log("C: RCPT TO:<bob@hamburger.edu>")
        self.assertRegex(log, r"C: MAIL FROM:<alice@crepes.fr> SIZE=\d+ BODY=8BITMIME\n")
        self.assertIn("C: RCPT TO:<bob@hamburger.edu>\n", log)
        su.wait_messages(self.hb_base, "bob", 1)

    def test_one_delay_report_for_an_unreachable_host(self):
        self.send("carol@slow.hamburger.edu", "delayed", rcpt_options=["NOTIFY=DELAY,FAILURE"], auth=True)
        wait_until(lambda: reports(self.cf_base, "delayed"), 20)
        got = reports(self.cf_base, "delayed")
        self.assertEqual(len(got), 1, self.cf.log())
        m = got[0]
        self.assertIn(b"Subject: Delayed Mail (still being retried)", m)
        self.assertIn(b"Final-Recipient: rfc822; carol@slow.hamburger.edu\nAction: delayed\nStatus: 4.4.1\n", m)
        self.assertRegex(m, rb"Will-Retry-Until: \w{3}, \d+ \w{3} \d{4} ")
        self.assertIn(b"Content-Type: text/rfc822-headers\n", m)  # no RET: headers only
        self.assertNotIn(b"Do you like ketchup?", m)
        # Retried more than once more, still one report.
        tries = self.cf.log().count("connect to 127.0.0.3")
        wait_until(lambda: self.cf.log().count("connect to 127.0.0.3") >= tries + 2, 15)
        self.assertGreaterEqual(self.cf.log().count("connect to 127.0.0.3"), tries + 2)
        self.assertEqual(len(reports(self.cf_base, "delayed")), 1)
        self.assertEqual(len(re.findall(r"delayed report for", self.cf.log())), 1)

    def test_too_many_hops(self):
        hops = "".join(f"Received: from hop{i}.example by hop{i + 1}.example; Wed, 2 Dec 2026 01:00:00 +0000\r\n"
                       for i in range(50))
        with smtplib.SMTP("127.0.0.1", self.port, timeout=15) as s:
            s.sendmail("alice@crepes.fr", ["bob@crepes.fr"], hops + MESSAGE.format(subject="fifty hops"))
            with self.assertRaises(smtplib.SMTPDataError) as e:
                s.sendmail("alice@crepes.fr", ["bob@crepes.fr"],
                           hops + "Received: one more\r\n" + MESSAGE.format(subject="looping"))
            self.assertEqual((e.exception.smtp_code, e.exception.smtp_error), (554, b"5.4.6 Too many hops"))
        with su.Smtp(self.port) as s:  # BDAT (RFC 3030) the same
            s.reply()
            s.cmd("EHLO crepes.fr")
            s.cmd("MAIL FROM:<alice@crepes.fr>")
            s.cmd("RCPT TO:<bob@crepes.fr>")
            body = (hops + "Delivered-To: bob@crepes.fr\r\n" + MESSAGE.format(subject="looping")).encode()
            half = len(body) // 2
            s.send(f"BDAT {half}\r\n".encode() + body[:half])
            self.assertTrue(s.reply()[-1].startswith("250"))
            s.send(f"BDAT {len(body) - half} LAST\r\n".encode() + body[half:])
            self.assertEqual(s.reply()[-1], "554 5.4.6 Too many hops")
            s.cmd("QUIT")
        bob = su.messages(self.cf_base, "bob")
        self.assertEqual(sum(b"Subject: fifty hops" in m for m in bob), 1)
        self.assertFalse(any(b"Subject: looping" in m for m in bob))


if __name__ == "__main__":
    main()
