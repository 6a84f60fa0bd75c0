#!/bin/bash
# httpd --upstream (its web cache) vs nginx proxy_cache, both in front of the same origin (our
# httpd serving a 1 KiB and a 100 KiB file). Both caches are warmed first, so wrk measures
# hits only: req/s for each object, A B A B, three rounds; prints each run, the means and
# the ratios httpd/nginx. The files are dated 10 days back, so httpd's heuristic freshness
# (10% of the Last-Modified age) keeps them a day; nginx is told proxy_cache_valid 200 1d.
#
#   bench/proxy-vs-nginx.sh                 # uses build/bin/httpd
#   HTTPD=build-rel/bin/httpd DURATION=5s ROUNDS=2 bench/proxy-vs-nginx.sh
set -euo pipefail
cd "$(dirname "$0")/.."

HTTPD=${HTTPD:-build/bin/httpd}
NGINX=${NGINX:-$(command -v nginx || echo /usr/sbin/nginx)}
DURATION=${DURATION:-10s}
ROUNDS=${ROUNDS:-3}
THREADS=${THREADS:-2}
CONNECTIONS=${CONNECTIONS:-100}
CORES=$(nproc)

for tool in "$HTTPD" "$NGINX" wrk curl; do
    command -v "$tool" >/dev/null || { echo "missing: $tool (build httpd; scripts/install-deps --bench)" >&2; exit 1; }
done

tmp=$(mktemp -d /tmp/proxy-bench.XXXXXX)
pids=()
cleanup() {
    for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
    for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
    rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

mkdir -p "$tmp/www" "$tmp/nginx/logs" "$tmp/nginx/temp" "$tmp/nginx/cache"
head -c 1024 /dev/urandom >"$tmp/www/1k.bin"
head -c 102400 /dev/urandom >"$tmp/www/100k.bin"
touch -d '10 days ago' "$tmp/www/1k.bin" "$tmp/www/100k.bin"
chmod 755 "$tmp" "$tmp/www" "$tmp/nginx" "$tmp/nginx/cache"
chmod 644 "$tmp/www/"*

free_port() {
    /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}
oport=$(free_port)
hport=$(free_port)
nport=$(free_port)

# The origin: one thread, so that its cost is the same for both caches (only misses reach it).
"$HTTPD" --root "$tmp/www" --listen "127.0.0.1:$oport" --threads 1 --log-level warn \
    --access-log "$tmp/origin.log" 2>"$tmp/origin.err" &
pids+=("$!")

cat >"$tmp/nginx/nginx.conf" <<EOF
worker_processes $CORES;
daemon off;
master_process on;
pid $tmp/nginx/nginx.pid;
error_log $tmp/nginx/logs/error.log warn;
events { worker_connections 4096; }
http {
    access_log off;
    keepalive_requests 1000;
    keepalive_timeout 15s;
    client_body_temp_path $tmp/nginx/temp/body;
    proxy_temp_path $tmp/nginx/temp/proxy;
    fastcgi_temp_path $tmp/nginx/temp/fastcgi;
    uwsgi_temp_path $tmp/nginx/temp/uwsgi;
    scgi_temp_path $tmp/nginx/temp/scgi;
    proxy_cache_path $tmp/nginx/cache keys_zone=bench:10m max_size=64m;
    upstream origin { server 127.0.0.1:$oport; keepalive 16; }
    server {
        listen 127.0.0.1:$nport reuseport;
        location / {
            proxy_pass http://origin;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_cache bench;
            proxy_cache_valid 200 1d;
            proxy_cache_lock on;
            add_header X-Cache \$upstream_cache_status;
        }
    }
}
EOF
"$NGINX" -p "$tmp/nginx" -e "$tmp/nginx/logs/error.log" -c "$tmp/nginx/nginx.conf" &
pids+=("$!")

"$HTTPD" --root "$tmp/www" --listen "127.0.0.1:$hport" --threads "$CORES" --log-level warn \
    --max-requests 1000 --upstream "http://127.0.0.1:$oport" 2>"$tmp/httpd.log" &
pids+=("$!")

wait_port() {
    for _ in $(seq 100); do
        if curl -sf -o /dev/null "http://127.0.0.1:$1/1k.bin"; then return 0; fi
        sleep 0.1
    done
    echo "server on port $1 did not come up" >&2
    cat "$tmp/httpd.log" "$tmp/origin.err" "$tmp/nginx/logs/error.log" >&2 || true
    exit 1
}
wait_port "$oport"
wait_port "$hport"
wait_port "$nport"
# Warm-up, and a check that both caches now answer from memory with the right bytes.
for port in "$hport" "$nport"; do
    for f in 1k.bin 100k.bin; do
        cmp -s <(curl -s "http://127.0.0.1:$port/$f") "$tmp/www/$f" || { echo "port $port served wrong bytes" >&2; exit 1; }
        status=$(curl -s -o /dev/null -D - "http://127.0.0.1:$port/$f" | tr -d '\r' | awk -F': ' 'tolower($1)=="x-cache" {print $2}')
        [ "$status" = HIT ] || { echo "port $port: $f not a cache hit after warm-up ($status)" >&2; exit 1; }
    done
done
before=$(wc -l <"$tmp/origin.log")

run_wrk() {  # PORT FILE -> requests/s
    local out
    out=$(wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" "http://127.0.0.1:$1/$2")
    if grep -q "Non-2xx\|Socket errors" <<<"$out"; then
        grep "Non-2xx\|Socket errors" <<<"$out" | sed "s|^ *|  port $1 $2: |" >&2
    fi
    awk '/^Requests\/sec:/ { printf "%.0f\n", $2 }' <<<"$out"
}

echo "$("$HTTPD" --version 2>/dev/null || true) vs $("$NGINX" -v 2>&1 | head -1); $CORES cores; wrk -t$THREADS -c$CONNECTIONS -d$DURATION"
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg) (other work on the machine skews both servers)"
printf '%-6s %-7s %14s %14s\n' round server "1KiB req/s" "100KiB req/s"
declare -A small large
for round in $(seq "$ROUNDS"); do
    for server in httpd nginx; do
        port=$hport; [ "$server" = nginx ] && port=$nport
        small[$server,$round]=$(run_wrk "$port" 1k.bin)
    done
    for server in httpd nginx; do
        port=$hport; [ "$server" = nginx ] && port=$nport
        large[$server,$round]=$(run_wrk "$port" 100k.bin)
    done
    for server in httpd nginx; do
        printf '%-6s %-7s %14s %14s\n' "$round" "$server" "${small[$server,$round]}" "${large[$server,$round]}"
    done
done
mean() {  # SERVER ARRAY
    local -n arr=$2
    for round in $(seq "$ROUNDS"); do echo "${arr[$1,$round]}"; done | awk '{ s += $1 } END { printf "%.1f\n", s / NR }'
}
hs=$(mean httpd small); ns=$(mean nginx small); hl=$(mean httpd large); nl=$(mean nginx large)
echo "origin requests during the runs: $(($(wc -l <"$tmp/origin.log") - before)) (0 expected: all hits)"
awk -v hs="$hs" -v ns="$ns" -v hl="$hl" -v nl="$nl" 'BEGIN {
    printf "mean   httpd   %14.0f %14.0f\n", hs, hl
    printf "mean   nginx   %14.0f %14.0f\n", ns, nl
    printf "ratio httpd/nginx (means): 1KiB requests/s %.2f, 100KiB requests/s %.2f\n", hs / ns, hl / nl
}'
