"""Small BitTorrent helpers for the tracker's integration tests: bencoding, raw HTTP
GETs (so that bad requests reach the server unchanged) and a BEP 15 UDP client."""
import os
import socket
import struct
import urllib.parse

import harness

PROTOCOL_ID = 0x41727101980


def bdecode(data):
    """Decodes one bencoded value (bytes) and checks nothing trails it."""
    def parse(i):
        c = data[i:i + 1]
        if c == b"i":
            end = data.index(b"e", i)
            return int(data[i + 1:end]), end + 1
        if c == b"l":
            out, i = [], i + 1
            while data[i:i + 1] != b"e":
                v, i = parse(i)
                out.append(v)
            return out, i + 1
        if c == b"d":
            out, i = {}, i + 1
            while data[i:i + 1] != b"e":
                k, i = parse(i)
                v, i = parse(i)
                out[k] = v
            return out, i + 1
        colon = data.index(b":", i)
        n = int(data[i:colon])
        return data[colon + 1:colon + 1 + n], colon + 1 + n
    value, end = parse(0)
    if end != len(data):
        raise ValueError("trailing bytes after bencoded value")
    return value


def quote(b):
    return urllib.parse.quote_from_bytes(b, safe="")


def http_get(port, target, timeout=10):
    """Sends one GET with Connection: close; returns (status, headers dict, body bytes)."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
        s.sendall(f"GET {target} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n".encode("latin-1"))
        data = b""
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    status, headers, _ = harness.parse_http_head(head)
    return status, headers, body


def announce_target(info_hash, peer_id, port, left=0, event=None, extra=""):
    t = f"/announce?info_hash={quote(info_hash)}&peer_id={quote(peer_id)}&port={port}&uploaded=0&downloaded=0&left={left}"
    if event:
        t += f"&event={event}"
    return t + extra


def compact_peers(blob, size=6):
    out = []
    for i in range(0, len(blob), size):
        entry = blob[i:i + size]
        ip = socket.inet_ntop(socket.AF_INET if size == 6 else socket.AF_INET6, entry[:-2])
        out.append((ip, struct.unpack(">H", entry[-2:])[0]))
    return out


class UdpClient:
    """A BEP 15 client on one socket; every receive is bounded by `timeout`."""

    def __init__(self, port, host="127.0.0.1", timeout=2.0):
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        self.v6 = family == socket.AF_INET6
        self.sock = socket.socket(family, socket.SOCK_DGRAM)
        self.sock.settimeout(timeout)
        self.addr = (host, port)

    def close(self):
        self.sock.close()

    def exchange(self, packet):
        """Sends one datagram; returns the reply bytes or None on timeout."""
        self.sock.sendto(packet, self.addr)
        try:
            return self.sock.recv(65536)
        except socket.timeout:
            return None

    def connect(self, tid=0x1234):
        r = self.exchange(struct.pack(">QII", PROTOCOL_ID, 0, tid))
        action, rtid, cid = struct.unpack(">IIQ", r)
        assert action == 0 and rtid == tid, r
        return cid

    @staticmethod
    def announce_packet(cid, info_hash, peer_id, port, left=0, event=2, num_want=-1, tid=7):
        return struct.pack(">QII20s20sQQQIIIiH", cid, 1, tid, info_hash, peer_id, 0, left, 0, event, 0,
                           0x55, num_want, port)

    def announce(self, cid, info_hash, peer_id, port, left=0, event=2, num_want=-1):
        """Returns (action, fields...) decoded: for action 1 (interval, leechers, seeders, peers)."""
        r = self.exchange(self.announce_packet(cid, info_hash, peer_id, port, left, event, num_want))
        return decode_reply(r, self.v6)

    def scrape(self, cid, hashes, tid=9):
        r = self.exchange(struct.pack(">QII", cid, 2, tid) + b"".join(hashes))
        return decode_reply(r)


def decode_reply(r, v6=False):
    if r is None:
        return None
    action, tid = struct.unpack(">II", r[:8])
    if action == 3:
        return ("error", r[8:].decode())
    if action == 1:
        interval, leechers, seeders = struct.unpack(">III", r[8:20])
        size = 18 if v6 else 6
        return ("announce", interval, leechers, seeders, compact_peers(r[20:], size) if r[20:] else [])
    if action == 2:
        body = r[8:]
        return ("scrape", [struct.unpack(">III", body[i:i + 12]) for i in range(0, len(body), 12)])
    return ("other", r)


def random_hash():
    return os.urandom(20)
