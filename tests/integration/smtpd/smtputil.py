"""Shared helpers for smtpd's integration tests: a users file, an smtpd started on a temporary
Maildir root (and queue), Maildir readers, and a raw SMTP client with bounded reads."""
import glob
import os
import re
import socket
import time

from harness import Daemon, wait_until

USERS = "alice:{PLAIN}hungry\nbob:{PLAIN}hungry\n"
DOMAIN = "hamburger.edu"


def start(base, *extra, domain=DOMAIN, queue=True, name="smtpd", **kw):
    """An smtpd for `domain` with users alice and bob (password "hungry") under base/."""
    os.makedirs(base, exist_ok=True)
    users = os.path.join(base, "users")
    if not os.path.exists(users):
        with open(users, "w") as f:
            f.write(USERS)
    args = ["--domain", domain, "--maildir-root", os.path.join(base, "mail"), "--users", users,
            "--allow-plain-passwords", "--login-delay-ms", "0", "--trace"]
    if queue:
        args += ["--queue", os.path.join(base, "queue")]
    return Daemon(name, *args, *extra, **kw)


def start_dns(base, zone_text, origin="hamburger.edu"):
    """A dnsd serving `zone_text` (written under base/) for the relay's MX lookups."""
    zone = os.path.join(base, origin + ".zone")
    with open(zone, "w") as f:
        f.write(zone_text)
    return Daemon("dnsd", "--zone", zone).start()


def stop_all(tmp, *daemons):
    """Stops the daemons, removes the temporary folder; every daemon must have exited with 0."""
    codes = [d.stop() for d in daemons]
    tmp.cleanup()
    assert codes == [0] * len(daemons), f"exit codes {codes}\n{daemons[0].log()}"


def port_of(d):
    return d.endpoint("smtp")[1]


_NAME = re.compile(r"(\d+)\.M(\d+)P\d+Q(\d+)")


def _delivery_order(path):
    """Sort key: the time and counter in our Maildir name ("<sec>.M<usec>P<pid>Q<n>..."), read
    as numbers (the microseconds are not zero-padded, so the names do not sort as text). Not the
    modification time: the kernel stamps files with a clock of a few milliseconds' grain, and two
    quick deliveries can share a stamp."""
    m = _NAME.match(os.path.basename(path))
    if m:
        return (int(m.group(1)), int(m.group(2)), int(m.group(3)), path)
    return (os.stat(path).st_mtime_ns // 1000_000_000, 0, 0, path)


def messages(base, user):
    """The files of user's Maildir new/ in delivery order, as bytes."""
    out = []
    paths = glob.glob(os.path.join(base, "mail", user, "new", "*"))
    for p in sorted(paths, key=_delivery_order):
        with open(p, "rb") as f:
            out.append(f.read())
    return out


def wait_messages(base, user, count, timeout=20):
    """Waits until user's Maildir holds `count` messages; returns them."""
    wait_until(lambda: len(messages(base, user)) >= count, timeout)
    got = messages(base, user)
    assert len(got) >= count, f"{user}: {len(got)} messages, expected {count}"
    return got


def body_of(stored):
    """The message after our trace fields (Return-Path, Received, Delivered-To)."""
    lines = stored.split(b"\n")
    i = 0
    while i < len(lines) and (lines[i].startswith((b"Return-Path:", b"Received:", b"Delivered-To:", b"\t"))):
        i += 1
    return b"\n".join(lines[i:])


class Smtp:
    """A raw SMTP client: send lines, read whole replies (multi-line joined), bounded in time."""

    def __init__(self, port, host="127.0.0.1", timeout=15, source=None):
        self.sock = socket.create_connection((host, port), timeout=timeout,
                                             source_address=(source, 0) if source else None)
        self.buf = b""

    def line(self):
        while b"\n" not in self.buf:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise EOFError(f"connection closed; pending {self.buf!r}")
            self.buf += chunk
        l, _, self.buf = self.buf.partition(b"\n")
        return l.rstrip(b"\r").decode("utf-8", "replace")

    def reply(self):
        """One reply: list of its lines."""
        lines = [self.line()]
        while len(lines[-1]) > 3 and lines[-1][3] == "-":
            lines.append(self.line())
        return lines

    def code(self):
        return int(self.reply()[-1][:3])

    def send(self, data):
        self.sock.sendall(data if isinstance(data, bytes) else data.encode())

    def cmd(self, text):
        """Sends one command line, returns the last line of its reply."""
        self.send(text + "\r\n")
        return self.reply()[-1]

    def closed(self, timeout=10):
        """True when the server closes the connection (EOF) within `timeout`."""
        self.sock.settimeout(timeout)
        try:
            while True:
                chunk = self.sock.recv(65536)
                if not chunk:
                    return True
                self.buf += chunk
        except (ConnectionResetError, BrokenPipeError):
            return True
        except socket.timeout:
            return False

    def close(self):
        self.sock.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def transaction(port, rcpt="bob@hamburger.edu", body="Subject: hi\r\n\r\nhello\r\n", sender="alice@crepes.fr"):
    """One whole message over a raw connection; returns the final reply line."""
    with Smtp(port) as s:
        s.reply()
        s.cmd("EHLO crepes.fr")
        s.cmd(f"MAIL FROM:<{sender}>")
        s.cmd(f"RCPT TO:<{rcpt}>")
        s.cmd("DATA")
        s.send(body + ".\r\n")
        last = s.reply()[-1]
        s.cmd("QUIT")
        return last


def deadline(seconds):
    end = time.monotonic() + seconds
    return lambda: time.monotonic() < end
