"""A private Postfix (Debian's) for tests and benchmarks: its own config and queue directories
under a temporary folder, an SMTP listener on an ephemeral loopback port, no chroot, no DNS,
its log in a file. Needs root (Postfix's master drops to the `postfix` user)."""
import os
import socket
import subprocess

from harness import run, wait_until


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


class Postfix:
    def __init__(self, base, settings, port=None):
        self.base = os.path.abspath(base)
        self.conf = os.path.join(self.base, "etc")
        self.port = port or free_port()
        self.settings = settings

    def log(self):
        try:
            with open(os.path.join(self.base, "postfix.log"), errors="replace") as f:
                return f.read()
        except OSError:
            return ""

    def start(self):
        os.makedirs(self.conf, exist_ok=True)
        main = {
            "compatibility_level": "3.6",
            "queue_directory": os.path.join(self.base, "spool"),
            "data_directory": os.path.join(self.base, "data"),
            "mail_owner": "postfix",
            "setgid_group": "postdrop",
            "myhostname": "crepes.fr",
            "mydomain": "crepes.fr",
            "myorigin": "crepes.fr",
            "mydestination": "",
            "inet_interfaces": "127.0.0.1",
            "inet_protocols": "ipv4",
            "mynetworks": "127.0.0.0/8",
            "smtp_dns_support_level": "disabled",
            "smtp_host_lookup": "native",
            "maillog_file": os.path.join(self.base, "postfix.log"),
            "maillog_file_prefixes": self.base,
            "alias_maps": "",
            "alias_database": "",
            "local_recipient_maps": "",
            "biff": "no",
            "smtputf8_enable": "yes",
        }
        main.update(self.settings)
        with open(os.path.join(self.conf, "main.cf"), "w") as f:
            for k, v in main.items():
                f.write(f"{k} = {v}\n")
        with open("/etc/postfix/master.cf") as src, open(os.path.join(self.conf, "master.cf"), "w") as dst:
            for line in src:
                fields = line.split()
                if line[:1] in "# \t\n" or len(fields) < 8:
                    dst.write(line)
                    continue
                if fields[0] == "smtp" and fields[1] == "inet":
                    fields[0] = f"127.0.0.1:{self.port}"
                fields[4] = "n"  # no chroot: the spool is not a full root
                dst.write(" ".join(fields) + "\n")
        os.makedirs(main["queue_directory"], exist_ok=True)  # Postfix makes the rest
        os.makedirs(main["data_directory"], exist_ok=True)
        run(["chown", "postfix", main["data_directory"]])
        run(["postfix", "-c", self.conf, "start"], timeout=60)
        if not wait_until(lambda: self.listening(), timeout=30):
            raise RuntimeError("postfix did not start listening\n" + self.log())
        return self

    def listening(self):
        try:
            socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
            return True
        except OSError:
            return False

    def queue_empty(self):
        p = run(["postqueue", "-c", self.conf, "-p"], check=False)
        return "Mail queue is empty" in p.stdout

    def stop(self):
        subprocess.run(["postfix", "-c", self.conf, "stop"], capture_output=True, timeout=60)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()
