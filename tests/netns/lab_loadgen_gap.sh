#!/usr/bin/env bash
# Spec: loadgen reports a gap of the right length when the client's link is blackholed for 200 ms.
# Both directions of client-1 <-> r1 (5 ms each way) go dark for exactly 200 ms (the emulator lifts
# it itself); frames in flight are lost too, so replies stop when the cut starts and resume one
# round trip after it ends: every UDP flow sees one gap of 200 + 10 ms, and no flow changes backend.
source "$(dirname "$0")/lab_lib.sh"

lab_up >/dev/null
"$LAB" exec c1 "$BIN/loadgen" --target 203.0.113.10 --port 7000 --udp 8 --tcp 2 --interval-ms 1 \
  --duration 1.5 --gap-ms 20 --out "$TMP/run.json" &
loadgen=$!
sleep 0.6
"$LAB" link c1 r1 --down-for 200ms
wait "$loadgen" || fail "loadgen failed"

$PY - "$TMP/run.json" <<'PYEOF' || exit 1
import json, statistics, sys
run = json.load(open(sys.argv[1]))
udp = [f for f in run["flows"] if f["proto"] == "udp"]
tcp = [f for f in run["flows"] if f["proto"] == "tcp"]
problems = []
for f in run["flows"]:
    if f["error"]:
        problems.append(f"flow {f['flow']}: {f['error']}")
    if f["changes"]:
        problems.append(f"flow {f['flow']} changed backend: {f['changes']}")
    if not f["backend"].startswith("r1-"):
        problems.append(f"flow {f['flow']} served by {f['backend']!r}, expected region r1")
for f in udp:
    if len(f["gaps"]) != 1:
        problems.append(f"udp flow {f['flow']}: {len(f['gaps'])} gaps, expected 1: {f['gaps']}")
lengths = [g["length_ms"] for f in udp for g in f["gaps"]]
median = statistics.median(lengths) if lengths else -1
print(f"udp gap lengths (ms): {sorted(round(x, 1) for x in lengths)}; median {median:.1f}")
if not 205 <= median <= 220:
    problems.append(f"median UDP gap {median:.1f} ms, expected 210 ms (+10/-5 for scheduling on a loaded VM)")
for f in tcp:
    # TCP hides the loss behind retransmission: the silence is at least the outage.
    if not f["gaps"] or max(g["length_ms"] for g in f["gaps"]) < 200:
        problems.append(f"tcp flow {f['flow']}: no gap of >= 200 ms: {f['gaps']}")
if problems:
    print("FAIL:", *problems, sep="\n  ")
    sys.exit(1)
print("ok: every UDP flow saw one gap of ~210 ms, TCP flows a gap >= 200 ms, no backend changed")
PYEOF
