"""Real clients swarm through the tracker on loopback: a torrent made by mktorrent, seeded by
one python3-libtorrent session and downloaded by another, once over HTTP and once over UDP
(BEP 15); then aria2c downloads over HTTP. DHT, LSD, UPnP, NAT-PMP and peer exchange are off,
so the tracker is the only way the peers can find each other."""
import filecmp
import json
import os
import shutil
import subprocess
import tempfile
import unittest

import harness
from bt import http_get

try:
    import libtorrent as lt
except ImportError:  # pragma: no cover - Debian's /usr/bin/python3 has it (python3-libtorrent)
    lt = None

SWARM_TIMEOUT = 60  # seconds for a whole download


def make_session():
    s = lt.session({
        "listen_interfaces": "127.0.0.1:0",
        "enable_dht": False,
        "enable_lsd": False,
        "enable_upnp": False,
        "enable_natpmp": False,
        "allow_multiple_connections_per_ip": True,
        "alert_mask": lt.alert.category_t.error_notification | lt.alert.category_t.tracker_notification
        | lt.alert.category_t.status_notification,
    })
    return s


def add(session, torrent, save_path, seed=False):
    p = lt.add_torrent_params()
    p.ti = lt.torrent_info(torrent)
    p.save_path = save_path
    # No peer exchange or other extensions: only the tracker may introduce peers.
    p.flags &= ~(lt.torrent_flags.auto_managed | lt.torrent_flags.paused)
    if seed:
        p.flags |= lt.torrent_flags.seed_mode
    return session.add_torrent(p)


def tracker_alerts(*sessions):
    out = []
    for s in sessions:
        for a in s.pop_alerts():
            if isinstance(a, (lt.tracker_error_alert, lt.tracker_reply_alert, lt.tracker_warning_alert)):
                out.append(f"{type(a).__name__}: {a.message()}")
    return out


class Swarm(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="tracker-swarm-")
        cls.d = harness.Daemon("tracker", "--listen-udp", "127.0.0.1:0", "--interval", "5", "--min-interval",
                               "1").start()
        cls.seed_dir = os.path.join(cls.tmp, "seed")
        os.mkdir(cls.seed_dir)
        cls.payload = os.path.join(cls.seed_dir, "chunks.bin")
        with open(cls.payload, "wb") as f:
            f.write(os.urandom(3 * 1024 * 1024 + 12345))  # ~12 pieces of 256 KiB and a short one

    @classmethod
    def tearDownClass(cls):
        code = cls.d.stop()
        shutil.rmtree(cls.tmp, ignore_errors=True)
        if code != 0:
            raise AssertionError(f"tracker exited {code}\n{cls.d.log()}")

    def make_torrent(self, announce, name):
        out = os.path.join(self.tmp, name)
        harness.run(["mktorrent", "-a", announce, "-l", "18", "-o", out, self.payload], timeout=30)
        return out

    def completed(self):
        status, _, body = http_get(self.d.tcp_port(), "/stats?format=json")
        return json.loads(body)["completed"]

    def swarm_with_libtorrent(self, announce, name):
        torrent = self.make_torrent(announce, name)
        down_dir = os.path.join(self.tmp, name + "-down")
        os.mkdir(down_dir)
        before = self.completed()
        seeder, leecher = make_session(), make_session()
        try:
            add(seeder, torrent, self.seed_dir, seed=True)
            h = add(leecher, torrent, down_dir)
            log = []

            def seeding():
                log.extend(tracker_alerts(seeder, leecher))
                return h.status().is_seeding
            harness.wait_until(seeding, timeout=SWARM_TIMEOUT, interval=0.2)
            log += tracker_alerts(seeder, leecher)
            self.assertTrue(h.status().is_seeding,
                            f"download incomplete after {SWARM_TIMEOUT}s: {h.status().progress:.2%}\n"
                            + "\n".join(log[-20:]) + "\n" + self.d.log()[-2000:])
            # The leecher reports "completed" to the tracker; wait for it (bounded).
            def reported():
                if self.completed() > before:
                    return True
                h.force_reannounce()
                return False
            harness.wait_until(reported, timeout=15, interval=0.3)
            self.assertGreater(self.completed(), before)
        finally:
            del seeder, leecher
        self.assertTrue(filecmp.cmp(self.payload, os.path.join(down_dir, "chunks.bin"), shallow=False))

    @unittest.skipIf(lt is None, "python3-libtorrent not importable")
    def test_libtorrent_over_http(self):
        self.swarm_with_libtorrent(f"http://127.0.0.1:{self.d.tcp_port()}/announce", "http.torrent")

    @unittest.skipIf(lt is None, "python3-libtorrent not importable")
    def test_libtorrent_over_udp(self):
        self.swarm_with_libtorrent(f"udp://127.0.0.1:{self.d.udp_port()}/announce", "udp.torrent")

    @unittest.skipIf(lt is None or shutil.which("aria2c") is None, "needs libtorrent and aria2c")
    def test_aria2c_over_http(self):
        torrent = self.make_torrent(f"http://127.0.0.1:{self.d.tcp_port()}/announce", "aria2.torrent")
        down_dir = os.path.join(self.tmp, "aria2-down")
        os.mkdir(down_dir)
        seeder = make_session()
        try:
            add(seeder, torrent, self.seed_dir, seed=True)
            p = harness.run(["aria2c", "--enable-dht=false", "--enable-dht6=false", "--bt-enable-lpd=false",
                             "--enable-peer-exchange=false", "--seed-time=0", "--listen-port=48100-48200",
                             "--bt-stop-timeout=50", "--summary-interval=0", "--console-log-level=warn",
                             "--check-certificate=false", "--dir", down_dir, torrent],
                            timeout=SWARM_TIMEOUT + 10, check=False)
            self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        finally:
            del seeder
        self.assertTrue(filecmp.cmp(self.payload, os.path.join(down_dir, "chunks.bin"), shallow=False))


class DemoContent(unittest.TestCase):
    @unittest.skipIf(lt is None, "python3-libtorrent not importable")
    def test_demo_torrent_matches_its_file(self):
        demo = os.path.join(harness.SOURCE_DIR, "demo", "tracker")
        ti = lt.torrent_info(os.path.join(demo, "demo.torrent"))
        self.assertEqual(ti.piece_length(), 256 * 1024)
        with open(os.path.join(demo, "whitelist")) as f:
            self.assertEqual(f.read().split()[0], str(ti.info_hashes().v1))
        # Every piece of files/chunks.txt hashes to the torrent's piece hash.
        import hashlib
        with open(os.path.join(demo, "files", ti.files().file_path(0).split("/")[-1]), "rb") as f:
            data = f.read()
        self.assertEqual(len(data), ti.total_size())
        for i in range(ti.num_pieces()):
            piece = data[i * ti.piece_length():(i + 1) * ti.piece_length()]
            self.assertEqual(hashlib.sha1(piece).digest(), ti.hash_for_piece(i), f"piece {i}")


if __name__ == "__main__":
    harness.main()
