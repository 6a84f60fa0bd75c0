"""ftpd test fixture: a tree with an anonymous area and user homes, a users file with real
crypt hashes (made by `ftpd --hash-password`), and the daemon started on loopback."""
import ftplib
import os
import shutil
import socket
import tempfile

from harness import Daemon, bin_path, run

PASSWORDS = {"alice": "hungry", "bob": "reader"}


def hash_password(pw):
    return run([bin_path("ftpd"), "--hash-password"], input=pw + "\n").stdout.strip()


class Tree:
    """tmp/anon (anonymous root: pub/hello.txt), tmp/home/alice (write), tmp/home/bob
    (read-only), tmp/outside/secret.txt (must never be reachable), tmp/users."""

    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix="ftpd-test-")
        self.anon = self.mk("anon")
        os.makedirs(self.path("anon/pub"))
        self.write("anon/pub/hello.txt", b"hello, world\n")
        self.write("anon/pub/lines.txt", b"one\ntwo\r\nthree\n")
        self.alice = self.mk("home/alice")
        self.bob = self.mk("home/bob")
        self.write("home/bob/readme.txt", b"read me\n")
        self.write("outside/secret.txt", b"TOP SECRET\n")
        os.symlink(self.path("outside"), self.path("home/alice/escape"))         # absolute link out
        os.symlink("../../outside/secret.txt", self.path("home/alice/rel-escape"))  # relative link out
        os.symlink("sub", self.path("home/alice/inside"))                          # stays inside
        os.makedirs(self.path("home/alice/sub"))
        self.write("home/alice/sub/in.txt", b"inside\n")
        self.users = self.path("users")
        with open(self.users, "w") as f:
            f.write(f"alice:{hash_password(PASSWORDS['alice'])}:{self.alice}:write\n")
            f.write(f"bob:{hash_password(PASSWORDS['bob'])}:{self.bob}\n")

    def path(self, rel):
        return os.path.join(self.dir, rel)

    def mk(self, rel):
        os.makedirs(self.path(rel), exist_ok=True)
        return self.path(rel)

    def write(self, rel, data):
        os.makedirs(os.path.dirname(self.path(rel)), exist_ok=True)
        with open(self.path(rel), "wb") as f:
            f.write(data)

    def read(self, rel):
        return slurp(self.path(rel))

    def cleanup(self):
        shutil.rmtree(self.dir, ignore_errors=True)


def slurp(path):
    with open(path, "rb") as f:
        return f.read()


def daemon(tree, *extra, anonymous=True, trace=True, **kw):
    """The ftpd Daemon (not started: use it in a with statement, or call start())."""
    args = ["--users", tree.users, "--threads", "2", "--login-delay-ms", "50"]
    if anonymous:
        args += ["--anonymous", "--root", tree.anon]
    if trace:
        args.append("--trace")
    return Daemon("ftpd", *args, *extra, **kw)


def login(port, user="alice", timeout=20):
    ftp = ftplib.FTP()
    ftp.connect("127.0.0.1", port, timeout=timeout)
    if user == "anonymous":
        ftp.login()
    else:
        ftp.login(user, PASSWORDS[user])
    return ftp


class Raw:
    """A control connection spoken by hand: send(line) and reply() -> (code, full text)."""

    def __init__(self, port, timeout=10):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
        self.f = self.sock.makefile("rb")

    def send(self, line):
        self.sock.sendall(line.encode("latin-1") + b"\r\n")

    def reply(self):
        first = self.f.readline().decode("latin-1")
        if not first:
            return None, ""
        text = first
        code = first[:3]
        if first[3:4] == "-":
            while True:
                l = self.f.readline().decode("latin-1")
                if not l:
                    break
                text += l
                if l[:3] == code and l[3:4] == " ":
                    break
        return int(code), text

    def cmd(self, line):
        self.send(line)
        return self.reply()

    def close(self):
        self.sock.close()


def lftp(port, script, user="alice", timeout=60, cwd=None):
    """Runs an lftp script against the daemon as `user`; returns CompletedProcess."""
    settings = ("set cmd:fail-exit yes; set net:max-retries 1; set net:timeout 15; "
                "set net:reconnect-interval-base 1; set ftp:ssl-allow no; set xfer:clobber on; ")
    return run(["lftp", "-u", f"{user},{PASSWORDS.get(user, 'x')}", "-p", str(port), "-e",
                settings + script + "; bye", "127.0.0.1"], timeout=timeout, cwd=cwd)
