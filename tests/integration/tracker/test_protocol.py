"""The tracker over the wire: HTTP announce/scrape/stats (BEP 3, 7, 23, 48), BEP 15 UDP,
and every kind of bad input from the issue, against a live daemon."""
import json
import os
import signal
import socket
import struct
import tempfile
import time
import unittest

import harness
from bt import (PROTOCOL_ID, UdpClient, announce_target, bdecode, compact_peers, http_get, quote,
                random_hash)


def ipv6_available():
    try:
        with socket.socket(socket.AF_INET6, socket.SOCK_DGRAM) as s:
            s.bind(("::1", 0))
        return True
    except OSError:
        return False


HAVE_V6 = ipv6_available()


class OpenTracker(unittest.TestCase):
    """Open mode, listening on IPv4 and (when available) IPv6 loopback."""

    @classmethod
    def setUpClass(cls):
        listen = ["127.0.0.1:0"] + (["[::1]:0"] if HAVE_V6 else [])
        udp = ["--listen-udp", "127.0.0.1:0"] + (["--listen-udp", "[::1]:0"] if HAVE_V6 else [])
        cls.d = harness.Daemon("tracker", "--threads", "2", *udp, listen=listen).start()
        cls.port = next(p for h, p in cls.d.tcp if h == "127.0.0.1")
        cls.uport = next(p for h, p in cls.d.udp if h == "127.0.0.1")

    @classmethod
    def tearDownClass(cls):
        code = cls.d.stop()
        if code != 0:
            raise AssertionError(f"tracker exited {code}\n{cls.d.log()}")

    def announce(self, ih, pid, port, left=0, event=None, extra=""):
        status, headers, body = http_get(self.port, announce_target(ih, pid, port, left, event, extra))
        self.assertEqual(status, 200)
        self.assertEqual(headers.get("content-type"), "text/plain")
        return bdecode(body)

    def failure(self, target):
        status, _, body = http_get(self.port, target)
        self.assertEqual(status, 200, "tracker errors are bencoded with HTTP 200")
        reply = bdecode(body)
        self.assertIn(b"failure reason", reply, reply)
        return reply[b"failure reason"].decode()

    # -- HTTP announce ----------------------------------------------------------------
    def test_announce_compact_never_self(self):
        ih = random_hash()
        first = self.announce(ih, random_hash(), 7001, left=0, event="started")
        self.assertEqual(first[b"peers"], b"")
        self.assertEqual(first[b"interval"], 1800)
        self.assertEqual(first[b"min interval"], 900)
        self.assertEqual((first[b"complete"], first[b"incomplete"]), (1, 0))
        second = self.announce(ih, random_hash(), 7002, left=100, event="started")
        self.assertEqual(compact_peers(second[b"peers"]), [("127.0.0.1", 7001)])
        self.assertEqual((second[b"complete"], second[b"incomplete"]), (1, 1))

    def test_dictionary_peers_and_no_peer_id(self):
        # A peer_id is kept for peers that asked for dictionaries themselves (compact=0); a
        # compact peer appears without one, as opentracker lists every peer.
        ih, pid = random_hash(), random_hash()
        self.announce(ih, pid, 7010, left=5, extra="&compact=0")
        r = self.announce(ih, random_hash(), 7011, left=5, extra="&compact=0")
        self.assertEqual(r[b"peers"], [{b"ip": b"127.0.0.1", b"peer id": pid, b"port": 7010}])
        r = self.announce(ih, random_hash(), 7012, left=5, extra="&compact=0&no_peer_id=1")
        self.assertEqual(len(r[b"peers"]), 2)
        self.assertTrue(all(b"peer id" not in p for p in r[b"peers"]))
        self.announce(ih, random_hash(), 7013, left=5)
        r = self.announce(ih, random_hash(), 7014, left=5, extra="&compact=0")
        by_port = {p[b"port"]: p for p in r[b"peers"]}
        self.assertEqual(sorted(by_port), [7010, 7011, 7012, 7013])
        self.assertEqual(by_port[7010][b"peer id"], pid)
        self.assertNotIn(b"peer id", by_port[7013])

    def test_seeders_not_sent_to_seeders_and_numwant(self):
        ih = random_hash()
        for port in range(7020, 7025):
            self.announce(ih, random_hash(), port, left=0)
        self.announce(ih, random_hash(), 7030, left=9)
        seed = self.announce(ih, random_hash(), 7031, left=0)
        self.assertEqual(compact_peers(seed[b"peers"]), [("127.0.0.1", 7030)])
        leech = self.announce(ih, random_hash(), 7032, left=9, extra="&numwant=3")
        self.assertEqual(len(compact_peers(leech[b"peers"])), 3)
        huge = self.announce(ih, random_hash(), 7033, left=9, extra="&numwant=99999999999999999999999")
        self.assertEqual(len(compact_peers(huge[b"peers"])), 8)

    def test_stopped_removes_and_completed_counts(self):
        ih, a = random_hash(), random_hash()
        self.announce(ih, a, 7040, left=10, event="started")
        self.announce(ih, a, 7040, left=0, event="completed")
        other = self.announce(ih, random_hash(), 7041, left=10)
        self.assertEqual(other[b"downloaded"], 1)
        self.assertEqual(compact_peers(other[b"peers"]), [("127.0.0.1", 7040)])
        self.announce(ih, a, 7040, left=0, event="stopped")
        after = self.announce(ih, random_hash(), 7042, left=10)
        self.assertNotIn(("127.0.0.1", 7040), compact_peers(after[b"peers"]))
        self.assertEqual(after[b"complete"], 0)

    @unittest.skipUnless(HAVE_V6, "no IPv6 loopback")
    def test_ipv6_peers_in_peers6(self):
        ih = random_hash()
        v6port = next(p for h, p in self.d.tcp if h == "::1")
        with socket.create_connection(("::1", v6port), timeout=10) as s:
            s.sendall(f"GET {announce_target(ih, random_hash(), 7050, 5)} HTTP/1.1\r\nHost: x\r\n"
                      "Connection: close\r\n\r\n".encode())
            data = b""
            while chunk := s.recv(65536):
                data += chunk
        self.assertIn(b"200 OK", data.split(b"\r\n")[0])
        r = self.announce(ih, random_hash(), 7051, left=5)
        self.assertEqual(compact_peers(r[b"peers6"], 18), [("::1", 7050)])
        self.assertEqual(r[b"peers"], b"")

    # -- scrape and stats -------------------------------------------------------------------
    def test_scrape_one_and_many(self):
        a, b = random_hash(), random_hash()
        self.announce(a, random_hash(), 7060, left=0)
        self.announce(a, random_hash(), 7061, left=3)
        status, _, body = http_get(self.port, f"/scrape?info_hash={quote(a)}&info_hash={quote(b)}")
        self.assertEqual(status, 200)
        files = bdecode(body)[b"files"]
        self.assertEqual(files[a], {b"complete": 1, b"downloaded": 0, b"incomplete": 1})
        self.assertEqual(files[b], {b"complete": 0, b"downloaded": 0, b"incomplete": 0})
        self.assertEqual(self.failure("/scrape"), "missing info_hash")

    def test_stats_html_and_json(self):
        self.announce(random_hash(), random_hash(), 7070, left=0)
        status, headers, body = http_get(self.port, "/stats?format=json")
        self.assertEqual(status, 200)
        self.assertEqual(headers["content-type"], "application/json")
        import json
        stats = json.loads(body)
        for key in ("torrents", "seeders", "leechers", "completed", "announces_per_second"):
            self.assertIn(key, stats)
        self.assertGreaterEqual(stats["torrents"], 1)
        status, headers, body = http_get(self.port, "/stats")
        self.assertEqual(status, 200)
        self.assertTrue(headers["content-type"].startswith("text/html"))
        self.assertIn(b"<th>Seeders</th>", body)
        self.assertEqual(http_get(self.port, "/nothing-here")[0], 404)

    # -- bad HTTP input -------------------------------------------------------------------------
    def test_absolute_form_targets(self):
        # RFC 9112 3.2.2: a server must accept the absolute form (what a client sends to a proxy).
        ih = random_hash()
        base = f"http://127.0.0.1:{self.port}"
        status, _, body = http_get(self.port, base + announce_target(ih, random_hash(), 7101, left=3))
        self.assertEqual(status, 200)
        self.assertNotIn(b"failure reason", bdecode(body))
        status, _, body = http_get(self.port, f"HTTP://LOCALHOST/scrape?info_hash={quote(ih)}")
        self.assertEqual(status, 200)
        self.assertEqual(bdecode(body)[b"files"][ih][b"incomplete"], 1)
        status, headers, _ = http_get(self.port, base + "/stats?format=json")
        self.assertEqual((status, headers.get("content-type")), (200, "application/json"))
        self.assertEqual(http_get(self.port, base)[0], 200)  # "http://h" is the index page
        self.assertEqual(http_get(self.port, base + "/nothing")[0], 404)

    def test_bad_http_input(self):
        ih, pid = random_hash(), random_hash()
        cases = {
            announce_target(ih[:19], pid, 1): "invalid info_hash: must be 20 bytes",
            announce_target(ih + b"x", pid, 1): "invalid info_hash: must be 20 bytes",
            announce_target(ih, pid[:19], 1): "invalid peer_id: must be 20 bytes",
            announce_target(ih, pid + b"!", 1): "invalid peer_id: must be 20 bytes",
            announce_target(ih, pid, 0): "invalid port: must be 1-65535",
            announce_target(ih, pid, 65536): "invalid port: must be 1-65535",
            announce_target(ih, pid, 1, extra="&numwant=-1"): "invalid numwant",
            announce_target(ih, pid, 1, extra="&info_hash=" + quote(ih)): "duplicate parameter: info_hash",
            announce_target(ih, pid, 1, extra="&port=2"): "duplicate parameter: port",
            "/announce?info_hash=%zz&peer_id=x": "invalid percent-encoding in query",
            "/announce?info_hash=%4": "invalid percent-encoding in query",
            f"/announce?peer_id={quote(pid)}&port=1": "missing info_hash",
            "/announce?" + "&".join(f"k{i}=v" for i in range(65)): "too many parameters",
        }
        for target, reason in cases.items():
            with self.subTest(target=target[:80]):
                self.assertEqual(self.failure(target), reason)
        # None of them created a torrent.
        status, _, body = http_get(self.port, f"/scrape?info_hash={quote(ih)}")
        self.assertEqual(bdecode(body)[b"files"][ih][b"incomplete"], 0)
        self.assertTrue(self.d.alive())

    # -- UDP (BEP 15) ------------------------------------------------------------------------------
    def test_udp_connect_announce_scrape(self):
        ih = random_hash()
        a, b = UdpClient(self.uport), UdpClient(self.uport)
        try:
            ca, cb = a.connect(), b.connect()
            r = a.announce(ca, ih, random_hash(), 7100, left=0)
            self.assertEqual(r, ("announce", 1800, 0, 1, []))
            r = b.announce(cb, ih, random_hash(), 7101, left=50)
            self.assertEqual(r, ("announce", 1800, 1, 1, [("127.0.0.1", 7100)]))
            self.assertEqual(b.scrape(cb, [ih, random_hash()]), ("scrape", [(1, 0, 1), (0, 0, 0)]))
            # stopped removes the seeder
            a.announce(ca, ih, random_hash(), 7100, left=0, event=3)
            self.assertEqual(b.scrape(cb, [ih]), ("scrape", [(0, 0, 1)]))
        finally:
            a.close()
            b.close()

    @unittest.skipUnless(HAVE_V6, "no IPv6 loopback")
    def test_udp_ipv6(self):
        port6 = next(p for h, p in self.d.udp if h == "::1")
        ih = random_hash()
        a, b = UdpClient(port6, "::1"), UdpClient(port6, "::1")
        try:
            a.announce(a.connect(), ih, random_hash(), 7110, left=0)
            r = b.announce(b.connect(), ih, random_hash(), 7111, left=1)
            self.assertEqual(r[4], [("::1", 7110)])
        finally:
            a.close()
            b.close()

    def test_bad_udp_input(self):
        c = UdpClient(self.uport, timeout=0.5)
        try:
            # Too short to carry a transaction id, or a connect without the protocol magic: silence.
            self.assertIsNone(c.exchange(b""))
            self.assertIsNone(c.exchange(b"\x00" * 15))
            self.assertIsNone(c.exchange(struct.pack(">QII", PROTOCOL_ID + 1, 0, 1)))
            # Wrong length for the action, unknown action, bad event, port 0: an error packet.
            self.assertEqual(c.exchange(struct.pack(">QIIB", PROTOCOL_ID, 0, 1, 0))[8:], b"bad connect length")
            cid = c.connect()
            good = UdpClient.announce_packet(cid, random_hash(), random_hash(), 7120)
            r = c.exchange(good[:97])
            self.assertEqual(struct.unpack(">II", r[:8]), (3, 7))
            self.assertEqual(r[8:], b"bad announce length")
            self.assertEqual(c.exchange(struct.pack(">QII", cid, 9, 5))[8:], b"unknown action")
            self.assertEqual(c.exchange(struct.pack(">QII", cid, 2, 5) + b"x" * 21)[8:], b"bad scrape length")
            self.assertEqual(c.exchange(struct.pack(">QII", cid, 2, 5) + b"x" * 20 * 75)[8:], b"too many info_hashes")
            bad_event = UdpClient.announce_packet(cid, random_hash(), random_hash(), 7120, event=9)
            self.assertEqual(c.exchange(bad_event)[8:], b"invalid event")
            self.assertEqual(c.exchange(UdpClient.announce_packet(cid, random_hash(), random_hash(), 0))[8:],
                             b"invalid port")
            # Forged connection ids.
            for forged in (cid ^ 1, 0, PROTOCOL_ID):
                r = c.announce(forged, random_hash(), random_hash(), 7120)
                self.assertEqual(r, ("error", "invalid or expired connection id"))
            # An oversized datagram is dropped by the runtime.
            self.assertIsNone(c.exchange(good + b"\x00" * 5000))
            # A connection id is bound to the address it was issued to: another socket
            # (another port) on the same host shares it, a forged one does not.
            self.assertEqual(c.announce(cid, random_hash(), random_hash(), 7121)[0], "announce")
        finally:
            c.close()
        self.assertTrue(self.d.alive())


class Transcript(unittest.TestCase):
    def test_each_http_request_is_traced_once_with_the_summary_as_a_note(self):
        with harness.Daemon("tracker", "--trace") as d:
            http_get(d.tcp_port(), announce_target(random_hash(), random_hash(), 7123, left=1))
            log = d.wait_for_log("closed after 1 request(s)")
            lines = [l for l in log.splitlines() if " tracker-http #" in l]
            requests = [l for l in lines if " C: GET /announce?" in l]
            self.assertEqual(len(requests), 1, "\n".join(lines))
            self.assertTrue(requests[0].endswith(" HTTP/1.1"), requests[0])  # the driver's line
            notes = [l for l in lines if " -- announce " in l]
            self.assertEqual(len(notes), 1, "\n".join(lines))
            self.assertIn("port=7123 -> 0 peers (0 seeders, 1 leechers)", notes[0])
            self.assertEqual([l for l in lines if " S: 200 " in l], [])  # no second, handler-made exchange
            # One session id throughout.
            self.assertEqual(len({l.split(" tracker-http ")[1].split()[0] for l in lines}), 1, "\n".join(lines))


class RateLimited(unittest.TestCase):
    def test_http_and_udp_flood_from_one_address(self):
        with harness.Daemon("tracker", "--threads", "1", "--listen-udp", "127.0.0.1:0", "--rate-limit", "5",
                            "--rate-burst", "10") as d:
            ih = random_hash()
            reasons = []
            for i in range(30):
                status, _, body = http_get(d.tcp_port(), announce_target(ih, random_hash(), 8000 + i, 1))
                self.assertEqual(status, 200)
                reasons.append(bdecode(body).get(b"failure reason", b"").decode())
            limited = [r for r in reasons if r.startswith("rate limited")]
            self.assertGreaterEqual(len(limited), 15, reasons)
            self.assertLessEqual(len(reasons) - len(limited), 15, reasons)
            c = UdpClient(d.udp_port(), timeout=0.5)
            try:
                # 30 connects at once; then count the answers that arrive.
                for i in range(30):
                    c.sock.sendto(struct.pack(">QII", PROTOCOL_ID, 0, i), c.addr)
                answered = 0
                try:
                    while answered < 30:
                        c.sock.recv(100)
                        answered += 1
                except socket.timeout:
                    pass
            finally:
                c.close()
            # The HTTP flood drained the bucket: the UDP flood is dropped without answers.
            self.assertLessEqual(answered, 5)
            status, _, body = http_get(d.tcp_port(), "/stats?format=json")
            self.assertIn(b'"rate_limited":', body)


class Limits(unittest.TestCase):
    def test_torrent_and_peer_caps_hold(self):
        with harness.Daemon("tracker", "--max-torrents", "3", "--max-peers", "4", "--listen-udp", "127.0.0.1:0") as d:
            def reason(ih, port):
                body = http_get(d.tcp_port(), announce_target(ih, random_hash(), port, 1))[2]
                return bdecode(body).get(b"failure reason", b"").decode()
            first = random_hash()
            reasons = [reason(first, 9200)] + [reason(random_hash(), 9201 + i) for i in range(5)]
            self.assertEqual(reasons, ["", "", "", "tracker is full (torrents)", "tracker is full (torrents)",
                                       "tracker is full (torrents)"])
            self.assertEqual(reason(first, 9210), "")  # fourth peer
            self.assertEqual(reason(first, 9211), "tracker is full (peers)")
            self.assertEqual(reason(first, 9210), "")  # a known peer may still re-announce
            ih = random_hash()
            c = UdpClient(d.udp_port())
            try:
                cid = c.connect()
                self.assertEqual(c.announce(cid, ih, random_hash(), 9300)[0], "error")  # torrent cap
            finally:
                c.close()
            stats = json.loads(http_get(d.tcp_port(), "/stats?format=json")[2])
            self.assertEqual((stats["torrents"], stats["leechers"]), (3, 4))

    def test_a_client_over_its_connection_limit_gets_503(self):
        with harness.Daemon("tracker", "--max-per-address", "1") as d:
            with socket.create_connection(("127.0.0.1", d.tcp_port()), timeout=10) as first:
                first.sendall(b"GET /stats HTTP/1.1\r\nHost: h\r\n\r\n")
                self.assertTrue(first.recv(4096).startswith(b"HTTP/1.1 200 OK"))  # accepted and counted
                with socket.create_connection(("127.0.0.1", d.tcp_port()), timeout=10) as second:
                    reply = b""
                    while chunk := second.recv(4096):
                        reply += chunk
                self.assertEqual(reply, b"HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\n"
                                        b"Connection: close\r\n\r\n")


class Expiry(unittest.TestCase):
    def test_silent_peers_expire(self):
        with harness.Daemon("tracker", "--peer-timeout", "2", "--interval", "1", "--min-interval", "1") as d:
            ih = random_hash()
            http_get(d.tcp_port(), announce_target(ih, random_hash(), 9100, left=5))
            scrape = f"/scrape?info_hash={quote(ih)}"
            self.assertEqual(bdecode(http_get(d.tcp_port(), scrape)[2])[b"files"][ih][b"incomplete"], 1)
            # Timeout 2 s, swept every second: gone within about 3 s; poll for at most 10.
            t0 = time.monotonic()
            gone = harness.wait_until(
                lambda: bdecode(http_get(d.tcp_port(), scrape)[2])[b"files"][ih][b"incomplete"] == 0,
                timeout=10, interval=0.2)
            self.assertTrue(gone)
            self.assertGreater(time.monotonic() - t0, 1.5, "expired too early")


class Whitelisted(unittest.TestCase):
    def test_unknown_torrent_refused_then_accepted_after_sighup(self):
        known, unknown = random_hash(), random_hash()
        with tempfile.TemporaryDirectory() as tmp:
            wl = os.path.join(tmp, "whitelist")
            with open(wl, "w") as f:
                f.write(f"# test list\n{known.hex()}\n")
            with harness.Daemon("tracker", "--whitelist", wl, "--listen-udp", "127.0.0.1:0") as d:
                ok = bdecode(http_get(d.tcp_port(), announce_target(known, random_hash(), 9000, 1))[2])
                self.assertNotIn(b"failure reason", ok)
                bad = bdecode(http_get(d.tcp_port(), announce_target(unknown, random_hash(), 9001, 1))[2])
                self.assertEqual(bad[b"failure reason"], b"unregistered torrent")
                c = UdpClient(d.udp_port())
                try:
                    cid = c.connect()
                    self.assertEqual(c.announce(cid, unknown, random_hash(), 9002),
                                     ("error", "unregistered torrent"))
                    with open(wl, "a") as f:
                        f.write(unknown.hex() + "\n")
                    d.signal(signal.SIGHUP)
                    r = harness.wait_until(
                        lambda: (lambda a: a if a[0] == "announce" else None)(
                            c.announce(cid, unknown, random_hash(), 9002)), timeout=10, interval=0.05)
                    self.assertIsNotNone(r, "still refused after SIGHUP")
                finally:
                    c.close()
                # A broken file keeps the old list.
                with open(wl, "w") as f:
                    f.write("not a hash\n")
                d.signal(signal.SIGHUP)
                d.wait_for_log("reload failed")  # the reload ran and was refused
                ok = bdecode(http_get(d.tcp_port(), announce_target(unknown, random_hash(), 9003, 1))[2])
                self.assertNotIn(b"failure reason", ok)

    def test_whitelist_path_relative_to_the_config_file_or_the_working_directory(self):
        known = random_hash()
        with tempfile.TemporaryDirectory() as tmp:
            os.makedirs(os.path.join(tmp, "conf"))
            os.makedirs(os.path.join(tmp, "cwd"))
            for d in ("conf", "cwd"):
                with open(os.path.join(tmp, d, "whitelist"), "w") as f:
                    f.write(f"{known.hex()}\n" if d == "conf" else f"{random_hash().hex()}\n")
            conf = os.path.join(tmp, "conf", "tracker.toml")
            with open(conf, "w") as f:
                f.write('[tracker]\nwhitelist = "whitelist"\n')
            cwd = os.path.join(tmp, "cwd")
            # The key: beside the file, whatever the working directory.
            with harness.Daemon("tracker", "--config", conf, cwd=cwd) as d:
                ok = bdecode(http_get(d.tcp_port(), announce_target(known, random_hash(), 9000, 1))[2])
                self.assertNotIn(b"failure reason", ok)
            # The flag: relative to the working directory, and it wins over the key.
            with harness.Daemon("tracker", "--config", conf, "--whitelist", "whitelist", cwd=cwd) as d:
                bad = bdecode(http_get(d.tcp_port(), announce_target(known, random_hash(), 9000, 1))[2])
                self.assertEqual(bad[b"failure reason"], b"unregistered torrent")

    def test_bad_whitelist_fails_startup(self):
        with tempfile.TemporaryDirectory() as tmp:
            wl = os.path.join(tmp, "whitelist")
            with open(wl, "w") as f:
                f.write("zz\n")
            d = harness.Daemon("tracker", "--whitelist", wl)
            with self.assertRaises(harness.DaemonError):
                d.start()
            self.assertEqual(d.proc.returncode, 2)


if __name__ == "__main__":
    harness.main()
