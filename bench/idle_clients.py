"""Opens N keep-alive connections to HOST:PORT, sends one request on each (default
`GET / HTTP/1.1`), reads each whole response (Content-Length), then holds them all open and
prints "held N" on stdout; exits (closing them) when stdin closes or a line arrives.
Bounded: N connections, a deadline for the whole setup, loopback addresses only.

    python3 bench/idle_clients.py 127.0.0.1 8080 10000 [REQUEST]
    IDLE_TLS=1 python3 bench/idle_clients.py 127.0.0.1 8443 2000   # over TLS (no verification)
"""
import ipaddress
import resource
import selectors
import os
import socket
import ssl
import sys
import time


def main():
    host, port, n = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    request = (sys.argv[4] if len(sys.argv) > 4 else "GET / HTTP/1.1\r\nHost: bench\r\n\r\n").encode()
    if not ipaddress.ip_address(host).is_loopback:
        sys.exit("idle_clients: loopback addresses only")
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    deadline = time.monotonic() + 120
    tls = None
    if os.environ.get("IDLE_TLS"):
        tls = ssl.create_default_context()
        tls.check_hostname = False
        tls.verify_mode = ssl.CERT_NONE
    sel = selectors.DefaultSelector()
    socks, pending = [], {}
    batch = 200  # connect in bounded batches so the listen backlog never overflows
    while len(socks) < n or pending:
        while len(socks) < n and len(pending) < batch:
            s = socket.create_connection((host, port), timeout=10)
            if tls:
                s = tls.wrap_socket(s)  # the handshake, blocking
            s.sendall(request)
            s.setblocking(False)
            socks.append(s)
            pending[s] = b""
            sel.register(s, selectors.EVENT_READ)
        for key, _ in sel.select(timeout=1):
            s = key.fileobj
            try:
                chunk = s.recv(65536)
            except ssl.SSLWantReadError:
                continue
            if not chunk:
                sys.exit(f"idle_clients: server closed a connection after {len(socks)}")
            buf = pending[s] + chunk
            head, sep, body = buf.partition(b"\r\n\r\n")
            if sep:
                length = 0
                for line in head.split(b"\r\n")[1:]:
                    k, _, v = line.partition(b":")
                    if k.strip().lower() == b"content-length":
                        length = int(v)
                if len(body) >= length:
                    sel.unregister(s)
                    del pending[s]
                    continue
            pending[s] = buf
        if time.monotonic() > deadline:
            sys.exit(f"idle_clients: setup took over 120 s ({len(socks)} connected, {len(pending)} pending)")
    print(f"held {len(socks)}", flush=True)
    sys.stdin.readline()
    for s in socks:
        s.close()


if __name__ == "__main__":
    main()
