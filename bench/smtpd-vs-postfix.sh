#!/bin/bash
# smtpd vs Postfix taking mail for one local domain into Maildir, loaded by Postfix's
# smtp-source: SESSIONS parallel sessions, 5 KB messages, COUNT messages per run. Both fsync
# each message before the 250 (smtpd into the Maildir; Postfix into its queue file, then its
# virtual(8) agent delivers into the Maildir), and a run ends when every message is in the
# Maildir. Messages per second, A B A B for ROUNDS rounds, and the ratio smtpd/Postfix.
# Postfix runs as a private instance (own config and queue under a temporary folder, its own
# port); its master needs root.
#
#   bench/smtpd-vs-postfix.sh                     # uses build/bin/smtpd
#   SMTPD=build-rel/bin/smtpd COUNT=200 ROUNDS=1 bench/smtpd-vs-postfix.sh
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

SMTPD=${SMTPD:-build/bin/smtpd}
COUNT=${COUNT:-5000}
SESSIONS=${SESSIONS:-20}
SIZE=${SIZE:-5120}
ROUNDS=${ROUNDS:-3}
CORES=$(nproc)

for tool in "$SMTPD" smtp-source postfix; do
    command -v "$tool" >/dev/null || { echo "missing: $tool (build smtpd; scripts/install-deps)" >&2; exit 1; }
done
[ "$(id -u)" -eq 0 ] || { echo "Postfix's master needs root" >&2; exit 1; }

tmp=$(mktemp -d /tmp/smtpd-bench.XXXXXX)
chmod 755 "$tmp"
pids=()
cleanup() {
    postfix -c "$tmp/postfix/etc" stop >/dev/null 2>&1 || true
    for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
    for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
    rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Postfix: virtual(8) delivers every hamburger.edu recipient into $tmp/pf-mail/bob/ (Maildir).
mkdir -p "$tmp/pf-mail"
chown nobody "$tmp/pf-mail"
uid=$(id -u nobody)
gid=$(id -g nobody)
pport=$(PYTHONPATH="$root/tests/integration:$root/tests/integration/smtpd" /usr/bin/python3 - "$tmp" "$uid" "$gid" <<'PY'
import sys
from postfix_fixture import Postfix
tmp, uid, gid = sys.argv[1:4]
pf = Postfix(tmp + "/postfix", {
    "virtual_mailbox_domains": "hamburger.edu",
    "virtual_mailbox_base": tmp + "/pf-mail",
    "virtual_mailbox_maps": "static:bob/",
    "virtual_uid_maps": "static:" + uid,
    "virtual_gid_maps": "static:" + gid,
    "virtual_minimum_uid": "1",
    "smtpd_client_connection_count_limit": "0",
    "default_process_limit": "200",
    "smtpd_recipient_restrictions": "permit_mynetworks, reject",
}).start()
print(pf.port)
PY
)

# smtpd: the same domain, one user, Maildirs under $tmp/sd-mail.
printf 'bob:{PLAIN}x\n' >"$tmp/users"
"$SMTPD" --domain hamburger.edu --maildir-root "$tmp/sd-mail" --users "$tmp/users" --allow-plain-passwords \
    --listen 127.0.0.1:0 --threads "$CORES" --log-level warn --max-per-address 1000 \
    --max-commands-before-auth 0 --ready-fd 3 3>"$tmp/smtpd.ready" 2>"$tmp/smtpd.log" &
pids+=("$!")
for _ in $(seq 100); do [ -s "$tmp/smtpd.ready" ] && break; sleep 0.1; done
sport=$(grep -o 'smtp=[0-9.]*:[0-9]*' "$tmp/smtpd.ready" | cut -d: -f2)
[ -n "$sport" ] || { echo "smtpd did not start" >&2; cat "$tmp/smtpd.log" >&2; exit 1; }

count_files() { find "$1" -path '*/new/*' -type f 2>/dev/null | wc -l; }

# run SERVER -> messages per second (from the first connection to the last message in new/)
run() {
    local port dir before start end
    if [ "$1" = smtpd ]; then port=$sport; dir=$tmp/sd-mail; else port=$pport; dir=$tmp/pf-mail; fi
    before=$(count_files "$dir")
    start=$(date +%s.%N)
    smtp-source -s "$SESSIONS" -l "$SIZE" -m "$COUNT" -f alice@crepes.fr -t bob@hamburger.edu "127.0.0.1:$port"
    for _ in $(seq 6000); do
        [ "$(count_files "$dir")" -ge $((before + COUNT)) ] && break
        sleep 0.05
    done
    end=$(date +%s.%N)
    [ "$(count_files "$dir")" -ge $((before + COUNT)) ] || { echo "$1: not all messages delivered" >&2; exit 1; }
    awk -v n="$COUNT" -v a="$start" -v b="$end" 'BEGIN { printf "%.0f\n", n / (b - a) }'
}

echo "smtpd vs Postfix $(postconf -dh mail_version 2>/dev/null); $CORES cores; smtp-source -s $SESSIONS -l $SIZE -m $COUNT"
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg) (other work on the machine skews both servers)"
printf '%-6s %-8s %12s\n' round server "msgs/s"
declare -A rate
for round in $(seq "$ROUNDS"); do
    for server in smtpd postfix; do
        rate[$server,$round]=$(run "$server")
        printf '%-6s %-8s %12s\n' "$round" "$server" "${rate[$server,$round]}"
    done
done
mean() { for round in $(seq "$ROUNDS"); do echo "${rate[$1,$round]}"; done | awk '{ s += $1 } END { printf "%.1f", s / NR }'; }
s=$(mean smtpd)
p=$(mean postfix)
awk -v s="$s" -v p="$p" 'BEGIN {
    printf "mean   smtpd   %12.0f\nmean   postfix %12.0f\nratio smtpd/postfix: %.2f\n", s, p, s / p }'
