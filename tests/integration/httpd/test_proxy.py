"""httpd --proxy as a web cache: curl -x, wget with http_proxy and urllib's ProxyHandler
through it, our own httpd as the origin (its access log counts origin requests), and a small
origin that misbehaves (never answers, closes mid-body, lies about Content-Length, is slow)."""
import os
import socket
import subprocess
import tempfile
import threading
import time
import unittest
import urllib.request

from harness import Daemon, main, run, wait_until
import httpdutil as hu

CURL = ["curl", "-s", "--max-time", "20"]
OLD = time.time() - 10 * 86400  # heuristic freshness: 10% of 10 days


def established_to(port):
    """Established TCP connections whose local port is `port` (the server's side), from /proc."""
    n = 0
    with open("/proc/net/tcp") as f:
        for line in f.readlines()[1:]:
            fields = line.split()
            if int(fields[1].split(":")[1], 16) == port and fields[3] == "01":
                n += 1
    return n


class Server:
    """A loopback TCP server: each accepted connection is served by `_serve` in its own thread."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.port = self.sock.getsockname()[1]
        self.conns = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while True:
            try:
                c, _ = self.sock.accept()
            except OSError:
                return
            self.conns.append(c)
            threading.Thread(target=self._serve, args=(c,), daemon=True).start()

    def close(self):
        self.sock.close()
        for c in self.conns:
            try:
                c.close()
            except OSError:
                pass


class FakeOrigin(Server):
    """Answers each request with `behaviour(conn, head)`; counts the requests it read."""

    def __init__(self, behaviour):
        self.behaviour = behaviour
        self.count = 0
        self.lock = threading.Lock()
        super().__init__()

    def _serve(self, c):
        c.settimeout(10)
        buf = b""
        try:
            while True:  # persistent: one request after another
                while b"\r\n\r\n" not in buf:
                    d = c.recv(4096)
                    if not d:
                        return
                    buf += d
                head, _, buf = buf.partition(b"\r\n\r\n")
                with self.lock:
                    self.count += 1
                self.behaviour(c, head + b"\r\n\r\n")
        except OSError:
            pass


def origin_requests(path, log, expect=1):
    """The origin's access-log lines for GET `path`, once there are `expect` of them or 10 s
    have passed. The origin logs a request after writing its answer, which can reach the client
    (through a tunnel at once) before the line is written."""
    def lines():
        if not os.path.exists(log):
            return []
        with open(log) as f:
            return [l for l in f if f'"GET {path} ' in l]
    wait_until(lambda: len(lines()) >= expect)
    return lines()


class Echo(Server):
    """Sends back what it reads, and closes after the client's end of stream."""

    @staticmethod
    def _serve(c):
        c.settimeout(10)
        try:
            while True:
                d = c.recv(65536)
                if not d:
                    break
                c.sendall(d)
        except OSError:
            pass
        c.close()


def read_head(sock):
    buf = b""
    while b"\r\n\r\n" not in buf:
        d = sock.recv(4096)
        if not d:
            break
        buf += d
    head, _, rest = buf.partition(b"\r\n\r\n")
    return head.decode(), rest


def read_all(sock):
    out = b""
    while True:
        d = sock.recv(65536)
        if not d:
            return out
        out += d


class Proxy(unittest.TestCase):
    echo = None

    @classmethod
    def echo_port(cls):
        if cls.echo is None:
            cls.echo = Echo()
        return cls.echo.port

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory(prefix="httpd-proxy-")
        cls.base = cls.tmp.name
        cls.origin = hu.start(os.path.join(cls.base, "o")).start()
        cls.oport = hu.port_of(cls.origin)
        cls.www = os.path.join(cls.base, "o", "www")
        cls.log = os.path.join(cls.base, "o", "access.log")
        conf = os.path.join(cls.base, "proxy.toml")
        with open(conf, "w") as f:
            f.write('[httpd]\nroot = "."\n[proxy]\nenabled = true\norigin_timeout_ms = 1500\n'
                    f'connect_ports = [{cls.oport}, {cls.echo_port()}]\ntunnel_idle_ms = 3000\n')
        cls.proxy = Daemon("httpd", "--config", conf).start()
        cls.pport = hu.port_of(cls.proxy)
        cls.px = f"127.0.0.1:{cls.pport}"

    @classmethod
    def tearDownClass(cls):
        a = cls.proxy.stop()
        b = cls.origin.stop()
        cls.tmp.cleanup()
        assert a == 0, f"proxy exited {a}\n{cls.proxy.log()}"
        assert b == 0, f"origin exited {b}"

    def put(self, name, body, old=True):
        p = os.path.join(self.www, name)
        with open(p, "w") as f:
            f.write(body)
        if old:
            os.utime(p, (OLD, OLD))
        return f"http://127.0.0.1:{self.oport}/{name}"

    def curl(self, url, *extra):
        r = run(CURL + ["-i", "-x", self.px, *extra, url])
        head, _, body = r.stdout.partition("\n\n")  # text mode: CRLF read as LF
        lines = head.split("\n")
        headers = {}
        for l in lines[1:]:
            k, _, v = l.partition(":")
            headers[k.strip().lower()] = v.strip()
        return int(lines[0].split()[1]), headers, body

    def test_hit_costs_no_origin_request(self):
        url = self.put("hit.txt", "cached body\n")
        s, h, b = self.curl(url)
        self.assertEqual((s, h["x-cache"], b), (200, "MISS", "cached body\n"))
        self.assertIn("1.1 netsuite-httpd", h["via"])
        s, h, b = self.curl(url)
        self.assertEqual((s, h["x-cache"], b), (200, "HIT", "cached body\n"))
        self.assertIn("age", h)
        self.assertEqual(len(origin_requests("/hit.txt", self.log)), 1)
        # The client's own conditional request is answered from the cache.
        s, h, _ = self.curl(url, "-H", f'If-None-Match: {h["etag"]}')
        self.assertEqual((s, h["x-cache"]), (304, "HIT"))
        self.assertEqual(len(origin_requests("/hit.txt", self.log)), 1)

    def test_purge(self):
        url = self.put("purge.txt", "purge me\n")
        self.assertEqual(self.curl(url)[1]["x-cache"], "MISS")
        self.assertEqual(self.curl(url)[1]["x-cache"], "HIT")
        self.assertEqual(self.curl(url, "-X", "PURGE")[0], 200)
        self.assertEqual(self.curl(url, "-X", "PURGE")[0], 404)
        self.assertEqual(self.curl(url)[1]["x-cache"], "MISS")
        self.assertEqual(len(origin_requests("/purge.txt", self.log, 2)), 2)

    def test_stale_hit_costs_one_conditional_request(self):
        url = self.put("stale.txt", "fresh for no time\n", old=False)  # Last-Modified now: lifetime 0
        self.assertEqual(self.curl(url)[1]["x-cache"], "MISS")
        s, h, b = self.curl(url)
        self.assertEqual((s, h["x-cache"], b), (200, "REVALIDATED", "fresh for no time\n"))
        lines = origin_requests("/stale.txt", self.log, 2)
        self.assertEqual(len(lines), 2)
        self.assertIn('" 304 ', lines[1])

    def test_no_store_is_never_stored(self):
        o = FakeOrigin(lambda c, _: c.sendall(b"HTTP/1.1 200 OK\r\nCache-Control: no-store\r\n"
                                              b"Content-Length: 2\r\n\r\nok"))
        try:
            url = f"http://127.0.0.1:{o.port}/ns"
            for _ in range(3):
                s, h, b = self.curl(url)
                self.assertEqual((s, b), (200, "ok"))
            self.assertEqual(o.count, 3)
        finally:
            o.close()

    def test_vary_keeps_two_variants(self):
        def answer(c, head):
            gz = b"accept-encoding: gzip" in head.lower()
            body = b"gzip-variant" if gz else b"identity-variant"
            c.sendall(b"HTTP/1.1 200 OK\r\nCache-Control: max-age=600\r\nVary: Accept-Encoding\r\n"
                      b"Content-Length: %d\r\n\r\n%s" % (len(body), body))
        o = FakeOrigin(answer)
        try:
            url = f"http://127.0.0.1:{o.port}/v"
            self.assertEqual(self.curl(url, "-H", "Accept-Encoding: gzip")[2], "gzip-variant")
            self.assertEqual(self.curl(url, "-H", "Accept-Encoding: identity")[2], "identity-variant")
            s, h, b = self.curl(url, "-H", "Accept-Encoding: gzip")
            self.assertEqual((h["x-cache"], b), ("HIT", "gzip-variant"))
            s, h, b = self.curl(url, "-H", "Accept-Encoding: identity")
            self.assertEqual((h["x-cache"], b), ("HIT", "identity-variant"))
            self.assertEqual(o.count, 2)
        finally:
            o.close()

    def test_stale_if_error(self):
        state = {"n": 0}

        def answer(c, _):
            state["n"] += 1
            if state["n"] == 1:
                c.sendall(b'HTTP/1.1 200 OK\r\nCache-Control: max-age=0, stale-if-error=600\r\nETag: "e1"\r\n'
                          b"Content-Length: 5\r\n\r\nolder")
            else:
                c.sendall(b"HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\n\r\n")
        o = FakeOrigin(answer)
        try:
            url = f"http://127.0.0.1:{o.port}/sie"
            self.assertEqual(self.curl(url)[1]["x-cache"], "MISS")
            s, h, b = self.curl(url)
            self.assertEqual((s, h["x-cache"], b), (200, "STALE", "older"))
            self.assertEqual(o.count, 2)
        finally:
            o.close()

    def test_stale_while_revalidate(self):
        # RFC 5861 3: a stale entry is served at once while one background request refreshes it.
        seen = []

        def answer(c, head):
            seen.append(head.decode().lower())
            if b"if-none-match" in head.lower():
                c.sendall(b'HTTP/1.1 304 Not Modified\r\nCache-Control: max-age=600\r\nETag: "w1"\r\n\r\n')
            else:
                c.sendall(b'HTTP/1.1 200 OK\r\nCache-Control: max-age=0, stale-while-revalidate=600\r\n'
                          b'ETag: "w1"\r\nContent-Length: 5\r\n\r\nswr-1')
        o = FakeOrigin(answer)
        try:
            url = f"http://127.0.0.1:{o.port}/swr"
            self.assertEqual(self.curl(url)[1]["x-cache"], "MISS")
            s, h, b = self.curl(url)
            self.assertEqual((s, h["x-cache"], b), (200, "STALE", "swr-1"))
            # The refresh's 304 makes the entry fresh for 600 s: hits from then on.
            self.assertTrue(wait_until(lambda: self.curl(url)[1]["x-cache"] == "HIT", timeout=10))
            self.assertEqual(len(seen), 2, seen)
            self.assertIn('if-none-match: "w1"', seen[1])
        finally:
            o.close()

    def test_connect_tunnel_with_curl(self):
        # curl -p: CONNECT to the origin's port, then plain HTTP inside the tunnel (the
        # request never reaches the cache: a MISS header would be the proxy's).
        url = self.put("tunnel.txt", "through the tunnel\n")
        r = run(CURL + ["-i", "-p", "-x", self.px, url])
        self.assertIn("HTTP/1.1 200 OK", r.stdout)  # the proxy's answer to CONNECT
        self.assertIn("through the tunnel", r.stdout)
        self.assertNotIn("X-Cache", r.stdout)
        self.assertEqual(len(origin_requests("/tunnel.txt", self.log)), 1)

    def test_connect_tunnel_bytes_both_ways(self):
        with socket.create_connection(("127.0.0.1", self.pport), timeout=10) as c:
            # Bytes sent right behind the CONNECT head (before the 200) go through too.
            c.sendall(f"CONNECT 127.0.0.1:{self.echo_port()} HTTP/1.1\r\nHost: x\r\n\r\nearly ".encode())
            head, rest = read_head(c)
            self.assertTrue(head.startswith("HTTP/1.1 200"), head)
            self.assertNotIn("content-length", head.lower())
            payload = os.urandom(300000)
            threading.Thread(target=lambda: (c.sendall(payload), c.shutdown(socket.SHUT_WR)), daemon=True).start()
            got = rest + read_all(c)  # the echo closes after our end of stream: so does the tunnel
            self.assertEqual(got, b"early " + payload)

    def test_connect_refusals(self):
        def connect(target):
            with socket.create_connection(("127.0.0.1", self.pport), timeout=10) as c:
                c.sendall(f"CONNECT {target} HTTP/1.1\r\nHost: {target}\r\n\r\n".encode())
                return read_head(c)[0].split("\r\n")[0]
        self.assertIn(" 403 ", connect("127.0.0.1:25"))  # not an allowed port
        self.assertIn(" 400 ", connect("no-port.test"))
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        closed = s.getsockname()[1]
        s.close()
        self.assertIn(" 403 ", connect(f"127.0.0.1:{closed}"))

    def test_idle_tunnel_is_closed(self):
        with socket.create_connection(("127.0.0.1", self.pport), timeout=15) as c:
            c.sendall(f"CONNECT 127.0.0.1:{self.echo_port()} HTTP/1.1\r\nHost: x\r\n\r\n".encode())
            self.assertTrue(read_head(c)[0].startswith("HTTP/1.1 200"))
            t0 = time.monotonic()
            self.assertEqual(read_all(c), b"")  # tunnel_idle_ms = 3000: closed, not held open
            self.assertLess(time.monotonic() - t0, 12)

    def test_concurrent_misses_cost_one(self):
        # The origin holds its answer until all ten clients are connected to the proxy, so the
        # ten misses overlap (bounded: it answers after 10 s in any case).
        release = threading.Event()

        def held(c, _):
            release.wait(10)
            c.sendall(b"HTTP/1.1 200 OK\r\nCache-Control: max-age=600\r\nContent-Length: 4\r\n\r\nslow")
        o = FakeOrigin(held)
        try:
            url = f"http://127.0.0.1:{o.port}/c"
            procs = [subprocess.Popen(CURL + ["-x", self.px, url], stdout=subprocess.PIPE, text=True)
                     for _ in range(10)]
            self.assertTrue(wait_until(lambda: established_to(self.pport) >= 10, timeout=10))
            release.set()
            outs = [p.communicate(timeout=20)[0] for p in procs]
            self.assertEqual(outs, ["slow"] * 10)
            self.assertEqual(o.count, 1)
        finally:
            o.close()

    def test_misbehaving_origins(self):
        silent = threading.Event()  # the silent origin holds each request until its case is over
        cases = [
            (lambda c, _: silent.wait(10), 504),  # never answers (within origin_timeout_ms)
            (lambda c, _: (c.sendall(b"HTTP/1.1 200 OK\r\nCache-Control: max-age=600\r\n"
                                     b"Content-Length: 100\r\n\r\nhalf"), c.close()), 502),  # closes mid-body
            (lambda c, _: (c.sendall(b"HTTP/1.1 200 OK\r\nCache-Control: max-age=600\r\n"
                                     b"Transfer-Encoding: chunked\r\n\r\n5\r\nab"), c.close()), 502),
            (lambda c, _: c.sendall(b"garbage\r\n\r\n"), 502),
        ]
        for behaviour, want in cases:
            o = FakeOrigin(behaviour)
            try:
                url = f"http://127.0.0.1:{o.port}/bad"
                self.assertEqual(self.curl(url)[0], want)
                self.assertEqual(self.curl(url)[0], want)  # nothing was cached
                self.assertEqual(o.count, 2)
            finally:
                silent.set()
                o.close()
        # Nothing listening: 502.
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
        s.close()
        self.assertEqual(self.curl(f"http://127.0.0.1:{port}/")[0], 502)

    def test_hop_by_hop_removed_and_max_forwards(self):
        seen = []

        def record(c, head):
            seen.append(head.decode())
            c.sendall(b"HTTP/1.1 200 OK\r\nConnection: X-Secret\r\nX-Secret: 1\r\nKeep-Alive: timeout=5\r\n"
                      b"Content-Length: 0\r\n\r\n")
        o = FakeOrigin(record)
        try:
            url = f"http://127.0.0.1:{o.port}/h"
            s, h, _ = self.curl(url, "-H", "Connection: X-Private", "-H", "X-Private: 1", "-H", "Te: trailers",
                                "-H", "Proxy-Authorization: Basic eA==")
            self.assertEqual(s, 200)
            self.assertNotIn("x-secret", h)
            self.assertNotIn("keep-alive", h)
            low = seen[0].lower()
            for name in ("x-private", "te:", "proxy-authorization"):
                self.assertNotIn(name, low)
            self.assertIn("via: 1.1 netsuite-httpd", low)
            s, h, b = self.curl(url, "-X", "TRACE", "-H", "Max-Forwards: 0")
            self.assertEqual((s, h["content-type"]), (200, "message/http"))
            self.assertIn("TRACE ", b)
            self.assertEqual(len(seen), 1)
            s, _, _ = self.curl(url, "-X", "OPTIONS", "-H", "Max-Forwards: 1")
            self.assertIn("max-forwards: 0", seen[1].lower())
        finally:
            o.close()

    def test_wget_and_urllib(self):
        url = self.put("tools.txt", "for wget and urllib\n")
        env = dict(os.environ, http_proxy=f"http://{self.px}/")
        r = subprocess.run(["wget", "-q", "-O", "-", "-T", "20", "-t", "1", url], env=env, capture_output=True,
                           timeout=30)
        self.assertEqual(r.stdout, b"for wget and urllib\n")
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({"http": f"http://{self.px}"}))
        with opener.open(url, timeout=20) as resp:
            self.assertEqual(resp.read(), b"for wget and urllib\n")
            self.assertEqual(resp.headers["X-Cache"], "HIT")
        self.assertEqual(len(origin_requests("/tools.txt", self.log)), 1)

    def test_reverse_proxy_upstream(self):
        self.put("rev.txt", "through the reverse proxy\n")
        with Daemon("httpd", "--root", self.base, "--upstream", f"http://127.0.0.1:{self.oport}") as d:
            url = f"http://127.0.0.1:{hu.port_of(d)}/rev.txt"
            for want in ("MISS", "HIT"):
                r = run(CURL + ["-i", url])
                self.assertIn("through the reverse proxy", r.stdout)
                self.assertIn(f"X-Cache: {want}", r.stdout)
            # A reverse proxy is not a forward one: an absolute-form request for another host
            # goes to the upstream with its path, and CONNECT is refused.
            r = run(CURL + ["-i", "-x", f"127.0.0.1:{hu.port_of(d)}", "http://elsewhere.invalid/rev.txt"])
            self.assertIn("through the reverse proxy", r.stdout)
            with socket.create_connection(("127.0.0.1", hu.port_of(d)), timeout=10) as c:
                c.sendall(f"CONNECT 127.0.0.1:{self.oport} HTTP/1.1\r\nHost: x\r\n\r\n".encode())
                self.assertIn(" 405 ", read_head(c)[0].split("\r\n")[0])
        self.assertEqual(len(origin_requests("/rev.txt", self.log)), 1)

    def test_restart_keeps_the_disk_cache(self):
        url = self.put("disk.txt", "kept on disk\n")
        cdir = os.path.join(self.base, "cache")
        args = ("--root", self.base, "--proxy", "--cache-dir", cdir)
        with Daemon("httpd", *args) as d:
            r = run(CURL + ["-i", "-x", f"127.0.0.1:{hu.port_of(d)}", url])
            self.assertIn("X-Cache: MISS", r.stdout)
            wait_until(lambda: any(not f.endswith(".tmp") for f in os.listdir(cdir)) if os.path.isdir(cdir) else False)
        with Daemon("httpd", *args) as d:
            r = run(CURL + ["-i", "-x", f"127.0.0.1:{hu.port_of(d)}", url])
            self.assertIn("X-Cache: HIT", r.stdout)
            self.assertIn("kept on disk", r.stdout)
        self.assertEqual(len(origin_requests("/disk.txt", self.log)), 1)


class Resolver(unittest.TestCase):
    def test_origin_names_through_our_dnsd(self):
        # --resolver: origin names are asked of a DNS server (here our own dnsd with a lab zone).
        with tempfile.TemporaryDirectory(prefix="httpd-proxy-") as base:
            zone = os.path.join(base, "lab.test.zone")
            with open(zone, "w") as f:
                f.write("$ORIGIN lab.test.\n$TTL 60\n@ SOA ns hostmaster 1 3600 600 86400 60\n@ NS ns\n"
                        "ns A 127.0.0.1\nwww A 127.0.0.1\n")
            origin = hu.start(os.path.join(base, "o")).start()
            try:
                with open(os.path.join(base, "o", "www", "named.txt"), "w") as f:
                    f.write("found by name\n")
                with Daemon("dnsd", "--zone", zone) as dns:
                    with Daemon("httpd", "--root", base, "--proxy", "--resolver",
                                f"127.0.0.1:{dns.udp_port()}") as d:
                        px = f"127.0.0.1:{hu.port_of(d)}"
                        url = f"http://www.lab.test:{hu.port_of(origin)}/named.txt"
                        r = run(CURL + ["-x", px, url])
                        self.assertEqual(r.stdout, "found by name\n")
                        r = run(CURL + ["-o", "/dev/null", "-w", "%{http_code}", "-x", px,
                                        f"http://missing.lab.test:{hu.port_of(origin)}/"])
                        self.assertEqual(r.stdout, "502")
            finally:
                origin.stop()


class Allow(unittest.TestCase):
    def test_outside_allow_list_gets_403(self):
        with tempfile.TemporaryDirectory(prefix="httpd-proxy-") as base:
            with Daemon("httpd", "--root", base, "--proxy", "--proxy-allow", "10.0.0.0/8") as d:
                r = run(CURL + ["-o", "/dev/null", "-w", "%{http_code}", "-x", f"127.0.0.1:{hu.port_of(d)}",
                                "http://127.0.0.1:9/"])
                self.assertEqual(r.stdout, "403")


if __name__ == "__main__":
    main()
