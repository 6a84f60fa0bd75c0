"""pop3d over raw sockets: the textbook session byte for byte, the maildrop lock (also after
SIGKILL), a dropped connection deleting nothing, UIDL across restarts, pipelining, and bad
input: limits before login, refusals from the command table, bad arguments, throttled logins,
the idle timeout."""
import os
import shutil
import signal
import tempfile
import time
import unittest

from harness import SOURCE_DIR, Daemon, bin_path, main, run
from pop3util import PASSWORD, Raw, crlf_size, deliver, files, login, network_form, pop3d, write_users

TEXTBOOK = [
    b"From: alice@crepes.fr\nTo: bob@hamburger.edu\nSubject: Searching for the meaning of life\n\n"
    b"Hi Bob,\n.this line begins with a dot\n.\nBye\n",
    b"From: alice@crepes.fr\nSubject: second\n\n" + b"x" * 900 + b"\n",
]


class Pop3Sessions(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="pop3d-sessions-")
        cls.root = os.path.join(cls.tmp, "mail")
        cls.users = write_users(cls.tmp)
        cls.d = cls.start()

    @classmethod
    def start(cls):
        return pop3d(cls.root, cls.users, "--trace", "--max-login-failures", "3", "--idle-timeout-ms", "3000").start()

    @classmethod
    def tearDownClass(cls):
        code = cls.d.stop()
        log = cls.d.log()
        shutil.rmtree(cls.tmp, ignore_errors=True)
        assert code == 0, log
        assert "runtime error" not in log, log

    def setUp(self):
        self.port = self.d.tcp_port()

    def fresh(self, user="bob", messages=TEXTBOOK):
        shutil.rmtree(os.path.join(self.root, user), ignore_errors=True)
        return [deliver(self.root, user, m) for m in messages]

    def login(self):
        r = login(self.port)
        self.addCleanup(r.close)
        return r

    def raw(self):
        r = Raw(self.port)
        self.addCleanup(r.close)
        return r

    def test_textbook_session(self):
        names = self.fresh()
        r = self.raw()
        self.assertEqual(r.line(), "+OK POP3 server ready")
        self.assertEqual(r.cmd("user bob"), "+OK")
        self.assertEqual(r.cmd("pass hungry"), "+OK user successfully logged on")
        sizes = [crlf_size(m) for m in TEXTBOOK]
        self.assertEqual(r.multi("list"), (f"+OK 2 messages ({sum(sizes)} octets)",
                                           [f"1 {sizes[0]}", f"2 {sizes[1]}"]))
        self.assertEqual(r.cmd("retr 1"), f"+OK {sizes[0]} octets")
        self.assertEqual(r.until_dot(), network_form(TEXTBOOK[0]))  # byte-exact, dots stuffed
        self.assertEqual(r.cmd("dele 1"), "+OK Message 1 deleted")
        self.assertEqual(files(self.root, "bob"), [f"cur/{names[0]}:2,S", f"new/{names[1]}"])
        self.assertEqual(r.cmd("quit"), "+OK POP3 server signing off")
        self.assertTrue(r.eof())
        self.assertEqual(files(self.root, "bob"), [f"new/{names[1]}"])
        log = self.d.wait_for_log("S: +OK POP3 server signing off")
        for line in ("S: +OK POP3 server ready", "C: user bob", "C: pass ****", "S: +OK user successfully logged on",
                     "C: retr 1", "-- RETR 1: ", "-- update: 1 message(s) removed"):
            self.assertIn(line, log)
        self.assertNotIn("hungry", log)

    def test_lock_excludes_a_second_session(self):
        self.fresh()
        a = self.login()
        b = self.raw()
        b.line()
        b.cmd("USER bob")
        self.assertEqual(b.cmd("PASS hungry"), "-ERR [IN-USE] Maildrop is locked by another session")
        self.assertEqual(b.cmd("STAT"), "-ERR Command not valid in this state")
        self.assertEqual(a.cmd("QUIT"), "+OK POP3 server signing off")
        self.assertTrue(a.eof())
        b.cmd("USER bob")
        self.assertEqual(b.cmd("PASS hungry"), "+OK user successfully logged on")
        b.cmd("QUIT")

    def test_drop_without_quit_deletes_nothing_and_unlocks(self):
        names = self.fresh()
        a = self.login()
        self.assertEqual(a.cmd("DELE 1"), "+OK Message 1 deleted")
        self.assertEqual(a.cmd("DELE 2"), "+OK Message 2 deleted")
        a.close()
        self.d.wait_for_log("client eof")
        self.assertEqual(sorted(n.split("/")[1] for n in files(self.root, "bob")), sorted(names))
        b = self.login()  # the lock went with the session
        self.assertEqual(b.cmd("STAT"), f"+OK 2 {sum(crlf_size(m) for m in TEXTBOOK)}")
        b.cmd("QUIT")

    def test_lock_after_sigkill_and_uidl_across_restarts(self):
        names = self.fresh()
        a = self.login()
        _, before = a.multi("UIDL")
        self.assertEqual(before, [f"1 {names[0]}", f"2 {names[1]}"])
        a.cmd("RETR 2")
        a.until_dot()
        # The daemon dies holding the lock; the kernel drops the flock with it.
        self.d.proc.send_signal(signal.SIGKILL)
        self.d.proc.wait(timeout=10)
        self.assertTrue(a.eof())
        type(self).d = self.start()
        self.port = self.d.tcp_port()
        b = self.login()
        _, after = b.multi("UIDL")
        self.assertEqual(after, before)  # RETR moved 2 to cur/; its id stayed
        b.cmd("QUIT")

    def test_numbers_fixed_at_login_and_raw_top(self):
        self.fresh()
        r = self.login()
        late = deliver(self.root, "bob", b"Subject: late\n\narrived during the session\n", when=1600000000)
        self.assertEqual(r.cmd("STAT"), f"+OK 2 {sum(crlf_size(m) for m in TEXTBOOK)}")
        self.assertEqual(r.cmd("RETR 3"), "-ERR No such message")
        self.assertEqual(r.cmd("TOP 1 2"), "+OK Top of message follows")
        head, _, body = TEXTBOOK[0].partition(b"\n\n")
        self.assertEqual(r.until_dot(), network_form(head + b"\n\n" + b"\n".join(body.split(b"\n")[:2]) + b"\n"))
        self.assertEqual(r.cmd("QUIT"), "+OK POP3 server signing off")
        # The next session numbers the late one first (it is the oldest by delivery time).
        n = self.login()
        self.assertEqual(n.cmd("UIDL 1"), f"+OK 1 {late}")
        n.cmd("QUIT")

    def test_sighup_reloads_the_users_file(self):
        users = os.path.join(self.tmp, "users")
        with open(users) as f:
            before = f.read()
        with open(users, "a") as f:
            f.write("dave:" + before.splitlines()[1].split(":", 1)[1] + "\n")  # bob's hash: "hungry"
        self.d.signal(signal.SIGHUP)
        self.d.wait_for_log("SIGHUP: users reloaded (3 users)")
        r = self.raw()
        r.line()
        r.cmd("USER dave")
        self.assertEqual(r.cmd("PASS hungry"), "+OK user successfully logged on")
        self.assertEqual(r.cmd("STAT"), "+OK 0 0")  # a first login makes the Maildir
        r.cmd("QUIT")
        self.assertTrue(os.path.isdir(os.path.join(self.root, "dave", "new")))

    def test_pipelined_commands_answered_in_order(self):
        self.fresh()
        r = self.raw()
        r.line()
        r.send(b"USER bob\r\nPASS hungry\r\nSTAT\r\nNOOP\r\nLIST 2\r\nUIDL 9\r\nQUIT\r\n")
        got = [r.line() for _ in range(7)]
        self.assertEqual(got, ["+OK", "+OK user successfully logged on",
                               f"+OK 2 {sum(crlf_size(m) for m in TEXTBOOK)}", "+OK",
                               f"+OK 2 {crlf_size(TEXTBOOK[1])}", "-ERR No such message",
                               "+OK POP3 server signing off"])

    def test_refusals_and_bad_arguments(self):
        self.fresh()
        r = self.raw()
        r.line()
        for cmd, want in [("STAT", "-ERR Command not valid in this state"),
                          ("PASS hungry", "-ERR Command not valid in this state"),
                          ("HELO there", "-ERR Unknown command"),
                          ("USER", "-ERR Syntax error"),
                          ("CAPA now", "-ERR Syntax error"),
                          ("APOP bob c4c9334bac560ecc979e58001b3e22fb", "-ERR APOP not available"),
                          ("AUTH CRAM-MD5", "-ERR Unsupported authentication mechanism"),
                          ("AUTH PLAIN !!!!", "-ERR [AUTH] Malformed PLAIN response"),
                          ("STLS", "-ERR STLS not available")]:
            self.assertEqual(r.cmd(cmd), want, cmd)
        self.assertEqual(r.cmd("AUTH PLAIN"), "+ ")
        self.assertEqual(r.cmd("*"), "-ERR Authentication cancelled")
        r.close()
        r = self.raw()  # ten refusals end a session: a fresh one for the rest
        r.line()
        self.assertEqual(r.cmd("USER bob"), "+OK")
        self.assertEqual(r.cmd("PASS hungry"), "+OK user successfully logged on")
        for cmd, want in [("RETR 0", "-ERR Invalid message number"), ("RETR abc", "-ERR Invalid message number"),
                          ("RETR 3", "-ERR No such message"), ("RETR -1", "-ERR Invalid message number"),
                          ("LIST 1 2", "-ERR Invalid message number"), ("TOP 1", "-ERR Syntax error: TOP msg lines"),
                          ("DELE", "-ERR Syntax error"), ("USER bob", "-ERR Command not valid in this state"),
                          ("UTF8", "-ERR Command not valid in this state"), ("NOOP x", "-ERR Syntax error")]:
            self.assertEqual(r.cmd(cmd), want, cmd)
        self.assertEqual(r.cmd("QUIT"), "+OK POP3 server signing off")

    def test_limits_before_login(self):
        r = self.raw()
        r.line()
        self.assertEqual(r.cmd("USER " + "b" * 300), "-ERR Line too long")  # 255 before login
        self.assertEqual(r.cmd("NOOP"), "-ERR Command not valid in this state")  # the session goes on
        for _ in range(3):
            self.assertEqual(r.multi("CAPA")[0], "+OK Capability list follows")
        # The budget before login (20 commands) ends the session.
        r.send(b"UTF8\r\n" * 30)
        lines = []
        while (l := r.line()) is not None:
            lines.append(l)
        self.assertEqual(lines[-1], "-ERR Too many commands before login, closing")
        # Too many errors end it too.
        e = self.raw()
        e.line()
        e.send(b"BOGUS\r\n" * 12)
        lines = []
        while (l := e.line()) is not None:
            lines.append(l)
        self.assertEqual(lines[-2:], ["-ERR Unknown command", "-ERR Too many errors, closing"])
        self.assertEqual(len(lines), 11)
        # Binary junk and a NUL byte are just bad commands.
        j = self.raw()
        j.line()
        self.assertEqual(j.cmd(b"\x00\xff\xfe junk\r\n".decode("latin-1")), "-ERR Unknown command")

    def test_failed_logins_are_delayed_then_blocked(self):
        self.fresh("alice")
        r = Raw(self.port, source="127.0.0.2")  # its own address: the others stay unthrottled
        self.addCleanup(r.close)
        r.line()
        for i in range(4):
            r.cmd("USER alice")
            t0 = time.monotonic()
            self.assertEqual(r.cmd("PASS wrong"), "-ERR [AUTH] Authentication failed")
            self.assertGreaterEqual(time.monotonic() - t0, 0.04 * (i + 1))
        # More than --max-login-failures (3): blocked, even with the right password.
        r.cmd("USER alice")
        self.assertEqual(r.cmd("PASS hungry"),
                         "-ERR [SYS/TEMP] Too many failed logins from your address, try again later")

    def test_idle_session_is_logged_out(self):
        r = self.raw()
        r.line()
        r.sock.settimeout(15)
        self.assertEqual(r.line(), "-ERR Autologout: idle for too long")
        self.assertTrue(r.eof())


class Configuration(unittest.TestCase):
    def test_configuration_errors_exit_2(self):
        tmp = tempfile.mkdtemp(prefix="pop3d-config-")
        self.addCleanup(shutil.rmtree, tmp, True)
        users = write_users(tmp)
        p = run([bin_path("pop3d"), "--users", users, "--listen", "127.0.0.1:0"], check=False)
        self.assertEqual(p.returncode, 2)
        self.assertIn("no maildir root", p.stderr)
        with open(os.path.join(tmp, "bad"), "w") as f:
            f.write("bob:{PLAIN}secret\n")  # {PLAIN} without --allow-plain-passwords
        p = run([bin_path("pop3d"), "--users", os.path.join(tmp, "bad"), "--maildir-root", tmp,
                 "--listen", "127.0.0.1:0"], check=False)
        self.assertEqual(p.returncode, 2)
        self.assertIn("bad:1:", p.stderr)


class DemoMaildrop(unittest.TestCase):
    """The demo's configuration (demo/pop3d/pop3d.toml on a copy of demo/): the textbook's
    listing, 498 and 912 octets, with the demo users' yescrypt hashes."""

    def test_textbook_listing_on_the_demo(self):
        tmp = tempfile.mkdtemp(prefix="pop3d-demo-")
        self.addCleanup(shutil.rmtree, tmp, True)
        for sub in ("mail", "pop3d"):
            shutil.copytree(os.path.join(SOURCE_DIR, "demo", sub), os.path.join(tmp, sub))
        with Daemon("pop3d", "--config", os.path.join(tmp, "pop3d", "pop3d.toml")) as d:
            a = login(d.tcp_port(), "alice")
            self.assertEqual(a.cmd("STAT"), "+OK 0 0")
            a.cmd("QUIT")
            r = login(d.tcp_port(), "bob")
            self.assertEqual(r.multi("list"), ("+OK 2 messages (1410 octets)", ["1 498", "2 912"]))
            self.assertEqual(r.cmd("retr 1"), "+OK 498 octets")
            self.assertIn(b"\r\n..This line begins with a dot", r.until_dot())
            self.assertEqual(r.cmd("quit"), "+OK POP3 server signing off")
            r.close()
            a.close()


if __name__ == "__main__":
    main()
