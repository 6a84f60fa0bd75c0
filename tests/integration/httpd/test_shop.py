"""The cookie shop ([shop] enabled): curl's cookie jar (-c/-b) is recognised across requests
(visit count, cart add/remove, recommendations), the cookie's attributes (HttpOnly,
SameSite=Lax, Secure only over HTTPS), the limits (cookie size, cart size, rows), the store
surviving a restart, and headless Chromium showing the same cart after a reload."""
import json
import os
import re
import shutil
import socket
import subprocess
import tempfile
import time
import unittest
import urllib.request

from harness import Daemon, make_cert, run, main, wait_until
import httpdutil as hu


def write_conf(base, max_rows=5, max_cart=3):
    conf = os.path.join(base, "httpd.toml")
    with open(conf, "w") as f:
        f.write('tls_cert = "tls/cert.pem"\ntls_key = "tls/key.pem"\n'
                '[httpd]\nroot = "www"\n'
                f'[shop]\nenabled = true\npath = "/shop"\nstore = "shop.tsv"\nmax_rows = {max_rows}\n'
                f'max_cart = {max_cart}\nmax_cookie_bytes = 1024\n')
    return conf


def cart_of(page):
    m = re.search(r'<ul id="cart">(.*?)</ul>', page, re.S)
    return re.findall(r'data-item="([a-z0-9-]+)"', m.group(1)) if m else None


def recommended_of(page):
    m = re.search(r'<ul id="recommended">(.*?)</ul>', page, re.S)
    return re.findall(r'data-item="([a-z0-9-]+)"', m.group(1)) if m else None


class Shop(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory(prefix="httpd-shop-")
        cls.base = cls.tmp.name
        hu.make_docroot(cls.base)
        os.makedirs(os.path.join(cls.base, "tls"))
        cls.ca, _ = make_cert(os.path.join(cls.base, "tls"), "localhost")
        cls.conf = write_conf(cls.base)
        cls.start()

    @classmethod
    def start(cls):
        cls.d = Daemon("httpd", "--config", cls.conf, "--listen-tls", "127.0.0.1:0").start()
        cls.url = f"http://127.0.0.1:{cls.d.endpoint('http')[1]}/shop"
        cls.tls_port = cls.d.endpoint("https")[1]

    @classmethod
    def tearDownClass(cls):
        code = cls.d.stop()
        cls.tmp.cleanup()
        assert code == 0, f"httpd exited {code}\n{cls.d.log()}"

    def setUp(self):
        self.jar = os.path.join(self.base, f"jar-{self.id().rsplit('.', 1)[1]}.txt")
        if os.path.exists(self.jar):
            os.unlink(self.jar)

    def curl(self, *args, url=None):
        return run(["curl", "-sS", "--max-time", "10", "-c", self.jar, "-b", self.jar, *args, url or self.url],
                   timeout=20).stdout

    def jar_id(self):
        with open(self.jar) as f:
            for line in f:
                fields = line.rstrip("\n").split("\t")
                if len(fields) == 7 and fields[5] == "shop_id":
                    return fields[6]
        return None

    def test_first_visit_gets_cookie_then_recognised(self):
        head = self.curl("-D", "-", "-o", "/dev/null")
        cookie = re.search(r"(?im)^set-cookie: (.*)$", head).group(1)
        self.assertRegex(cookie, r"^shop_id=[0-9a-f]{32}; Path=/shop; Max-Age=\d+; HttpOnly; SameSite=Lax$")
        self.assertIn("Cache-Control: no-store", head)
        sid = self.jar_id()
        self.assertIsNotNone(sid)
        page = self.curl("-D", os.path.join(self.base, "h2"))
        self.assertIn("visit number 2", page)
        self.assertIn(sid, page)
        with open(os.path.join(self.base, "h2")) as f:
            self.assertNotIn("set-cookie", f.read().lower())  # recognised: no new cookie
        self.assertIn("visit number 3", self.curl())

    def test_cart_add_remove_and_recommendations(self):
        self.curl("-o", "/dev/null")
        page = self.curl("-L", "-d", "item=top-down", url=self.url + "/add")  # a POST form, 303 to the page
        self.assertEqual(cart_of(page), ["top-down"])
        self.assertIn("tcpip", recommended_of(page))  # the same kind as what was added
        self.assertNotIn("top-down", recommended_of(page))
        page = self.curl("-L", url=self.url + "/add?item=router")  # a link
        self.assertEqual(cart_of(page), ["top-down", "router"])
        self.assertIn("switch", recommended_of(page))
        page = self.curl("-L", "-d", "item=top-down", url=self.url + "/remove")
        self.assertEqual(cart_of(page), ["router"])
        # The history still recommends books after the book left the cart.
        self.assertIn("top-down", recommended_of(page))
        code = self.curl("-o", "/dev/null", "-w", "%{http_code}", "-d", "item=sniffer", url=self.url + "/remove")
        self.assertEqual(code, "409")
        code = self.curl("-o", "/dev/null", "-w", "%{http_code}", "-d", "item=nonsense", url=self.url + "/add")
        self.assertEqual(code, "400")

    def test_no_cookie_no_cart(self):
        run(["curl", "-sS", "-o", "/dev/null", "-d", "item=cat6", self.url + "/add"])
        page = run(["curl", "-sS", self.url]).stdout  # another client: a fresh visitor
        self.assertIn("first visit", page)
        self.assertEqual(cart_of(page), [])

    def test_forged_cookie_replaced(self):
        head = run(["curl", "-sS", "-D", "-", "-o", "/dev/null", "-b", "shop_id=" + "0" * 32, self.url]).stdout
        new = re.search(r"(?im)^set-cookie: shop_id=([0-9a-f]{32})", head).group(1)
        self.assertNotEqual(new, "0" * 32)

    def test_limits(self):
        self.curl("-o", "/dev/null")
        for item in ("cat6", "fibre", "cat6"):
            self.assertEqual(self.curl("-o", "/dev/null", "-w", "%{http_code}", "-d", f"item={item}",
                                       url=self.url + "/add"), "303")
        self.assertEqual(self.curl("-o", "/dev/null", "-w", "%{http_code}", "-d", "item=switch",
                                   url=self.url + "/add"), "409")  # max_cart = 3
        self.assertEqual(cart_of(self.curl()), ["cat6", "fibre", "cat6"])
        big = run(["curl", "-sS", "-o", "/dev/null", "-w", "%{http_code}", "-H", "Cookie: x=" + "a" * 1100,
                   self.url]).stdout
        self.assertEqual(big, "400")  # max_cookie_bytes = 1024
        self.assertEqual(run(["curl", "-sS", "-o", "/dev/null", "-w", "%{http_code}", "-X", "DELETE",
                              self.url]).stdout, "405")

    def test_rows_bounded_oldest_dropped(self):
        for _ in range(8):
            run(["curl", "-sS", "-o", "/dev/null", self.url])
        with open(os.path.join(self.base, "shop.tsv")) as f:
            rows = [l for l in f if l.strip() and not l.startswith("#")]
        self.assertLessEqual(len(rows), 5)  # max_rows = 5

    def test_secure_only_over_https(self):
        head = run(["curl", "-sS", "--max-time", "10", "--cacert", self.ca, "--resolve",
                    f"localhost:{self.tls_port}:127.0.0.1", "-D", "-", "-o", "/dev/null",
                    f"https://localhost:{self.tls_port}/shop"], timeout=20).stdout
        self.assertRegex(head, r"(?im)^set-cookie: shop_id=[0-9a-f]{32};.* HttpOnly; SameSite=Lax; Secure$")

    def test_store_survives_restart(self):
        self.curl("-o", "/dev/null")
        self.curl("-o", "/dev/null", "-d", "item=dns-bind", url=self.url + "/add")
        type(self).d.stop()
        type(self).start()
        page = self.curl()
        self.assertEqual(cart_of(page), ["dns-bind"])
        self.assertIn("visit number 2", page)


def chromium_binaries():
    for b in ("chromium", "chromium-browser"):
        if shutil.which(b):
            return shutil.which(b), shutil.which("chromedriver")
    return None, None


class Browser(unittest.TestCase):
    """Headless Chromium through chromedriver's HTTP API (W3C WebDriver): add to the cart by
    clicking the shop's own form button, reload, and find the same cart."""

    @classmethod
    def setUpClass(cls):
        cls.chromium, cls.driver = chromium_binaries()
        if not cls.chromium or not cls.driver:
            if os.geteuid() == 0:
                raise AssertionError("chromium and chromium-driver are missing (scripts/install-deps installs them)")
            raise unittest.SkipTest("chromium or chromedriver not installed")
        cls.tmp = tempfile.TemporaryDirectory(prefix="httpd-shop-browser-")
        base = cls.tmp.name
        hu.make_docroot(base)
        os.makedirs(os.path.join(base, "tls"))
        make_cert(os.path.join(base, "tls"), "localhost")
        cls.d = Daemon("httpd", "--config", write_conf(base, max_rows=100, max_cart=10)).start()
        cls.url = f"http://127.0.0.1:{cls.d.endpoint('http')[1]}/shop"
        cls.driver_log = open(os.path.join(base, "chromedriver.log"), "w")
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        cls.dp = subprocess.Popen([cls.driver, f"--port={port}", "--log-path=" + cls.driver_log.name],
                                  stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        # "ChromeDriver was started successfully on port N."
        line = ""
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            line = cls.dp.stdout.readline()
            if "started successfully" in line:
                cls.wd = f"http://127.0.0.1:{port}"
                break
            if not line:
                break
        else:
            raise AssertionError("chromedriver did not start")
        if not hasattr(cls, "wd"):
            raise AssertionError(f"chromedriver did not start: {line!r}")
        cls.profile = os.path.join(base, "profile")

    @classmethod
    def tearDownClass(cls):
        cls.dp.terminate()
        cls.dp.wait(timeout=10)
        cls.driver_log.close()
        code = cls.d.stop()
        cls.tmp.cleanup()
        assert code == 0, f"httpd exited {code}\n{cls.d.log()}"

    def call(self, method, path, body=None, timeout=60):
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(self.wd + path, data=data, method=method,
                                     headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return json.loads(r.read())["value"]

    def test_same_cart_after_reload(self):
        caps = {"capabilities": {"alwaysMatch": {"browserName": "chrome", "goog:chromeOptions": {
            "binary": self.chromium,
            "args": ["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                     "--user-data-dir=" + self.profile]}}}}
        session = self.call("POST", "/session", caps, timeout=90)["sessionId"]
        s = f"/session/{session}"
        try:
            self.call("POST", s + "/url", {"url": self.url})
            src = self.call("GET", s + "/source")
            self.assertIn("first visit", src)
            # Click the shop's own "add" button for the book (a POST form, then the 303).
            el = self.call("POST", s + "/element", {"using": "css selector",
                                                    "value": "form[action='/shop/add'] input[value='tcpip'] + button"})
            self.call("POST", s + f"/element/{list(el.values())[0]}/click", {})
            self.assertTrue(wait_until(lambda: cart_of(self.call("GET", s + "/source")) == ["tcpip"], 10))
            self.call("POST", s + "/url", {"url": self.url + "/add?item=crimper"})
            self.assertEqual(cart_of(self.call("GET", s + "/source")), ["tcpip", "crimper"])
            self.call("POST", s + "/refresh", {})
            src = self.call("GET", s + "/source")
            self.assertEqual(cart_of(src), ["tcpip", "crimper"])
            self.assertIn("visit number", src)
            # HttpOnly: the page's scripts cannot read the cookie.
            self.assertEqual(self.call("POST", s + "/execute/sync", {"script": "return document.cookie", "args": []}),
                             "")
        finally:
            self.call("DELETE", s)


if __name__ == "__main__":
    main()
