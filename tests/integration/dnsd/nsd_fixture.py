"""Runs NSD (Debian's nsd) as an unprivileged foreground process on a loopback high port
with its own temporary configuration, for differential tests and the benchmark."""
import os
import shutil
import socket
import subprocess
import tempfile

from harness import run, wait_until


def free_port():
    """A port free for both UDP and TCP on 127.0.0.1 (bounded attempts)."""
    for _ in range(50):
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as t:
            t.bind(("127.0.0.1", 0))
            port = t.getsockname()[1]
            with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as u:
                try:
                    u.bind(("127.0.0.1", port))
                except OSError:
                    continue
            return port
    raise RuntimeError("no free port")


def nsd_binary():
    for p in ("/usr/sbin/nsd", shutil.which("nsd")):
        if p and os.path.exists(p):
            return p
    return None


class Nsd:
    def __init__(self, zones, wait_for_zone=True):
        """zones: list of (origin, zone file path, extra zone: lines...)."""
        self.zones = zones
        self.dir = tempfile.mkdtemp(prefix="nsd-")
        self.port = free_port()
        self.proc = None
        self.wait_for_zone = wait_for_zone

    def start(self):
        conf = os.path.join(self.dir, "nsd.conf")
        with open(conf, "w") as f:
            f.write(f"""server:
  ip-address: 127.0.0.1@{self.port}
  do-ip6: no
  username: ""
  chroot: ""
  zonesdir: "{self.dir}"
  pidfile: "{self.dir}/nsd.pid"
  xfrdfile: "{self.dir}/xfrd.state"
  zonelistfile: "{self.dir}/zone.list"
  database: ""
  server-count: 1
  rrl-ratelimit: 0
  rrl-whitelist-ratelimit: 0
  verbosity: 1
remote-control:
  control-enable: no
""")
            for origin, path, *extra in self.zones:
                f.write(f"zone:\n  name: {origin}\n  zonefile: {path}\n")
                for line in extra:
                    f.write(f"  {line}\n")
        self.log = open(os.path.join(self.dir, "nsd.log"), "w+")
        self.proc = subprocess.Popen([nsd_binary(), "-d", "-c", conf], stdout=self.log, stderr=subprocess.STDOUT)
        origin = self.zones[0][0]
        if not self.wait_for_zone:
            def answers():  # at all
                p = run(["dig", "@127.0.0.1", "-p", str(self.port), "+time=1", "+tries=1", origin, "SOA"],
                        check=False)
                return "status:" in p.stdout
        else:
            def answers():  # with the zone loaded
                if self.proc.poll() is not None:
                    raise RuntimeError("nsd exited:\n" + self.read_log())
                p = run(["dig", "@127.0.0.1", "-p", str(self.port), "+time=1", "+tries=1", "+short", origin,
                         "SOA"], check=False)
                return p.returncode == 0 and bool(p.stdout.strip())
        if wait_until(answers, timeout=20, interval=0.1):
            return self
        raise RuntimeError("nsd did not answer within 20 s:\n" + self.read_log())

    def read_log(self):
        self.log.flush()
        self.log.seek(0)
        return self.log.read()

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if self.proc is not None:
            self.log.close()
        shutil.rmtree(self.dir, ignore_errors=True)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()
        return False
