#!/bin/bash
# pop3d vs Dovecot (Debian dovecot-pop3d) on copies of the same maildrop: MESSAGES messages of
# SIZE bytes per user, CLIENTS concurrent clients, one user each (POP3 locks a maildrop per
# session). Both authenticate against the same passwd-file (SHA512-CRYPT) and read Maildirs.
# Two loads (bench/pop3_load.py), each DURATION seconds per server, A B A B for ROUNDS rounds:
#   retr:  log in, LIST, RETR every message (pipelined), QUIT without DELE -> messages/s
#   login: connect, USER, PASS, QUIT -> logins/s
# Dovecot runs from a temporary config in its performance mode (login processes reused,
# service_count = 0, one per core), with no auth cache; pop3d with one thread per core.
#
#   bench/pop3d-vs-dovecot.sh                               # uses build/bin/pop3d
#   POP3D=build-rel/bin/pop3d DURATION=5 ROUNDS=2 bench/pop3d-vs-dovecot.sh
#   CLIENTS=2 MESSAGES=20 DURATION=1 ROUNDS=1 bench/pop3d-vs-dovecot.sh   # a quick check
set -euo pipefail
cd "$(dirname "$0")/.."

POP3D=${POP3D:-build/bin/pop3d}
DOVECOT=${DOVECOT:-/usr/sbin/dovecot}
CLIENTS=${CLIENTS:-20}
MESSAGES=${MESSAGES:-1000}
SIZE=${SIZE:-5000}
DURATION=${DURATION:-10}
ROUNDS=${ROUNDS:-3}
CORES=$(nproc)
PASSWORD=bench
LOAD=bench/pop3_load.py

for tool in "$POP3D" "$DOVECOT" openssl python3; do
    command -v "$tool" >/dev/null || { echo "missing: $tool (build pop3d; apt-get install dovecot-pop3d)" >&2; exit 1; }
done

tmp=$(mktemp -d /tmp/pop3d-bench.XXXXXX)
pids=()
cleanup() {
    for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
    for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
    rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
chmod 755 "$tmp"

# The maildrop: our own Maildir names (",S=" and ",W=" sizes, which Dovecot reads too).
python3 - "$tmp/proto" "$MESSAGES" "$SIZE" <<'PY'
import os, sys
root, n, size = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
for sub in ("tmp", "new", "cur"):
    os.makedirs(os.path.join(root, sub))
line = "The quick brown fox jumps over the lazy dog. 0123456789 abcdefghij\n"
for i in range(n):
    head = f"From: alice@crepes.fr\nTo: bench@hamburger.edu\nSubject: message {i}\nMessage-ID: <{i}@bench>\n\n"
    body = (line * (size // len(line) + 1))[: max(0, size - len(head) - 1)] + "\n"
    text = (head + body).encode()
    crlf = len(text) + text.count(10)
    name = f"{1700000000 + i}.M{i}P1Q{i}.bench,S={len(text)},W={crlf}"
    with open(os.path.join(root, "new", name), "wb") as f:
        f.write(text)
PY
hash=$(openssl passwd -6 "$PASSWORD")
mail_uid=$(id -u); mail_gid=$(id -g); internal=$(id -un); login_user=$(id -un)
if [ "$mail_uid" -eq 0 ]; then
    # Dovecot refuses to access mail as root: its mail processes run as nobody.
    mail_uid=$(id -u nobody); mail_gid=$(id -g nobody); internal=dovecot; login_user=dovenull
fi
: >"$tmp/users"
for i in $(seq 0 $((CLIENTS - 1))); do
    echo "bench$i:{SHA512-CRYPT}$hash" >>"$tmp/users"
    # Hard links: neither server changes a file (RETR only renames it into cur/).
    mkdir -p "$tmp/pop3d-mail" "$tmp/dovecot-mail"
    cp -al "$tmp/proto" "$tmp/pop3d-mail/bench$i"
    cp -r "$tmp/proto" "$tmp/dovecot-mail/bench$i"
done
chown -R "$mail_uid:$mail_gid" "$tmp/dovecot-mail"
chmod 644 "$tmp/users"

free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}
pport=$(free_port)
dport=$(free_port)
while [ "$dport" = "$pport" ]; do dport=$(free_port); done

mkdir -p "$tmp/dovecot/run" "$tmp/dovecot/state"
cat >"$tmp/dovecot/dovecot.conf" <<EOF
base_dir = $tmp/dovecot/run
state_dir = $tmp/dovecot/state
log_path = $tmp/dovecot/dovecot.log
protocols = pop3
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain
default_internal_user = $internal
default_login_user = $login_user
first_valid_uid = 1
mail_location = maildir:~
passdb {
  driver = passwd-file
  args = $tmp/users
}
userdb {
  driver = static
  args = uid=$mail_uid gid=$mail_gid home=$tmp/dovecot-mail/%u
}
service pop3-login {
  inet_listener pop3 {
    address = 127.0.0.1
    port = $dport
  }
  service_count = 0
  process_min_avail = $CORES
}
service imap-login {
  inet_listener imap {
    port = 0
  }
}
EOF
"$DOVECOT" -F -c "$tmp/dovecot/dovecot.conf" 2>"$tmp/dovecot/stderr" &
pids+=("$!")
"$POP3D" --listen "127.0.0.1:$pport" --maildir-root "$tmp/pop3d-mail" --users "$tmp/users" \
    --threads "$CORES" --log-level warn --max-per-address 0 --ready-fd 3 3>"$tmp/pop3d.ready" 2>"$tmp/pop3d.log" &
pids+=("$!")

# wait_port PORT: until a greeting comes.
wait_port() {
    for _ in $(seq 100); do
        if python3 -c 'import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=1)
assert s.recv(100).startswith(b"+OK")' "$1" 2>/dev/null; then return 0; fi
        sleep 0.1
    done
    echo "server on port $1 did not come up" >&2
    cat "$tmp/pop3d.log" "$tmp/dovecot/stderr" "$tmp/dovecot/dovecot.log" >&2 2>/dev/null || true
    exit 1
}
wait_port "$pport"
wait_port "$dport"
# check PORT: the message count and the bytes of message 1, which both servers must agree on.
check() {
    python3 -c 'import hashlib, poplib, sys
p = poplib.POP3("127.0.0.1", int(sys.argv[1]), timeout=10)
p.user("bench0"); p.pass_(sys.argv[2])
print(p.stat()[0], hashlib.sha256(b"\n".join(p.retr(1)[1])).hexdigest())
p.quit()' "$1" "$PASSWORD"
}
[ "$(check "$pport")" = "$(check "$dport")" ] || { echo "pop3d and Dovecot disagree on the maildrop" >&2; exit 1; }

echo "pop3d vs Dovecot $("$DOVECOT" --version | cut -d' ' -f1); $CORES cores"
echo "$CLIENTS clients, $MESSAGES messages of $SIZE bytes each, ${DURATION}s per run"
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg) (other work on the machine skews both servers)"
printf '%-6s %-8s %14s %12s\n' round server "messages/s" "logins/s"
declare -A retr logins
for round in $(seq "$ROUNDS"); do
    for server in pop3d dovecot; do
        port=$pport; [ "$server" = dovecot ] && port=$dport
        retr[$server,$round]=$(python3 "$LOAD" retr "$port" bench "$PASSWORD" "$CLIENTS" "$DURATION")
    done
    for server in pop3d dovecot; do
        port=$pport; [ "$server" = dovecot ] && port=$dport
        logins[$server,$round]=$(python3 "$LOAD" login "$port" bench "$PASSWORD" "$CLIENTS" "$DURATION")
    done
    for server in pop3d dovecot; do
        printf '%-6s %-8s %14s %12s\n' "$round" "$server" "${retr[$server,$round]}" "${logins[$server,$round]}"
    done
done
mean() {
    local -n arr=$2
    for round in $(seq "$ROUNDS"); do echo "${arr[$1,$round]}"; done | awk '{ s += $1 } END { printf "%.1f\n", s / NR }'
}
awk -v pr="$(mean pop3d retr)" -v dr="$(mean dovecot retr)" -v pl="$(mean pop3d logins)" -v dl="$(mean dovecot logins)" 'BEGIN {
    printf "mean   pop3d    %14.0f %12.0f\n", pr, pl
    printf "mean   dovecot  %14.0f %12.0f\n", dr, dl
    printf "ratio pop3d/Dovecot (means): messages/s %.2f, logins/s %.2f\n", pr / dr, pl / dl
}'
