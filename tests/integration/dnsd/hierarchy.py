"""A DNS hierarchy on loopback for the resolver's tests: root, TLDs and authoritative dnsd
instances on distinct 127.R.S.x addresses (R.S random per module), all on one port, and a
resolver whose root hints point at the root. Zone texts use @N@ for the address prefix."""
import os
import random
import socket
import tempfile
import threading

from harness import Daemon
from nsd_fixture import free_port  # a port free for UDP and TCP on 127.0.0.1; 127.R.S.x are unused

ZONES = {
    "root": """$ORIGIN .
$TTL 86400
. SOA a.root.servers. admin.root. 1 1800 900 604800 86400
. NS a.root.servers.
a.root.servers. A @N@2
edu. NS a.edu.servers.
a.edu.servers. A @N@3
com. NS a.gtld.servers.
net. NS a.gtld.servers.
a.gtld.servers. A @N@4
""",
    "edu": """$ORIGIN edu.
$TTL 86400
@ SOA a.edu.servers. admin.edu. 1 1800 900 604800 86400
@ NS a.edu.servers.
umass NS dns.umass
dns.umass A @N@5
poly NS dns.poly
dns.poly A @N@6
lame NS ns1.lame
lame NS ns2.lame
ns1.lame A @N@9
ns2.lame A @N@6
alllame NS ns.alllame
ns.alllame A @N@9
slow NS ns1.slow
slow NS ns2.slow
ns1.slow A @N@10
ns2.slow A @N@6
dead NS ns.dead
ns.dead A @N@10
attack NS ns.attack
ns.attack A @N@11
stale NS ns.stale
ns.stale A @N@12
""",
    "com": """$ORIGIN com.
$TTL 86400
@ SOA a.gtld.servers. admin.com. 1 1800 900 604800 86400
@ NS a.gtld.servers.
networkutopia NS dns1.networkutopia
dns1.networkutopia A @N@7
noglue NS ns.nets.net.
""",
    "net": """$ORIGIN net.
$TTL 86400
@ SOA a.gtld.servers. admin.net. 1 1800 900 604800 86400
@ NS a.gtld.servers.
ns.nets A @N@8
""",
    "umass.edu": """$ORIGIN umass.edu.
$TTL 300
@ SOA dns admin 1 7200 3600 1209600 60
@ NS dns
dns A @N@5
gaia.cs A 128.119.245.12
gaia.cs AAAA 2001:db8::12
www CNAME www.poly.edu.
""",
    "poly.edu": """$ORIGIN poly.edu.
$TTL 300
@ SOA dns admin 1 7200 3600 1209600 60
@ NS dns
dns A @N@6
cis A 128.238.29.22
www A 128.238.24.40
""",
    "lame.edu": """$ORIGIN lame.edu.
$TTL 300
@ SOA ns2 admin 1 7200 3600 1209600 60
@ NS ns1
@ NS ns2
ns1 A @N@9
ns2 A @N@6
www A 192.0.2.80
""",
    "slow.edu": """$ORIGIN slow.edu.
$TTL 300
@ SOA ns2 admin 1 7200 3600 1209600 60
@ NS ns1
@ NS ns2
ns1 A @N@10
ns2 A @N@6
www A 192.0.2.81
""",
    "stale.edu": """$ORIGIN stale.edu.
$TTL 2
@ SOA ns admin 1 7200 3600 1209600 2
@ NS ns
ns A @N@12
www A 192.0.2.83
""",
    "networkutopia.com": """$ORIGIN networkutopia.com.
$TTL 300
@ SOA dns1 admin 1 7200 3600 1209600 60
@ NS dns1
@ MX 10 mail
dns1 A @N@7
www A 212.212.212.212
mail A 212.212.212.2
alias CNAME www.umass.edu.
""",
    "noglue.com": """$ORIGIN noglue.com.
$TTL 300
@ SOA ns.nets.net. admin 1 7200 3600 1209600 60
@ NS ns.nets.net.
www A 192.0.2.82
""",
    "other.example": """$ORIGIN other.example.
$TTL 300
@ SOA ns admin 1 7200 3600 1209600 60
@ NS ns
ns A 192.0.2.1
""",
    "local.test": """$ORIGIN local.test.
$TTL 300
@ SOA ns admin 1 7200 3600 1209600 60
@ NS ns
ns A 192.0.2.1
host A 192.0.2.99
""",
}

# Which zones each authoritative instance serves (by the last octet of its address).
SERVERS = {
    2: ["root"], 3: ["edu"], 4: ["com", "net"], 5: ["umass.edu"], 6: ["poly.edu", "lame.edu", "slow.edu"],
    7: ["networkutopia.com"], 8: ["noglue.com"], 9: ["other.example"], 12: ["stale.edu"],
}
RESOLVER = 20


class BlackHole:
    """A server that reads queries (UDP and TCP) and never answers."""

    def __init__(self, addr, port):
        self.udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.udp.bind((addr, port))
        self.tcp = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.tcp.bind((addr, port))
        self.tcp.listen(8)
        self.received = 0
        threading.Thread(target=self._run, daemon=True).start()

    def _run(self):
        while True:
            try:
                self.udp.recvfrom(4096)
                self.received += 1
            except OSError:
                return

    def close(self):
        self.udp.close()
        self.tcp.close()


class Hierarchy:
    def __init__(self, resolver_args=(), extra=None, trace_servers=False):
        self.prefix = f"127.{random.randint(100, 199)}.{random.randint(0, 255)}."
        self.port = free_port()
        self.dir = tempfile.mkdtemp(prefix="dns-hierarchy-")
        self.daemons = []
        self.extra = extra or {}
        self.resolver_args = list(resolver_args)
        self.trace_servers = trace_servers
        self.servers = {}  # last octet -> the authoritative Daemon

    def addr(self, octet):
        return f"{self.prefix}{octet}"

    def _zone_file(self, name):
        path = os.path.join(self.dir, name + ".zone")
        with open(path, "w") as f:
            f.write(ZONES[name].replace("@N@", self.prefix))
        return path

    def start(self):
        try:
            for octet, zones in SERVERS.items():
                args = []
                for z in zones:
                    args += ["--zone", self._zone_file(z)]
                if self.trace_servers:
                    args.append("--trace")
                d = Daemon("dnsd", *args, "--threads", "1", listen=(f"{self.addr(octet)}:{self.port}",))
                self.daemons.append(d.start())
                self.servers[octet] = d
            self.hole = BlackHole(self.addr(10), self.port)
            for octet, factory in self.extra.items():
                factory(self.addr(octet), self.port)
            self.hints = os.path.join(self.dir, "root.hints")
            with open(self.hints, "w") as f:
                f.write(f". 3600000 NS a.root.servers.\na.root.servers. 3600000 A {self.addr(2)}\n")
            self.resolver = self.add_resolver(RESOLVER, "--zone", self._zone_file("local.test"), *self.resolver_args)
        except Exception:
            self.stop()
            raise
        return self

    def add_resolver(self, octet, *args):
        """Starts one more dnsd --recursive on 127.R.S.<octet> with the hierarchy's root hints."""
        d = Daemon(
            "dnsd", "--recursive", "--trace", "--root-hints", self.hints, "--upstream-port", str(self.port),
            "--allow", "127.0.0.1", "--allow", f"{self.prefix}0/25", "--upstream-timeout-ms", "300",
            "--resolve-timeout-ms", "2500", "--threads", "2", *args, listen=(f"{self.addr(octet)}:{self.port}",))
        self.daemons.append(d.start())
        return d

    def stop(self):
        codes = []
        for d in reversed(self.daemons):
            codes.append(d.stop())
        if hasattr(self, "hole"):
            self.hole.close()
        return codes
