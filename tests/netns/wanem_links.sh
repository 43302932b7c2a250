#!/usr/bin/env bash
# Spec: every WAN link of the lab behaves as configured: RTT within 1 ms of the configured delays,
# loss within 2 points of the setting over 10,000 packets (order kept when jitter is 0), rate limit
# within 5 % with overflow drops counted, blackhole and restore in force within 1 ms of the command.
# Usage: wanem_links.sh rtt|loss|rate|blackhole
source "$(dirname "$0")/lab_lib.sh"
mode=${1:?usage: wanem_links.sh rtt|loss|rate|blackhole}

lab_up >/dev/null

# A receiver in region r1's gateway namespace, fed from client-1 across the c1 -> r1 link.
start_receiver() {  # start_receiver SECONDS [GAP_MS]
  "$LAB" exec r1 "$BIN/stream" recv --port 9000 --duration "$1" --idle 0.5 --gap-ms "${2:-0.5}" \
    >"$TMP/recv.json" 2>"$TMP/recv.err" &
  receiver=$!
  for _ in $(seq 100); do grep -q listening "$TMP/recv.err" 2>/dev/null && return; sleep 0.02; done
  fail "receiver did not start"
}
send_from_client() { "$LAB" exec c1 "$BIN/stream" send --to 198.51.100.11:9000 "$@" >"$TMP/send.json"; }

case $mode in
rtt)
  # Default client-1 <-> r1 is 5 ms each way; r1 <-> r3 set at run time to 50 ms each way.
  m=$(median_ping_ms c1 198.51.100.11 150)
  check "client-1 -> r1 median RTT within 1 ms of 10 ms" "abs(m - 10) <= 1" m="$m"
  "$LAB" link r1 r3 --delay 50ms
  m=$(median_ping_ms r1 198.51.100.13 60)
  check "r1 -> r3 median RTT within 1 ms of 100 ms after the change" "abs(m - 100) <= 1" m="$m"
  "$LAB" link r1 r3 --delay 2ms --oneway
  m=$(median_ping_ms r1 198.51.100.13 100)
  check "one-way change: RTT within 1 ms of 2 + 50 ms" "abs(m - 52) <= 1" m="$m"
  ;;
loss)
  "$LAB" link c1 r1 --loss 5% --oneway
  start_receiver 10
  send_from_client --count 10000 --pps 10000 --size 64 --duration 5
  wait "$receiver"
  got=$(json_field packets <"$TMP/recv.json")
  reordered=$(json_field reordered <"$TMP/recv.json")
  dropped=$(link_counter c1 r1 lost)
  check "loss over 10,000 packets within 2 points of 5 %" "abs((10000 - got) / 100.0 - 5) <= 2" got="$got"
  check "emulator counted what the receiver missed" "abs((10000 - got) - lost) <= 20" got="$got" lost="$dropped"
  check "order kept without jitter" "r == 0" r="$reordered"
  ;;
rate)
  # 4,000 frames/s of 1,042 bytes (33 Mbit/s) into a 20 Mbit/s link with a 100-frame queue.
  "$LAB" link c1 r1 --rate 20mbit --queue 100 --oneway
  start_receiver 10
  send_from_client --pps 4000 --size 1000 --duration 3
  wait "$receiver"
  bps=$(json_field frame_bps <"$TMP/recv.json")
  overflow=$(link_counter c1 r1 overflow)
  check "delivered rate within 5 % of 20 Mbit/s" "abs(bps / 20e6 - 1) <= 0.05" bps="$bps"
  check "the bounded queue dropped the excess and counted it" "o > 1000" o="$overflow"
  ;;
blackhole)
  # 20,000 frames/s from client-1; five down/up cycles of the c1 -> r1 link (5 ms one way). For each
  # cycle: the last frame before the silence must arrive within 1 ms of `--down` returning (frames
  # in flight are dropped too), and the first after it within 1 ms + 5 ms of `--up` returning.
  start_receiver 12 0.5
  "$LAB" exec c1 "$BIN/stream" send --to 198.51.100.11:9000 --pps 20000 --size 64 --duration 4.5 >"$TMP/send.json" &
  sender=$!
  $PY - "$LAB" >"$TMP/cycles.txt" <<'PYEOF'
import subprocess, sys, time
lab = sys.argv[1]
time.sleep(0.5)
for _ in range(5):
    t0 = time.monotonic_ns(); subprocess.run([lab, "link", "c1", "r1", "--down", "--oneway"], check=True); t1 = time.monotonic_ns()
    time.sleep(0.15)
    t2 = time.monotonic_ns(); subprocess.run([lab, "link", "c1", "r1", "--up", "--oneway"], check=True); t3 = time.monotonic_ns()
    time.sleep(0.25)
    print(t0, t1, t2, t3)
PYEOF
  wait "$sender"
  wait "$receiver"
  read -r down_ms up_ms < <($PY - "$TMP/recv.json" "$TMP/cycles.txt" <<'PYEOF'
import json, statistics, sys
gaps = json.load(open(sys.argv[1]))["gaps"]
downs, ups = [], []
for line in open(sys.argv[2]):
    t0, t1, t2, t3 = map(int, line.split())
    # The silence of this cycle: the longest gap that starts after `--down` was issued and ends after `--up`.
    mine = [g for g in gaps if g[0] >= t0 - 2_000_000 and g[0] <= t2 and g[1] >= t2]
    if not mine:
        print(99, 99); sys.exit()
    start, end = max(mine, key=lambda g: g[1] - g[0])
    downs.append((start - t1) / 1e6)
    ups.append((end - t3) / 1e6 - 5.0)
print(statistics.median(downs), statistics.median(ups), file=sys.stderr)
print(statistics.median(downs), statistics.median(ups))
PYEOF
)
  check "blackhole in force within 1 ms of the command (median of 5)" "d <= 1" d="$down_ms"
  check "restore in force within 1 ms of the command (median of 5)" "u <= 1" u="$up_ms"
  ;;
*) fail "unknown mode $mode" ;;
esac
