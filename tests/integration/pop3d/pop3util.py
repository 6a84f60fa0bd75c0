"""Fixtures for the pop3d tests: a users file with real crypt hashes, Maildirs with known
messages, a raw POP3 client over a socket, and the expected network form of a message."""
import os
import socket
import subprocess
import tempfile
import time

from harness import Daemon, run

PASSWORD = "hungry"


def sha512_hash(password):
    """A real $6$ crypt hash (openssl passwd is fast; yescrypt would work the same)."""
    return run(["openssl", "passwd", "-6", "-stdin"], input=password + "\n").stdout.strip()


def write_users(directory, users=("alice", "bob"), password=PASSWORD, extra=""):
    """A users file `name:hash` per user (same password), plus `extra` lines; returns its path."""
    h = sha512_hash(password)
    path = os.path.join(directory, "users")
    with open(path, "w") as f:
        for u in users:
            f.write(f"{u}:{h}\n")
        f.write(extra)
    return path


_counter = [0]


def deliver(root, user, text, when=None, folder="new"):
    """Writes one message file (bytes or str, stored as given) into root/user/<folder>/ with a
    Maildir name whose leading seconds order the messages; returns the file name."""
    for sub in ("tmp", "new", "cur"):
        os.makedirs(os.path.join(root, user, sub), exist_ok=True)
    _counter[0] += 1
    when = when or 1700000000 + _counter[0]
    name = f"{when}.M{_counter[0]}P{os.getpid()}.test"
    if folder == "cur":
        name += ":2,S"
    data = text.encode() if isinstance(text, str) else text
    with open(os.path.join(root, user, folder, name), "wb") as f:
        f.write(data)
    return name


def network_form(data):
    """What RETR must send for stored bytes: CRLF line ends, leading dots doubled, a final
    CRLF if missing, then the terminator."""
    lines = data.replace(b"\r\n", b"\n").split(b"\n")
    if lines and lines[-1] == b"":
        lines.pop()
    out = b"".join((b"." + l if l.startswith(b".") else l) + b"\r\n" for l in lines)
    return out + b".\r\n"


def crlf_size(data):
    return len(data.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n"))


def files(root, user):
    """The message files in new/ and cur/ ("folder/name"), in the order of their names."""
    out = []
    for sub in ("new", "cur"):
        d = os.path.join(root, user, sub)
        if os.path.isdir(d):
            out += [f"{sub}/{n}" for n in os.listdir(d) if not n.startswith(".")]
    return sorted(out, key=lambda p: p.split("/", 1)[1])


class Raw:
    """A POP3 client on a bare socket: exact bytes both ways."""

    def __init__(self, port, host="127.0.0.1", timeout=15, source=None):
        self.sock = socket.create_connection((host, port), timeout=timeout,
                                             source_address=(source, 0) if source else None)
        self.buf = b""

    def send(self, data):
        self.sock.sendall(data if isinstance(data, bytes) else (data + "\r\n").encode())

    def line(self):
        """One reply line without CRLF, or None at EOF."""
        while b"\r\n" not in self.buf:
            chunk = self.sock.recv(65536)
            if not chunk:
                return None
            self.buf += chunk
        l, _, self.buf = self.buf.partition(b"\r\n")
        return l.decode("utf-8", "replace")

    def cmd(self, text):
        self.send(text)
        return self.line()

    def until_dot(self):
        """Raw bytes of a multi-line body up to and including the terminating '.\\r\\n'."""
        while b"\r\n.\r\n" not in b"\r\n" + self.buf:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise AssertionError(f"EOF inside a multi-line reply: {self.buf[-200:]!r}")
            self.buf += chunk
        full = b"\r\n" + self.buf
        end = full.index(b"\r\n.\r\n") + 5
        body, self.buf = full[2:end], full[end:]
        return body

    def multi(self, text):
        """Sends a command; returns (status line, body lines without the terminator)."""
        status = self.cmd(text)
        if not status.startswith("+OK"):
            return status, None
        body = self.until_dot().decode("utf-8", "replace").split("\r\n")
        return status, body[:-2]

    def eof(self):
        """True when the server closed the connection (after any buffered bytes)."""
        try:
            while True:
                chunk = self.sock.recv(65536)
                if not chunk:
                    return True
                self.buf += chunk
        except socket.timeout:
            return False

    def close(self):
        self.sock.close()


def login(port, user="bob", password=PASSWORD):
    r = Raw(port)
    assert r.line().startswith("+OK POP3 server ready")
    assert r.cmd(f"USER {user}") == "+OK"
    reply = r.cmd(f"PASS {password}")
    assert reply == "+OK user successfully logged on", reply
    return r


def pop3d(root, users, *args, **kw):
    """A pop3d on an ephemeral loopback port with short login delays (tests stay fast)."""
    return Daemon("pop3d", "--maildir-root", root, "--users", users, "--login-delay-ms", "50",
                  "--threads", "2", *args, **kw)
