#!/usr/bin/env bash
# Failover drills: the receiver's gap when the lab's r1-r3 WAN link is blackholed, over N drills.
#
# Usage: drills.sh [--quick] [--drills N] [--down-for MS] [--build-dir DIR] [--json FILE] [--table FILE] [--png FILE]
#   --quick       3 drills (default 20)
#   --down-for    blackhole length per drill (default 1500; the emulator lifts it itself)
#   --build-dir   where anymesh-gateway, the anymesh CLI and the lab programs were built (default build)
# The failover lab (configs/lab/failover.conf) with three anymesh-gateways (probe timeout 30 ms); per
# drill a 1000 pps UDP stream r1-be1 -> r3-be1 (lab/stream, 64 B, 3.5 s), `lab link r1 r3 --down-for`
# 0.7 s into it, then a wait until every lane is up again. A drill's gap is the longest silence at
# the receiver that starts from 50 ms before the blackhole to 1 s after it is lifted. Writes JSON
# (gaps per drill, median, p99, max, lost packets), a Markdown table and a PNG (bench/plot.py).
# Needs root; tears the lab down on every exit. Takes /tmp/anymesh-netns.lock itself (flock -o)
# unless ANYMESH_NETNS_LOCK_HELD=1 says the caller holds it, as bench/tunnel/*.sh do.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)

args=("$@")
drills=20 quick=0 down_for_ms=1500 build="" json="" table="" png=""
while [ $# -gt 0 ]; do
  case "$1" in
    --quick) quick=1; drills=3 ;;
    --drills) drills=$2; shift ;;
    --down-for) down_for_ms=$2; shift ;;
    --build-dir) build=$2; shift ;;
    --json) json=$2; shift ;;
    --table) table=$2; shift ;;
    --png) png=$2; shift ;;
    -h|--help) sed -n '2,15p' "$0"; exit 0 ;;
    *) echo "drills.sh: unknown argument $1" >&2; exit 2 ;;
  esac
  shift
done
[[ $drills =~ ^[0-9]+$ ]] && [ "$drills" -ge 1 ] && [ "$drills" -le 200 ] || { echo "drills.sh: --drills must be 1-200" >&2; exit 2; }
[[ $down_for_ms =~ ^[0-9]+$ ]] && [ "$down_for_ms" -ge 100 ] && [ "$down_for_ms" -le 2500 ] ||
  { echo "drills.sh: --down-for must be 100-2500 ms" >&2; exit 2; }
build=$(realpath "${build:-$root/build}")
export AM_LAB_BIN=$build/lab/bin AM_LAB_GATEWAY=$build/anymesh-gateway ANYMESH_BPF_DIR=${ANYMESH_BPF_DIR:-$build/bpf}
CLI=$build/controlplane/cli/anymesh
for f in "$AM_LAB_BIN/stream" "$AM_LAB_BIN/wanem" "$AM_LAB_GATEWAY" "$CLI"; do
  [ -x "$f" ] || { echo "drills.sh: $f not built (cmake --build $build --target lab anymesh-gateway anymesh)" >&2; exit 2; }
done
[ "$(id -u)" = 0 ] || { echo "drills.sh: needs root (network namespaces)" >&2; exit 2; }
if [ -z "${ANYMESH_NETNS_LOCK_HELD:-}" ]; then
  exec env ANYMESH_NETNS_LOCK_HELD=1 flock -o /tmp/anymesh-netns.lock bash "$0" "${args[@]}"
fi
[ -n "$json" ] || { mkdir -p "$root/results"; json=$root/results/failover-drills-$(date +%Y%m%d-%H%M%S).json; }

# lab_lib.sh: LAB, PY, TMP, and the trap that kills our helpers and takes the lab down on every exit.
source "$root/tests/netns/lab_lib.sh"
RUN=${AM_LAB_RUN:-/run/am-lab}
log() { printf '[drills] %s\n' "$*" >&2; }

# CLOCK_MONOTONIC (what stream stamps with) from bash's clock and one offset: no process per reading.
clock_offset_ns=$($PY -c 'import time; print(time.time_ns() - time.monotonic_ns())')
mono_ns() { local t=${EPOCHREALTIME/./}; echo $((t * 1000 - clock_offset_ns)); }

ask() { ip netns exec "am-r$1-gw" "$CLI" status --socket "$RUN/am-r$1-gw/gateway.sock" 2>/dev/null || true; }
lanes_down() { local n; for n in 1 2 3; do ask "$n"; done | awk '/^[0-9]+ +r[0-9] +[0-9]+ +down/ {d++} /^[0-9]+ +r[0-9] +[0-9]+ +(up|down)/ {t++} END {print (t ? d + 0 : -1)}'; }
wait_lanes_up() {  # wait_lanes_up SECONDS
  for _ in $(seq $(($1 * 10))); do
    [ "$(lanes_down)" = 0 ] && return 0
    sleep 0.1
  done
  return 1
}
# Times gateway r1's lane to r3 went down (its metrics).
lane_downs() {
  ip netns exec am-r1-gw curl -s 127.0.0.1:9100/metrics |
    awk '/^anymesh_lane_down_transitions_total\{peer="3"/ {s += $2} END {print s + 0}'
}

log "$drills drills: r1-r3 blackholed ${down_for_ms} ms under a 1000 pps stream r1-be1 -> r3-be1"
LAB_QUIET=1 "$LAB" down >/dev/null 2>&1 || true
"$LAB" up "$root/configs/lab/failover.conf" >/dev/null
# Round trips here are about 10 ms; the timeout leaves 20 ms for the VM's scheduling (as gateway_mesh.sh).
"$LAB" gateways up --probe-timeout-ms 30 >/dev/null
wait_lanes_up 20 || { for n in 1 2 3; do ask "$n"; done; fail "lanes did not all come up"; }
log "lab up: 3 gateways, every lane up"

pre_s=0.7 post_ms=1300
send_s=$(awk -v d="$down_for_ms" -v p="$post_ms" -v pre="$pre_s" 'BEGIN {printf "%.3f", pre + (d + p) / 1000}')
events=$TMP/drills.tsv
: >"$events"
for i in $(seq "$drills"); do
  downs_before=$(lane_downs)
  # The receiver outlives the sender by 0.8 s and waits out a whole blackhole (a failover that never
  # happens still shows as a gap).
  "$LAB" exec r3-be1 "$BIN/stream" recv --port 9000 --duration "$(awk -v s="$send_s" 'BEGIN {print s + 0.8}')" \
    --idle "$(awk -v d="$down_for_ms" 'BEGIN {print d / 1000 + 0.5}')" --gap-ms 5 >"$TMP/$i.recv.json" &
  recv=$!
  sleep 0.3
  "$LAB" exec r1-be1 "$BIN/stream" send --to 10.200.3.11:9000 --pps 1000 --size 64 --duration "$send_s" >"$TMP/$i.send.json" &
  send=$!
  sleep "$pre_s"
  t=$(mono_ns)
  "$LAB" link r1 r3 --down-for "${down_for_ms}ms" >/dev/null
  wait "$send" || fail "drill $i: stream send failed"
  wait "$recv" || fail "drill $i: stream recv failed"
  # The lane must be back (and every other one up) before the next drill.
  up_ok=1
  wait_lanes_up 10 || up_ok=0
  downs_after=$(lane_downs)
  printf '%s\t%s\t%s\t%s\n' "$i" "$t" $((downs_after - downs_before)) "$up_ok" >>"$events"
  [ "$up_ok" = 1 ] || { for n in 1 2 3; do ask "$n"; done; fail "drill $i: lanes not all up 10 s after the link came back"; }
done

$PY - "$TMP" "$events" "$json" "$down_for_ms" "$quick" <<'PYEOF'
import json, math, os, platform, statistics, subprocess, sys
tmp, events, out, down_for_ms, quick = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), sys.argv[5] == "1"
BEFORE_NS, AFTER_LIFT_NS = 50_000_000, 1_000_000_000
per_drill = []
for line in open(events):
    i, t, downs, up = line.split()
    t = int(t)
    recv = json.load(open(os.path.join(tmp, f"{i}.recv.json")))
    send = json.load(open(os.path.join(tmp, f"{i}.send.json")))
    hi = t + down_for_ms * 1_000_000 + AFTER_LIFT_NS
    mine = [(b - a) / 1e6 for a, b in recv.get("gaps", []) if t - BEFORE_NS <= a <= hi]
    per_drill.append({"drill": int(i), "gap_ms": round(max(mine), 2) if mine else None,
                      "gaps_ms": [round(g, 2) for g in mine], "sent": send["sent"], "received": recv["packets"],
                      "lost": send["sent"] - recv["packets"], "lane_down_transitions": int(downs),
                      "lanes_up_after": up == "1"})
gaps = [d["gap_ms"] for d in per_drill if d["gap_ms"] is not None]
srt = sorted(gaps)
def nearest_rank(q):
    return srt[max(0, math.ceil(q * len(srt)) - 1)] if srt else None
cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "unknown")
result = {
    "settings": {"drills": len(per_drill), "quick": quick, "down_for_ms": down_for_ms, "stream_pps": 1000,
                 "stream_size": 64, "probe_timeout_ms": 30, "lab": "configs/lab/failover.conf",
                 "gap_window": "gaps starting 50 ms before the blackhole to 1 s after it lifts; receiver --gap-ms 5",
                 "p99": "nearest rank (the max for fewer than 100 drills)"},
    "machine": {"cpu": cpu, "nproc": os.cpu_count(), "kernel": platform.release(),
                "loadavg": open("/proc/loadavg").read().split()[:3]},
    "drills": [d["gap_ms"] for d in per_drill],
    "median": round(statistics.median(gaps), 2) if gaps else None,
    "p99": nearest_rank(0.99),
    "max": srt[-1] if srt else None,
    "min": srt[0] if srt else None,
    "lost_packets": sum(d["lost"] for d in per_drill),
    "sent_packets": sum(d["sent"] for d in per_drill),
    "drills_without_gap": sum(1 for d in per_drill if d["gap_ms"] is None),
    "drills_with_flapping": sum(1 for d in per_drill if d["lane_down_transitions"] > 1),
    "per_drill": per_drill,
}
with open(out, "w") as f:
    json.dump(result, f, indent=1)
print(f"drills.sh: {len(per_drill)} drills, gap median {result['median']} ms, p99 {result['p99']} ms, "
      f"max {result['max']} ms; lost {result['lost_packets']} of {result['sent_packets']}", file=sys.stderr)
PYEOF

if [ -n "$table" ]; then
  $PY - "$json" >"$table" <<'PYEOF'
import json, sys
r = json.load(open(sys.argv[1]))
s = r["settings"]
print(f"{s['drills']} drills{' (QUICK RUN)' if s['quick'] else ''}: r1-r3 blackholed {s['down_for_ms']} ms "
      f"(`lab link --down-for`), {s['stream_pps']} pps stream r1-be1 -> r3-be1, probe timeout {s['probe_timeout_ms']} ms")
print()
print("| gap median (ms) | p99 (ms) | max (ms) | min (ms) | lost packets | sent | drills without a gap | drills with > 1 lane-down |")
print("|---:|---:|---:|---:|---:|---:|---:|---:|")
print(f"| {r['median']} | {r['p99']} | {r['max']} | {r['min']} | {r['lost_packets']} | {r['sent_packets']} | "
      f"{r['drills_without_gap']} | {r['drills_with_flapping']} |")
print()
print("| drill | gap (ms) | next gaps in the window (ms, up to 3) | lost | r1->r3 lane-down transitions |")
print("|---:|---:|---|---:|---:|")
for d in r["per_drill"]:
    others = sorted(d["gaps_ms"], reverse=True)[1:4]
    print(f"| {d['drill']} | {d['gap_ms'] if d['gap_ms'] is not None else 'NO GAP'} | {', '.join(map(str, others)) or '-'} | "
          f"{d['lost']} | {d['lane_down_transitions']} |")
print()
print(f"p99 is the nearest rank: with fewer than 100 drills it is the max. Gap: {s['gap_window']}.")
PYEOF
fi
if [ -n "$png" ]; then
  /usr/bin/python3 "$here/../plot.py" --failover "$json" --out "$(dirname "$png")" --failover-png "$(basename "$png")"
fi
no_gap=$($PY -c 'import json, sys; print(json.load(open(sys.argv[1]))["drills_without_gap"])' "$json")
[ "$no_gap" = 0 ] || fail "$no_gap drill(s) showed no gap: the blackhole did not cut the direct path?"
log "done: $json"
