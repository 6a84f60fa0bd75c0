#!/bin/bash
# httpd vs nginx (or, with PEER=h2o, h2o: bench/httpd-vs-h2o.sh) on the same generated files:
# 1 KiB (requests/s) and 1 MiB (MB/s). Both serve one directory on loopback high ports,
# configured alike: one worker per core, no access log, keep-alive (1000 requests per
# connection, nginx's default; nginx with sendfile on). wrk -t2 -c100 -d10s runs against
# each in turn, A B A B, for three rounds; the script prints each run, the means and the
# ratios httpd/peer. With the 1 KiB runs it also prints the CPU time each server spent per
# request (its processes' user + system time over the run): on a 2-core machine wrk and the
# server share the cores, so requests/s swing with whatever else runs, and CPU per request is
# the steadier measure of the server's own cost.
#
#   bench/httpd-vs-nginx.sh                 # uses build/bin/httpd
#   HTTPD=build-rel/bin/httpd DURATION=5s ROUNDS=2 bench/httpd-vs-nginx.sh
set -euo pipefail
cd "$(dirname "$0")/.."

HTTPD=${HTTPD:-build/bin/httpd}
PEER=${PEER:-nginx}
case $PEER in
    nginx) PEER_BIN=${NGINX:-$(command -v nginx || echo /usr/sbin/nginx)} ;;
    h2o) PEER_BIN=${H2O:-$(command -v h2o || echo /usr/bin/h2o)} ;;
    *) echo "PEER must be nginx or h2o" >&2; exit 2 ;;
esac
DURATION=${DURATION:-10s}  # in seconds ("5s")
ROUNDS=${ROUNDS:-3}
THREADS=${THREADS:-2}
CONNECTIONS=${CONNECTIONS:-100}
CORES=$(nproc)

for tool in "$HTTPD" "$PEER_BIN" wrk curl; do
    command -v "$tool" >/dev/null || { echo "missing: $tool (build httpd; scripts/install-deps --bench)" >&2; exit 1; }
done

tmp=$(mktemp -d /tmp/httpd-bench.XXXXXX)
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
head -c 1048576 /dev/urandom >"$tmp/www/1m.bin"
# As root, nginx's workers run as nobody: they must be able to read the files.
chmod 755 "$tmp" "$tmp/www"
chmod 644 "$tmp/www/"*

free_port() {
    /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}
hport=$(free_port)
nport=$(free_port)
while [ "$nport" = "$hport" ]; do nport=$(free_port); done

start_nginx() {
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
        listen 127.0.0.1:$nport reuseport;
        root $tmp/www;
    }
}
EOF
    "$PEER_BIN" -p "$tmp/nginx" -e "$tmp/nginx/logs/error.log" -c "$tmp/nginx/nginx.conf" &
}
start_h2o() {  # no access log unless one is configured; as root its threads run as nobody
    {
        echo "listen:"
        echo "  host: 127.0.0.1"
        echo "  port: $nport"
        echo "num-threads: $CORES"
        [ "$(id -u)" -eq 0 ] && echo "user: nobody"
        echo "error-log: $tmp/nginx/logs/error.log"
        echo "hosts:"
        echo "  default:"
        echo "    paths:"
        echo "      /:"
        echo "        file.dir: $tmp/www"
    } >"$tmp/h2o.conf"
    "$PEER_BIN" -c "$tmp/h2o.conf" >>"$tmp/nginx/logs/error.log" 2>&1 &
}
"start_$PEER"
pids+=("$!")
peer_pid=$!

"$HTTPD" --root "$tmp/www" --listen "127.0.0.1:$hport" --threads "$CORES" --log-level warn \
    --max-requests 1000 --ready-fd 3 3>"$tmp/httpd.ready" 2>"$tmp/httpd.log" &
pids+=("$!")
httpd_pid=$!

# cpu_ticks PID -> user + system clock ticks of PID and its child processes (nginx's workers)
cpu_ticks() {
    local total=0 p f
    for p in "$1" $(pgrep -P "$1" || true); do
        read -r -a f <"/proc/$p/stat" || continue
        # Fields 14 and 15 (utime, stime); the command name (field 2) has no spaces here.
        total=$((total + f[13] + f[14]))
    done
    echo "$total"
}
TICKS=$(getconf CLK_TCK)

wait_port() {
    for _ in $(seq 100); do
        if curl -sf -o /dev/null "http://127.0.0.1:$1/1k.bin"; then return 0; fi
        sleep 0.1
    done
    echo "server on port $1 did not come up" >&2
    cat "$tmp/httpd.log" "$tmp/nginx/logs/error.log" >&2 || true
    exit 1
}
wait_port "$hport"
wait_port "$nport"
cmp -s <(curl -s "http://127.0.0.1:$hport/1m.bin") "$tmp/www/1m.bin" || { echo "httpd served wrong bytes" >&2; exit 1; }
cmp -s <(curl -s "http://127.0.0.1:$nport/1m.bin") "$tmp/www/1m.bin" || { echo "$PEER served wrong bytes" >&2; exit 1; }

# run_wrk PORT FILE [PID] -> "requests_per_s megabytes_per_s cpu_us_per_request"
run_wrk() {
    local out before=0 after=0
    [ -n "${3:-}" ] && before=$(cpu_ticks "$3")
    out=$(wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" "http://127.0.0.1:$1/$2")
    [ -n "${3:-}" ] && after=$(cpu_ticks "$3")
    if grep -q "Non-2xx\|Socket errors" <<<"$out"; then
        grep "Non-2xx\|Socket errors" <<<"$out" | sed "s|^ *|  port $1 $2: |" >&2
    fi
    awk -v after="$after" -v before="$before" -v ticks="$TICKS" -v secs="${DURATION%s}" '
        /^Requests\/sec:/ { rps = $2 }
        /^Transfer\/sec:/ {
            v = $2; unit = v; sub(/[0-9.]+/, "", unit); sub(/[A-Za-z]+$/, "", v)
            f = 1; if (unit == "KB") f = 1024; else if (unit == "MB") f = 1048576; else if (unit == "GB") f = 1073741824
            mbps = v * f / 1000000
        }
        END {
            cpu = (rps > 0 && ticks > 0) ? (after - before) * 1000000 / ticks / (rps * secs) : 0
            printf "%.0f %.1f %.2f\n", rps, mbps, cpu
        }' <<<"$out"
}

echo "$("$HTTPD" --version 2>/dev/null || true) vs $("$PEER_BIN" -v 2>&1 | head -1); $CORES cores; wrk -t$THREADS -c$CONNECTIONS -d$DURATION"
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg) (other work on the machine skews both servers)"
printf '%-6s %-7s %14s %18s %14s\n' round server "1KiB req/s" "1KiB CPU us/req" "1MiB MB/s"
declare -A rps cpu mbps
for round in $(seq "$ROUNDS"); do
    # A B for the small file, then A B for the large one, so that both servers of a pair
    # run under the same background load.
    for server in httpd "$PEER"; do
        port=$hport pid=$httpd_pid
        [ "$server" = "$PEER" ] && port=$nport pid=$peer_pid
        read -r r _ c < <(run_wrk "$port" 1k.bin "$pid")
        rps[$server,$round]=$r
        cpu[$server,$round]=$c
    done
    for server in httpd "$PEER"; do
        port=$hport; [ "$server" = "$PEER" ] && port=$nport
        read -r _ m _ < <(run_wrk "$port" 1m.bin)
        mbps[$server,$round]=$m
    done
    for server in httpd "$PEER"; do
        printf '%-6s %-7s %14s %18s %14s\n' "$round" "$server" "${rps[$server,$round]}" "${cpu[$server,$round]}" \
            "${mbps[$server,$round]}"
    done
done
# stat SERVER ARRAY -> "mean median"
stat() {
    local -n arr=$2
    for round in $(seq "$ROUNDS"); do echo "${arr[$1,$round]}"; done | sort -g |
        awk '{ v[NR] = $1; s += $1 } END { m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2; printf "%.1f %.1f\n", s / NR, m }'
}
read -r hr_mean hr_med < <(stat httpd rps)
read -r nr_mean nr_med < <(stat "$PEER" rps)
read -r hm_mean hm_med < <(stat httpd mbps)
read -r nm_mean nm_med < <(stat "$PEER" mbps)
read -r hc_mean hc_med < <(stat httpd cpu)
read -r nc_mean nc_med < <(stat "$PEER" cpu)
awk -v hr="$hr_mean" -v nr="$nr_mean" -v hm="$hm_mean" -v nm="$nm_mean" \
    -v hrm="$hr_med" -v nrm="$nr_med" -v hmm="$hm_med" -v nmm="$nm_med" -v peer="$PEER" \
    -v hc="$hc_mean" -v nc="$nc_mean" -v hcm="$hc_med" -v ncm="$nc_med" 'BEGIN {
        printf "mean   httpd   %14.0f %14.1f\n", hr, hm
        printf "mean   %-7s %14.0f %14.1f\n", peer, nr, nm
        printf "median httpd   %14.0f %14.1f\n", hrm, hmm
        printf "median %-7s %14.0f %14.1f\n", peer, nrm, nmm
        printf "ratio httpd/%s (means):   1KiB requests/s %.2f, 1MiB MB/s %.2f\n", peer, hr / nr, hm / nm
        printf "ratio httpd/%s (medians): 1KiB requests/s %.2f, 1MiB MB/s %.2f\n", peer, hrm / nrm, hmm / nmm
        printf "1KiB CPU per request (us), means: httpd %.2f, %s %.2f; %s/httpd %.2f (medians %.2f)\n",
            hc, peer, nc, peer, nc / hc, ncm / hcm
    }'
