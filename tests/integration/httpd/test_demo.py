"""The demo configuration (demo/httpd/httpd.toml) as the lab uses it: the department page with
ten JPEG images over non-persistent and persistent connections, the forms, the listing, and
the transcript that shows the difference (one connection per object vs one in all)."""
import os
import re
import unittest

from harness import Daemon, run, main, SOURCE_DIR

CONF = os.path.join(SOURCE_DIR, "demo", "httpd", "httpd.toml")
OBJECTS = ["home.index"] + [f"images/img{i}.jpg" for i in range(1, 11)]


class Demo(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        # Access log and transcript both go to the daemon's stdout (the harness's log file).
        cls.d = Daemon("httpd", "--config", CONF, "--trace").start()
        cls.url = f"http://127.0.0.1:{cls.d.endpoint('http')[1]}"

    @classmethod
    def tearDownClass(cls):
        code = cls.d.stop()
        assert code == 0, f"httpd exited {code}\n{cls.d.log()}"

    def fetch_all(self, *opts):
        argv = ["curl", "-s", "--max-time", "20", "-H", "Host: www.someschool.edu", *opts]
        for o in OBJECTS:
            argv += ["-o", "/dev/null", f"{self.url}/someDepartment/{o}"]
        argv += ["-w", "%{http_code}:%{num_connects} "]
        return run(argv).stdout.split()

    def test_base_page_references_ten_jpegs(self):
        page = run(["curl", "-s", "-H", "Host: www.someschool.edu", self.url + "/someDepartment/home.index"]).stdout
        imgs = re.findall(r'<img src="(images/img\d+\.jpg)"', page)
        self.assertEqual(len(imgs), 10)
        for i in (1, 10):
            path = os.path.join(SOURCE_DIR, "demo/www/someschool.edu/someDepartment/images", f"img{i}.jpg")
            with open(path, "rb") as f:
                data = f.read()
            self.assertTrue(data.startswith(b"\xff\xd8\xff") and data.endswith(b"\xff\xd9"))
            self.assertLess(len(data), 2048)

    def test_non_persistent_costs_eleven_connections_persistent_one(self):
        before = self.d.log().count("-- connected")
        http10 = self.fetch_all("-0")
        self.assertEqual(http10, ["200:1"] * 11)
        middle = self.d.log().count("-- connected")
        self.assertEqual(middle - before, 11)
        http11 = self.fetch_all()
        self.assertEqual(http11, ["200:1"] + ["200:0"] * 10)
        self.assertEqual(self.d.log().count("-- connected") - middle, 1)
        # The session notes its end when curl's connection closes, just after curl exits.
        self.d.wait_for_log("closed after 11 request(s)", timeout=5)

    def test_demo_pages(self):
        out = run(["curl", "-s", self.url + "/animalsearch?monkeys&bananas"]).stdout
        self.assertIn("<b>monkeys</b>", out)
        out = run(["curl", "-s", "-d", "name=Alice", self.url + "/someDepartment/register"]).stdout
        self.assertIn("<b>name</b> = Alice", out)
        out = run(["curl", "-s", self.url + "/files/"]).stdout
        self.assertIn('<a href="picture.jpg">picture.jpg</a>', out)
        self.assertIn("It works", run(["curl", "-s", self.url + "/"]).stdout)
        self.d.wait_for_log('"GET /files/ HTTP/1.1" 200', timeout=5)


if __name__ == "__main__":
    main()
