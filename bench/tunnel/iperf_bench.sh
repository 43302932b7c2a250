#!/usr/bin/env bash
# iperf3 TCP through anymesh-wg <-> anymesh-wg and wireguard-go <-> wireguard-go on one veth pair,
# alternating runs, best of two per implementation, with the peak RSS of each implementation.
#
# Usage: iperf_bench.sh [--quick] [--json FILE] [--table FILE] [--seconds N]
#                       [--anymesh-wg PATH] [--wireguard-go PATH]
# Both implementations run in the same two fresh namespaces (am-bA-PID, am-bB-PID) over the same veth
# pair, one implementation at a time. Side A runs the iperf3 client (it seals), side B the server
# (it opens). Takes /tmp/anymesh-netns.lock itself unless ANYMESH_NETNS_LOCK_HELD=1 says the caller
# holds it already (ctest runs inside the caller's lock).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)

if [ -z "${ANYMESH_NETNS_LOCK_HELD:-}" ]; then
  exec env ANYMESH_NETNS_LOCK_HELD=1 flock /tmp/anymesh-netns.lock bash "$0" "$@"
fi

quick=0
json=""
table=""
seconds=""
amwg=""
wggo=/usr/bin/wireguard-go
while [ $# -gt 0 ]; do
  case "$1" in
    --quick) quick=1 ;;
    --json) json=$2; shift ;;
    --table) table=$2; shift ;;
    --seconds) seconds=$2; shift ;;
    --anymesh-wg) amwg=$2; shift ;;
    --wireguard-go) wggo=$2; shift ;;
    -h|--help) sed -n '2,11p' "$0"; exit 0 ;;
    *) echo "iperf_bench.sh: unknown argument $1" >&2; exit 2 ;;
  esac
  shift
done
if [ -z "$amwg" ]; then
  for b in build-bench build; do
    [ -x "$root/$b/dataplane/tools/anymesh-wg/anymesh-wg" ] && { amwg=$root/$b/dataplane/tools/anymesh-wg/anymesh-wg; break; }
  done
fi
[ -x "$amwg" ] || { echo "iperf_bench.sh: anymesh-wg not found; pass --anymesh-wg PATH" >&2; exit 2; }
amwg=$(realpath "$amwg")
[ -x "$wggo" ] || { echo "iperf_bench.sh: wireguard-go not found at $wggo" >&2; exit 2; }
command -v iperf3 >/dev/null || { echo "iperf_bench.sh: iperf3 is not installed" >&2; exit 2; }

if [ "$quick" = 1 ]; then
  seconds=${seconds:-1}; rounds=1; parallels=(1)
else
  seconds=${seconds:-5}; rounds=2; parallels=(1 4)
fi
[ -n "$json" ] || { mkdir -p "$here/../results"; json=$here/../results/iperf-$(date +%Y%m%d-%H%M%S).json; }

AM_NS_A=am-bA-$$
AM_NS_B=am-bB-$$
source "$root/tests/interop/lib.sh"
log() { printf '[bench] %s\n' "$*" >&2; }

records=$AM_WORK/records.tsv
: >"$records"

am_netns_pair
am_keys
# One iperf3 server for every run: it listens on all addresses, the tunnel address comes and goes.
ip netns exec "$AM_NS_B" iperf3 -s -p 5201 >"$AM_WORK/iperf3-server.log" 2>&1 &
AM_PIDS+=($!)

rss_kb() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status" 2>/dev/null || echo 0; }
anon_kb() { awk '/^RssAnon:/ {print $2}' "/proc/$1/status" 2>/dev/null || echo 0; }
hwm_kb() { awk '/^VmHWM:/ {print $2}' "/proc/$1/status" 2>/dev/null || echo 0; }
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat" 2>/dev/null || echo 0; }

# sample_rss PID OUT: the largest VmRSS and RssAnon (private heap and stacks, without the mapped
# binary and shared libraries) seen every 50 ms until $AM_WORK/stop-sampling exists.
sample_rss() {
  local pid=$1 out=$2 max=0 max_anon=0 v a
  while [ ! -e "$AM_WORK/stop-sampling" ] && kill -0 "$pid" 2>/dev/null; do
    read -r v a < <(awk '/^VmRSS:/ {r = $2} /^RssAnon:/ {a = $2} END {print r + 0, a + 0}' "/proc/$pid/status" 2>/dev/null || echo 0 0)
    [ "${v:-0}" -gt "$max" ] && max=$v
    [ "${a:-0}" -gt "$max_anon" ] && max_anon=$a
    echo "$max $max_anon" >"$out"
    sleep 0.05
  done
}

# run_one IMPL_NAME BINARY ROUND: start a fresh pair, run iperf3 for every parallelism, stop the pair.
run_one() {
  local name=$1 bin=$2 round=$3 tag
  case "$name" in anymesh-wg) tag=ama ;; *) tag=amg ;; esac
  local ifa=${tag}${round}a$$ ifb=${tag}${round}b$$
  am_start "$bin" "$AM_NS_A" "$ifa"; local pid_a=${AM_PIDS[-1]}
  am_start "$bin" "$AM_NS_B" "$ifb"; local pid_b=${AM_PIDS[-1]}
  am_configure "$AM_NS_A" "$ifa" a b 51820 10.200.1.1/24 10.200.1.2/32 192.0.2.2:51821
  am_configure "$AM_NS_B" "$ifb" b a 51821 10.200.1.2/24 10.200.1.1/32
  ip netns exec "$AM_NS_A" ping -q -c 3 -i 0.2 -W 5 10.200.1.2 >"$AM_WORK/ping.out" 2>&1 ||
    { cat "$AM_WORK/ping.out" >&2; am_fail "$name: no traffic through the tunnel"; }
  local idle_a idle_b idle_anon_a idle_anon_b
  idle_a=$(rss_kb "$pid_a"); idle_b=$(rss_kb "$pid_b"); idle_anon_a=$(anon_kb "$pid_a"); idle_anon_b=$(anon_kb "$pid_b")
  for p in "${parallels[@]}"; do
    rm -f "$AM_WORK/stop-sampling"
    echo 0 0 >"$AM_WORK/rss_a"; echo 0 0 >"$AM_WORK/rss_b"
    sample_rss "$pid_a" "$AM_WORK/rss_a" & local sa=$!
    sample_rss "$pid_b" "$AM_WORK/rss_b" & local sb=$!
    local cpu_a0 cpu_b0
    cpu_a0=$(cpu_ticks "$pid_a"); cpu_b0=$(cpu_ticks "$pid_b")
    local out=$AM_WORK/iperf-$name-$round-$p.json
    if ! timeout $((seconds + 20)) ip netns exec "$AM_NS_A" iperf3 -c 10.200.1.2 -p 5201 -t "$seconds" -P "$p" -J >"$out" 2>&1; then
      tail -20 "$out" >&2
      am_fail "$name: iperf3 -P $p failed"
    fi
    local cpu_a1 cpu_b1
    cpu_a1=$(cpu_ticks "$pid_a"); cpu_b1=$(cpu_ticks "$pid_b")
    touch "$AM_WORK/stop-sampling"
    wait "$sa" "$sb" || true
    kill -0 "$pid_a" 2>/dev/null && kill -0 "$pid_b" 2>/dev/null || am_fail "$name exited during the run"
    local bps retrans rss_a anon_a rss_b anon_b
    read -r rss_a anon_a <"$AM_WORK/rss_a"; read -r rss_b anon_b <"$AM_WORK/rss_b"
    read -r bps retrans < <(/usr/bin/python3 -c '
import json, sys
e = json.load(open(sys.argv[1]))["end"]
print(e["sum_received"]["bits_per_second"], e["sum_sent"].get("retransmits", 0))' "$out")
    printf '%s\t' "$name" "$round" "$p" "$bps" "$retrans" "$rss_a" "$rss_b" "$anon_a" "$anon_b" \
      "$(hwm_kb "$pid_a")" "$(hwm_kb "$pid_b")" "$idle_a" "$idle_b" "$idle_anon_a" "$idle_anon_b" \
      "$((cpu_a1 - cpu_a0))" >>"$records"
    printf '%s\n' "$((cpu_b1 - cpu_b0))" >>"$records"
    log "$(printf '%-12s round %s -P %s: %6.3f Gbit/s, max RSS A %s kB B %s kB (anon %s / %s kB)' "$name" "$round" \
      "$p" "$(echo "$bps" | awk '{print $1 / 1e9}')" "$rss_a" "$rss_b" "$anon_a" "$anon_b")"
  done
  kill "$pid_a" "$pid_b" 2>/dev/null || true
  for _ in $(seq 1 100); do
    kill -0 "$pid_a" 2>/dev/null || kill -0 "$pid_b" 2>/dev/null || break
    sleep 0.05
  done
  kill -9 "$pid_a" "$pid_b" 2>/dev/null || true
  # The interfaces go with their processes; wait so the next pair can reuse the tunnel addresses.
  for _ in $(seq 1 100); do
    ip -n "$AM_NS_A" link show "$ifa" >/dev/null 2>&1 || ip -n "$AM_NS_B" link show "$ifb" >/dev/null 2>&1 || break
    sleep 0.05
  done
}

log "anymesh-wg: $amwg; wireguard-go: $wggo; ${seconds} s per run, -P ${parallels[*]}, $rounds round(s)"
for round in $(seq 0 $((rounds - 1))); do
  # Alternate who goes first, so a slow patch of the shared machine does not favour one side.
  if [ $((round % 2)) = 0 ]; then order=(anymesh-wg wireguard-go); else order=(wireguard-go anymesh-wg); fi
  for impl in "${order[@]}"; do
    if [ "$impl" = anymesh-wg ]; then run_one anymesh-wg "$amwg" "$round"; else run_one wireguard-go "$wggo" "$round"; fi
  done
done

mkdir -p "$(dirname "$json")"
/usr/bin/python3 "$here/iperf_report.py" --records "$records" --json "$json" --seconds "$seconds" \
  --quick "$quick" --anymesh-wg "$amwg" --wireguard-go "$wggo" ${table:+--table "$table"}
log "results: $json"
