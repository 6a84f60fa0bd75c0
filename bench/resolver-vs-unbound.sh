#!/usr/bin/env bash
# dnsd --recursive vs Unbound (Debian): both resolve over the same loopback hierarchy
# (demo/dns-hierarchy: root, edu, com, umass.edu, poly.edu, networkutopia.com, one dnsd each on
# 127.0.0.2-7), both warmed up with the query file, then dnsperf for DURATION seconds on the
# cached mix (A, MX, NXDOMAIN, NODATA), alternately (A B A B),
# ROUNDS times; prints queries per second, lost queries, CPU time per query and the ratio.
# Then the cold case: COLD names that no cache holds (distinct labels under umass.edu, each an
# NXDOMAIN the resolver must fetch from umass.edu's server), each asked once, A B per round.
# Unbound reaches the zones through stub-zones (it iterates to port 53 only).
#
#   bench/resolver-vs-unbound.sh                      # build/bin/dnsd (a Release build is the fair one)
#   DNSD_BIN=path/to/dnsd DURATION=10 ROUNDS=3 CLIENTS=10 PORT=25300 bench/resolver-vs-unbound.sh
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
zones="$here/../demo/dns-hierarchy"
DNSD_BIN="${DNSD_BIN:-$here/../build/bin/dnsd}"
UNBOUND_BIN="${UNBOUND_BIN:-$(command -v unbound || echo /usr/sbin/unbound)}"
DURATION="${DURATION:-10}"
ROUNDS="${ROUNDS:-3}"
CLIENTS="${CLIENTS:-10}"
THREADS="${THREADS:-2}"
OUTSTANDING="${OUTSTANDING:-100}"
COLD="${COLD:-20000}"
CORES="$(nproc)"
PORT="${PORT:-25300}"
DNSD_ADDR=127.0.0.10
UNBOUND_ADDR=127.0.0.11

for tool in dnsperf dig "$UNBOUND_BIN" "$DNSD_BIN"; do
  command -v "$tool" >/dev/null 2>&1 || [ -x "$tool" ] || { echo "missing: $tool" >&2; exit 1; }
done

tmp="$(mktemp -d -t resolver-bench-XXXXXX)"
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  rm -rf "$tmp"
}
trap cleanup EXIT INT TERM

# --- the hierarchy and the two resolvers ------------------------------------------------
i=2
for z in root edu com umass.edu poly.edu networkutopia.com; do
  "$DNSD_BIN" --zone "$zones/$z.zone" --listen "127.0.0.$i:$PORT" --threads 1 --log-level warn \
    > "$tmp/$z.log" 2>&1 &
  pids+=($!)
  i=$((i + 1))
done
# Unbound below runs with qname-minimisation off: so does dnsd, for the same upstream work.
"$DNSD_BIN" --recursive --root-hints "$zones/root.hints" --upstream-port "$PORT" --no-qname-minimisation \
  --listen "$DNSD_ADDR:$PORT" --threads "$CORES" --log-level warn > "$tmp/dnsd.log" 2>&1 &
dnsd_pid=$!
pids+=($dnsd_pid)

{
  cat <<CONF
server:
  interface: $UNBOUND_ADDR
  port: $PORT
  do-daemonize: no
  username: ""
  chroot: ""
  directory: "$tmp"
  pidfile: ""
  use-syslog: no
  logfile: ""
  verbosity: 0
  do-ip6: no
  num-threads: $CORES
  so-reuseport: yes
  access-control: 127.0.0.0/8 allow
  do-not-query-localhost: no
  module-config: "iterator"
  qname-minimisation: no
  minimal-responses: yes
  ratelimit: 0
  ip-ratelimit: 0
CONF
  stub() { printf 'stub-zone:\n  name: "%s"\n  stub-addr: %s@%s\n' "$1" "$2" "$PORT"; }
  stub . 127.0.0.2; stub edu 127.0.0.3; stub com 127.0.0.4
  stub umass.edu 127.0.0.5; stub poly.edu 127.0.0.6; stub networkutopia.com 127.0.0.7
} > "$tmp/unbound.conf"
"$UNBOUND_BIN" -d -c "$tmp/unbound.conf" > "$tmp/unbound.log" 2>&1 &
unbound_pid=$!
pids+=($unbound_pid)

queries="$tmp/queries"
{
  for i in $(seq 1 1000); do
    case $((i % 10)) in
      0|1|2) echo "gaia.cs.umass.edu A" ;;
      3) echo "cis.poly.edu A" ;;
      4) echo "www.networkutopia.com A" ;;
      5) echo "networkutopia.com MX" ;;
      6) echo "www.umass.edu A" ;;
      7) echo "mail.networkutopia.com A" ;;
      8) echo "nobody.umass.edu A" ;;
      9) echo "cis.poly.edu MX" ;;
    esac
  done
} > "$queries"

wait_up() {  # address
  for _ in $(seq 1 100); do
    if dig @"$1" -p "$PORT" +time=1 +tries=1 +short gaia.cs.umass.edu A 2>/dev/null | grep -q 128.119; then return 0; fi
    sleep 0.1
  done
  echo "resolver on $1:$PORT did not come up" >&2
  cat "$tmp"/*.log >&2
  exit 1
}
wait_up "$DNSD_ADDR"
wait_up "$UNBOUND_ADDR"
# Warm-up: every name of the mix in both caches.
sort -u "$queries" > "$tmp/unique"
dig @"$DNSD_ADDR" -p "$PORT" +time=2 +tries=1 -f "$tmp/unique" > /dev/null
dig @"$UNBOUND_ADDR" -p "$PORT" +time=2 +tries=1 -f "$tmp/unique" > /dev/null

cpu_ticks() {  # pid -> utime + stime of the process (all its threads)
  sed 's/.*) //' "/proc/$1/stat" | awk '{print $12 + $13}'
}

run_perf() {  # address pid -> "qps lost cpu-microseconds-per-query"
  local out before after qps lost completed us
  before="$(cpu_ticks "$2")"
  out="$(dnsperf -s "$1" -p "$PORT" -d "$queries" -l "$DURATION" -c "$CLIENTS" -T "$THREADS" -q "$OUTSTANDING" 2>&1)"
  after="$(cpu_ticks "$2")"
  qps="$(awk '/Queries per second:/ {print $4}' <<<"$out")"
  lost="$(awk '/Queries lost:/ {print $3}' <<<"$out")"
  completed="$(awk '/Queries completed:/ {print $3}' <<<"$out")"
  us="$(awk -v t=$((after - before)) -v hz="$(getconf CLK_TCK)" -v n="${completed:-0}" \
        'BEGIN {printf "%.2f", (n > 0 ? t / hz * 1e6 / n : 0)}')"
  echo "${qps:-0} ${lost:-?} $us"
}

echo "cached mix: dnsperf -l $DURATION -c $CLIENTS -T $THREADS -q $OUTSTANDING, $ROUNDS rounds, $CORES cores"
sum_d=0; sum_u=0; cpu_d=0; cpu_u=0
for r in $(seq 1 "$ROUNDS"); do
  read -r qu lu cu < <(run_perf "$UNBOUND_ADDR" "$unbound_pid")
  read -r qd ld cd < <(run_perf "$DNSD_ADDR" "$dnsd_pid")
  printf 'round %d: unbound %8.0f qps (lost %s, %s us CPU/query)   dnsd %8.0f qps (lost %s, %s us CPU/query)\n' \
    "$r" "$qu" "$lu" "$cu" "$qd" "$ld" "$cd"
  sum_u="$(awk -v a="$sum_u" -v b="$qu" 'BEGIN {print a + b}')"
  sum_d="$(awk -v a="$sum_d" -v b="$qd" 'BEGIN {print a + b}')"
  cpu_u="$(awk -v a="$cpu_u" -v b="$cu" 'BEGIN {print a + b}')"
  cpu_d="$(awk -v a="$cpu_d" -v b="$cd" 'BEGIN {print a + b}')"
done
awk -v d="$sum_d" -v u="$sum_u" -v cd="$cpu_d" -v cu="$cpu_u" -v r="$ROUNDS" 'BEGIN {
  printf "mean: unbound %.0f qps, dnsd %.0f qps; CPU/query: unbound %.2f us, dnsd %.2f us\n", u / r, d / r, cu / r, cd / r
  printf "ratio dnsd/unbound: qps %.2f, CPU per query (unbound/dnsd) %.2f\n", (u > 0 ? d / u : 0), (cd > 0 ? cu / cd : 0)
}'

# --- the cold case: every query a cache miss ------------------------------------------------
cold_perf() {  # address pid tag -> "qps lost"
  local out names="$tmp/cold-$3"
  awk -v n="$COLD" -v t="$3" 'BEGIN {for (i = 0; i < n; i++) printf "c%d-%s.umass.edu A\n", i, t}' > "$names"
  out="$(dnsperf -s "$1" -p "$PORT" -d "$names" -n 1 -c "$CLIENTS" -T "$THREADS" -q "$OUTSTANDING" -t 5 2>&1)"
  echo "$(awk '/Queries per second:/ {print $4}' <<<"$out") $(awk '/Queries lost:/ {print $3}' <<<"$out")"
}
echo "cold: $COLD distinct names per run, each asked once (dnsperf -n 1 -c $CLIENTS -q $OUTSTANDING)"
sum_d=0; sum_u=0
for r in $(seq 1 "$ROUNDS"); do
  read -r qu lu < <(cold_perf "$UNBOUND_ADDR" "$unbound_pid" "u$r-$RANDOM")
  read -r qd ld < <(cold_perf "$DNSD_ADDR" "$dnsd_pid" "d$r-$RANDOM")
  printf 'cold round %d: unbound %8.0f qps (lost %s)   dnsd %8.0f qps (lost %s)\n' "$r" "$qu" "$lu" "$qd" "$ld"
  sum_u="$(awk -v a="$sum_u" -v b="$qu" 'BEGIN {print a + b}')"
  sum_d="$(awk -v a="$sum_d" -v b="$qd" 'BEGIN {print a + b}')"
done
awk -v d="$sum_d" -v u="$sum_u" -v r="$ROUNDS" 'BEGIN {
  printf "cold mean: unbound %.0f qps, dnsd %.0f qps; ratio dnsd/unbound %.2f\n", u / r, d / r, (u > 0 ? d / u : 0)
}'
