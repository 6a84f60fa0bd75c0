#!/bin/bash
# httpd vs h2o (Debian) on the same generated files: 1 KiB (requests/s) and 1 MiB (MB/s).
# Both serve one directory on loopback high ports: one thread per core, no access log,
# keep-alive. wrk -t2 -c100 -d10s runs against each in turn, A B A B, for three rounds; the
# script prints each run, the means and the ratios httpd/h2o.
#
#   bench/httpd-vs-h2o.sh                   # uses build/bin/httpd
#   HTTPD=build-rel/bin/httpd DURATION=5s ROUNDS=2 bench/httpd-vs-h2o.sh
set -euo pipefail
cd "$(dirname "$0")/.."

HTTPD=${HTTPD:-build/bin/httpd}
H2O=${H2O:-$(command -v h2o || echo /usr/bin/h2o)}
DURATION=${DURATION:-10s}
ROUNDS=${ROUNDS:-3}
THREADS=${THREADS:-2}
CONNECTIONS=${CONNECTIONS:-100}
CORES=$(nproc)

for tool in "$HTTPD" "$H2O" wrk curl; do
    command -v "$tool" >/dev/null || { echo "missing: $tool (build httpd; scripts/install-deps --bench)" >&2; exit 1; }
done

tmp=$(mktemp -d /tmp/httpd-h2o-bench.XXXXXX)
pids=()
cleanup() {
    for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
    for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
    rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

mkdir -p "$tmp/www"
head -c 1024 /dev/urandom >"$tmp/www/1k.bin"
head -c 1048576 /dev/urandom >"$tmp/www/1m.bin"
chmod 755 "$tmp" "$tmp/www"   # as root, h2o runs as nobody
chmod 644 "$tmp/www/"*

free_port() {
    /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}
hport=$(free_port)
oport=$(free_port)
while [ "$oport" = "$hport" ]; do oport=$(free_port); done

{
    echo "listen:"
    echo "  host: 127.0.0.1"
    echo "  port: $oport"
    echo "num-threads: $CORES"
    [ "$(id -u)" -eq 0 ] && echo "user: nobody"
    echo "error-log: $tmp/h2o.log"
    echo "hosts:"
    echo "  default:"
    echo "    paths:"
    echo "      /:"
    echo "        file.dir: $tmp/www"
} >"$tmp/h2o.conf"
"$H2O" -c "$tmp/h2o.conf" >>"$tmp/h2o.log" 2>&1 &
pids+=("$!")

"$HTTPD" --root "$tmp/www" --listen "127.0.0.1:$hport" --threads "$CORES" --log-level warn \
    --max-requests 1000 --ready-fd 3 3>"$tmp/httpd.ready" 2>"$tmp/httpd.log" &
pids+=("$!")

wait_port() {
    for _ in $(seq 100); do
        if curl -sf -o /dev/null "http://127.0.0.1:$1/1k.bin"; then return 0; fi
        sleep 0.1
    done
    echo "server on port $1 did not come up" >&2
    cat "$tmp/httpd.log" "$tmp/h2o.log" >&2 || true
    exit 1
}
wait_port "$hport"
wait_port "$oport"
for p in "$hport" "$oport"; do
    cmp -s <(curl -s "http://127.0.0.1:$p/1m.bin") "$tmp/www/1m.bin" || { echo "port $p served wrong bytes" >&2; exit 1; }
done

# run_wrk PORT FILE -> "requests_per_s megabytes_per_s"
run_wrk() {
    local out
    out=$(wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" "http://127.0.0.1:$1/$2")
    if grep -q "Non-2xx\|Socket errors" <<<"$out"; then
        grep "Non-2xx\|Socket errors" <<<"$out" | sed "s|^ *|  port $1 $2: |" >&2
    fi
    awk '
        /^Requests\/sec:/ { rps = $2 }
        /^Transfer\/sec:/ {
            v = $2; unit = v; sub(/[0-9.]+/, "", unit); sub(/[A-Za-z]+$/, "", v)
            f = 1; if (unit == "KB") f = 1024; else if (unit == "MB") f = 1048576; else if (unit == "GB") f = 1073741824
            mbps = v * f / 1000000
        }
        END { printf "%.0f %.1f\n", rps, mbps }' <<<"$out"
}

echo "$("$HTTPD" --version 2>/dev/null || true) vs $("$H2O" --version 2>&1 | head -1); $CORES cores; wrk -t$THREADS -c$CONNECTIONS -d$DURATION"
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg) (other work on the machine skews both servers)"
printf '%-6s %-7s %14s %14s\n' round server "1KiB req/s" "1MiB MB/s"
declare -A rps mbps
for round in $(seq "$ROUNDS"); do
    for server in httpd h2o; do
        port=$hport; [ "$server" = h2o ] && port=$oport
        read -r r _ < <(run_wrk "$port" 1k.bin)
        rps[$server,$round]=$r
    done
    for server in httpd h2o; do
        port=$hport; [ "$server" = h2o ] && port=$oport
        read -r _ m < <(run_wrk "$port" 1m.bin)
        mbps[$server,$round]=$m
    done
    for server in httpd h2o; do
        printf '%-6s %-7s %14s %14s\n' "$round" "$server" "${rps[$server,$round]}" "${mbps[$server,$round]}"
    done
done
mean() {
    local -n arr=$2
    for round in $(seq "$ROUNDS"); do echo "${arr[$1,$round]}"; done | awk '{ s += $1 } END { printf "%.1f\n", s / NR }'
}
awk -v hr="$(mean httpd rps)" -v orr="$(mean h2o rps)" -v hm="$(mean httpd mbps)" -v om="$(mean h2o mbps)" 'BEGIN {
    printf "mean   httpd   %14.0f %14.1f\n", hr, hm
    printf "mean   h2o     %14.0f %14.1f\n", orr, om
    printf "ratio httpd/h2o (means): 1KiB requests/s %.2f, 1MiB MB/s %.2f\n", hr / orr, hm / om
}'
