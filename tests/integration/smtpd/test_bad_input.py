"""smtpd's limits, each crossed from both sides: message size (SIZE= and actual), recipients,
line length, errors before disconnect, connections per address, the command budget before
AUTH, the idle and DATA timeouts; and SMTP smuggling (only <CRLF>.<CRLF> ends DATA; bare
CR/LF normalised, or refused with --bare-newline reject)."""
import os
import tempfile
import unittest

from harness import main, wait_until
import smtputil as su

LIMITS = ["--max-message-size", "2000", "--max-recipients", "3", "--max-errors", "3",
          "--max-per-address", "3", "--max-commands-before-auth", "8",
          "--idle-timeout-ms", "1500", "--data-timeout-ms", "1500"]


def begin(s, rcpts=("bob@hamburger.edu",)):
    s.reply()
    s.cmd("EHLO crepes.fr")
    s.cmd("MAIL FROM:<alice@crepes.fr>")
    for r in rcpts:
        s.cmd(f"RCPT TO:<{r}>")


class BadInput(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory(prefix="smtpd-bad-")
        cls.base = os.path.join(cls.tmp.name, "a")
        cls.d = su.start(cls.base, *LIMITS).start()
        cls.port = su.port_of(cls.d)
        cls.strict_base = os.path.join(cls.tmp.name, "b")
        cls.strict = su.start(cls.strict_base, "--bare-newline", "reject").start()

    @classmethod
    def tearDownClass(cls):
        codes = [cls.d.stop(), cls.strict.stop()]
        cls.tmp.cleanup()
        assert codes == [0, 0], f"smtpd exited {codes}\n{cls.d.log()}"

    def count(self, user="bob", base=None):
        return len(su.messages(base or self.base, user))

    # -- sizes -----------------------------------------------------------------------------
    def test_declared_size_at_mail(self):
        with su.Smtp(self.port) as s:
            s.reply()
            s.cmd("EHLO crepes.fr")
            self.assertEqual(s.cmd("MAIL FROM:<alice@crepes.fr> SIZE=2000")[:3], "250")
            s.cmd("RSET")
            self.assertEqual(s.cmd("MAIL FROM:<alice@crepes.fr> SIZE=2001"),
                             "552 5.3.4 Message size exceeds fixed maximum message size")

    def test_actual_size_at_end_of_data(self):
        # The limit counts the message as received (our trace fields are not part of it).
        fits = "x" * 1998 + "\r\n"      # 2000 octets
        over = "x" * 1999 + "\r\n"      # 2001 octets
        before = self.count()
        with su.Smtp(self.port) as s:
            begin(s)
            s.cmd("DATA")
            s.send(fits + ".\r\n")
            self.assertEqual(s.reply(), ["250 2.0.0 Message accepted for delivery"])
            s.cmd("MAIL FROM:<alice@crepes.fr>")
            s.cmd("RCPT TO:<bob@hamburger.edu>")
            s.cmd("DATA")
            s.send(over + ".\r\n")
            self.assertEqual(s.reply(), ["552 5.3.4 Message size exceeds fixed maximum message size"])
            self.assertEqual(s.cmd("NOOP"), "250 2.0.0 Ok")  # the session goes on
        self.assertEqual(self.count(), before + 1)

    def test_bdat_size(self):
        with su.Smtp(self.port) as s:
            begin(s)
            s.send("BDAT 2000\r\n" + "y" * 2000)
            self.assertEqual(s.reply(), ["250 2.0.0 2000 octets received"])
            s.send("BDAT 1 LAST\r\nz")
            self.assertEqual(s.reply(), ["552 5.3.4 Message size exceeds fixed maximum message size"])
            self.assertEqual(s.cmd("NOOP"), "250 2.0.0 Ok")

    # -- recipients --------------------------------------------------------------------------
    def test_recipients_per_message(self):
        with su.Smtp(self.port) as s:
            s.reply()
            s.cmd("EHLO crepes.fr")
            s.cmd("MAIL FROM:<alice@crepes.fr>")
            for r in ("bob", "alice", "bob"):
                self.assertEqual(s.cmd(f"RCPT TO:<{r}@hamburger.edu>")[:3], "250")
            self.assertEqual(s.cmd("RCPT TO:<alice@hamburger.edu>"), "452 4.5.3 Too many recipients")

    # -- lines -------------------------------------------------------------------------------
    def test_line_length(self):
        # RFC 5321 4.5.3.1: 1000 octets with the CRLF is the most a line may have.
        with su.Smtp(self.port) as s:
            s.reply()
            self.assertEqual(s.cmd("NOOP " + "a" * 993), "250 2.0.0 Ok")      # 998 + CRLF
            self.assertEqual(s.cmd("NOOP " + "a" * 994), "500 5.5.2 Line too long")
            self.assertEqual(s.cmd("NOOP"), "250 2.0.0 Ok")

    def test_errors_before_disconnect(self):
        with su.Smtp(self.port) as s:
            s.reply()
            self.assertEqual(s.cmd("BOGUS1")[:3], "500")
            self.assertEqual(s.cmd("BOGUS2")[:3], "500")
            self.assertEqual(s.cmd("NOOP"), "250 2.0.0 Ok")
            s.send("BOGUS3\r\n")
            self.assertEqual(s.reply()[0][:3], "500")
            self.assertEqual(s.reply(), ["421 4.7.0 hamburger.edu Error: too many errors"])
            self.assertTrue(s.closed())

    def test_connections_per_address(self):
        # An earlier test's connection holds its slot until the server has read its end, which
        # may come after these connect: open three until all three are welcome.
        conns = []

        def three_welcome():
            for c in conns:
                c.close()
            conns[:] = [su.Smtp(self.port) for _ in range(3)]
            return all(c.reply()[0][:4] == "220 " for c in conns)
        try:
            self.assertTrue(wait_until(three_welcome, timeout=10))
            with su.Smtp(self.port) as extra:
                self.assertEqual(extra.reply(), ["421 4.7.0 hamburger.edu Too many connections, try again later"])
        finally:
            for c in conns:
                c.close()
        # Once the server has seen them go, a new connection is welcome again.
        def welcome():
            with su.Smtp(self.port) as s:
                return s.reply()[0].startswith("220 ")
        self.assertTrue(wait_until(welcome, timeout=10))

    def test_command_budget_before_auth(self):
        with su.Smtp(self.port) as s:
            s.reply()
            for _ in range(8):
                self.assertEqual(s.cmd("NOOP"), "250 2.0.0 Ok")
            self.assertEqual(s.cmd("NOOP"), "421 4.7.0 hamburger.edu Error: too many commands")
            self.assertTrue(s.closed())
        # AUTH lifts the budget.
        with su.Smtp(self.port) as s:
            s.reply()
            s.cmd("EHLO crepes.fr")
            self.assertEqual(s.cmd("AUTH PLAIN AGJvYgBodW5ncnk="), "235 2.7.0 Authentication successful")
            for _ in range(12):
                self.assertEqual(s.cmd("NOOP"), "250 2.0.0 Ok")

    # -- timeouts ----------------------------------------------------------------------------
    def test_idle_timeout(self):
        with su.Smtp(self.port) as s:
            s.reply()
            self.assertEqual(s.cmd("NOOP"), "250 2.0.0 Ok")   # well inside the limit
            s.sock.settimeout(10)
            self.assertEqual(s.reply(), ["421 4.4.2 hamburger.edu Error: timeout exceeded"])
            self.assertTrue(s.closed())

    def test_data_timeout(self):
        with su.Smtp(self.port) as s:
            begin(s)
            s.cmd("DATA")
            s.send("Subject: slow\r\n")
            s.sock.settimeout(10)
            self.assertEqual(s.reply(), ["421 4.4.2 hamburger.edu Error: timeout exceeded"])
            self.assertTrue(s.closed())

    # -- smuggling ---------------------------------------------------------------------------
    def smuggle(self, port, separator):
        inner = ("MAIL FROM:<admin@hamburger.edu>\r\nRCPT TO:<alice@hamburger.edu>\r\nDATA\r\n"
                 "Subject: smuggled\r\n\r\nevil\r\n")
        with su.Smtp(port) as s:
            begin(s)
            s.cmd("DATA")
            s.send("Subject: outer\r\n\r\nhello" + separator + inner + ".\r\nQUIT\r\n")
            final = s.reply()
            bye = s.reply()
        return final, bye

    def test_smuggling_lf_dot_lf_is_content(self):
        alice = self.count("alice")
        before = self.count()
        final, bye = self.smuggle(self.port, "\n.\n")
        self.assertEqual(final, ["250 2.0.0 Message accepted for delivery"])
        self.assertEqual(bye[0][:3], "221")  # nothing of the inner text ran as a command
        msgs = su.wait_messages(self.base, "bob", before + 1)
        self.assertEqual(self.count("alice"), alice)
        # Normalised as Postfix's smtpd_forbid_bare_newline=normalize: a bare LF becomes a line
        # end (stored as LF) and the "." after it is unstuffed like any line's leading dot; the
        # would-be commands are message text.
        self.assertIn(b"hello\n\nMAIL FROM:<admin@hamburger.edu>\nRCPT TO:<alice@hamburger.edu>\n", msgs[-1])

    def test_smuggling_cr_dot_cr_is_content(self):
        alice = self.count("alice")
        final, _ = self.smuggle(self.port, "\r.\r")
        self.assertEqual(final, ["250 2.0.0 Message accepted for delivery"])
        self.assertEqual(self.count("alice"), alice)

    def test_bare_newline_reject(self):
        before = self.count(base=self.strict_base)
        final, bye = self.smuggle(su.port_of(self.strict), "\n.\n")
        self.assertEqual(final, ["554 5.6.0 Message contains bare CR or LF (RFC 5321 2.3.8)"])
        self.assertEqual(bye[0][:3], "221")
        self.assertEqual(self.count(base=self.strict_base), before)
        self.assertEqual(len(su.messages(self.strict_base, "alice")), 0)
        # A clean message on the same server is fine.
        self.assertEqual(su.transaction(su.port_of(self.strict)), "250 2.0.0 Message accepted for delivery")


if __name__ == "__main__":
    main()
