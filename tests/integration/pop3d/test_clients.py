"""pop3d with real clients: Python poplib (every command, STLS, APOP, AUTH PLAIN), curl
pop3:// (list, retrieve, DELE) and fetchmail (keep with UIDL, then delete), on one daemon
per configuration."""
import hashlib
import os
import poplib
import shutil
import ssl
import stat
import subprocess
import tempfile
import unittest

from harness import main, make_cert, run
from pop3util import PASSWORD, crlf_size, deliver, files, pop3d, write_users

MSG1 = (b"From: alice@crepes.fr\nTo: bob@hamburger.edu\nSubject: Searching for the meaning of life\n\n"
        b"Hi Bob,\n.a line with a leading dot\n.\n..two dots\nend\n")
MSG2 = b"From: alice@crepes.fr\r\nSubject: =?utf-8?q?cr=C3=AApes?=\r\n\r\nCRLF stored\r\nno final newline"
MSG3 = "From: alice@crepes.fr\nSubject: crêpes für Bob\n\nUTF-8 body: 🍔\n".encode()


class Pop3Clients(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="pop3d-clients-")
        cls.root = os.path.join(cls.tmp, "mail")
        cls.users = write_users(cls.tmp, extra="carol:{PLAIN}tanstaaf\n")
        cls.cert, cls.key = make_cert(cls.tmp)
        cls.d = pop3d(cls.root, cls.users, "--allow-plain-passwords", "--tls-cert", cls.cert, "--tls-key",
                      cls.key, "--trace").start()
        cls.port = cls.d.tcp_port()

    @classmethod
    def tearDownClass(cls):
        code = cls.d.stop()
        log = cls.d.log()
        shutil.rmtree(cls.tmp, ignore_errors=True)
        assert code == 0, log
        assert "ERROR" not in log and "runtime error" not in log, log

    def fresh(self, user, *messages):
        shutil.rmtree(os.path.join(self.root, user), ignore_errors=True)
        return [deliver(self.root, user, m) for m in messages]

    def client(self):
        p = poplib.POP3("127.0.0.1", self.port, timeout=15)
        self.addCleanup(p.close)
        return p

    def test_poplib_every_command(self):
        names = self.fresh("bob", MSG1, MSG2, MSG3)
        p = self.client()
        self.assertEqual(p.getwelcome().split(b" <")[0], b"+OK POP3 server ready")
        caps = p.capa()
        for c in ("TOP", "UIDL", "RESP-CODES", "USER", "SASL", "STLS", "UTF8", "PIPELINING"):
            self.assertIn(c, caps)
        self.assertEqual(caps["SASL"], ["PLAIN"])
        self.assertTrue(p.utf8().startswith(b"+OK"))
        self.assertEqual(p.user("bob"), b"+OK")
        self.assertEqual(p.pass_(PASSWORD), b"+OK user successfully logged on")
        self.assertNotIn("STLS", p.capa())
        sizes = [crlf_size(m) for m in (MSG1, MSG2, MSG3)]
        self.assertEqual(p.stat(), (3, sum(sizes)))
        resp, lines, _ = p.list()
        self.assertEqual(resp, f"+OK 3 messages ({sum(sizes)} octets)".encode())
        self.assertEqual(lines, [f"{i + 1} {s}".encode() for i, s in enumerate(sizes)])
        self.assertEqual(p.list(2), f"+OK 2 {sizes[1]}".encode())
        resp, lines, _ = p.uidl()
        self.assertEqual(lines, [f"{i + 1} {n}".encode() for i, n in enumerate(names)])
        self.assertEqual(p.uidl(3), f"+OK 3 {names[2]}".encode())
        # RETR is byte-exact: poplib undoes the dot-stuffing, the octet count is the CRLF size.
        for i, m in enumerate((MSG1, MSG2, MSG3)):
            resp, lines, octets = p.retr(i + 1)
            self.assertEqual(resp, f"+OK {sizes[i]} octets".encode())
            self.assertEqual(lines, m.replace(b"\r\n", b"\n").rstrip(b"\n").split(b"\n"))
        resp, lines, _ = p.top(1, 1)
        self.assertEqual(lines, [b"From: alice@crepes.fr", b"To: bob@hamburger.edu",
                                 b"Subject: Searching for the meaning of life", b"", b"Hi Bob,"])
        self.assertEqual(p.top(2, 0)[1], [b"From: alice@crepes.fr", b"Subject: =?utf-8?q?cr=C3=AApes?=", b""])
        self.assertEqual(p.noop(), b"+OK")
        self.assertEqual(p.dele(1), b"+OK Message 1 deleted")
        with self.assertRaisesRegex(poplib.error_proto, "already deleted"):
            p.retr(1)
        self.assertEqual(p.stat(), (2, sizes[1] + sizes[2]))
        self.assertTrue(p.rset().startswith(b"+OK maildrop has 3 messages"))
        self.assertEqual(p.dele(3), b"+OK Message 3 deleted")
        with self.assertRaisesRegex(poplib.error_proto, "No such message"):
            p.list(4)
        self.assertEqual(p.quit(), b"+OK POP3 server signing off")
        # UPDATE removed 3 only; 1 and 2 were retrieved, so they are in cur/ with flag S.
        self.assertEqual(files(self.root, "bob"), [f"cur/{names[0]}:2,S", f"cur/{names[1]}:2,S"])

    def test_poplib_big_message_in_chunks(self):
        # 2 MiB with a dot line every 1000 lines: many 128 KiB pieces, byte-exact through poplib.
        lines = [(b"." if i % 1000 == 0 else b"") + b"%07d the quick brown fox" % i for i in range(70000)]
        big = b"Subject: big\n\n" + b"\n".join(lines) + b"\n"
        self.fresh("alice", big)
        p = self.client()
        p.user("alice")
        p.pass_(PASSWORD)
        resp, got, octets = p.retr(1)
        self.assertEqual(resp, f"+OK {crlf_size(big)} octets".encode())
        self.assertEqual(got, big.rstrip(b"\n").split(b"\n"))
        p.quit()
        self.assertRegex(self.d.log(), r"-- RETR 1: \d{7} bytes sent")

    def test_poplib_stls_then_login(self):
        self.fresh("alice", MSG1)
        p = self.client()
        ctx = ssl.create_default_context(cafile=self.cert)
        ctx.check_hostname = False  # the certificate names localhost; the chain is still checked
        self.assertTrue(p.stls(ctx).startswith(b"+OK"))
        self.assertIn("TLS", p.sock.version())
        self.assertNotIn("STLS", p.capa())
        p.user("alice")
        p.pass_(PASSWORD)
        self.assertEqual(p.retr(1)[1], MSG1.rstrip(b"\n").split(b"\n"))
        p.quit()

    def test_poplib_apop_with_a_plain_secret(self):
        self.fresh("carol", MSG2)
        p = self.client()
        self.assertRegex(p.getwelcome().decode(), r"^\+OK POP3 server ready <\d+\.\d+\.\d+@[^>]+>$")
        self.assertEqual(p.apop("carol", "tanstaaf"), b"+OK user successfully logged on")
        self.assertEqual(p.stat()[0], 1)
        p.quit()
        q = self.client()
        with self.assertRaisesRegex(poplib.error_proto, r"\[AUTH\]"):
            q.apop("carol", "wrong")
        with self.assertRaisesRegex(poplib.error_proto, r"\[AUTH\]"):
            q.apop("bob", PASSWORD)  # a crypt hash is no APOP secret
        # The digest over the greeting's timestamp, computed by hand, as RFC 1939 7 says.
        ts = q.getwelcome().decode().split(" ")[-1]
        digest = hashlib.md5((ts + "tanstaaf").encode()).hexdigest()
        self.assertEqual(q._shortcmd(f"APOP carol {digest}"), b"+OK user successfully logged on")
        q.quit()
        self.assertIn("C: APOP carol ****", self.d.log())

    def test_poplib_auth_plain_and_wrong_passwords(self):
        self.fresh("bob", MSG3)
        p = self.client()
        import base64
        ir = base64.b64encode(b"\0bob\0" + PASSWORD.encode()).decode()
        self.assertEqual(p._shortcmd(f"AUTH PLAIN {ir}"), b"+OK user successfully logged on")
        p.quit()
        q = self.client()
        q.user("bob")
        with self.assertRaisesRegex(poplib.error_proto, r"-ERR \[AUTH\] Authentication failed"):
            q.pass_("wrong")
        q.user("nobody-here")
        with self.assertRaisesRegex(poplib.error_proto, r"-ERR \[AUTH\] Authentication failed"):
            q.pass_(PASSWORD)
        q.quit()
        self.assertIn("C: PASS ****", self.d.log())
        self.assertNotIn("wrong", self.d.log())

    def test_curl_list_retrieve_delete(self):
        names = self.fresh("alice", MSG1, MSG2)
        url = f"pop3://127.0.0.1:{self.port}/"
        base = ["curl", "-sS", "--max-time", "20", "-u", f"alice:{PASSWORD}"]
        listing = run(base + [url], input=b"").stdout
        self.assertEqual(listing, f"1 {crlf_size(MSG1)}\r\n2 {crlf_size(MSG2)}\r\n".encode())
        body = run(base + [url + "1"], input=b"").stdout
        self.assertEqual(body, MSG1.replace(b"\n", b"\r\n"))  # curl undoes the dot-stuffing
        run(base + ["-X", "DELE", "-I", url + "1"])
        self.assertEqual(files(self.root, "alice"), [f"new/{names[1]}"])
        # curl logs in with AUTH PLAIN when CAPA offers it (RFC 5034), continuation included.
        self.assertIn("C: AUTH PLAIN", self.d.log())

    def fetchmail(self, user, options, home):
        mbox = os.path.join(home, "mbox")
        rc = os.path.join(home, "fetchmailrc")
        with open(rc, "w") as f:
            f.write(f"set no syslog\nset idfile {home}/fetchids\n"
                    f"poll 127.0.0.1 service {self.port} protocol pop3 uidl auth password\n"
                    f"  user {user} there with password {PASSWORD} is {user} here\n"
                    f"  {options} sslproto '' mda \"/bin/sh -c 'cat >> {mbox}; echo ==END== >> {mbox}'\"\n")
        os.chmod(rc, stat.S_IRUSR | stat.S_IWUSR)
        env = dict(os.environ, HOME=home, FETCHMAILHOME=home)
        p = subprocess.run(["fetchmail", "-f", rc, "--nodetach", "-v"], capture_output=True, text=True,
                           timeout=60, env=env)
        # 0: messages fetched, 1: nothing new
        self.assertIn(p.returncode, (0, 1), p.stdout + p.stderr)
        if not os.path.exists(mbox):
            return 0, p.stdout + p.stderr
        with open(mbox, "rb") as f:
            return f.read().count(b"==END=="), p.stdout + p.stderr

    def test_fetchmail_keep_then_delete(self):
        self.fresh("bob", MSG1, MSG2)
        home = tempfile.mkdtemp(prefix="fetchmail-", dir=self.tmp)
        n, out = self.fetchmail("bob", "keep", home)
        self.assertEqual(n, 2, out)
        self.assertEqual(len(files(self.root, "bob")), 2)
        # keep + UIDL: the ids are the same, so nothing is fetched twice.
        n, out = self.fetchmail("bob", "keep", home)
        self.assertEqual(n, 2, out)
        deliver(self.root, "bob", MSG3)
        n, out = self.fetchmail("bob", "keep", home)
        self.assertEqual(n, 3, out)
        # Without keep: everything fetched (fetchall) and deleted at QUIT.
        n, out = self.fetchmail("bob", "fetchall", home)
        self.assertEqual(n, 6, out)
        self.assertEqual(files(self.root, "bob"), [])
        with open(os.path.join(home, "mbox"), "rb") as f:
            self.assertIn("🍔".encode(), f.read())


if __name__ == "__main__":
    main()
