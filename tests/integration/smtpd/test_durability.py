"""Durability: smtpd is killed with SIGKILL while many transactions run at once, then started
again on the same Maildirs and queue. Every message that got its 250 is delivered, exactly
once; a message that did not get it is delivered at most once. Messages go to one local user
(direct delivery), two (a hard link), and to a local and a remote user (through the queue,
whose runner delivers the local copy after the restart)."""
import os
import re
import signal
import socket
import tempfile
import threading
import time
import unittest

from harness import main, wait_until
import smtputil as su

SESSIONS = 16
WANT_ACKED = 40


def closed_port():
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


class Durability(unittest.TestCase):
    def test_sigkill_during_concurrent_transactions(self):
        with tempfile.TemporaryDirectory(prefix="smtpd-kill-") as base:
            args = ["--relay-net", "127.0.0.0/8", "--resolver", f"127.0.0.1:{closed_port()}",
                    "--max-per-address", "100", "--retry-min-ms", "200"]
            d = su.start(base, *args).start()
            port = su.port_of(d)
            acked, sent, lock, stop = set(), set(), threading.Lock(), threading.Event()

            def session(i):
                n = 0
                try:
                    with su.Smtp(port, timeout=10) as s:
                        s.reply()
                        s.cmd("EHLO crepes.fr")
                        while not stop.is_set():
                            token = f"tok-{i}-{n}"
                            n += 1
                            rcpts = [["bob@hamburger.edu"], ["bob@hamburger.edu", "alice@hamburger.edu"],
                                     ["bob@hamburger.edu", "carol@elsewhere.example"]][n % 3]
                            s.cmd("MAIL FROM:<alice@crepes.fr>")
                            for r in rcpts:
                                s.cmd(f"RCPT TO:<{r}>")
                            if s.cmd("DATA")[:3] != "354":
                                return
                            with lock:
                                sent.add(token)
                            s.send(f"Subject: {token}\r\n\r\n{token}\r\n.\r\n")
                            if s.reply()[-1].startswith("250 "):
                                with lock:
                                    acked.add(token)
                except (OSError, EOFError):
                    pass  # the kill

            threads = [threading.Thread(target=session, args=(i,)) for i in range(SESSIONS)]
            for t in threads:
                t.start()
            wait_until(lambda: len(acked) >= WANT_ACKED, timeout=30)
            d.proc.send_signal(signal.SIGKILL)  # in the middle of transactions
            d.proc.wait(timeout=10)
            stop.set()
            for t in threads:
                t.join(timeout=20)
            with lock:
                acked_now, sent_now = set(acked), set(sent)
            self.assertGreaterEqual(len(acked_now), WANT_ACKED)
            d.stop()

            # Restart on the same directories: the queue runner takes up what is queued.
            d2 = su.start(base, *args).start()
            try:
                def tokens():
                    out = []
                    for m in su.messages(base, "bob"):
                        found = re.search(rb"Subject: (tok-\d+-\d+)", m)
                        if found:
                            out.append(found.group(1).decode())
                    return out

                wait_until(lambda: acked_now <= set(tokens()), timeout=30)
                got = tokens()
                missing = acked_now - set(got)
                self.assertFalse(missing, f"acknowledged but lost: {sorted(missing)}")
                for t in set(got):
                    self.assertIn(t, sent_now)
                dup = [t for t in set(got) if got.count(t) > 1]
                self.assertFalse(dup, f"delivered twice: {dup}")
                # No half-written message is visible: every file in new/ is whole.
                for m in su.messages(base, "bob"):
                    self.assertTrue(m.endswith(b"\n"), m)
            finally:
                code = d2.stop()
            self.assertEqual(code, 0, d2.log())


if __name__ == "__main__":
    main()
