#!/usr/bin/env bash
# dnsd vs NSD: the same zone (SOA, NS, 1,000 A records, MX, CNAME, TXT) served by both on
# loopback; dnsperf for DURATION seconds with a mixed query file (A, MX, CNAME, TXT, NXDOMAIN),
# alternately, ROUNDS times; prints queries per second, lost queries and the ratio dnsd/NSD.
#
#   bench/dnsd-vs-nsd.sh                  # uses build/bin/dnsd (a Release build is the fair one)
#   DNSD_BIN=path/to/dnsd DURATION=10 ROUNDS=3 CLIENTS=10 bench/dnsd-vs-nsd.sh
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
DNSD_BIN="${DNSD_BIN:-$here/../build/bin/dnsd}"
NSD_BIN="${NSD_BIN:-$(command -v nsd || echo /usr/sbin/nsd)}"
DURATION="${DURATION:-10}"
ROUNDS="${ROUNDS:-3}"
CLIENTS="${CLIENTS:-10}"
THREADS="${THREADS:-2}"
OUTSTANDING="${OUTSTANDING:-100}"
CORES="$(nproc)"
NSD_PORT="${NSD_PORT:-25353}"
DNSD_PORT="${DNSD_PORT:-25354}"

for tool in dnsperf dig "$NSD_BIN" "$DNSD_BIN"; do
  command -v "$tool" >/dev/null 2>&1 || [ -x "$tool" ] || { echo "missing: $tool" >&2; exit 1; }
done

tmp="$(mktemp -d -t dnsd-bench-XXXXXX)"
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  rm -rf "$tmp"
}
trap cleanup EXIT INT TERM

# --- inputs ----------------------------------------------------------------------------
zone="$tmp/bench.test.zone"
{
  echo '$ORIGIN bench.test.'
  echo '$TTL 3600'
  echo '@ IN SOA ns1 hostmaster 1 7200 3600 1209600 300'
  echo '  IN NS ns1'
  echo '  IN NS ns2'
  echo '  IN MX 10 mail'
  echo '  IN TXT "v=spf1 mx -all"'
  echo 'ns1 IN A 10.0.0.1'
  echo 'ns2 IN A 10.0.0.2'
  echo 'mail IN A 10.0.0.25'
  for i in $(seq 1 1000); do echo "host$i IN A 10.$((i / 256)).$((i % 256)).1"; done
  for i in $(seq 1 50); do echo "alias$i IN CNAME host$i"; done
} > "$zone"

queries="$tmp/queries"
{
  for i in $(seq 1 4000); do
    case $((i % 10)) in
      0|1|2|3|4|5) echo "host$(( (i * 7919) % 1000 + 1 )).bench.test A" ;;
      6) echo "bench.test MX" ;;
      7) echo "alias$(( i % 50 + 1 )).bench.test A" ;;
      8) echo "nx$i.bench.test A" ;;
      9) echo "bench.test TXT" ;;
    esac
  done
} > "$queries"

# --- servers ---------------------------------------------------------------------------
cat > "$tmp/nsd.conf" <<CONF
server:
  ip-address: 127.0.0.1@$NSD_PORT
  do-ip6: no
  username: ""
  chroot: ""
  zonesdir: "$tmp"
  pidfile: "$tmp/nsd.pid"
  xfrdfile: "$tmp/xfrd.state"
  zonelistfile: "$tmp/zone.list"
  database: ""
  server-count: $CORES
  rrl-ratelimit: 0
  rrl-whitelist-ratelimit: 0
  verbosity: 0
remote-control:
  control-enable: no
zone:
  name: bench.test
  zonefile: $zone
CONF
"$NSD_BIN" -d -c "$tmp/nsd.conf" > "$tmp/nsd.log" 2>&1 &
nsd_pid=$!
pids+=($nsd_pid)
"$DNSD_BIN" --zone "$zone" --listen "127.0.0.1:$DNSD_PORT" --threads "$CORES" --log-level warn > "$tmp/dnsd.log" 2>&1 &
dnsd_pid=$!
pids+=($dnsd_pid)

# CPU time (clock ticks) of a server and its child processes (NSD forks its workers): a
# figure that other load on the machine disturbs less than queries per second.
descendants() {
  local c
  for c in $(pgrep -P "$1" || true); do echo "$c"; descendants "$c"; done
}
cpu_ticks() {
  local total=0 p
  for p in "$1" $(descendants "$1"); do
    # utime and stime are fields 14 and 15; the name before them may contain spaces.
    [ -r "/proc/$p/stat" ] && total=$((total + $(sed 's/.*) //' "/proc/$p/stat" | awk '{print $12 + $13}')))
  done
  echo "$total"
}

wait_up() {
  for _ in $(seq 1 100); do
    if dig @127.0.0.1 -p "$1" +time=1 +tries=1 +short bench.test SOA 2>/dev/null | grep -q hostmaster; then return 0; fi
    sleep 0.1
  done
  echo "server on port $1 did not come up" >&2
  cat "$tmp/nsd.log" "$tmp/dnsd.log" >&2
  exit 1
}
wait_up "$NSD_PORT"
wait_up "$DNSD_PORT"

# --- runs ------------------------------------------------------------------------------
run_perf() {  # port pid -> "qps lost cpu-microseconds-per-query"
  local out before after
  before="$(cpu_ticks "$2")"
  out="$(dnsperf -s 127.0.0.1 -p "$1" -d "$queries" -l "$DURATION" -c "$CLIENTS" -T "$THREADS" -q "$OUTSTANDING" 2>&1)"
  after="$(cpu_ticks "$2")"
  local qps lost completed
  qps="$(awk '/Queries per second:/ {print $4}' <<<"$out")"
  lost="$(awk '/Queries lost:/ {print $3}' <<<"$out")"
  completed="$(awk '/Queries completed:/ {print $3}' <<<"$out")"
  local us
  us="$(awk -v t=$((after - before)) -v hz="$(getconf CLK_TCK)" -v n="${completed:-0}" \
        'BEGIN {printf "%.2f", (n > 0 ? t / hz * 1e6 / n : 0)}')"
  echo "${qps:-0} ${lost:-?} $us"
}

echo "dnsperf -l $DURATION -c $CLIENTS -T $THREADS -q $OUTSTANDING, $ROUNDS rounds, $CORES cores, $(wc -l < "$queries") queries in the file"
sum_d=0; sum_n=0; lost_d=0; lost_n=0
for r in $(seq 1 "$ROUNDS"); do
  read -r qn ln cn < <(run_perf "$NSD_PORT" "$nsd_pid")
  read -r qd ld cd < <(run_perf "$DNSD_PORT" "$dnsd_pid")
  printf 'round %d: nsd %8.0f qps (lost %s, %s us CPU/query)   dnsd %8.0f qps (lost %s, %s us CPU/query)\n' \
    "$r" "$qn" "$ln" "$cn" "$qd" "$ld" "$cd"
  sum_n="$(awk -v a="$sum_n" -v b="$qn" 'BEGIN {print a + b}')"
  sum_d="$(awk -v a="$sum_d" -v b="$qd" 'BEGIN {print a + b}')"
  lost_n=$((lost_n + ${ln//\?/0})); lost_d=$((lost_d + ${ld//\?/0}))
done
awk -v d="$sum_d" -v n="$sum_n" -v r="$ROUNDS" -v ld="$lost_d" -v ln="$lost_n" 'BEGIN {
  printf "mean: nsd %.0f qps, dnsd %.0f qps; lost: nsd %d, dnsd %d\n", n / r, d / r, ln, ld
  printf "ratio dnsd/nsd: %.2f\n", (n > 0 ? d / n : 0)
}'
