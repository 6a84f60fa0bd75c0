"""ftpd with real clients: the textbook's raw session, lftp, curl, Python ftplib (every
command, MLSD included), TYPE A both ways, ABOR mid-transfer, AUTH TLS / PROT P, and one
100 MB file both ways in both modes. One daemon serves most checks."""
import ftplib
import hashlib
import io
import os
import shutil
import socket
import ssl
import tempfile
import unittest

from harness import SOURCE_DIR, Daemon, main, make_cert, run
from ftputil import PASSWORDS, Raw, Tree, daemon, lftp, login, slurp


class Clients(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tree = Tree()
        cls.d = daemon(cls.tree).start()
        cls.port = cls.d.tcp_port()
        cls.url = f"ftp://127.0.0.1:{cls.port}"
        cls.alice_url = f"ftp://alice:{PASSWORDS['alice']}@127.0.0.1:{cls.port}"
        cls.local = tempfile.mkdtemp(prefix="ftpd-client-")

    @classmethod
    def tearDownClass(cls):
        code = cls.d.stop()
        cls.tree.cleanup()
        run(["rm", "-rf", cls.local])
        assert code == 0, cls.d.log()

    def local_path(self, name):
        return os.path.join(self.local, name)

    # -- the textbook's session, by hand ------------------------------------------------
    def test_raw_session(self):
        r = Raw(self.port)
        self.assertEqual(r.reply()[0], 220)
        self.assertEqual(r.cmd("USER anonymous")[0], 331)
        self.assertEqual(r.cmd("PASS guest@example.com")[0], 230)
        code, text = r.cmd("PWD")
        self.assertEqual((code, text.strip()), (257, '257 "/" is the current directory'))
        code, text = r.cmd("PASV")
        self.assertEqual(code, 227)
        nums = text[text.index("(") + 1:text.index(")")].split(",")
        self.assertEqual(".".join(nums[:4]), "127.0.0.1")  # the control connection's own address
        data = socket.create_connection(("127.0.0.1", int(nums[4]) * 256 + int(nums[5])), timeout=10)
        self.assertEqual(r.cmd("LIST pub")[0], 150)
        listing = b""
        while chunk := data.recv(4096):
            listing += chunk
        data.close()
        self.assertEqual(r.reply()[0], 226)
        self.assertIn(b"hello.txt\r\n", listing)
        self.assertRegex(listing.decode(), r"-rw-r--r-- 1 ftp ftp 13 \w{3} \d\d .* hello.txt")
        self.assertEqual(r.cmd("QUIT")[0], 221)
        r.close()
        log = self.d.wait_for_log("-- data: 226 LIST /pub")
        self.assertIn("C: PASS ****", log)
        self.assertRegex(log, r"-- data: 150 LIST /pub, \d+ bytes, passive 127\.0\.0\.1:\d+")

    # -- lftp ----------------------------------------------------------------------------
    def test_lftp(self):
        src = self.local_path("lftp-up.bin")
        with open(src, "wb") as f:
            f.write(os.urandom(300_000))
        out = lftp(self.port, "ls; ls sub; put " + src + " -o lftp-up.bin; get lftp-up.bin -o " +
                   self.local_path("lftp-down.bin"), cwd=self.local)
        self.assertIn("escape -> ", out.stdout)
        self.assertIn("in.txt", out.stdout)
        self.assertEqual(self.tree.read("home/alice/lftp-up.bin"), slurp(src))
        self.assertEqual(slurp(self.local_path("lftp-down.bin")), slurp(src))
        # get -c: resume a partial download (REST + RETR).
        part = self.local_path("resume.bin")
        with open(part, "wb") as f:
            f.write(slurp(src)[:100_000])
        lftp(self.port, "get -c lftp-up.bin -o " + part)
        self.assertEqual(slurp(part), slurp(src))
        self.assertIn("C: REST 100000", self.d.log())
        # mirror: a directory tree down (MLSD, since FEAT announces MLST).
        dest = self.local_path("mirror")
        lftp(self.port, f"mirror sub {dest}")
        self.assertEqual(slurp(os.path.join(dest, "in.txt")), b"inside\n")
        self.assertIn("C: MLSD", self.d.log())

    def test_lftp_anonymous(self):
        out = lftp(self.port, "cd pub; ls; cat hello.txt", user="anonymous")
        self.assertIn("hello, world", out.stdout)

    # -- curl ----------------------------------------------------------------------------
    def test_curl(self):
        listing = run(["curl", "-sS", f"{self.url}/pub/"]).stdout
        self.assertIn("hello.txt", listing)
        self.assertEqual(run(["curl", "-sS", f"{self.url}/pub/hello.txt"]).stdout, "hello, world\n")
        src = self.local_path("curl-up.bin")
        with open(src, "wb") as f:
            f.write(os.urandom(200_000))
        run(["curl", "-sS", "-T", src, f"{self.alice_url}/curl-up.bin"])
        self.assertEqual(self.tree.read("home/alice/curl-up.bin"), slurp(src))
        for mode in (["--ftp-port", "-"], ["--ftp-pasv"]):
            got = run(["curl", "-sS", *mode, "-o", self.local_path("curl-down.bin"), f"{self.alice_url}/curl-up.bin"])
            self.assertEqual(slurp(self.local_path("curl-down.bin")), slurp(src), got)
            run(["curl", "-sS", *mode, "-T", src, f"{self.alice_url}/curl-up2.bin"])
            self.assertEqual(self.tree.read("home/alice/curl-up2.bin"), slurp(src))
        self.assertRegex(self.d.log(), r"-- data: 150 RETR /curl-up.bin, 200000 bytes, active 127\.0\.0\.1:\d+")

    # -- Python ftplib: every command ------------------------------------------------------
    def test_ftplib_every_command(self):
        ftp = login(self.port)
        feat = ftp.sendcmd("FEAT")
        for f in ("EPSV", "MLST type*;size*;modify*;perm*;unix.mode*;", "REST STREAM", "SIZE", "MDTM", "UTF8"):
            self.assertIn(f, feat)
        self.assertNotIn("AUTH TLS", feat)  # no certificate configured
        self.assertEqual(ftp.sendcmd("SYST"), "215 UNIX Type: L8")
        self.assertTrue(ftp.sendcmd("HELP").startswith("214"))
        self.assertEqual(ftp.sendcmd("NOOP")[:3], "200")
        self.assertEqual(ftp.sendcmd("OPTS UTF8 ON")[:3], "200")
        self.assertEqual(ftp.sendcmd("MODE S")[:3], "200")
        self.assertEqual(ftp.sendcmd("STRU F")[:3], "200")
        with self.assertRaises(ftplib.error_perm) as e:
            ftp.sendcmd("ACCT x")
        self.assertTrue(str(e.exception).startswith("502"))
        self.assertEqual(ftp.pwd(), "/")
        self.assertEqual(ftp.mkd("dir"), "/dir")
        ftp.cwd("dir")
        self.assertEqual(ftp.pwd(), "/dir")
        ftp.storbinary("STOR a.bin", io.BytesIO(b"0123456789"))
        self.assertEqual(ftp.size("a.bin"), 10)
        self.assertRegex(ftp.sendcmd("MDTM a.bin"), r"^213 \d{14}$")
        ftp.storbinary("APPE a.bin", io.BytesIO(b"abc"))
        self.assertEqual(self.tree.read("home/alice/dir/a.bin"), b"0123456789abc")
        # REST for RETR and for STOR.
        got = []
        ftp.retrbinary("RETR a.bin", got.append, rest=4)
        self.assertEqual(b"".join(got), b"456789abc")
        ftp.storbinary("STOR a.bin", io.BytesIO(b"XY"), rest=3)
        self.assertEqual(self.tree.read("home/alice/dir/a.bin"), b"012XY")
        # STOU: a fresh name in the 150 reply.
        ftp.voidcmd("TYPE I")
        conn, _ = ftp.ntransfercmd("STOU a.bin")
        conn.sendall(b"unique")
        conn.close()
        ftp.voidresp()
        self.assertEqual(self.tree.read("home/alice/dir/a.bin.1"), b"unique")
        self.assertEqual(sorted(ftp.nlst()), ["a.bin", "a.bin.1"])
        lines = []
        ftp.retrlines("LIST", lines.append)
        self.assertEqual(len(lines), 2)
        self.assertTrue(lines[0].startswith("-rw-r--r-- 1 ftp ftp 5 "), lines)
        facts = dict(ftp.mlsd(facts=["type", "size", "perm"]))
        self.assertEqual(facts["a.bin"]["type"], "file")
        self.assertEqual(facts["a.bin"]["size"], "5")
        self.assertEqual(facts["a.bin"]["perm"], "radfw")
        mlst = ftp.sendcmd("MLST a.bin")
        self.assertIn("type=file;", mlst)
        self.assertIn(" /dir/a.bin", mlst)
        ftp.rename("a.bin", "b.bin")
        ftp.delete("b.bin")
        ftp.delete("a.bin.1")
        status = ftp.sendcmd("STAT")
        self.assertIn("Logged in as alice", status)
        self.assertIn("213", ftp.sendcmd("STAT /sub")[:3])
        ftp.sendcmd("CDUP")
        self.assertEqual(ftp.pwd(), "/")
        ftp.rmd("dir")
        # Active mode (PORT) and EPSV/EPRT by hand.
        ftp.set_pasv(False)
        got = []
        ftp.retrbinary("RETR sub/in.txt", got.append)
        self.assertEqual(b"".join(got), b"inside\n")
        ftp.set_pasv(True)
        self.assertEqual(self.epsv_retr(ftp, "sub/in.txt"), b"inside\n")
        self.assertEqual(self.eprt_retr(ftp, "sub/in.txt"), b"inside\n")
        self.assertEqual(ftp.quit()[:3], "221")

    def epsv_retr(self, ftp, name):
        ftp.voidcmd("TYPE I")
        resp = ftp.sendcmd("EPSV")
        port = int(resp.split("|||")[1].split("|")[0])
        data = socket.create_connection(("127.0.0.1", port), timeout=10)
        self.assertEqual(ftp.sendcmd("RETR " + name)[:3], "150")
        body = b""
        while chunk := data.recv(65536):
            body += chunk
        data.close()
        ftp.voidresp()
        return body

    def eprt_retr(self, ftp, name):
        lst = socket.create_server(("127.0.0.1", 0))
        ftp.voidcmd(f"EPRT |1|127.0.0.1|{lst.getsockname()[1]}|")
        self.assertEqual(ftp.sendcmd("RETR " + name)[:3], "150")
        data, _ = lst.accept()
        body = b""
        while chunk := data.recv(65536):
            body += chunk
        data.close()
        lst.close()
        ftp.voidresp()
        return body

    # -- TYPE A both ways ---------------------------------------------------------------
    def test_ascii_translation(self):
        ftp = login(self.port)
        # Network to file: CRLF becomes LF, a bare CR stays.
        ftp.voidcmd("TYPE A")
        conn = ftp.transfercmd("STOR text.txt")
        conn.sendall(b"a\r\nb\rc\r")
        conn.sendall(b"\nd\r\n")
        conn.close()
        ftp.voidresp()
        self.assertEqual(self.tree.read("home/alice/text.txt"), b"a\nb\rc\nd\n")
        # File to network: LF becomes CRLF, a CRLF in the file is not doubled.
        self.tree.write("home/alice/mixed.txt", b"one\ntwo\r\nthree\n")
        conn = ftp.transfercmd("RETR mixed.txt")
        body = b""
        while chunk := conn.recv(65536):
            body += chunk
        conn.close()
        ftp.voidresp()
        self.assertEqual(body, b"one\r\ntwo\r\nthree\r\n")
        self.assertEqual(ftp.sendcmd("TYPE I")[:3], "200")
        self.assertEqual(ftp.size("mixed.txt"), 15)
        ftp.quit()

    # -- ABOR -----------------------------------------------------------------------------
    def test_abor_mid_transfer(self):
        with open(self.tree.path("home/alice/sparse.bin"), "wb") as f:
            f.truncate(64 << 20)  # more than the socket buffers hold
        ftp = login(self.port)
        ftp.voidcmd("TYPE I")
        conn = ftp.transfercmd("RETR sparse.bin")
        self.assertTrue(conn.recv(65536))
        first = ftp.abort()  # Telnet IP + Synch, then ABOR, as RFC 959 4.1.3 says
        self.assertEqual(first[:3], "426")
        self.assertEqual(ftp.voidresp()[:3], "226")
        conn.close()
        self.assertEqual(ftp.sendcmd("NOOP")[:3], "200")
        got = []
        ftp.retrbinary("RETR sub/in.txt", got.append)
        self.assertEqual(b"".join(got), b"inside\n")
        ftp.quit()
        os.unlink(self.tree.path("home/alice/sparse.bin"))

    # -- 100 MB both ways, passive and active --------------------------------------------------
    def test_big_file_both_ways_both_modes(self):
        blob = os.urandom(100 << 20)
        want = hashlib.sha256(blob).hexdigest()
        ftp = login(self.port, timeout=60)
        for passive in (True, False):
            ftp.set_pasv(passive)
            name = f"big-{passive}.bin"
            ftp.storbinary("STOR " + name, io.BytesIO(blob), blocksize=1 << 20)
            self.assertEqual(os.path.getsize(self.tree.path("home/alice/" + name)), len(blob))
            h = hashlib.sha256()
            ftp.retrbinary("RETR " + name, h.update, blocksize=1 << 20)
            self.assertEqual(h.hexdigest(), want, name)
            os.unlink(self.tree.path("home/alice/" + name))
        ftp.quit()


class Tls(unittest.TestCase):
    """AUTH TLS and PROT P (RFC 4217) with curl --ssl-reqd and ftplib.FTP_TLS."""

    def test_auth_tls(self):
        tree = Tree()
        cert, key = make_cert(tree.dir)
        try:
            with daemon(tree, "--tls-cert", cert, "--tls-key", key) as d:
                port = d.tcp_port()
                url = f"ftp://alice:{PASSWORDS['alice']}@127.0.0.1:{port}"
                src = tree.path("tls-up.bin")
                with open(src, "wb") as f:
                    f.write(os.urandom(500_000))
                run(["curl", "-sS", "--ssl-reqd", "-k", "-T", src, f"{url}/tls-up.bin"])
                self.assertEqual(tree.read("home/alice/tls-up.bin"), slurp(src))
                out = tree.path("tls-down.bin")
                run(["curl", "-sS", "--ssl-reqd", "-k", "-o", out, f"{url}/tls-up.bin"])
                self.assertEqual(slurp(out), slurp(src))
                self.assertIn("escape", run(["curl", "-sS", "--ssl-reqd", "-k", f"{url}/"]).stdout)
                ctx = ssl.create_default_context()
                ctx.check_hostname = False
                ctx.verify_mode = ssl.CERT_NONE
                ftp = ftplib.FTP_TLS(context=ctx)
                ftp.connect("127.0.0.1", port, timeout=20)
                self.assertIn("AUTH TLS", ftp.sendcmd("FEAT"))
                ftp.login("alice", PASSWORDS["alice"])
                ftp.prot_p()
                facts = dict(ftp.mlsd())
                self.assertEqual(facts["tls-up.bin"]["size"], "500000")
                h = hashlib.sha256()
                ftp.retrbinary("RETR tls-up.bin", h.update)
                self.assertEqual(h.hexdigest(), hashlib.sha256(slurp(src)).hexdigest())
                ftp.quit()
                log = d.log()
                self.assertIn("-- TLS started", log)
                self.assertRegex(log, r"-- data: 150 RETR /tls-up.bin, 500000 bytes, passive [\d.:]+, TLS")
        finally:
            tree.cleanup()


class Demo(unittest.TestCase):
    """demo/ftp as scripts/demo runs it: anonymous pub/, alice (password "hungry") at home."""

    def test_demo_tree(self):
        stage = tempfile.mkdtemp(prefix="ftpd-demo-")
        try:
            shutil.copytree(os.path.join(SOURCE_DIR, "demo/ftp"), os.path.join(stage, "ftp"))
            with open(os.path.join(stage, "ftp/users.in")) as f:
                users = f.read().replace("@STAGE@", stage)
            with open(os.path.join(stage, "ftp/users"), "w") as f:
                f.write(users)
            with Daemon("ftpd", "--config", os.path.join(stage, "ftp/ftpd.toml")) as d:
                port = d.tcp_port()
                self.assertIn("README.txt", run(["curl", "-sS", f"ftp://127.0.0.1:{port}/"]).stdout)
                url = f"ftp://alice:hungry@127.0.0.1:{port}"
                self.assertIn("Notes alice keeps", run(["curl", "-sS", f"{url}/notes.txt"]).stdout)
                run(["curl", "-sS", "-T", "-", f"{url}/hello.txt"], input="hi\n")
                self.assertEqual(slurp(os.path.join(stage, "ftp/home/alice/hello.txt")), b"hi\n")
        finally:
            shutil.rmtree(stage, ignore_errors=True)


if __name__ == "__main__":
    main()
