#!/bin/bash
# ftpd vs vsftpd (Debian) on the same anonymous tree, on loopback high ports:
#   - RETR of one large file (1 GiB), MB/s as curl reports it writing to /dev/null;
#   - sessions per second: CONCURRENCY clients (50) each looping connect + anonymous login +
#     PASV LIST + PASV RETR of a 4 KiB file + QUIT (bench/ftp_sessions.py, asyncio).
# vsftpd runs its anonymous sessions as the user `ftp` (the Debian package creates it).
# Both use sendfile, no transfer log, no per-address limit. A B A B for ROUNDS rounds (3);
# prints each run, the means and the ratios ftpd/vsftpd (target: at least 1.0 for both).
#
#   bench/ftpd-vs-vsftpd.sh                              # uses build/bin/ftpd
#   FTPD=build-rel/bin/ftpd BIG_MB=64 DURATION=3 ROUNDS=1 bench/ftpd-vs-vsftpd.sh   # a quick check
set -euo pipefail
cd "$(dirname "$0")/.."

FTPD=${FTPD:-build/bin/ftpd}
VSFTPD=${VSFTPD:-$(command -v vsftpd || echo /usr/sbin/vsftpd)}
BIG_MB=${BIG_MB:-1024}
DURATION=${DURATION:-10}
ROUNDS=${ROUNDS:-3}
CONCURRENCY=${CONCURRENCY:-50}
CORES=$(nproc)

for tool in "$FTPD" "$VSFTPD" curl python3; do
    command -v "$tool" >/dev/null || { echo "missing: $tool (build ftpd; apt-get install vsftpd curl)" >&2; exit 1; }
done
[ "$(id -u)" -eq 0 ] || { echo "vsftpd needs root (it forks a session per connection and drops to nobody)" >&2; exit 1; }

tmp=$(mktemp -d /tmp/ftpd-bench.XXXXXX)
pids=()
cleanup() {
    for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
    for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
    rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

mkdir -p "$tmp/tree" "$tmp/empty"
head -c $((BIG_MB * 1048576)) /dev/urandom >"$tmp/tree/big.bin"
head -c 4096 /dev/urandom >"$tmp/tree/4k.bin"
chmod 755 "$tmp" "$tmp/tree" "$tmp/empty"
chmod 644 "$tmp/tree/"*

free_port() {
    /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}
fport=$(free_port)
vport=$(free_port)
while [ "$vport" = "$fport" ]; do vport=$(free_port); done

cat >"$tmp/vsftpd.conf" <<EOF
listen=YES
listen_ipv6=NO
listen_address=127.0.0.1
listen_port=$vport
background=NO
anonymous_enable=YES
anon_root=$tmp/tree
no_anon_password=YES
ftp_username=ftp
local_enable=NO
write_enable=NO
pasv_enable=YES
pasv_min_port=41000
pasv_max_port=45000
use_sendfile=YES
xferlog_enable=NO
syslog_enable=NO
vsftpd_log_file=$tmp/vsftpd.log
hide_ids=YES
max_clients=0
max_per_ip=0
seccomp_sandbox=NO
secure_chroot_dir=$tmp/empty
connect_from_port_20=NO
EOF
"$VSFTPD" "$tmp/vsftpd.conf" &
pids+=("$!")

# No session limits, as vsftpd's max_clients=0 and max_per_ip=0 (the load is 50 clients on one address).
printf '[ftpd]\nmax_sessions = 0\nmax_per_address = 0\n' >"$tmp/ftpd.toml"
"$FTPD" --config "$tmp/ftpd.toml" --anonymous --root "$tmp/tree" --listen "127.0.0.1:$fport" --threads "$CORES" --log-level warn \
    --passive-ports 45001-49000 --ready-fd 3 3>"$tmp/ftpd.ready" 2>"$tmp/ftpd.log" &
pids+=("$!")

wait_port() {
    for _ in $(seq 100); do
        if curl -sf -o /dev/null "ftp://127.0.0.1:$1/4k.bin"; then return 0; fi
        sleep 0.1
    done
    echo "server on port $1 did not come up" >&2
    cat "$tmp/ftpd.log" "$tmp/vsftpd.log" >&2 || true
    exit 1
}
wait_port "$fport"
wait_port "$vport"
for p in "$fport" "$vport"; do
    cmp -s <(curl -s "ftp://127.0.0.1:$p/4k.bin") "$tmp/tree/4k.bin" || { echo "port $p served wrong bytes" >&2; exit 1; }
done

# big PORT -> MB/s
big() { curl -s -o /dev/null -w '%{speed_download}' "ftp://127.0.0.1:$1/big.bin" | awk '{ printf "%.1f\n", $1 / 1000000 }'; }
# sessions PORT -> "sessions/s errors"
sessions() { python3 bench/ftp_sessions.py "$1" 4k.bin "$DURATION" "$CONCURRENCY"; }

echo "$("$FTPD" --version 2>/dev/null || true) vs $("$VSFTPD" -v </dev/null 2>&1 | head -1 || true); $CORES cores; ${BIG_MB} MiB RETR; $CONCURRENCY clients for ${DURATION}s"
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg) (other work on the machine skews both servers)"
printf '%-6s %-7s %12s %12s %8s\n' round server "RETR MB/s" "sessions/s" errors
declare -A mbps sps errs
for round in $(seq "$ROUNDS"); do
    # A B for the large file, then A B for the sessions, so both of a pair share the load.
    for server in ftpd vsftpd; do
        port=$fport; [ "$server" = vsftpd ] && port=$vport
        mbps[$server,$round]=$(big "$port")
    done
    for server in ftpd vsftpd; do
        port=$fport; [ "$server" = vsftpd ] && port=$vport
        read -r s e < <(sessions "$port")
        sps[$server,$round]=$s
        errs[$server,$round]=$e
    done
    for server in ftpd vsftpd; do
        printf '%-6s %-7s %12s %12s %8s\n' "$round" "$server" "${mbps[$server,$round]}" "${sps[$server,$round]}" \
            "${errs[$server,$round]}"
    done
done
mean() {
    local -n arr=$2
    for round in $(seq "$ROUNDS"); do echo "${arr[$1,$round]}"; done | awk '{ s += $1 } END { printf "%.1f\n", s / NR }'
}
fm=$(mean ftpd mbps); vm=$(mean vsftpd mbps); fs=$(mean ftpd sps); vs=$(mean vsftpd sps)
awk -v fm="$fm" -v vm="$vm" -v fs="$fs" -v vs="$vs" 'BEGIN {
    printf "mean   ftpd    %12.1f %12.1f\n", fm, fs
    printf "mean   vsftpd  %12.1f %12.1f\n", vm, vs
    printf "ratio ftpd/vsftpd (means): RETR MB/s %.2f, sessions/s %.2f\n", fm / vm, fs / vs
}'
