"""httpd with real clients: curl (HTTP/1.0 and 1.1, -I, -r, -z, -T, -X DELETE, connection
reuse), Python's http.client, and the textbook request typed on a raw socket."""
import http.client
import os
import re
import signal
import tempfile
import unittest

from harness import run, main, wait_until
import httpdutil as hu

CURL = ["curl", "-s", "--max-time", "20"]


class Clients(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory(prefix="httpd-")
        cls.base = cls.tmp.name
        cls.d = hu.start(cls.base).start()
        cls.port = hu.port_of(cls.d)
        cls.url = f"http://127.0.0.1:{cls.port}"
        cls.www = os.path.join(cls.base, "www")

    @classmethod
    def tearDownClass(cls):
        code = cls.d.stop()
        cls.tmp.cleanup()
        assert code == 0, f"httpd exited {code}\n{cls.d.log()}"

    def curl(self, *args):
        return run(CURL + list(args)).stdout

    def status(self, *args):
        return int(run(CURL + ["-o", "/dev/null", "-w", "%{http_code}"] + list(args)).stdout)

    # -- curl ------------------------------------------------------------------------
    def test_get_http11_and_http10(self):
        self.assertEqual(self.curl(self.url + "/"), "<html><body>default host</body></html>\n")
        out = run(CURL + ["-0", "-i", self.url + "/sub/a.txt"]).stdout
        self.assertTrue(out.startswith("HTTP/1.1 200 OK\n"), out)
        self.assertIn("Connection: close\n", out)
        self.assertTrue(out.endswith("sub file\n"))

    def test_head_with_curl_I(self):
        out = self.curl("-I", self.url + "/data.bin")
        self.assertTrue(out.startswith("HTTP/1.1 200 OK\n"), out)
        for h in ("Date: ", "Server: ", "Last-Modified: ", "ETag: \"", "Accept-Ranges: bytes",
                  "Content-Length: 1048576", "Content-Type: application/octet-stream"):
            self.assertIn(h, out)

    def test_large_file_is_byte_exact(self):
        out = os.path.join(self.base, "got.bin")
        self.curl("-o", out, self.url + "/data.bin")
        with open(out, "rb") as a, open(os.path.join(self.www, "data.bin"), "rb") as b:
            self.assertEqual(a.read(), b.read())

    def test_files_by_copy_and_sendfile_concurrently(self):
        # A file's last MiB goes by pread+send in turns of 128 KiB shared with the thread's
        # other connections, the rest by sendfile: a 3 MiB file crosses both paths, the ranges
        # start and end off the chunk boundaries, and all run at once on one curl's connections.
        big = os.path.join(self.www, "three.bin")
        with open(big, "wb") as f:
            f.write(os.urandom(3 << 20))
        jobs = [("three.bin", None), ("data.bin", None), ("three.bin", (131000, 2200000)),
                ("data.bin", (1, 1048574)), ("data.bin", (262143, 262145)), ("three.bin", (3145000, 3145727))]
        args = ["-Z", "--parallel-immediate", "--parallel-max", str(len(jobs))]
        for i, (name, rng) in enumerate(jobs):
            if i:
                args += ["--next"] + CURL[1:]  # options apply per --next section
            if rng:
                args += ["-r", f"{rng[0]}-{rng[1]}"]
            args += ["-o", os.path.join(self.base, f"par{i}.bin"), f"{self.url}/{name}"]
        self.curl(*args)
        for i, (name, rng) in enumerate(jobs):
            with open(os.path.join(self.www, name), "rb") as f:
                want = f.read()
            if rng:
                want = want[rng[0]:rng[1] + 1]
            with open(os.path.join(self.base, f"par{i}.bin"), "rb") as f:
                self.assertEqual(f.read(), want, (name, rng))

    def test_mime_types_from_etc_mime_types(self):
        self.assertEqual(self.curl("-o", "/dev/null", "-w", "%{content_type}", self.url + "/pic.jpg"), "image/jpeg")
        self.assertEqual(self.curl("-o", "/dev/null", "-w", "%{content_type}", self.url + "/sub/a.txt"), "text/plain")

    def test_range_with_curl_r(self):
        self.assertEqual(self.curl("-r", "0-9", self.url + "/small.txt"), "0123456789")
        self.assertEqual(self.curl("-r", "-4", self.url + "/small.txt"), "xyz\n")
        out = self.curl("-i", "-r", "10-15", self.url + "/data.bin")
        self.assertIn("HTTP/1.1 206 Partial Content", out)
        self.assertIn("Content-Range: bytes 10-15/1048576", out)
        self.assertIn("Content-Length: 6", out)
        self.assertEqual(self.status("-r", "5000000-", self.url + "/data.bin"), 416)
        # Several ranges: the whole file (200) is an allowed answer.
        self.assertEqual(self.status("-r", "0-1,5-6", self.url + "/small.txt"), 200)

    def test_range_positions_beyond_any_size(self):
        # RFC 9110 14.1.2: a last-byte-pos past the end is clamped, however many digits it has.
        url = self.url + "/small.txt"
        for last in ("36", "37", "99999999999999999", "99999999999999999999", "9" * 40):
            out = self.curl("-i", "-H", f"Range: bytes=0-{last}", url)
            self.assertTrue(out.startswith("HTTP/1.1 206"), (last, out))
            self.assertIn("Content-Range: bytes 0-36/37", out)
            self.assertTrue(out.endswith("\n\n0123456789abcdefghijklmnopqrstuvwxyz\n"), out)
        out = self.curl("-i", "-H", "Range: bytes=-99999999999999999999", url)  # a suffix longer than the file
        self.assertIn("Content-Range: bytes 0-36/37", out)
        self.assertEqual(self.status("-H", "Range: bytes=99999999999999999999-", url), 416)
        self.assertEqual(self.status("-H", "Range: bytes=99999999999999999999-99999999999999999999", url), 416)

    def test_if_range(self):
        etag = re.search(r'ETag: (".*?")', self.curl("-I", self.url + "/small.txt")).group(1)
        self.assertEqual(self.curl("-r", "0-2", "-H", f"If-Range: {etag}", self.url + "/small.txt"), "012")
        full = self.curl("-r", "0-2", "-H", 'If-Range: "stale"', self.url + "/small.txt")
        self.assertEqual(full, "0123456789abcdefghijklmnopqrstuvwxyz\n")
        # RFC 9110 13.1.5: If-Range holds exactly one entity-tag; a list is no match.
        for value in (f'{etag}, "x"', f'"x", {etag}', f"{etag},{etag}", "*", f"W/{etag}"):
            self.assertEqual(self.status("-r", "0-2", "-H", f"If-Range: {value}", self.url + "/small.txt"), 200, value)
        self.assertEqual(self.status("-r", "0-2", "-H", f"If-Range:  {etag} ", self.url + "/small.txt"), 206)

    def test_conditional_get_with_curl_z(self):
        # -z DATE sends If-Modified-Since; a date in the future means "not modified".
        self.assertEqual(self.status("-z", "Tue, 01 Jan 2999 00:00:00 GMT", self.url + "/small.txt"), 304)
        self.assertEqual(self.status("-z", "Thu, 01 Jan 1970 00:00:01 GMT", self.url + "/small.txt"), 200)
        etag = re.search(r'ETag: (".*?")', self.curl("-I", self.url + "/small.txt")).group(1)
        out = self.curl("-i", "-H", f"If-None-Match: {etag}", self.url + "/small.txt")
        self.assertTrue(out.startswith("HTTP/1.1 304 Not Modified"), out)
        self.assertNotIn("Content-Length", out)
        self.assertTrue(out.endswith("\n\n"))
        self.assertEqual(self.status("-H", 'If-Match: "other"', self.url + "/small.txt"), 412)
        self.assertEqual(self.status("-H", "If-Unmodified-Since: Thu, 01 Jan 1970 00:00:01 GMT",
                                     self.url + "/small.txt"), 412)
        self.assertEqual(self.status("-H", f"If-Match: {etag}", self.url + "/small.txt"), 200)

    def test_edit_invalidates_cache(self):
        path = os.path.join(self.www, "edit.txt")
        with open(path, "w") as f:
            f.write("one\n")
        self.assertEqual(self.curl(self.url + "/edit.txt"), "one\n")
        with open(path, "w") as f:  # same size, new content
            f.write("two\n")
        # An edit behind the server's back shows once the cache's trust window (100 ms) ends.
        self.assertTrue(wait_until(lambda: self.curl(self.url + "/edit.txt") == "two\n", timeout=5))
        os.unlink(path)
        self.assertTrue(wait_until(lambda: self.status(self.url + "/edit.txt") == 404, timeout=5))

    def test_put_with_curl_T_and_delete(self):
        src = os.path.join(self.base, "upload-src.txt")
        with open(src, "w") as f:
            f.write("uploaded\n")
        self.assertEqual(self.status("-T", src, self.url + "/upload/new.txt"), 201)
        self.assertEqual(self.curl(self.url + "/upload/new.txt"), "uploaded\n")
        with open(src, "w") as f:
            f.write("replaced!\n")
        self.assertEqual(self.status("-T", src, self.url + "/upload/new.txt"), 204)
        self.assertEqual(self.curl(self.url + "/upload/new.txt"), "replaced!\n")
        # Chunked upload (curl -T - reads stdin and sends Transfer-Encoding: chunked).
        p = run(CURL + ["-o", "/dev/null", "-w", "%{http_code}", "-T", "-", self.url + "/upload/chunked.txt"],
                input="via chunks\n")
        self.assertEqual(p.stdout, "201")
        self.assertEqual(self.curl(self.url + "/upload/chunked.txt"), "via chunks\n")
        self.assertEqual(self.status("-X", "DELETE", self.url + "/upload/new.txt"), 204)
        self.assertEqual(self.status(self.url + "/upload/new.txt"), 404)
        self.assertEqual(self.status("-X", "DELETE", self.url + "/upload/new.txt"), 404)
        self.assertEqual(self.status("-T", src, self.url + "/upload/missing-dir/x.txt"), 409)
        # Outside the writable prefix: 405 with Allow.
        out = self.curl("-i", "-T", src, self.url + "/sub/x.txt")
        self.assertTrue(out.startswith("HTTP/1.1 405"), out)
        self.assertIn("Allow: GET, HEAD, OPTIONS", out)
        self.assertEqual(self.status("-X", "DELETE", self.url + "/small.txt"), 405)
        self.assertTrue(os.path.exists(os.path.join(self.www, "small.txt")))

    def test_put_and_delete_preconditions(self):
        # RFC 9110 13.1, 13.2.2: evaluated before the method is performed; 412 leaves the file alone.
        path = os.path.join(self.www, "upload", "pre.txt")
        with open(path, "w") as f:
            f.write("original\n")
        src = os.path.join(self.base, "pre-src.txt")
        with open(src, "w") as f:
            f.write("replacement\n")
        url = self.url + "/upload/pre.txt"
        for header in ("If-None-Match: *", 'If-Match: "nope"', "If-Unmodified-Since: Thu, 01 Jan 1970 00:00:01 GMT"):
            self.assertEqual(self.status("-T", src, "-H", header, url), 412, header)
            self.assertEqual(self.status("-X", "DELETE", "-H", header, url), 412, header)
            with open(path) as f:
                self.assertEqual(f.read(), "original\n", header)
        etag = re.search(r'ETag: (".*?")', self.curl("-I", url)).group(1)
        self.assertEqual(self.status("-T", src, "-H", f"If-Match: {etag}", url), 204)
        self.assertEqual(self.curl(url), "replacement\n")
        # No current representation: If-Match fails, If-None-Match: * creates.
        fresh = self.url + "/upload/pre-new.txt"
        self.assertEqual(self.status("-T", src, "-H", "If-Match: *", fresh), 412)
        self.assertFalse(os.path.exists(os.path.join(self.www, "upload", "pre-new.txt")))
        self.assertEqual(self.status("-T", src, "-H", "If-None-Match: *", fresh), 201)
        etag = re.search(r'ETag: (".*?")', self.curl("-I", url)).group(1)
        self.assertEqual(self.status("-X", "DELETE", "-H", f"If-Match: {etag}", url), 204)
        self.assertFalse(os.path.exists(path))

    def test_put_with_content_range_is_400_and_leaves_the_file(self):
        # RFC 9110 14.5: a partial PUT is refused, never applied as the whole file.
        path = os.path.join(self.www, "upload", "ranged.txt")
        with open(path, "w") as f:
            f.write("0123456789\n")
        src = os.path.join(self.base, "fragment.txt")
        with open(src, "w") as f:
            f.write("abc")
        url = self.url + "/upload/ranged.txt"
        self.assertEqual(self.status("-T", src, "-H", "Content-Range: bytes 2-4/11", url), 400)
        with open(path) as f:
            self.assertEqual(f.read(), "0123456789\n")
        # Refused before the body: no 100 Continue is asked for.
        with hu.connect(self.port) as c:
            c.sendall(b"PUT /upload/ranged.txt HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\n"
                      b"Content-Range: bytes 2-4/11\r\nExpect: 100-continue\r\n\r\n")
            status, _, _, line = hu.read_response(c)
            self.assertEqual(line, "HTTP/1.1 400 Bad Request")
        self.assertEqual(self.status("-T", src, "-H", "Content-Range: bytes 0-2/3", self.url + "/upload/new-ranged.txt"), 400)
        self.assertFalse(os.path.exists(os.path.join(self.www, "upload", "new-ranged.txt")))

    def test_put_of_long_file_names(self):
        # NAME_MAX is 255: every name up to it can be stored, whatever the temporary name is.
        src = os.path.join(self.base, "long-src.txt")
        with open(src, "w") as f:
            f.write("long\n")
        for n in (240, 241, 250, 255):
            name = "n" * (n - 4) + ".txt"
            self.assertEqual(self.status("-T", src, self.url + "/upload/" + name), 201, n)
            self.assertEqual(self.curl(self.url + "/upload/" + name), "long\n")
            self.assertEqual(self.status("-T", src, self.url + "/upload/" + name), 204, n)  # replaced
            self.assertEqual(self.status("-X", "DELETE", self.url + "/upload/" + name), 204, n)
        # One byte more is a name the file system refuses: 414, not "not found".
        self.assertEqual(self.status("-T", src, self.url + "/upload/" + "n" * 252 + ".txt"), 414)
        self.assertEqual(self.status(self.url + "/upload/" + "n" * 252 + ".txt"), 404)  # GET: simply absent
        self.assertEqual([e for e in os.listdir(os.path.join(self.www, "upload")) if e.startswith(".")], [])

    def test_keep_alive_reuse_across_two_urls(self):
        p = run(CURL + ["-v", "-o", "/dev/null", "-o", "/dev/null", self.url + "/small.txt", self.url + "/sub/a.txt"])
        self.assertIn("Re-using existing connection", p.stderr)
        self.assertEqual(p.stderr.count("Connected to"), 1, p.stderr)

    def test_directory_redirect_and_index(self):
        out = self.curl("-i", self.url + "/sub?x=1")
        self.assertTrue(out.startswith("HTTP/1.1 301"), out)
        self.assertIn("Location: /sub/?x=1\n", out)
        self.assertEqual(self.status(self.url + "/empty/"), 403)  # no index, listing off
        self.assertEqual(self.status(self.url + "/nope.html"), 404)
        self.assertEqual(self.status(self.url + "/inside-link.txt"), 200)  # symlink within the root

    def test_virtual_host_has_its_own_root(self):
        out = self.curl("-H", "Host: www.someschool.edu", self.url + "/someDepartment/home.index")
        self.assertEqual(out, "<html><body>someschool home</body></html>\n")
        ct = self.curl("-o", "/dev/null", "-w", "%{content_type}", "-H", "Host: SomeSchool.edu:8080",
                       self.url + "/someDepartment/home.index")
        self.assertEqual(ct, "text/html")
        self.assertEqual(self.status(self.url + "/someDepartment/home.index"), 404)  # default host
        self.assertEqual(self.status("-H", "Host: www.someschool.edu", self.url + "/small.txt"), 404)

    def test_forms_get_and_post(self):
        out = self.curl(self.url + "/animalsearch?monkeys&bananas")
        self.assertIn("<li><b>monkeys</b></li>", out)
        self.assertIn("<li><b>bananas</b></li>", out)
        out = self.curl("-d", "name=Alice+B&course=CS%20101", self.url + "/form")
        self.assertIn("Received by POST: 2 field(s)", out)
        self.assertIn("<b>name</b> = Alice B", out)
        self.assertIn("<b>course</b> = CS 101", out)
        self.assertEqual(self.status("-d", "x=1", self.url + "/small.txt"), 405)

    def test_options(self):
        out = self.curl("-i", "-X", "OPTIONS", self.url + "/upload/x")
        self.assertTrue(out.startswith("HTTP/1.1 204"), out)
        self.assertIn("Allow: GET, HEAD, PUT, DELETE, OPTIONS", out)

    def test_access_log_is_combined_log_format(self):
        self.curl("-A", "tester/1.0", "-e", "http://ref.example/", self.url + "/small.txt?q=1")
        log = os.path.join(self.base, "access.log")
        pat = re.compile(r'^127\.0\.0\.1 - - \[\d\d/\w{3}/\d{4}:\d\d:\d\d:\d\d \+0000\] '
                         r'"GET /small\.txt\?q=1 HTTP/1\.1" 200 37 "http://ref\.example/" "tester/1\.0"$')
        def logged():
            with open(log) as f:
                return any(pat.match(l.rstrip("\n")) for l in f)
        if wait_until(logged, timeout=5):
            return
        with open(log) as f:
            self.fail("no matching log line in:\n" + f.read())

    # -- Python http.client -------------------------------------------------------------
    def test_python_http_client(self):
        c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        try:
            for path in ("/small.txt", "/sub/a.txt", "/pic.jpg"):
                c.request("GET", path)
                r = c.getresponse()
                body = r.read()
                self.assertEqual(r.status, 200)
                self.assertEqual(len(body), int(r.getheader("Content-Length")))
            self.assertEqual(body, hu.JPEG)
            c.request("HEAD", "/data.bin")
            r = c.getresponse()
            self.assertEqual(r.read(), b"")
            self.assertEqual(r.getheader("Content-Length"), "1048576")
            c.request("POST", "/form", body="a=1", headers={"Content-Type": "application/x-www-form-urlencoded"})
            r = c.getresponse()
            self.assertIn(b"<b>a</b> = 1", r.read())
        finally:
            c.close()

    # -- the textbook request on a raw socket --------------------------------------------
    def test_textbook_request_raw_socket(self):
        req = (b"GET /index.html HTTP/1.1\n"
               b"Host: 127.0.0.1\n"
               b"Connection: keep-alive\n"
               b"User-agent: Mozilla/5.0\n"
               b"Accept-language: fr\n"
               b"\n")
        with hu.connect(self.port) as s:
            s.sendall(req)
            status, h, body, line = hu.read_response(s)
            self.assertEqual(line, "HTTP/1.1 200 OK")
            for k in ("date", "server", "last-modified", "etag", "accept-ranges", "content-length", "content-type"):
                self.assertIn(k, h)
            self.assertEqual(h["content-type"], "text/html")
            self.assertEqual(int(h["content-length"]), len(body))
            self.assertNotIn("connection", h)  # persistent by default in 1.1
            # Same connection, a second request: still open.
            s.sendall(req.replace(b"/index.html", b"/small.txt"))
            status, h, body, _ = hu.read_response(s)
            self.assertEqual(body, b"0123456789abcdefghijklmnopqrstuvwxyz\n")

    def test_http10_keep_alive_and_pipelining(self):
        with hu.connect(self.port) as s:
            s.sendall(b"GET /small.txt HTTP/1.0\nConnection: keep-alive\n\n")
            status, h, _, line = hu.read_response(s)
            self.assertEqual(h.get("connection"), "keep-alive")
            # Three pipelined requests in one segment, answered in order.
            s.sendall(b"GET /sub/a.txt HTTP/1.1\nHost: x\n\n"
                      b"HEAD /small.txt HTTP/1.1\nHost: x\n\n"
                      b"GET /small.txt HTTP/1.1\nHost: x\nConnection: close\n\n")
            _, _, b1, _ = hu.read_response(s)
            self.assertEqual(b1, b"sub file\n")
            rest = hu.read_until_closed(s)
            self.assertEqual(rest.count(b"HTTP/1.1 200 OK"), 2)
            self.assertTrue(rest.endswith(b"0123456789abcdefghijklmnopqrstuvwxyz\n"), rest)


class Paths(unittest.TestCase):
    def test_paths_relative_to_the_config_file_or_the_working_directory(self):
        with tempfile.TemporaryDirectory(prefix="httpd-paths-") as base:
            hu.make_docroot(base)  # base/www and base/school
            os.makedirs(os.path.join(base, "conf"))
            conf = os.path.join(base, "conf", "httpd.toml")
            with open(conf, "w") as f:
                f.write('[httpd]\nroot = "../www"\naccess_log = "access.log"\n'
                        '[[httpd.vhost]]\nnames = ["school"]\nroot = "../school"\n')
            # Keys: beside the file, whatever the working directory.
            with hu.Daemon("httpd", "--config", conf, cwd="/") as d:
                url = f"http://127.0.0.1:{hu.port_of(d)}"
                self.assertEqual(run(CURL + [url + "/sub/a.txt"]).stdout, "sub file\n")
                out = run(CURL + ["-H", "Host: school", url + "/someDepartment/home.index"]).stdout
                self.assertIn("someschool home", out)
                self.assertTrue(wait_until(lambda: os.path.exists(os.path.join(base, "conf", "access.log"))))
            # Flags: relative to the working directory, and they win over the keys.
            with hu.Daemon("httpd", "--config", conf, "--root", "school", "--access-log", "flag.log", cwd=base) as d:
                url = f"http://127.0.0.1:{hu.port_of(d)}"
                self.assertIn("someschool home", run(CURL + [url + "/someDepartment/home.index"]).stdout)
                self.assertTrue(wait_until(lambda: os.path.exists(os.path.join(base, "flag.log"))))


class LogRotation(unittest.TestCase):
    def test_sighup_reopens_the_access_log(self):
        with tempfile.TemporaryDirectory(prefix="httpd-log-") as base:
            with hu.start(base) as d:
                url = f"http://127.0.0.1:{hu.port_of(d)}"
                log = os.path.join(base, "access.log")
                run(CURL + ["-o", "/dev/null", url + "/small.txt?before"])
                os.rename(log, log + ".1")  # what logrotate does
                d.signal(signal.SIGHUP)
                self.assertTrue(wait_until(lambda: os.path.exists(log)), d.log())
                run(CURL + ["-o", "/dev/null", url + "/small.txt?after"])
                def logged_after():
                    with open(log) as f:
                        return "/small.txt?after" in f.read()
                wait_until(logged_after, timeout=5)
                with open(log + ".1") as f:
                    old = f.read()
                with open(log) as f:
                    new = f.read()
                self.assertIn("/small.txt?before", old)
                self.assertNotIn("/small.txt?after", old)
                self.assertIn("/small.txt?after", new)


if __name__ == "__main__":
    main()
