"""httpd against bad input on raw sockets: each limit on both sides, traversal attempts,
request smuggling vectors, slow and vanishing clients. Every case asserts the exact status."""
import os
import select
import signal
import socket
import tempfile
import time
import unittest

from harness import run, main, wait_until
import httpdutil as hu


class BadInput(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory(prefix="httpd-bad-")
        cls.base = cls.tmp.name
        cls.d = hu.start(cls.base, "--header-timeout-ms", "1000", "--idle-timeout-ms", "3000",
                         "--max-body", "4096", "--max-requests", "5").start()
        cls.port = hu.port_of(cls.d)

    @classmethod
    def tearDownClass(cls):
        code = cls.d.stop()
        cls.tmp.cleanup()
        assert code == 0, f"httpd exited {code}\n{cls.d.log()}"

    def status_of(self, raw):
        return hu.exchange(self.port, raw)[0]

    def get(self, target, extra=b""):
        return self.status_of(b"GET " + target + b" HTTP/1.1\r\nHost: h\r\n" + extra + b"\r\n")

    def assertHealthy(self):
        self.assertEqual(self.get(b"/small.txt"), 200)

    # -- limits ------------------------------------------------------------------------------
    def test_request_line_over_8k_is_414(self):
        line_at = b"GET /" + b"a" * (8192 - len(b"GET / HTTP/1.1")) + b" HTTP/1.1"
        self.assertEqual(len(line_at), 8192)
        self.assertEqual(self.status_of(line_at + b"\r\nHost: h\r\n\r\n"), 404)  # at the limit: parsed
        line_over = b"GET /" + b"a" * (8193 - len(b"GET / HTTP/1.1")) + b" HTTP/1.1"
        self.assertEqual(self.status_of(line_over + b"\r\nHost: h\r\n\r\n"), 414)
        self.assertHealthy()

    def test_header_section_over_limit_is_431(self):
        start = b"GET /small.txt HTTP/1.1\r\nHost: h\r\n"
        fill = 16384 - len(start) - len(b"X: \r\n\r\n")
        at = start + b"X: " + b"v" * fill + b"\r\n\r\n"
        self.assertEqual(len(at), 16384)
        self.assertEqual(self.status_of(at), 200)
        self.assertEqual(self.status_of(start + b"X: " + b"v" * (fill + 1) + b"\r\n\r\n"), 431)
        many = start + b"".join(b"X-%d: 1\r\n" % i for i in range(101)) + b"\r\n"
        self.assertEqual(self.status_of(many), 431)

    def test_trickling_headers_get_408_and_close(self):
        with hu.connect(self.port) as c:
            t0 = time.monotonic()
            c.sendall(b"GET /small.txt HTTP/1.1\r\n")
            got = b""
            for i in range(40):  # one byte every 100 ms; the head deadline is 1 s from the first byte
                try:
                    c.sendall(b"X")
                except OSError:
                    break
                # The pause between bytes doubles as the wait for the server's answer.
                if select.select([c.sock], [], [], 0.1)[0]:
                    got += c.sock.recv(4096)
                    break
            got += hu.read_until_closed(c, timeout=5)
            self.assertTrue(got.startswith(b"HTTP/1.1 408 Request Timeout\r\n"), got)
            self.assertIn(b"Connection: close\r\n", got)
            self.assertLess(time.monotonic() - t0, 3.5)
        self.assertHealthy()

    def test_idle_keep_alive_connection_is_closed_silently(self):
        with hu.connect(self.port) as c:
            c.sendall(b"GET /small.txt HTTP/1.1\r\nHost: h\r\n\r\n")
            self.assertEqual(hu.read_response(c)[0], 200)
            t0 = time.monotonic()
            self.assertEqual(hu.read_until_closed(c, timeout=8), b"")
            self.assertGreater(time.monotonic() - t0, 2.0)

    def test_max_requests_per_connection(self):
        with hu.connect(self.port) as c:
            for i in range(5):
                c.sendall(b"GET /small.txt HTTP/1.1\r\nHost: h\r\n\r\n")
                _, h, _, _ = hu.read_response(c)
                self.assertEqual(h.get("connection"), "close" if i == 4 else None)
            self.assertEqual(hu.read_until_closed(c), b"")

    def test_body_limit_413_both_sides(self):
        def post(n, chunked=False):
            if chunked:
                body = b"%x\r\n" % n + b"a" * n + b"\r\n0\r\n\r\n"
                head = b"POST /form HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n"
            else:
                body = b"a" * n
                head = b"POST /form HTTP/1.1\r\nHost: h\r\nContent-Length: %d\r\n\r\n" % n
            return self.status_of(head + body)
        self.assertEqual(post(4096), 200)
        self.assertEqual(post(4097), 413)
        self.assertEqual(post(4096, chunked=True), 200)
        self.assertEqual(post(4097, chunked=True), 413)
        # curl -T of a large file: 413 at once, with Expect: 100-continue nothing is sent.
        big = os.path.join(self.base, "big.bin")
        with open(big, "wb") as f:
            f.write(b"x" * 100000)
        p = run(["curl", "-s", "--max-time", "10", "-o", "/dev/null", "-w", "%{http_code}", "-T", big,
                 f"http://127.0.0.1:{self.port}/upload/big.bin"])
        self.assertEqual(p.stdout, "413")

    # -- syntax ------------------------------------------------------------------------------
    def test_versions_and_methods(self):
        self.assertEqual(self.status_of(b"GET / HTTP/2.0\r\nHost: h\r\n\r\n"), 505)
        self.assertEqual(self.status_of(b"GET / HTTP/1.x\r\nHost: h\r\n\r\n"), 400)
        self.assertEqual(self.status_of(b"GET / FOO/1.1\r\nHost: h\r\n\r\n"), 400)
        self.assertEqual(self.status_of(b"GET /\r\n\r\n"), 400)
        self.assertEqual(self.status_of(b"BREW /pot HTTP/1.1\r\nHost: h\r\n\r\n"), 501)
        self.assertEqual(self.status_of(b"GET / HTTP/1.1\r\n\r\n"), 400)  # 1.1 without Host
        self.assertEqual(self.status_of(b"GET /small.txt HTTP/1.0\r\n\r\n"), 200)  # 1.0 needs none
        st, h, _, _ = hu.exchange(self.port, b"POST /small.txt HTTP/1.1\r\nHost: h\r\nContent-Length: 1\r\n\r\nx")
        self.assertEqual(st, 405)
        self.assertEqual(h["allow"], "GET, HEAD, OPTIONS")

    def test_invalid_host_is_400(self):
        # RFC 9112 3.2: a Host that is not uri-host [":" port] is a bad request, not a vhost name.
        for host in (b"a b/c@d", b"www.someschool.edu/x", b"user@www.someschool.edu", b"h:80x", b"[::1",
                     b"a\\b", b"h:80:80"):
            self.assertEqual(self.status_of(b"GET /small.txt HTTP/1.1\r\nHost: " + host + b"\r\n\r\n"), 400, host)
        self.assertEqual(self.status_of(b"GET http://a b/small.txt HTTP/1.1\r\nHost: h\r\n\r\n"), 400)
        self.assertEqual(self.status_of(b"GET http://u@h/small.txt HTTP/1.1\r\nHost: h\r\n\r\n"), 400)
        for host in (b"h", b"h:8080", b"127.0.0.1:1", b"[::1]:80", b"xn--bcher-kva.example", b"a_b-c.~!$&'()*+,;=",
                     b"%41", b"h:"):
            self.assertEqual(self.status_of(b"GET /small.txt HTTP/1.1\r\nHost: " + host + b"\r\n\r\n"), 200, host)
        self.assertEqual(self.status_of(b"GET /small.txt HTTP/1.1\r\nHost:\r\n\r\n"), 200)  # empty: allowed
        self.assertEqual(self.status_of(b"GET http://h:1/small.txt HTTP/1.1\r\nHost: h\r\n\r\n"), 200)

    def test_smuggling_vectors_are_400(self):
        self.assertEqual(self.status_of(b"POST /form HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\n"
                                        b"Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n"), 400)
        self.assertEqual(self.status_of(b"POST /form HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\n"
                                        b"Content-Length: 4\r\n\r\nabcd"), 400)
        self.assertEqual(self.status_of(b"POST /form HTTP/1.1\r\nHost: h\r\nContent-Length: 3, 4\r\n\r\nabcd"), 400)
        self.assertEqual(self.status_of(b"POST /form HTTP/1.1\r\nHost: h\r\nContent-Length: -1\r\n\r\n"), 400)
        # RFC 9112 6.3: chunked must be the final coding; other codings are not implemented.
        self.assertEqual(self.status_of(b"POST /form HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked, x\r\n\r\n"),
                         400)
        self.assertEqual(self.status_of(b"POST /form HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: gzip, chunked\r\n\r\n"),
                         501)
        self.assertEqual(self.status_of(b"GET / HTTP/1.1\r\nHost: h\r\n folded\r\n\r\n"), 400)
        self.assertEqual(self.status_of(b"GET / HTTP/1.1\r\nHost : h\r\n\r\n"), 400)
        self.assertEqual(self.status_of(b"GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n"), 400)
        # A smuggled second request inside a body is just body bytes.
        with hu.connect(self.port) as c:
            inner = b"GET /secret HTTP/1.1\r\nHost: h\r\n\r\n"
            c.sendall(b"POST /form HTTP/1.1\r\nHost: h\r\nContent-Length: %d\r\n"
                      b"Content-Type: text/plain\r\n\r\n" % len(inner) + inner)
            st, _, body, _ = hu.read_response(c)
            self.assertEqual(st, 200)
            self.assertIn(b"%d bytes of text/plain" % len(inner), body)
            c.sendall(b"GET /small.txt HTTP/1.1\r\nHost: h\r\n\r\n")
            self.assertEqual(hu.read_response(c)[0], 200)

    # -- traversal ---------------------------------------------------------------------------
    def test_nothing_outside_the_root(self):
        for target in (b"/../outside/secret.txt", b"/%2e%2e/outside/secret.txt", b"/%2E%2E%2Foutside%2Fsecret.txt",
                       b"/sub/..%2f..%2foutside/secret.txt", b"/..\\outside\\secret.txt",
                       b"/sub%5c..%5c..%5coutside%5csecret.txt", b"/small.txt%00.html", b"/escape.txt",
                       b"/escdir/secret.txt", b"/escdir/", b"//etc/passwd", b"/./../outside/secret.txt"):
            st, _, body, _ = hu.exchange(self.port, b"GET " + target + b" HTTP/1.1\r\nHost: h\r\n\r\n")
            self.assertIn(st, (400, 403, 404), target)
            self.assertNotIn(b"secret", body, target)
            self.assertNotIn(b"root:", body, target)
        self.assertEqual(self.get(b"/escape.txt"), 403)
        self.assertEqual(self.get(b"/%2e%2e/outside/secret.txt"), 403)
        # PUT through an escaping directory symlink is refused too.
        st = self.status_of(b"PUT /upload/../escdir/x HTTP/1.1\r\nHost: h\r\nContent-Length: 1\r\n\r\nx")
        self.assertEqual(st, 403)
        self.assertFalse(os.path.exists(os.path.join(self.base, "outside", "x")))

    def test_invalid_percent_encoding_is_400(self):
        self.assertEqual(self.get(b"/small%2.txt"), 400)
        self.assertEqual(self.get(b"/small%zz.txt"), 400)
        self.assertEqual(self.get(b"/small.txt%"), 400)
        self.assertEqual(self.get(b"/sm%61ll.txt"), 200)

    # -- vanishing clients -------------------------------------------------------------------
    def test_client_disconnects_mid_response(self):
        for _ in range(5):
            s = socket.create_connection(("127.0.0.1", self.port), timeout=5)
            s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
            s.sendall(b"GET /data.bin HTTP/1.1\r\nHost: h\r\n\r\n")
            s.recv(1000)
            # RST instead of FIN: the server's sendfile fails mid-body.
            s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
            s.close()
        s = socket.create_connection(("127.0.0.1", self.port), timeout=5)
        s.sendall(b"GET /data.bin HTTP/1.1\r\nHost: h\r\n")  # half a head, then gone
        s.close()
        self.assertTrue(self.d.alive())
        self.assertHealthy()
        st, _, body, _ = hu.exchange(self.port, b"GET /data.bin HTTP/1.1\r\nHost: h\r\n\r\n")
        self.assertEqual(len(body), 1 << 20)


class ConnectionLimit(unittest.TestCase):
    def test_a_client_over_its_connection_limit_gets_503(self):
        with tempfile.TemporaryDirectory(prefix="httpd-busy-") as base:
            hu.make_docroot(base)
            conf = os.path.join(base, "httpd.toml")
            with open(conf, "w") as f:
                f.write('[httpd]\nroot = "www"\nmax_per_address = 1\n')
            with hu.Daemon("httpd", "--config", conf) as d:
                port = hu.port_of(d)
                with hu.connect(port) as first:
                    first.sendall(b"GET /small.txt HTTP/1.1\r\nHost: h\r\n\r\n")
                    self.assertEqual(hu.read_response(first)[0], 200)  # accepted and counted
                    with hu.connect(port) as second:
                        reply = hu.read_until_closed(second)
                    self.assertEqual(reply, b"HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\n"
                                            b"Connection: close\r\n\r\n")
                # The slot is free again once the first connection has gone.
                def served():
                    try:
                        return hu.exchange(port, b"GET /small.txt HTTP/1.0\r\n\r\n")[0] == 200
                    except (AssertionError, OSError):
                        return False
                self.assertTrue(wait_until(served))


class Shutdown(unittest.TestCase):
    def test_sigterm_closes_idle_connections_and_finishes_a_response(self):
        with tempfile.TemporaryDirectory(prefix="httpd-stop-") as base:
            d = hu.start(base, "--drain-ms", "8000").start()
            try:
                port = hu.port_of(d)
                idle = hu.connect(port)
                idle.sendall(b"GET /small.txt HTTP/1.1\r\nHost: h\r\n\r\n")
                self.assertEqual(hu.read_response(idle)[0], 200)
                # Larger than every socket buffer on the way, so the response is still being
                # sent when SIGTERM arrives (the client reads nothing until then).
                size = 48 << 20
                with open(os.path.join(base, "www", "huge.bin"), "wb") as f:
                    f.truncate(size)
                busy = socket.create_connection(("127.0.0.1", port), timeout=10)
                busy.sendall(b"GET /huge.bin HTTP/1.1\r\nHost: h\r\n\r\n")
                first = busy.recv(4096)  # the response has started; 48 MiB cannot all be buffered
                self.assertTrue(first.startswith(b"HTTP/1.1 200 OK"))
                t0 = time.monotonic()
                d.signal(signal.SIGTERM)
                self.assertEqual(hu.read_until_closed(idle, timeout=5), b"")  # idle: closed at once
                self.assertLess(time.monotonic() - t0, 3)
                rest = hu.read_until_closed(busy, timeout=10)  # busy: the response completes
                head, _, body = (first + rest).partition(b"\r\n\r\n")
                self.assertEqual(len(body), size)
                busy.close()
                idle.close()
                self.assertEqual(d.stop(timeout=10), 0)
                self.assertLess(time.monotonic() - t0, 6)
                self.assertNotIn("drain timeout", d.log())
            finally:
                if d.alive():
                    d.stop()


if __name__ == "__main__":
    main()
