"""httpd over TLS (--listen-tls): curl with --cacert, openssl s_client (SNI picks the virtual
host's certificate), Python's ssl module (close_notify at the end, the same limits as plain
HTTP), and what must get a clean close: TLS 1.1, plaintext, garbage, a client that says nothing."""
import os
import socket
import ssl
import subprocess
import tempfile
import time
import unittest

from harness import Daemon, make_cert, run, main
import httpdutil as hu

HANDSHAKE_MS = 1000


class Https(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory(prefix="httpd-https-")
        base = cls.tmp.name
        hu.make_docroot(base)
        for name, host in (("default", "localhost"), ("school", "www.someschool.edu")):
            os.makedirs(os.path.join(base, "tls", name))
            make_cert(os.path.join(base, "tls", name), host)
        cls.default_ca = os.path.join(base, "tls", "default", "cert.pem")
        cls.school_ca = os.path.join(base, "tls", "school", "cert.pem")
        conf = os.path.join(base, "httpd.toml")
        with open(conf, "w") as f:
            f.write('tls_cert = "tls/default/cert.pem"\ntls_key = "tls/default/key.pem"\n'
                    f'[httpd]\nroot = "www"\ntypes = ["text/html index"]\nmax_header_bytes = 4096\n'
                    f'tls_handshake_timeout_ms = {HANDSHAKE_MS}\n'
                    '[[httpd.vhost]]\nnames = ["www.someschool.edu", "someschool.edu"]\nroot = "school"\n'
                    'tls_cert = "tls/school/cert.pem"\ntls_key = "tls/school/key.pem"\n')
        cls.d = Daemon("httpd", "--config", conf, "--listen-tls", "127.0.0.1:0").start()
        cls.port = cls.d.endpoint("https")[1]

    @classmethod
    def tearDownClass(cls):
        code = cls.d.stop()
        cls.tmp.cleanup()
        assert code == 0, f"httpd exited {code}\n{cls.d.log()}"

    def curl(self, host, ca, *urls_and_opts):
        argv = ["curl", "-sS", "--max-time", "10", "--cacert", ca, "--resolve", f"{host}:{self.port}:127.0.0.1",
                *urls_and_opts]
        return run(argv, timeout=20)

    def s_client(self, *opts):
        return run(["openssl", "s_client", "-connect", f"127.0.0.1:{self.port}", *opts], input="",
                   timeout=20, check=False)

    def wrap(self, server_hostname, ca):
        ctx = ssl.create_default_context(cafile=ca)
        raw = socket.create_connection(("127.0.0.1", self.port), timeout=10)
        return ctx.wrap_socket(raw, server_hostname=server_hostname)

    def assertHealthy(self):
        out = self.curl("localhost", self.default_ca, f"https://localhost:{self.port}/small.txt").stdout
        self.assertEqual(out, "0123456789abcdefghijklmnopqrstuvwxyz\n")

    # -- clients -----------------------------------------------------------------------------
    def test_curl_cacert_keep_alive(self):
        url = f"https://localhost:{self.port}"
        out = self.curl("localhost", self.default_ca, "-o", "/dev/null", f"{url}/small.txt", "-o", "/dev/null",
                        f"{url}/data.bin", "-w", "%{http_code}:%{num_connects}:%{size_download} ").stdout.split()
        self.assertEqual(out, ["200:1:37", "200:0:1048576"])  # one TLS connection for both

    def test_curl_sni_virtual_host(self):
        url = f"https://www.someschool.edu:{self.port}/someDepartment/home.index"
        out = self.curl("www.someschool.edu", self.school_ca, url).stdout
        self.assertIn("someschool home", out)
        # The default certificate does not name the school: curl refuses it.
        r = run(["curl", "-sS", "--max-time", "10", "--cacert", self.default_ca, "--resolve",
                 f"www.someschool.edu:{self.port}:127.0.0.1", url], check=False, timeout=20)
        self.assertEqual(r.returncode, 60, r.stderr)

    def test_s_client_sni_picks_certificate(self):
        school = self.s_client("-servername", "www.someschool.edu")
        self.assertIn("CN = www.someschool.edu", school.stdout)
        other = self.s_client("-servername", "elsewhere.example")
        self.assertIn("subject=CN = localhost", other.stdout)
        none = self.s_client("-noservername")
        self.assertIn("subject=CN = localhost", none.stdout)
        upper = self.s_client("-servername", "SomeSchool.EDU")
        self.assertIn("CN = www.someschool.edu", upper.stdout)

    def test_tls12_and_13_accepted_tls11_refused(self):
        for flag, name in (("-tls1_2", "TLSv1.2"), ("-tls1_3", "TLSv1.3")):
            r = self.s_client(flag)
            self.assertIn(f"New, {name}, Cipher is", r.stdout)
        r = self.s_client("-tls1_1", "-cipher", "DEFAULT:@SECLEVEL=0")
        self.assertNotEqual(r.returncode, 0)
        self.assertNotIn("New, TLSv1.1", r.stdout)
        self.assertHealthy()

    def test_python_ssl_close_notify(self):
        with self.wrap("www.someschool.edu", self.school_ca) as s:
            self.assertIn(s.version(), ("TLSv1.2", "TLSv1.3"))
            s.sendall(b"GET /someDepartment/home.index HTTP/1.1\r\nHost: www.someschool.edu\r\n"
                      b"Connection: close\r\n\r\n")
            data = b""
            while True:
                chunk = s.recv(65536)  # SSLEOFError here if the server closed without close_notify
                if not chunk:
                    break
                data += chunk
        self.assertTrue(data.startswith(b"HTTP/1.1 200 OK\r\n"), data[:100])
        self.assertIn(b"Connection: close", data)
        self.assertIn(b"someschool home", data)

    def test_same_limits_over_tls(self):
        with self.wrap("localhost", self.default_ca) as s:
            s.sendall(b"GET / HTTP/1.1\r\nHost: localhost\r\nX-Big: " + b"a" * 5000 + b"\r\n\r\n")
            data = b""
            while b"\r\n\r\n" not in data:
                chunk = s.recv(65536)
                if not chunk:
                    break
                data += chunk
        self.assertTrue(data.startswith(b"HTTP/1.1 431 "), data[:100])

    # -- what gets a clean close -------------------------------------------------------------
    def closed_within(self, payload, limit):
        t0 = time.monotonic()
        with socket.create_connection(("127.0.0.1", self.port), timeout=10) as s:
            if payload:
                s.sendall(payload)
            got = hu.read_until_closed(s, timeout=limit + 5)
        return got, time.monotonic() - t0

    def test_plaintext_on_tls_port_closed(self):
        got, took = self.closed_within(b"GET / HTTP/1.1\r\nHost: localhost\r\n\r\n", 2)
        self.assertNotIn(b"HTTP/1.1", got)
        self.assertLess(took, 3)
        self.assertHealthy()

    def test_garbage_handshake_closed(self):
        got, took = self.closed_within(b"\x16\x03\x01\x00\x10" + os.urandom(16), 2)
        self.assertLess(took, 3)
        got, took = self.closed_within(os.urandom(4096), 2)
        self.assertLess(took, 3)
        self.assertHealthy()

    def test_silent_client_closed_by_handshake_deadline(self):
        got, took = self.closed_within(b"", HANDSHAKE_MS / 1000)
        self.assertEqual(got, b"")
        self.assertGreater(took, HANDSHAKE_MS / 1000 * 0.8)
        self.assertLess(took, HANDSHAKE_MS / 1000 + 3)

    def test_half_handshake_closed_by_deadline(self):
        # A ClientHello's first bytes, then nothing: the deadline covers the whole handshake.
        got, took = self.closed_within(b"\x16\x03\x01\x02\x00\x01", HANDSHAKE_MS / 1000)
        self.assertLess(took, HANDSHAKE_MS / 1000 + 3)
        self.assertHealthy()


if __name__ == "__main__":
    main()
