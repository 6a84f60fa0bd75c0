"""smtpd over a raw socket: the textbook dialogue compared line by line with the transcript,
the --trace transcript, pipelining, BDAT, STARTTLS-less AUTH rules, VRFY/HELP/RSET and the
refusals of the command table."""
import os
import re
import tempfile
import unittest

from harness import main
import smtputil as su

HERE = os.path.dirname(os.path.abspath(__file__))


def transcript():
    """The textbook dialogue (textbook.txt): list of ("C"|"S", text)."""
    out = []
    with open(os.path.join(HERE, "textbook.txt")) as f:
        for line in f:
            line = line.rstrip("\n")
            if line[:3] in ("C: ", "S: "):
                out.append((line[0], line[3:]))
    return out


class Dialogue(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory(prefix="smtpd-")
        cls.base = cls.tmp.name
        cls.d = su.start(cls.base).start()
        cls.port = su.port_of(cls.d)

    @classmethod
    def tearDownClass(cls):
        code = cls.d.stop()
        cls.tmp.cleanup()
        assert code == 0, f"smtpd exited {code}\n{cls.d.log()}"

    def test_textbook_dialogue_line_by_line(self):
        before = len(su.messages(self.base, "bob"))
        got = []
        with su.Smtp(self.port) as s:
            for who, text in transcript():
                if who == "C":
                    s.send(text + "\r\n")
                else:
                    got.append((text, s.line()))
        for want, line in got:
            if want.endswith("..."):
                self.assertTrue(line.startswith(want[:-3]), (want, line))
            else:
                self.assertEqual(line, want)
        msgs = su.wait_messages(self.base, "bob", before + 1)
        self.assertTrue(su.body_of(msgs[-1]).endswith(b"Do you like ketchup?\nHow about pickles?\n"), msgs[-1])
        self.assertTrue(msgs[-1].startswith(b"Return-Path: <alice@crepes.fr>\nReceived: from crepes.fr"), msgs[-1])
        # The transcript shows the same dialogue as C:/S: lines, the body elided to a few lines.
        log = self.d.wait_for_log("S: 221 2.0.0 hamburger.edu closing connection")
        for who, text in transcript():
            if not text.endswith("..."):
                self.assertRegex(log, re.escape(f"{who}: {text}") + r"\n")
        self.assertIn("-- message body: 42 bytes", log)

    def test_pipelined_commands_get_replies_in_order(self):
        with su.Smtp(self.port) as s:
            s.reply()
            s.send("EHLO crepes.fr\r\nMAIL FROM:<alice@crepes.fr>\r\nRCPT TO:<nobody@hamburger.edu>\r\n"
                   "RCPT TO:<alice@hamburger.edu>\r\nDATA\r\n")
            ehlo = s.reply()
            self.assertIn("250-PIPELINING", ehlo)
            self.assertEqual(s.reply(), ["250 2.1.0 <alice@crepes.fr>... Sender ok"])
            self.assertEqual(s.reply(), ["550 5.1.1 <nobody@hamburger.edu>... User unknown"])
            self.assertEqual(s.reply(), ["250 2.1.5 <alice@hamburger.edu>... Recipient ok"])
            self.assertEqual(s.code(), 354)
            s.send("Subject: pipelined\r\n\r\nbody\r\n.\r\nQUIT\r\n")
            self.assertEqual(s.reply(), ["250 2.0.0 Message accepted for delivery"])
            self.assertEqual(s.code(), 221)
        msgs = su.wait_messages(self.base, "alice", 1)
        self.assertTrue(any(b"Subject: pipelined" in m for m in msgs))

    def test_ehlo_keywords(self):
        with su.Smtp(self.port) as s:
            s.reply()
            s.send("EHLO crepes.fr\r\n")
            lines = s.reply()
        self.assertEqual(lines[0], "250-hamburger.edu Hello crepes.fr, pleased to meet you")
        for k in ("PIPELINING", "SIZE 26214400", "8BITMIME", "ENHANCEDSTATUSCODES", "SMTPUTF8", "DSN",
                  "CHUNKING", "AUTH PLAIN LOGIN"):
            self.assertTrue(any(l[4:] == k for l in lines), (k, lines))
        self.assertFalse(any("STARTTLS" in l for l in lines))  # no certificate configured

    def test_bdat_chunks_pipelined(self):
        with su.Smtp(self.port) as s:
            s.reply()
            s.cmd("EHLO crepes.fr")
            first, second = "Subject: chunked\r\n\r\nfirst BDAT 0 LAST\r\n", "second chunk\r\n"
            s.send("MAIL FROM:<alice@crepes.fr>\r\nRCPT TO:<bob@hamburger.edu>\r\n"
                   f"BDAT {len(first)}\r\n{first}BDAT {len(second)} LAST\r\n{second}")
            self.assertEqual(s.code(), 250)
            self.assertEqual(s.code(), 250)
            self.assertEqual(s.reply(), [f"250 2.0.0 {len(first)} octets received"])
            self.assertEqual(s.reply(), ["250 2.0.0 Message accepted for delivery"])
            # DATA is refused inside a BDAT sequence; a refused BDAT's octets are skipped.
            s.cmd("MAIL FROM:<alice@crepes.fr>")
            s.cmd("RCPT TO:<bob@hamburger.edu>")
            s.send("BDAT 3\r\nabc")
            self.assertEqual(s.reply(), ["250 2.0.0 3 octets received"])
            self.assertEqual(s.cmd("DATA")[:3], "503")
            self.assertEqual(s.cmd("RSET"), "250 2.0.0 Ok")
            s.send("BDAT 4 LAST\r\nNOOP")
            self.assertEqual(s.reply(), ["503 5.5.1 Bad sequence of commands"])
            self.assertEqual(s.cmd("NOOP"), "250 2.0.0 Ok")
        msgs = [m for m in su.messages(self.base, "bob") if b"Subject: chunked" in m]
        self.assertEqual(len(msgs), 1)
        self.assertTrue(msgs[0].endswith(b"\nfirst BDAT 0 LAST\nsecond chunk\n"), msgs[0])

    def test_command_table_refusals(self):
        with su.Smtp(self.port) as s:
            s.reply()
            self.assertEqual(s.cmd("MAIL FROM:<a@b.c>"), "503 5.5.1 Send HELO/EHLO first")
            self.assertEqual(s.cmd("FROBNICATE"), "500 5.5.2 Command not recognized")
            self.assertEqual(s.cmd("HELO"), "501 5.5.4 Syntax error in parameters or arguments")
            self.assertEqual(s.cmd("EXPN staff"), "502 5.5.1 Command not implemented")
            self.assertEqual(s.cmd("HELO crepes.fr"), "250 Hello crepes.fr, pleased to meet you")
            self.assertEqual(s.cmd("RCPT TO:<bob@hamburger.edu>"), "503 5.5.1 Bad sequence of commands")
            self.assertEqual(s.cmd("MAIL FROM:alice@crepes.fr"), "501 5.5.4 Syntax: MAIL FROM:<address>")
            self.assertEqual(s.cmd("MAIL FROM:<alice@crepes.fr> FOO=BAR")[:3], "555")
            self.assertEqual(s.cmd("MAIL FROM:<alice@crepes.fr>"), "250 2.1.0 <alice@crepes.fr>... Sender ok")
            self.assertEqual(s.cmd("DATA"), "503 5.5.1 Need RCPT (recipient)")
            self.assertEqual(s.cmd("RCPT TO:<bob@@hamburger.edu>"), "501 5.1.3 Bad recipient address syntax")
            self.assertEqual(s.cmd("RCPT TO:<b\u00f6b@hamburger.edu>")[:3], "553")
            self.assertEqual(s.cmd("VRFY bob")[:10], "252 2.5.2 ")
            self.assertEqual(s.cmd("HELP")[:4], "214 ")
            self.assertEqual(s.cmd("RSET"), "250 2.0.0 Ok")
            self.assertEqual(s.cmd("NOOP"), "250 2.0.0 Ok")
            self.assertEqual(s.cmd("QUIT"), "221 2.0.0 hamburger.edu closing connection")
            self.assertTrue(s.closed())

    def test_relay_refused_for_outsiders(self):
        # Loopback is not in --relay-net here and the client is not authenticated.
        with su.Smtp(self.port) as s:
            s.reply()
            s.cmd("EHLO crepes.fr")
            s.cmd("MAIL FROM:<alice@crepes.fr>")
            self.assertEqual(s.cmd("RCPT TO:<someone@elsewhere.example>"),
                             "554 5.7.1 <someone@elsewhere.example>... Relay access denied")

    def test_auth_plain_and_login_by_hand(self):
        with su.Smtp(self.port) as s:
            s.reply()
            s.cmd("EHLO crepes.fr")
            self.assertEqual(s.cmd("AUTH PLAIN AGFsaWNlAHdyb25n"), "535 5.7.8 Authentication credentials invalid")
            self.assertEqual(s.cmd("AUTH LOGIN"), "334 VXNlcm5hbWU6")
            self.assertEqual(s.cmd("*"), "501 5.7.0 Authentication cancelled")
            self.assertEqual(s.cmd("AUTH LOGIN"), "334 VXNlcm5hbWU6")
            self.assertEqual(s.cmd("YWxpY2U="), "334 UGFzc3dvcmQ6")
            self.assertEqual(s.cmd("aHVuZ3J5"), "235 2.7.0 Authentication successful")
            self.assertEqual(s.cmd("AUTH PLAIN AGFsaWNlAGh1bmdyeQ=="), "503 5.5.1 Already authenticated")
        log = self.d.log()
        self.assertNotIn("aHVuZ3J5", log)  # continuation lines are never traced
        self.assertIn("C: AUTH PLAIN ****", log)


if __name__ == "__main__":
    main()
