"""ftpd against bad input and at its limits: every way out of the jail (.., absolute paths,
symlinks), write permission, the bounce attack, malformed arguments with their exact codes,
and the limits (sessions per address, failed logins with their delay, idle control
connection, data connection never opened, upload size, stalled upload, and a slow download
that is not a stall)."""
import ftplib
import io
import os
import socket
import time
import unittest

from harness import main
from ftputil import PASSWORDS, Raw, Tree, daemon, login


def logged_in(port, user="alice"):
    r = Raw(port)
    assert r.reply()[0] == 220
    assert r.cmd(f"USER {user}")[0] == 331
    code, text = r.cmd(f"PASS {PASSWORDS.get(user, 'guest')}")
    assert code == 230, text
    return r


def pasv_connect(r):
    code, text = r.cmd("PASV")
    assert code == 227, text
    nums = text[text.index("(") + 1:text.index(")")].split(",")
    return socket.create_connection(("127.0.0.1", int(nums[4]) * 256 + int(nums[5])), timeout=10)


class Jail(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tree = Tree()
        cls.d = daemon(cls.tree).start()
        cls.port = cls.d.tcp_port()

    @classmethod
    def tearDownClass(cls):
        code = cls.d.stop()
        cls.tree.cleanup()
        assert code == 0, cls.d.log()

    def assert_refused(self, r, line, code=550):
        got, text = r.cmd(line)
        self.assertEqual(got, code, f"{line}: {text}")
        self.assertNotIn("SECRET", text)

    def test_dot_dot(self):
        r = logged_in(self.port)
        self.assert_refused(r, "SIZE ../../outside/secret.txt")
        self.assert_refused(r, "MDTM ../../../../outside/secret.txt")
        self.assertEqual(r.cmd("CWD ../../..")[0], 250)  # ".." stops at the root, as in a chroot
        self.assertEqual(r.cmd("PWD")[1].strip(), '257 "/" is the current directory')
        self.assertEqual(r.cmd("CDUP")[0], 250)
        self.assertEqual(r.cmd("PWD")[1].strip(), '257 "/" is the current directory')
        conn = pasv_connect(r)
        self.assertEqual(r.cmd("RETR ../outside/secret.txt")[0], 550)
        conn.close()
        r.close()

    def test_absolute_path(self):
        r = logged_in(self.port)
        # "/" is the user's home: an absolute path names something inside it.
        self.assert_refused(r, "SIZE " + self.tree.path("outside/secret.txt"))
        self.assert_refused(r, "CWD /etc")
        self.assertEqual(r.cmd("TYPE I")[0], 200)
        self.assertEqual(r.cmd("SIZE /sub/in.txt")[1].strip(), "213 7")
        r.close()

    def test_symlinks(self):
        r = logged_in(self.port)
        r.cmd("TYPE I")
        self.assert_refused(r, "SIZE escape/secret.txt")  # absolute symlink out
        self.assert_refused(r, "SIZE rel-escape")  # relative symlink out
        self.assert_refused(r, "CWD escape")
        self.assert_refused(r, "MLST escape")
        self.assertEqual(r.cmd("SIZE inside/in.txt")[1].strip(), "213 7")  # a link that stays inside
        conn = pasv_connect(r)
        self.assertEqual(r.cmd("STOR escape/planted.txt")[0], 550)
        conn.close()
        self.assertFalse(os.path.exists(self.tree.path("outside/planted.txt")))
        conn = pasv_connect(r)
        self.assertEqual(r.cmd("LIST escape")[0], 550)
        conn.close()
        r.close()
        self.assertIn("leads outside the root", self.d.log())
        ftp = login(self.port)
        names = [n for n, _ in ftp.mlsd()]
        self.assertNotIn("escape", names)  # MLSD leaves out what cannot be reached
        self.assertIn("inside", names)
        ftp.quit()

    def test_write_permission(self):
        anon = Raw(self.port)
        anon.reply()
        anon.cmd("USER anonymous")
        self.assertEqual(anon.cmd("PASS guest")[0], 230)
        for line in ("MKD new", "DELE pub/hello.txt", "RNFR pub/hello.txt", "RMD pub", "STOR x", "APPE x", "STOU"):
            self.assertEqual(anon.cmd(line)[0], 550, line)
        anon.close()
        bob = logged_in(self.port, "bob")
        for line in ("MKD new", "DELE readme.txt", "STOR x"):
            self.assertEqual(bob.cmd(line)[0], 550, line)
        bob.close()
        self.assertTrue(os.path.exists(self.tree.path("anon/pub/hello.txt")))

    def test_bounce_and_bad_arguments(self):
        r = logged_in(self.port)
        cases = [
            ("PORT 127,0,0,2,200,10", 504),  # another address: the bounce attack (RFC 2577)
            ("PORT 127,0,0,1,0,21", 504),  # a privileged port
            ("EPRT |1|10.1.2.3|5000|", 504),
            ("PORT 127,0,0,1,300,1", 501),
            ("PORT 1,2,3", 501),
            ("EPRT |3|127.0.0.1|5000|", 522),
            ("EPRT |1|127.0.0.1|0|", 501),
            ("EPRT junk", 501),
            ("EPSV 7", 522),
            ("EPSV x", 501),
            ("REST abc", 501),
            ("REST -1", 501),
            ("TYPE X", 501),
            ("TYPE E", 504),
            ("TYPE L 7", 504),
            ("MODE B", 504),
            ("STRU R", 504),
            ("PROT P", 503),
            ("AUTH TLS", 503),  # after login
            ("RNTO x", 503),
            ("RETR sub/in.txt", 425),  # no PORT or PASV first
            ("XYZZY", 500),
            ("QUIT now", 501),
            ("CWD", 501),
            ("MDTM nowhere", 550),
            ("OPTS NOPE", 501),
        ]
        for line, code in cases:
            self.assertEqual(r.cmd(line)[0], code, line)
        self.assertIn("refused active target 127.0.0.2", self.d.log())
        self.assertEqual(r.cmd("NOOP")[0], 200)
        r.close()

    def test_before_login(self):
        r = Raw(self.port)
        r.reply()
        self.assertEqual(r.cmd("LIST")[0], 530)
        self.assertEqual(r.cmd("PASS x")[0], 503)
        self.assertEqual(r.cmd("AUTH TLS")[0], 502)  # no certificate configured
        self.assertEqual(r.cmd("FEAT")[0], 211)
        self.assertEqual(r.cmd("USER nobody")[0], 331)
        self.assertEqual(r.cmd("PASS wrong")[0], 530)
        r.close()


class Limits(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tree = Tree()
        cfg = cls.tree.path("ftpd.toml")
        with open(cfg, "w") as f:
            f.write("[ftpd]\nmax_per_address = 3\nmax_login_attempts = 2\n")
        cls.d = daemon(cls.tree, "--config", cfg, "--max-upload", "1000", "--data-timeout-ms", "500",
                       "--stall-timeout-ms", "700", "--idle-timeout-ms", "1500",
                       "--passive-ports", "41000-41050").start()
        cls.port = cls.d.tcp_port()

    @classmethod
    def tearDownClass(cls):
        code = cls.d.stop()
        cls.tree.cleanup()
        assert code == 0, cls.d.log()

    def test_sessions_per_address(self):
        held = [Raw(self.port) for _ in range(3)]
        for r in held:
            self.assertEqual(r.reply()[0], 220)
        extra = Raw(self.port)
        self.assertEqual(extra.reply()[0], 421)
        extra.close()
        for r in held:
            r.close()

    def test_failed_logins(self):
        r = Raw(self.port)
        r.reply()
        r.cmd("USER alice")
        t0 = time.monotonic()
        self.assertEqual(r.cmd("PASS wrong")[0], 530)
        self.assertGreaterEqual(time.monotonic() - t0, 0.04)  # --login-delay-ms 50
        r.cmd("USER alice")
        code, text = r.cmd("PASS wrong again")
        self.assertIn("421 Too many failed logins", text + (r.reply()[1] if code == 530 else ""))
        self.assertEqual(r.reply(), (None, ""))  # closed
        r.close()

    def test_idle_timeout(self):
        r = Raw(self.port)
        r.reply()
        t0 = time.monotonic()
        code, text = r.reply()
        self.assertEqual(code, 421, text)
        self.assertGreater(time.monotonic() - t0, 1.0)
        r.close()

    def test_data_connection_never_opened(self):
        r = logged_in(self.port)
        code, text = r.cmd("PASV")
        self.assertEqual(code, 227)
        port = text[text.index("(") + 1:text.index(")")].split(",")
        self.assertTrue(41000 <= int(port[4]) * 256 + int(port[5]) <= 41050)
        self.assertEqual(r.cmd("RETR sub/in.txt")[0], 150)
        self.assertEqual(r.reply()[0], 425)
        self.assertEqual(r.cmd("NOOP")[0], 200)
        r.close()

    def test_upload_size(self):
        ftp = login(self.port)
        with self.assertRaises(ftplib.error_perm) as e:
            ftp.storbinary("STOR big.bin", io.BytesIO(b"x" * 5000))
        self.assertTrue(str(e.exception).startswith("552"), e.exception)
        ftp.storbinary("STOR small.bin", io.BytesIO(b"x" * 1000))
        self.assertEqual(os.path.getsize(self.tree.path("home/alice/small.bin")), 1000)
        ftp.quit()

    def test_stalled_upload(self):
        r = logged_in(self.port)
        conn = pasv_connect(r)
        self.assertEqual(r.cmd("STOR stalled.bin")[0], 150)
        conn.sendall(b"a little")
        t0 = time.monotonic()
        code, text = r.reply()
        self.assertEqual(code, 426, text)
        self.assertIn("stalled", text)
        self.assertGreater(time.monotonic() - t0, 0.5)
        conn.close()
        self.assertEqual(r.cmd("NOOP")[0], 200)
        r.close()


    def test_slow_download_is_not_a_stall(self):
        # A client that keeps reading, slower than 1 MiB per stall timeout (700 ms): the
        # deadline measures a stall, not the transfer, so the file arrives whole. Larger than
        # what the loopback socket buffers absorb (up to 4 MiB), so the server waits on it.
        data = os.urandom(5 << 20)
        self.tree.write("home/alice/slow.bin", data)
        r = logged_in(self.port)
        self.assertEqual(r.cmd("TYPE I")[0], 200)
        code, text = r.cmd("PASV")
        self.assertEqual(code, 227, text)
        nums = text[text.index("(") + 1:text.index(")")].split(",")
        conn = socket.socket()
        conn.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 65536)  # a small window
        conn.settimeout(10)
        conn.connect(("127.0.0.1", int(nums[4]) * 256 + int(nums[5])))
        self.assertEqual(r.cmd("RETR slow.bin")[0], 150)
        got = bytearray()
        t0 = time.monotonic()
        while chunk := conn.recv(32768):
            got += chunk
            time.sleep(0.025)  # pacing: at most 1.3 MB/s, so 1 MiB takes longer than 700 ms
        conn.close()
        code, text = r.reply()
        self.assertEqual(code, 226, text)
        self.assertEqual(bytes(got), data)
        self.assertGreater(time.monotonic() - t0, 1.5)
        r.close()


class NoAnonymous(unittest.TestCase):
    def test_anonymous_off_by_default(self):
        tree = Tree()
        try:
            with daemon(tree, anonymous=False) as d:
                r = Raw(d.tcp_port())
                r.reply()
                r.cmd("USER anonymous")
                self.assertEqual(r.cmd("PASS guest")[0], 530)
                r.close()
        finally:
            tree.cleanup()


if __name__ == "__main__":
    main()
