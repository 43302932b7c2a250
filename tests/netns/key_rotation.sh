#!/usr/bin/env bash
# Spec: rotating a gateway's WireGuard key through the controller loses nothing. Three gateways with
# 2 lanes per peer under anymesh-controller; 1 ms UDP streams r1 -> r3 and r3 -> r1 run while
# `lab/lab rotate-key r3` puts a new key in r3's next-private-key-file, runs `anymesh rotate-key`
# (each lane drained from every route towards and from r3, switched on both ends, probed up both
# ways, given back its traffic) and makes the new key r3's own. Asserted: the rotation finishes, no
# packet of either stream is lost, r1 and r2 now know r3 by its new key on every lane (wg show),
# and the controller kept the new key in its state dir.
source "$(dirname "$0")/lab_lib.sh"
: "${AM_LAB_GATEWAY:?set AM_LAB_GATEWAY to anymesh-gateway}"
export AM_LAB_GATEWAY
export AM_CLI=${AM_CLI:?set AM_CLI to the anymesh CLI}
CLI=$AM_CLI

lab_up "$ROOT/configs/lab/failover.conf" >/dev/null
"$LAB" gateways up --probe-timeout-ms 30 --lanes 2 --controller
wait_lanes_up
old_key=$(cat /run/am-lab/keys/r3.pub)
seconds=15
"$LAB" exec r3-be1 "$BIN/stream" recv --port 9000 --duration $((seconds + 1)) --gap-ms 20 >"$TMP/recv13.json" &
recv13=$!
"$LAB" exec r1-be1 "$BIN/stream" recv --port 9001 --duration $((seconds + 1)) --gap-ms 20 >"$TMP/recv31.json" &
recv31=$!
sleep 0.3
"$LAB" exec r1-be1 "$BIN/stream" send --to 10.200.3.11:9000 --pps 1000 --size 64 --duration "$seconds" >"$TMP/send13.json" &
send13=$!
"$LAB" exec r3-be1 "$BIN/stream" send --to 10.200.1.11:9001 --pps 1000 --size 64 --duration "$seconds" >"$TMP/send31.json" &
send31=$!
sleep 1
started=$(mono_ns)
"$LAB" rotate-key r3 | tee "$TMP/rotation.txt"
took_ms=$(( ($(mono_ns) - started) / 1000000 ))
new_key=$(cat /run/am-lab/keys/r3.pub)
[ "$new_key" != "$old_key" ] || fail "r3's key did not change"
pass "rotation of r3 finished in $took_ms ms"
running_s=$(( took_ms / 1000 + 2 ))
[ "$running_s" -lt "$seconds" ] || fail "the rotation outlasted the streams ($took_ms ms): loss could not be judged"
wait "$send13" "$send31" || fail "a stream sender failed"
wait "$recv13" "$recv31" || fail "a stream receiver failed"
for dir in 13 31; do
  $PY - "$TMP/send$dir.json" "$TMP/recv$dir.json" "$dir" <<'PYEOF' || exit 1
import json, sys
send, recv = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
lost = send["sent"] - recv["packets"]
gaps = sorted(round((b - a) / 1e6, 1) for a, b in recv["gaps"])
print(f"stream r{sys.argv[3][0]} -> r{sys.argv[3][1]}: sent {send['sent']}, received {recv['packets']}, lost {lost}; longest silences (ms) {gaps[-3:]}")
sys.exit(1 if lost != 0 else 0)
PYEOF
  pass "no packet lost r${dir:0:1} -> r${dir:1:1} during the rotation"
done
for n in 1 2; do
  peers=$(ip netns exec "am-r$n-gw" wg show "amgw$n" peers)
  count=$(echo "$peers" | grep -cF "$new_key" || true)
  check "r$n knows r3 by its new key on both lanes" "c == 2" c="$count"
  grep -qF "$old_key" <<<"$peers" && fail "r$n still lists r3's old key"
done
grep -q "^3 $new_key\$" /run/am-lab/controller/state/gateway-keys || fail "the controller's state dir lacks r3's new key"
pass "the controller keeps r3's new key across restarts (state/gateway-keys)"
wait_lanes_up
pass "every lane up after the rotation"
