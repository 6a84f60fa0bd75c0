#!/usr/bin/env python3
"""POP3 load for bench/pop3d-vs-dovecot.sh: CLIENTS processes, each its own user (a maildrop
is locked per session, so one user per client), for DURATION seconds.

  retr:  log in, LIST, RETR every message (pipelined, RFC 2449 PIPELINING), QUIT without DELE,
         again; prints messages retrieved per second.
  login: connect, USER, PASS, QUIT, again; prints logins per second.

  pop3_load.py retr|login PORT USER_PREFIX PASSWORD CLIENTS DURATION
"""
import multiprocessing
import socket
import sys
import time


class Client:
    def __init__(self, port):
        self.s = socket.create_connection(("127.0.0.1", port), timeout=30)
        self.buf = b""

    def line(self):
        while b"\r\n" not in self.buf:
            chunk = self.s.recv(262144)
            if not chunk:
                raise EOFError("server closed")
            self.buf += chunk
        l, _, self.buf = self.buf.partition(b"\r\n")
        return l

    def cmd(self, c):
        self.s.sendall(c + b"\r\n")
        l = self.line()
        if not l.startswith(b"+OK"):
            raise RuntimeError(f"{c!r}: {l!r}")
        return l

    def terminators(self, count):
        """Reads until `count` multi-line replies ended ('\\r\\n.\\r\\n' each)."""
        seen = 0
        data = self.buf
        self.buf = b""
        while True:
            seen += data.count(b"\r\n.\r\n")
            if seen >= count:
                break
            tail = data[-4:]
            chunk = self.s.recv(1 << 20)
            if not chunk:
                raise EOFError("server closed inside a reply")
            data = tail + chunk

    def close(self):
        self.s.close()


def login(port, user, password):
    c = Client(port)
    c.line()
    c.cmd(b"USER " + user)
    c.cmd(b"PASS " + password)
    return c


def retr_worker(args):
    port, user, password, deadline = args
    messages = 0
    while time.monotonic() < deadline:
        c = login(port, user, password)
        c.s.sendall(b"LIST\r\n")
        c.line()
        c.terminators(1)
        # The listing is read: the count is the number of lines; RETR them all at once.
        n = int(c.cmd(b"STAT").split()[1])
        c.s.sendall(b"".join(b"RETR %d\r\n" % i for i in range(1, n + 1)))
        c.terminators(n)
        messages += n
        c.cmd(b"QUIT")
        c.close()
    return messages


def login_worker(args):
    port, user, password, deadline = args
    logins = 0
    while time.monotonic() < deadline:
        c = login(port, user, password)
        c.cmd(b"QUIT")
        c.close()
        logins += 1
    return logins


def main():
    mode, port, prefix, password, clients, duration = sys.argv[1:7]
    clients, duration, port = int(clients), float(duration), int(port)
    start = time.monotonic()
    deadline = start + duration
    jobs = [(port, f"{prefix}{i}".encode(), password.encode(), deadline) for i in range(clients)]
    with multiprocessing.Pool(clients) as pool:
        counts = pool.map(retr_worker if mode == "retr" else login_worker, jobs)
    elapsed = time.monotonic() - start
    print(f"{sum(counts) / elapsed:.0f}")


if __name__ == "__main__":
    main()
