#!/bin/bash
# httpd over TLS vs nginx over TLS on the same 1 KiB file, keep-alive (requests/s). Both use
# one self-signed EC P-256 certificate made here, TLS 1.2 and 1.3 (wrk negotiates 1.3), one
# worker per core, no access log, 1000 requests per connection. wrk -t2 -c100 -d10s against
# each in turn, A B A B, three rounds; prints each run, the means, the medians and the ratio
# httpd/nginx. The handshakes are a small part: wrk opens its 100 connections once.
#
#   bench/httpd-vs-nginx-tls.sh                 # uses build/bin/httpd
#   HTTPD=build-rel/bin/httpd DURATION=5s ROUNDS=2 bench/httpd-vs-nginx-tls.sh
set -euo pipefail
cd "$(dirname "$0")/.."

HTTPD=${HTTPD:-build/bin/httpd}
NGINX=${NGINX:-$(command -v nginx || echo /usr/sbin/nginx)}
DURATION=${DURATION:-10s}
ROUNDS=${ROUNDS:-3}
THREADS=${THREADS:-2}
CONNECTIONS=${CONNECTIONS:-100}
CORES=$(nproc)

for tool in "$HTTPD" "$NGINX" wrk curl openssl; do
    command -v "$tool" >/dev/null || { echo "missing: $tool (build httpd; scripts/install-deps --bench)" >&2; exit 1; }
done

tmp=$(mktemp -d /tmp/httpd-tls-bench.XXXXXX)
pids=()
cleanup() {
    for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
    for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
    rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

mkdir -p "$tmp/www" "$tmp/nginx/logs" "$tmp/nginx/temp"
head -c 1024 /dev/urandom >"$tmp/www/1k.bin"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$tmp/key.pem" \
    -out "$tmp/cert.pem" -subj /CN=localhost -addext subjectAltName=DNS:localhost -days 2 2>/dev/null
# As root, nginx's workers run as nobody: they must be able to read the files.
chmod 755 "$tmp" "$tmp/www"
chmod 644 "$tmp/www/"* "$tmp/"*.pem

free_port() {
    /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}
hport=$(free_port)
nport=$(free_port)
while [ "$nport" = "$hport" ]; do nport=$(free_port); done

cat >"$tmp/nginx/nginx.conf" <<EOF
worker_processes $CORES;
daemon off;
master_process on;
pid $tmp/nginx/nginx.pid;
error_log $tmp/nginx/logs/error.log warn;
events { worker_connections 4096; }
http {
    access_log off;
    sendfile on;
    keepalive_requests 1000;
    keepalive_timeout 15s;
    default_type application/octet-stream;
    client_body_temp_path $tmp/nginx/temp/body;
    proxy_temp_path $tmp/nginx/temp/proxy;
    fastcgi_temp_path $tmp/nginx/temp/fastcgi;
    uwsgi_temp_path $tmp/nginx/temp/uwsgi;
    scgi_temp_path $tmp/nginx/temp/scgi;
    server {
        listen 127.0.0.1:$nport ssl reuseport;
        ssl_certificate $tmp/cert.pem;
        ssl_certificate_key $tmp/key.pem;
        ssl_protocols TLSv1.2 TLSv1.3;
        root $tmp/www;
    }
}
EOF
"$NGINX" -p "$tmp/nginx" -e "$tmp/nginx/logs/error.log" -c "$tmp/nginx/nginx.conf" &
pids+=("$!")

# The plain listener is required by httpd; the benchmark uses only the TLS one.
"$HTTPD" --root "$tmp/www" --listen "127.0.0.1:0" --listen-tls "127.0.0.1:$hport" --tls-cert "$tmp/cert.pem" \
    --tls-key "$tmp/key.pem" --threads "$CORES" --log-level warn --max-requests 1000 \
    --ready-fd 3 3>"$tmp/httpd.ready" 2>"$tmp/httpd.log" &
pids+=("$!")

wait_port() {
    for _ in $(seq 100); do
        if curl -sf --cacert "$tmp/cert.pem" --resolve "localhost:$1:127.0.0.1" -o /dev/null \
            "https://localhost:$1/1k.bin"; then return 0; fi
        sleep 0.1
    done
    echo "server on port $1 did not come up" >&2
    cat "$tmp/httpd.log" "$tmp/nginx/logs/error.log" >&2 || true
    exit 1
}
wait_port "$hport"
wait_port "$nport"
for port in "$hport" "$nport"; do
    cmp -s <(curl -s --cacert "$tmp/cert.pem" --resolve "localhost:$port:127.0.0.1" "https://localhost:$port/1k.bin") \
        "$tmp/www/1k.bin" || { echo "port $port served wrong bytes" >&2; exit 1; }
done

# run_wrk PORT -> requests_per_s
run_wrk() {
    local out
    out=$(wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" "https://127.0.0.1:$1/1k.bin")
    if grep -q "Non-2xx\|Socket errors" <<<"$out"; then
        grep "Non-2xx\|Socket errors" <<<"$out" | sed "s|^ *|  port $1: |" >&2
    fi
    awk '/^Requests\/sec:/ { printf "%.0f\n", $2 }' <<<"$out"
}

echo "$("$HTTPD" --version 2>/dev/null || true) vs $("$NGINX" -v 2>&1 | head -1); $CORES cores; TLS; wrk -t$THREADS -c$CONNECTIONS -d$DURATION"
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg) (other work on the machine skews both servers)"
printf '%-6s %-7s %14s\n' round server "1KiB req/s"
declare -A rps
for round in $(seq "$ROUNDS"); do
    for server in httpd nginx; do
        port=$hport; [ "$server" = nginx ] && port=$nport
        rps[$server,$round]=$(run_wrk "$port")
        printf '%-6s %-7s %14s\n' "$round" "$server" "${rps[$server,$round]}"
    done
done
# stat SERVER -> "mean median"
stat() {
    for round in $(seq "$ROUNDS"); do echo "${rps[$1,$round]}"; done | sort -g |
        awk '{ v[NR] = $1; s += $1 } END { m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2; printf "%.1f %.1f\n", s / NR, m }'
}
read -r h_mean h_med < <(stat httpd)
read -r n_mean n_med < <(stat nginx)
awk -v h="$h_mean" -v n="$n_mean" -v hm="$h_med" -v nm="$n_med" 'BEGIN {
    printf "mean   httpd   %14.0f\nmean   nginx   %14.0f\n", h, n
    printf "median httpd   %14.0f\nmedian nginx   %14.0f\n", hm, nm
    printf "ratio httpd/nginx over TLS, 1KiB requests/s: means %.2f, medians %.2f\n", h / n, hm / nm
}'
