#!/usr/bin/env bash
# tracker vs opentracker: announces per second over HTTP (wrk, random info_hashes over
# ~1,000 torrents) and over UDP (bench/udp-announce-load.cpp, in each shape of UDP_SHAPES),
# three alternating rounds,
# then resident memory with 1,000,000 peers over 100,000 torrents. Prints ratios
# tracker/opentracker (higher is better for rates; lower is better for memory).
#
# Usage: bench/tracker-vs-opentracker.sh            (binaries from build/bin)
#        BIN_DIR=build-rel/bin ROUNDS=3 SECS=5 bench/tracker-vs-opentracker.sh
#        PARTS=memory bench/tracker-vs-opentracker.sh   (only the memory fill: no rate rounds)
# Needs: opentracker, wrk, python3, curl (Debian packages). Run as root or as a user that
# opentracker's "-u nobody" accepts; Debian's opentracker is built in whitelist mode, so both
# trackers get the same whitelist (-w / --whitelist) and do the same work.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
BIN_DIR=${BIN_DIR:-$ROOT/build/bin}
TRACKER=$BIN_DIR/tracker
LOAD=$BIN_DIR/udp-announce-load
ROUNDS=${ROUNDS:-3}
SECS=${SECS:-5}                      # seconds per measurement
TORRENTS=${TORRENTS:-1000}           # swarm for the rate rounds
MEM_TORRENTS=${MEM_TORRENTS:-100000} # memory figure: torrents ...
MEM_PEERS=${MEM_PEERS:-10}           # ... times peers each
WRK_CONNECTIONS=${WRK_CONNECTIONS:-64}
LOAD_THREADS=${LOAD_THREADS:-2}     # the memory fill's generator threads
# UDP load shapes, THREADSxWINDOW: each generator thread is one socket (one flow) keeping
# WINDOW announces in flight. "2x64" is two flows; "1x256" is one busy flow, the shape of a
# single-threaded generator (a server that hashes flows to workers serves it on one core).
UDP_SHAPES=${UDP_SHAPES:-2x64 1x256}
PARTS=${PARTS:-rates,memory}         # which parts to run: rates, memory or both

for tool in opentracker wrk python3 curl; do
    command -v "$tool" >/dev/null || { echo "missing $tool" >&2; exit 1; }
done
for bin in "$TRACKER" "$LOAD"; do
    [[ -x $bin ]] || { echo "missing $bin (build targets tracker and udp-announce-load)" >&2; exit 1; }
done

TMP=$(mktemp -d /tmp/tracker-bench.XXXXXX)
chmod 755 "$TMP"  # opentracker chroots here and reads its whitelist as nobody
PIDS=()
cleanup() {
    for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
    for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
    rm -rf "$TMP"
}
trap cleanup EXIT

# Inputs: deterministic info_hashes (SHA-1 of a counter), as whitelists, and wrk's script.
python3 - "$TMP" "$TORRENTS" "$MEM_TORRENTS" <<'PY'
import hashlib, sys, urllib.parse
tmp, n, m = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
def hashes(count, tag):
    return [hashlib.sha1(f"{tag}-{i}".encode()).digest() for i in range(count)]
rate = hashes(n, "rate")
with open(f"{tmp}/whitelist", "w") as f:
    f.write("".join(h.hex() + "\n" for h in rate))
with open(f"{tmp}/whitelist-mem", "w") as f:
    f.write("".join(h.hex() + "\n" for h in hashes(m, "mem")))
with open(f"{tmp}/announce.lua", "w") as f:
    f.write("local hashes = {\n")
    f.write(",\n".join('"%s"' % urllib.parse.quote_from_bytes(h, safe="") for h in rate))
    f.write("\n}\n")
    f.write('''
math.randomseed(os.time() + math.floor(os.clock() * 1000000))
request = function()
  local h = hashes[math.random(#hashes)]
  local left = (math.random(4) == 1) and 0 or 1000
  local path = "/announce?info_hash=" .. h .. "&peer_id=-BENCH-" .. string.format("%013d", math.random(0, 999999999))
    .. "&port=" .. math.random(1, 65535) .. "&uploaded=0&downloaded=0&left=" .. left .. "&compact=1"
  return wrk.format("GET", path)
end
''')
PY
chmod 644 "$TMP"/whitelist*

ratio() { python3 -c "print(f'{$1 / max($2, 1):.2f}')"; }

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

wait_http() {  # port: up to 10 s
    local port=$1 i
    for i in $(seq 1 100); do
        curl -s -o /dev/null "http://127.0.0.1:$port/stats" && return 0
        sleep 0.1
    done
    echo "server on $port did not come up" >&2
    return 1
}

SERVER_PID=
start_server() {  # kind whitelist-basename
    local kind=$1 wl=$2
    HTTP_PORT=$(free_port)
    UDP_PORT=$(free_port)
    if [[ $kind == ours ]]; then
        "$TRACKER" --listen "127.0.0.1:$HTTP_PORT" --listen-udp "127.0.0.1:$UDP_PORT" --whitelist "$TMP/$wl" \
            --log-level warn ${TRACKER_ARGS:-} >"$TMP/$kind.log" 2>&1 &
    else
        opentracker -i 127.0.0.1 -p "$HTTP_PORT" -P "$UDP_PORT" -w "$wl" -u nobody -d "$TMP" \
            >"$TMP/$kind.log" 2>&1 &
    fi
    SERVER_PID=$!
    PIDS+=("$SERVER_PID")
    wait_http "$HTTP_PORT"
}

stop_server() {
    kill "$SERVER_PID" 2>/dev/null || true
    local i
    for i in $(seq 1 50); do kill -0 "$SERVER_PID" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
}

rss_kb() { awk '/VmRSS/ {print $2}' "/proc/$1/status"; }

http_rate() {
    local out
    out=$(timeout $((SECS + 30)) wrk -t2 -c"$WRK_CONNECTIONS" -d"${SECS}s" -s "$TMP/announce.lua" \
        "http://127.0.0.1:$HTTP_PORT/")
    if grep -q "Non-2xx" <<<"$out"; then echo "non-2xx replies: $out" >&2; fi
    awk '/Requests\/sec/ {printf "%d", $2}' <<<"$out"
}

udp_rate() {  # udp_rate THREADS WINDOW
    local out
    out=$(timeout $((SECS + 30)) "$LOAD" --port "$UDP_PORT" --hashes "$TMP/whitelist" --threads "$1" \
        --window "$2" --seconds "$SECS")
    sed -n 's/.* rate=\([0-9]*\).*/\1/p' <<<"$out"
}

check_reply() {  # a whitelisted announce must succeed on both
    local h
    h=$(head -1 "$TMP/whitelist" | sed 's/../%&/g')
    if curl -s "http://127.0.0.1:$HTTP_PORT/announce?info_hash=$h&peer_id=-CHECK-0000000000000&port=1&left=1" |
        grep -aq "failure reason"; then
        echo "whitelisted announce refused" >&2
        exit 1
    fi
}

if [[ ,$PARTS, == *,rates,* ]]; then
declare -A SUM
for kind in ours ot; do
    SUM[${kind}_http]=0
    for shape in $UDP_SHAPES; do SUM[${kind}_$shape]=0; done
done

echo "tracker vs opentracker: $ROUNDS rounds of ${SECS}s, $TORRENTS torrents, wrk -c$WRK_CONNECTIONS, UDP generator threads x window: $UDP_SHAPES"
printf "%-6s %-12s %14s" round server "HTTP ann/s"
for shape in $UDP_SHAPES; do printf " %14s" "UDP $shape /s"; done
echo
for round in $(seq 1 "$ROUNDS"); do
    for kind in ours ot; do
        start_server "$kind" whitelist
        check_reply
        h=$(http_rate)
        SUM[${kind}_http]=$((SUM[${kind}_http] + h))
        printf "%-6s %-12s %14s" "$round" "$([[ $kind == ours ]] && echo tracker || echo opentracker)" "$h"
        for shape in $UDP_SHAPES; do
            u=$(udp_rate "${shape%x*}" "${shape#*x}")
            SUM[${kind}_$shape]=$((SUM[${kind}_$shape] + u))
            printf " %14s" "$u"
        done
        echo
        stop_server
    done
done
echo
echo "mean HTTP announces/s: tracker $((SUM[ours_http] / ROUNDS)), opentracker $((SUM[ot_http] / ROUNDS)); ratio tracker/opentracker = $(ratio "${SUM[ours_http]}" "${SUM[ot_http]}")"
for shape in $UDP_SHAPES; do
    echo "mean UDP announces/s ($shape): tracker $((SUM[ours_$shape] / ROUNDS)), opentracker $((SUM[ot_$shape] / ROUNDS)); ratio tracker/opentracker = $(ratio "${SUM[ours_$shape]}" "${SUM[ot_$shape]}")"
done
fi
[[ ,$PARTS, == *,memory,* ]] || exit 0

# Memory: fill MEM_TORRENTS x MEM_PEERS peers over UDP, then read VmRSS.
echo
echo "resident memory with $((MEM_TORRENTS * MEM_PEERS)) peers over $MEM_TORRENTS torrents (UDP fill):"
declare -A RSS
for kind in ours ot; do
    start_server "$kind" whitelist-mem
    base=$(rss_kb "$SERVER_PID")
    fill=$(timeout 300 "$LOAD" --port "$UDP_PORT" --hashes "$TMP/whitelist-mem" --threads "$LOAD_THREADS" \
        --window 256 --fill "$MEM_PEERS")
    RSS[$kind]=$(rss_kb "$SERVER_PID")
    extra=
    if [[ $kind == ours ]]; then
        extra=" stats: $(curl -s "http://127.0.0.1:$HTTP_PORT/stats?format=json" | python3 -c \
            'import json,sys; s=json.load(sys.stdin); print("torrents=%d peers=%d" % (s["torrents"], s["seeders"] + s["leechers"]))')"
    fi
    stop_server
    printf "  %-12s RSS %7d KiB (empty %d KiB)  [%s]%s\n" "$([[ $kind == ours ]] && echo tracker || echo opentracker)" \
        "${RSS[$kind]}" "$base" "$fill" "$extra"
done
echo "memory ratio tracker/opentracker = $(ratio "${RSS[ours]}" "${RSS[ot]}")"
