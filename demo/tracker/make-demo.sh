#!/usr/bin/env bash
# Regenerates the demo content: files/chunks.txt (a text file of three 256 KiB pieces, the
# same bytes every time) and demo.torrent announcing to the tracker over HTTP and UDP.
#   demo/tracker/make-demo.sh [HOST:PORT]      (default 127.0.0.1:6969, as in tracker.toml)
set -euo pipefail
cd "$(dirname "$0")"
addr=${1:-127.0.0.1:6969}
mkdir -p files
python3 - <<'PY'
lines = []
n = 0
while sum(len(l) for l in lines) < 600 * 1024:
    lines.append(f"line {n:06d} of the demo file: a file split into 256 KiB chunks; chunk {n * 64 // 262144}\n")
    n += 1
with open("files/chunks.txt", "w") as f:
    f.write("".join(lines))
PY
rm -f demo.torrent
# -l 18: 2^18 = 256 KiB pieces; -a twice: HTTP first, UDP as a second tier.
mktorrent -l 18 -a "http://$addr/announce" -a "udp://$addr/announce" -c "netsuite tracker demo" \
    -o demo.torrent files/chunks.txt >/dev/null
python3 - <<'PY'
import hashlib
data = open("demo.torrent", "rb").read()
# info_hash = SHA-1 of the bencoded info dictionary (BEP 3); mktorrent writes it last.
start = data.index(b"4:infod") + 6
print("info_hash", hashlib.sha1(data[start:-1]).hexdigest())
PY
