#!/bin/bash
# Memory per idle keep-alive connection: httpd vs nginx. Each server (one worker per core,
# keep-alive on, no access log) gets N connections that each made one `GET /` of a small
# index page and then stay open and idle; the growth of the server's resident memory (all its
# processes) divided by N is the cost of one idle connection. A B A B, ROUNDS rounds; prints
# each run, the medians and the ratio httpd/nginx.
#
#   bench/idle-memory.sh                      # uses build/bin/httpd, N=10000, ROUNDS=2
#   HTTPD=build-rel/bin/httpd N=5000 bench/idle-memory.sh
set -euo pipefail
cd "$(dirname "$0")/.."

HTTPD=${HTTPD:-build/bin/httpd}
NGINX=${NGINX:-$(command -v nginx || echo /usr/sbin/nginx)}
N=${N:-10000}
ROUNDS=${ROUNDS:-2}
CORES=$(nproc)
for tool in "$HTTPD" "$NGINX" python3 curl; do
    command -v "$tool" >/dev/null || { echo "missing: $tool (build httpd; scripts/install-deps --bench)" >&2; exit 1; }
done
ulimit -n "$(ulimit -Hn)"

tmp=$(mktemp -d /tmp/idle-bench.XXXXXX)
server_pid=""
cleanup() {
    [ -n "$server_pid" ] && kill -TERM "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null || true
    rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

mkdir -p "$tmp/www" "$tmp/nginx/logs" "$tmp/nginx/temp"
printf '<html><body>idle</body></html>\n' >"$tmp/www/index.html"
chmod 755 "$tmp" "$tmp/www"
chmod 644 "$tmp/www/index.html"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')

cat >"$tmp/nginx/nginx.conf" <<CONF
worker_processes $CORES;
worker_rlimit_nofile $((N * 2 + 1000));
daemon off;
pid $tmp/nginx/nginx.pid;
error_log $tmp/nginx/logs/error.log warn;
events { worker_connections $((N + 1000)); }
http {
    access_log off;
    keepalive_timeout 300s;
    keepalive_requests 1000;
    client_body_temp_path $tmp/nginx/temp/body;
    proxy_temp_path $tmp/nginx/temp/proxy;
    fastcgi_temp_path $tmp/nginx/temp/fastcgi;
    uwsgi_temp_path $tmp/nginx/temp/uwsgi;
    scgi_temp_path $tmp/nginx/temp/scgi;
    server { listen 127.0.0.1:$port reuseport; root $tmp/www; }
}
CONF
cat >"$tmp/httpd.toml" <<CONF
[httpd]
root = "$tmp/www"
max_connections = $((N + 1000))
max_per_address = $((N + 1000))
idle_timeout_ms = 300000
CONF

# rss_kib PID -> resident KiB of PID and its children
rss_kib() {
    local total=0 p
    for p in $1 $(pgrep -P "$1" || true); do
        total=$((total + $(awk '/^VmRSS:/ {print $2}' "/proc/$p/status" 2>/dev/null || echo 0)))
    done
    echo "$total"
}

start() {
    if [ "$1" = httpd ]; then
        "$HTTPD" --config "$tmp/httpd.toml" --listen "127.0.0.1:$port" --threads "$CORES" --log-level warn \
            2>"$tmp/httpd.log" &
    else
        "$NGINX" -p "$tmp/nginx" -e "$tmp/nginx/logs/error.log" -c "$tmp/nginx/nginx.conf" &
    fi
    server_pid=$!
    for _ in $(seq 100); do
        curl -sf -o /dev/null "http://127.0.0.1:$port/" && return 0
        sleep 0.1
    done
    echo "$1 did not come up" >&2
    exit 1
}

stop() {
    kill -TERM "$server_pid"
    wait "$server_pid" 2>/dev/null || true
    server_pid=""
}

# measure SERVER -> bytes per idle connection
measure() {
    start "$1"
    # Warm up: one request on a few connections, so that lazily created state is not counted.
    python3 bench/idle_clients.py 127.0.0.1 "$port" 50 </dev/null >/dev/null
    local before after
    before=$(rss_kib "$server_pid")
    coproc CLIENTS { python3 bench/idle_clients.py 127.0.0.1 "$port" "$N"; }
    read -r held <&"${CLIENTS[0]}"
    sleep 1  # let the server settle after the last response (memory, not readiness)
    after=$(rss_kib "$server_pid")
    echo >&"${CLIENTS[1]}"
    wait "$CLIENTS_PID" 2>/dev/null || true
    stop
    echo $(((after - before) * 1024 / N))
}

echo "$("$HTTPD" --version 2>/dev/null || true) vs $("$NGINX" -v 2>&1); $CORES workers; $N idle keep-alive connections"
printf '%-6s %-7s %16s\n' round server "bytes/connection"
declare -A cost
for round in $(seq "$ROUNDS"); do
    for server in httpd nginx; do
        cost[$server,$round]=$(measure "$server")
        printf '%-6s %-7s %16s\n' "$round" "$server" "${cost[$server,$round]}"
    done
done
median() {
    for round in $(seq "$ROUNDS"); do echo "${cost[$1,$round]}"; done | sort -n |
        awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
h=$(median httpd)
n=$(median nginx)
awk -v h="$h" -v n="$n" 'BEGIN { printf "median httpd %d B, nginx %d B; ratio httpd/nginx %.2f\n", h, n, h / n }'
