"""Shared helpers for the httpd integration tests: a generated document root, raw
socket exchanges with bounded reads, and a daemon started on it."""
import os
import socket
import time

from harness import Daemon, parse_http_head

SOURCE_DIR = os.environ.get("SUITE_SOURCE_DIR", os.path.abspath(os.path.join(os.path.dirname(__file__), "../../..")))
with open(os.path.join(SOURCE_DIR, "demo/www/someschool.edu/someDepartment/images/img1.jpg"), "rb") as _f:
    JPEG = _f.read()


def make_docroot(base):
    """Creates base/www (default host), base/school (vhost), base/outside (never served)."""
    www = os.path.join(base, "www")
    os.makedirs(os.path.join(www, "sub"))
    os.makedirs(os.path.join(www, "upload", "dir"))
    os.makedirs(os.path.join(www, "empty"))
    os.makedirs(os.path.join(base, "school", "someDepartment"))
    os.makedirs(os.path.join(base, "outside"))
    with open(os.path.join(www, "index.html"), "w") as f:
        f.write("<html><body>default host</body></html>\n")
    with open(os.path.join(www, "sub", "a.txt"), "w") as f:
        f.write("sub file\n")
    with open(os.path.join(www, "data.bin"), "wb") as f:
        f.write(bytes(range(256)) * 4096)  # 1 MiB, sent with sendfile
    with open(os.path.join(www, "small.txt"), "w") as f:
        f.write("0123456789abcdefghijklmnopqrstuvwxyz\n")
    with open(os.path.join(www, "pic.jpg"), "wb") as f:
        f.write(JPEG)
    with open(os.path.join(base, "outside", "secret.txt"), "w") as f:
        f.write("secret\n")
    with open(os.path.join(base, "school", "someDepartment", "home.index"), "w") as f:
        f.write("<html><body>someschool home</body></html>\n")
    os.symlink(os.path.join(base, "outside", "secret.txt"), os.path.join(www, "escape.txt"))
    os.symlink(os.path.join(base, "outside"), os.path.join(www, "escdir"))
    os.symlink("sub/a.txt", os.path.join(www, "inside-link.txt"))
    return www


def start(base, *extra, **kw):
    make_docroot(base)
    conf = os.path.join(base, "httpd.toml")
    with open(conf, "w") as f:
        f.write('[httpd]\nroot = "www"\nwritable = ["/upload/"]\nforms = ["/form", "/animalsearch"]\n'
                'access_log = "access.log"\ntypes = ["text/html index"]\n'
                '[[httpd.vhost]]\nnames = ["www.someschool.edu", "someschool.edu"]\nroot = "school"\n')
    return Daemon("httpd", "--config", conf, *extra, **kw)


def port_of(d):
    return d.endpoint("http")[1]


class Conn:
    """A client socket that keeps bytes read past one response (pipelining)."""

    def __init__(self, port, timeout=10):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
        self.pending = b""

    def sendall(self, data):
        self.sock.sendall(data)

    def recv(self, n):
        if self.pending:
            out, self.pending = self.pending[:n], self.pending[n:]
            return out
        return self.sock.recv(n)

    def shutdown(self, how):
        self.sock.shutdown(how)

    def close(self):
        self.sock.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False


def connect(port, timeout=10):
    return Conn(port, timeout)


def read_response(conn, head_only=False, timeout=10):
    """Reads one response (Content-Length framed). Returns (status, headers dict, body, status line)."""
    deadline = time.monotonic() + timeout
    buf = b""
    while b"\r\n\r\n" not in buf:
        if time.monotonic() > deadline:
            raise AssertionError(f"no complete head within {timeout}s: {buf!r}")
        chunk = conn.recv(65536)
        if not chunk:
            raise AssertionError(f"connection closed before a complete head: {buf!r}")
        buf += chunk
    head, _, rest = buf.partition(b"\r\n\r\n")
    status, headers, status_line = parse_http_head(head)
    n = 0 if head_only or status in (204, 304) else int(headers.get("content-length", "0"))
    while len(rest) < n:
        if time.monotonic() > deadline:
            raise AssertionError("body incomplete")
        chunk = conn.recv(65536)
        if not chunk:
            raise AssertionError("connection closed mid-body")
        rest += chunk
    conn.pending = rest[n:] + conn.pending
    return status, headers, rest[:n], status_line


def exchange(port, data, timeout=10):
    """Sends raw bytes on a new connection and reads one response."""
    with connect(port, timeout) as c:
        c.sendall(data)
        return read_response(c, timeout=timeout)


def read_until_closed(conn, timeout=10):
    """Everything the peer sends until it closes (or resets), within `timeout` seconds."""
    deadline = time.monotonic() + timeout
    out = bytearray()  # not bytes +=, which is quadratic for large bodies
    while time.monotonic() < deadline:
        try:
            chunk = conn.recv(1 << 20)
        except ConnectionResetError:
            break
        if not chunk:
            break
        out += chunk
    return bytes(out)
