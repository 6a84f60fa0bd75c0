#!/usr/bin/env python3
"""The textbook's web cache example: many clients fetch a set of objects through the proxy;
prints the hit rate (from X-Cache) and how many requests reached the origin.

Starts an origin (httpd on a generated set of objects) and httpd --proxy in front of it;
CLIENTS threads each make REQUESTS requests for objects drawn from a Zipf-like popularity
(a few objects are asked often, most rarely), over keep-alive connections to the proxy.

    bench/proxy-hitrate.py                       # build/bin/httpd
    HTTPD=build-rel/bin/httpd CLIENTS=50 REQUESTS=200 OBJECTS=500 bench/proxy-hitrate.py
"""
import http.client
import os
import random
import re
import subprocess
import sys
import tempfile
import threading
import time

HTTPD = os.environ.get("HTTPD", "build/bin/httpd")
CLIENTS = int(os.environ.get("CLIENTS", "20"))
REQUESTS = int(os.environ.get("REQUESTS", "100"))
OBJECTS = int(os.environ.get("OBJECTS", "200"))
SIZE = int(os.environ.get("SIZE", "4096"))
ZIPF = float(os.environ.get("ZIPF", "1.0"))


def start(args, tmp, name):
    """Starts httpd with --ready-fd and returns (process, port) once it listens."""
    r, w = os.pipe()
    p = subprocess.Popen([HTTPD, "--listen", "127.0.0.1:0", "--log-level", "warn", "--ready-fd", str(w), *args],
                         pass_fds=(w,), stderr=open(os.path.join(tmp, name + ".err"), "w"))
    os.close(w)
    with os.fdopen(r) as f:
        line = f.readline()
    m = re.search(r"http=127\.0\.0\.1:(\d+)", line)
    if not m:
        p.kill()
        sys.exit(f"{name} did not start: {line!r}")
    return p, int(m.group(1))


def main():
    tmp = tempfile.mkdtemp(prefix="proxy-hitrate-")
    www = os.path.join(tmp, "www")
    os.makedirs(www)
    old = time.time() - 10 * 86400  # heuristic freshness: a day
    for i in range(OBJECTS):
        path = os.path.join(www, f"obj{i}.bin")
        with open(path, "wb") as f:
            f.write(os.urandom(SIZE))
        os.utime(path, (old, old))
    log = os.path.join(tmp, "origin.log")
    origin, oport = start(["--root", www, "--access-log", log], tmp, "origin")
    proxy, pport = start(["--root", www, "--proxy"], tmp, "proxy")
    weights = [1.0 / (i + 1) ** ZIPF for i in range(OBJECTS)]
    counts = {"HIT": 0, "MISS": 0, "REVALIDATED": 0, "STALE": 0, "other": 0, "errors": 0}
    lock = threading.Lock()

    def client(seed):
        rnd = random.Random(seed)
        conn = http.client.HTTPConnection("127.0.0.1", pport, timeout=20)
        for _ in range(REQUESTS):
            i = rnd.choices(range(OBJECTS), weights)[0]
            try:
                conn.request("GET", f"http://127.0.0.1:{oport}/obj{i}.bin")
                resp = conn.getresponse()
                resp.read()
                kind = resp.getheader("X-Cache", "other")
                ok = resp.status == 200
            except (OSError, http.client.HTTPException):
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", pport, timeout=20)
                kind, ok = "errors", True
            with lock:
                counts[kind if kind in counts else "other"] += 1
                if not ok:
                    counts["errors"] += 1
        conn.close()

    try:
        t0 = time.time()
        threads = [threading.Thread(target=client, args=(n,)) for n in range(CLIENTS)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        elapsed = time.time() - t0
    finally:
        proxy.terminate()
        proxy.wait(timeout=20)
        origin.terminate()
        origin.wait(timeout=20)
    with open(log) as f:
        origin_requests = sum(1 for _ in f)
    total = CLIENTS * REQUESTS
    print(f"{CLIENTS} clients x {REQUESTS} requests over {OBJECTS} objects of {SIZE} bytes (Zipf s={ZIPF}), "
          f"{elapsed:.1f} s")
    print("X-Cache: " + ", ".join(f"{k} {v}" for k, v in counts.items()))
    print(f"hit rate {counts['HIT'] / total:.1%}; origin requests {origin_requests} "
          f"(distinct objects asked at least once bound the misses: at most {OBJECTS})")


if __name__ == "__main__":
    main()
