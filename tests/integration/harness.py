"""Integration fixture: start a built daemon on ephemeral loopback ports, wait for its
readiness line (no sleeps), drive it with real client programs, always clean up.

    from harness import Daemon, run, bin_path
    with Daemon("httpd", "--root", docroot) as d:
        port = d.tcp_port()            # first TCP endpoint of the readiness line
        out = run(["curl", "-s", f"http://127.0.0.1:{port}/"])

The daemon gets `--listen 127.0.0.1:0` unless `listen=` is given, and `--ready-fd` on a
pipe; the readiness line is `READY <name> tcp=H:P udp=H:P ... pid=N`.
"""
import os
import select
import signal
import subprocess
import sys
import tempfile
import time
import unittest

BIN_DIR = os.environ.get("SUITE_BIN_DIR", os.path.join(os.path.dirname(__file__), "../../build/bin"))
SOURCE_DIR = os.environ.get("SUITE_SOURCE_DIR", os.path.abspath(os.path.join(os.path.dirname(__file__), "../..")))
READY_TIMEOUT = float(os.environ.get("SUITE_READY_TIMEOUT", "30"))


def bin_path(name):
    return os.path.join(BIN_DIR, name)


def run(argv, timeout=60, check=True, input=None, **kw):
    """Runs a client program; returns CompletedProcess with text stdout/stderr."""
    p = subprocess.run(argv, capture_output=True, timeout=timeout, input=input,
                       text=not isinstance(input, bytes), **kw)
    if check and p.returncode != 0:
        raise AssertionError(f"{argv!r} exited {p.returncode}\nstdout: {p.stdout}\nstderr: {p.stderr}")
    return p


class DaemonError(Exception):
    pass


class Daemon:
    """A running daemon. Use as a context manager; stop() returns the exit code."""

    def __init__(self, name, *args, listen=("127.0.0.1:0",), binary=None, env=None,
                 cwd=None, stdin=subprocess.DEVNULL, ready_timeout=READY_TIMEOUT):
        self.name = name
        self.binary = binary or bin_path(name)
        self.args = list(args)
        self.listen = list(listen) if listen else []
        self.env = dict(os.environ, **(env or {}))
        # Sanitizer builds: fail loudly, keep logs readable.
        self.env.setdefault("ASAN_OPTIONS", "abort_on_error=0:detect_leaks=1")
        self.env.setdefault("UBSAN_OPTIONS", "print_stacktrace=1:halt_on_error=1")
        self.cwd = cwd
        self.stdin = stdin
        self.ready_timeout = ready_timeout
        self.proc = None
        self.ready = None
        self.tcp = []
        self.udp = []
        self._final_log = None
        self._log = tempfile.NamedTemporaryFile(prefix=f"{name}-", suffix=".log", delete=False)

    # -- lifecycle ---------------------------------------------------------------
    def start(self):
        rfd, wfd = os.pipe()
        argv = [self.binary]
        for l in self.listen:
            argv += ["--listen", l]
        argv += ["--ready-fd", str(wfd)] + self.args
        self.argv = argv
        self.proc = subprocess.Popen(argv, pass_fds=(wfd,), stdout=self._log, stderr=subprocess.STDOUT,
                                     env=self.env, cwd=self.cwd, stdin=self.stdin)
        os.close(wfd)
        deadline = time.monotonic() + self.ready_timeout
        buf = b""
        try:
            while b"\n" not in buf:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise DaemonError(f"{self.name}: no readiness line within {self.ready_timeout}s\n{self.log()}")
                r, _, _ = select.select([rfd], [], [], left)
                if not r:
                    continue
                chunk = os.read(rfd, 4096)
                if not chunk:
                    self.proc.wait(timeout=10)
                    raise DaemonError(f"{self.name} exited ({self.proc.returncode}) before ready\n{self.log()}")
                buf += chunk
        finally:
            os.close(rfd)
        self.ready = buf.split(b"\n", 1)[0].decode()
        for part in self.ready.split()[2:]:
            key, _, val = part.partition("=")
            host, _, port = val.rpartition(":")
            host = host.strip("[]")
            # Labels name the service ("http", "dns-tcp", "udp", "tracker-udp"): UDP ones say so.
            if "udp" in key:
                self.udp.append((host, int(port)))
            else:
                self.tcp.append((host, int(port)))
        self.endpoints = [p.partition("=") for p in self.ready.split()[2:]]
        return self

    def endpoint(self, label):
        """(host, port) of the readiness entry named `label` (e.g. "http", "udp")."""
        for key, _, val in self.endpoints:
            if key == label:
                host, _, port = val.rpartition(":")
                return host.strip("[]"), int(port)
        raise KeyError(f"{label} not in {self.ready!r}")

    def tcp_port(self, i=0):
        return self.tcp[i][1]

    def udp_port(self, i=0):
        return self.udp[i][1]

    def signal(self, sig):
        self.proc.send_signal(sig)

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def stop(self, sig=None, timeout=20):
        """Signals the daemon and waits; kills it after `timeout`. Returns the exit code."""
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            self.proc.send_signal(sig or signal.SIGTERM)
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
                raise DaemonError(f"{self.name} did not stop within {timeout}s\n{self.log()}")
        return self.proc.returncode

    def wait_for_log(self, text, timeout=10):
        """Waits (bounded) until the daemon's output contains `text`, e.g. a --trace line
        proving a request was read. Returns the output."""
        if wait_until(lambda: text in self.log() or not self.alive(), timeout) and text in self.log():
            return self.log()
        raise DaemonError(f"{self.name}: {text!r} not logged within {timeout}s\n{self.log()}")

    def log(self):
        """Everything the daemon wrote to stdout and stderr (also after it stopped)."""
        if self._final_log is not None:
            return self._final_log
        self._log.flush()
        with open(self._log.name, "rb") as f:
            return f.read().decode(errors="replace")

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        try:
            code = self.stop()
            if exc[0] is None and code not in (0, None):
                raise DaemonError(f"{self.name} exited with {code}\n{self.log()}")
        finally:
            text = self.log()
            if exc[0] is not None:
                sys.stderr.write(f"--- {self.name} log ---\n{text}\n")
            self._final_log = text
            self._log.close()
            os.unlink(self._log.name)
        return False


def wait_until(pred, timeout=10.0, interval=0.02):
    """Polls `pred` until it is true or `timeout` seconds pass; returns its last value.
    For conditions with no event to wait on (a file appearing, a reload taking effect)."""
    deadline = time.monotonic() + timeout
    while True:
        value = pred()
        if value or time.monotonic() >= deadline:
            return value
        time.sleep(interval)


def make_cert(directory, name="localhost"):
    """Writes a fresh self-signed certificate and key (EC P-256, CN and SAN `name`) into
    `directory`; returns (cert_path, key_path)."""
    cert, key = os.path.join(directory, "cert.pem"), os.path.join(directory, "key.pem")
    run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
         "-keyout", key, "-out", cert, "-subj", f"/CN={name}", "-addext", f"subjectAltName=DNS:{name}",
         "-days", "2"], timeout=30)
    return cert, key


def parse_http_head(head):
    """Splits a response head (bytes, without the blank line) into
    (status code, headers dict with lower-case names, status line)."""
    lines = head.decode("latin-1").split("\r\n")
    headers = {}
    for line in lines[1:]:
        k, _, v = line.partition(":")
        headers[k.strip().lower()] = v.strip()
    return int(lines[0].split()[1]), headers, lines[0]


def main():
    """unittest.main with verbose output; use at the bottom of each test script."""
    unittest.main(verbosity=2)
