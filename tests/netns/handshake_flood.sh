#!/usr/bin/env bash
# Spec: a bounded flood of WireGuard handshake initiations at gateway r3's tunnel port (valid MAC1
# for r3's public key, a static key r3 does not know) from four addresses on client-1's side, while
# a 1 ms UDP stream r1 -> r3 crosses r3: r3 answers the flood with cookie replies once it is under
# load and rate-limits the sources that use their cookie; the real peers' lanes stay up, the stream
# loses at most a small slack, and r3's CPU stays bounded. The figures are printed.
source "$(dirname "$0")/lab_lib.sh"
: "${AM_LAB_GATEWAY:?set AM_LAB_GATEWAY to anymesh-gateway}"
export AM_LAB_GATEWAY
CLI=${AM_CLI:?set AM_CLI to the anymesh CLI}
RUN=${AM_LAB_RUN:-/run/am-lab}
# 8000/s: at 20000/s the flood is still answered the same way, but the lab's two cores (flooder,
# am-inet, the WAN emulator, three gateways) delay r3's probes past their 30 ms timeout now and then.
FLOOD_PPS=${FLOOD_PPS:-8000}
FLOOD_SECONDS=${FLOOD_SECONDS:-6}
STREAM_LOSS_SLACK=${STREAM_LOSS_SLACK:-20}  # of about 10000 packets: the VM's scheduling, see docs/gateway.md

metrics_of() { ip netns exec "am-r$1-gw" curl -s 127.0.0.1:9100/metrics; }
# Sum over workers of one anymesh_tunnel_messages_total counter of gateway N.
tunnel_counter() {
  metrics_of "$1" | awk -v what="what=\"$2\"" 'index($0, "anymesh_tunnel_messages_total{") == 1 && index($0, what) {s += $2} END {print s + 0}'
}
# Lane down transitions of every gateway, summed.
all_lane_downs() {
  local n total=0 v
  for n in 1 2 3; do
    v=$(metrics_of "$n" | awk '/^anymesh_lane_down_transitions_total/ {s += $2} END {print s + 0}')
    total=$((total + v))
  done
  echo "$total"
}
# CPU time (user + system, in clock ticks) of gateway N's process.
cpu_ticks() { awk '{print $14 + $15}' "/proc/$(cat "$RUN/am-r$1-gw/gateway.pid")/stat"; }

lab_up "$ROOT/configs/lab/failover.conf" >/dev/null
"$LAB" gateways up --probe-timeout-ms 30
wait_lanes_up
[ -x "$BIN/handshake-flood" ] || fail "no $BIN/handshake-flood (build the lab target)"

# Four flood sources on client-1's LAN (10.200.101.0/24, routed to the WAN by am-inet).
sources=10.200.101.2
for k in 3 4 5; do
  "$LAB" exec c1 ip addr add "10.200.101.$k/24" dev eth0
  sources=$sources,10.200.101.$k
done

counters="rx_cookie_replies_sent rx_handshake_ratelimited rx_initiation_unknown_peer under_load_entered rx_bad_mac1 rx_initiations"
declare -A before after
for c in $counters; do before[$c]=$(tunnel_counter 3 "$c"); done
downs_before=$(all_lane_downs)

stream_seconds=$((FLOOD_SECONDS + 4))
"$LAB" exec r3-be1 "$BIN/stream" recv --port 9000 --duration $((stream_seconds + 1)) --gap-ms 5 >"$TMP/recv.json" &
recv=$!
sleep 0.3
"$LAB" exec r1-be1 "$BIN/stream" send --to 10.200.3.11:9000 --pps 1000 --size 64 --duration "$stream_seconds" \
  >"$TMP/send.json" &
send=$!
# A second of the stream alone: r3's CPU without the flood.
idle_ticks0=$(cpu_ticks 3)
sleep 1.5
idle_ticks1=$(cpu_ticks 3)
flood_ticks0=$(cpu_ticks 3)
if [ -n "${FLOOD_TRACE:-}" ]; then
  # Every 100 ms: r3's received, delivered, cookie replies and lane downs (for debugging a run).
  (while :; do
     echo "$(mono_ns) $(metrics_of 3 | awk '/what="(outer_rx|outer_delivered|lane_went_down|rx_cookie_replies_sent|outer_tx)"/ {sub(/.*what="/, "", $1); sub(/"}/, "", $1); printf "%s=%s ", $1, $2}')"
     sleep 0.1
   done) >"$TMP/trace.txt" &
  trace=$!
fi
flood_start=$(mono_ns)
# The first socket of the first source uses its cookies (MAC2): that source gets rate-limited.
"$LAB" exec c1 "$BIN/handshake-flood" --to 198.51.100.13:51820 --public-key-file "$RUN/keys/r3.pub" \
  --pps "$FLOOD_PPS" --duration "$FLOOD_SECONDS" --sources "$sources" --sockets-per-source 2 --cookie-sockets 1 \
  >"$TMP/flood.json" || fail "handshake-flood failed"
flood_end=$(mono_ns)
flood_ticks1=$(cpu_ticks 3)
if [ -n "${FLOOD_TRACE:-}" ]; then kill "$trace"; cat "$TMP/trace.txt"; fi
down_during=0
for n in 1 2 3; do down_during=$((down_during + $(lanes_down "$n"))); done
wait "$send" || fail "stream send failed"
wait "$recv" || fail "stream recv failed"
sleep 0.3  # the gateways publish counters every 100 ms
for c in $counters; do after[$c]=$(tunnel_counter 3 "$c"); done
downs_after=$(all_lane_downs)

echo "flood: $(cat "$TMP/flood.json")"
for n in 1 2 3; do
  echo "r$n lane down transitions: $(metrics_of "$n" | awk '/^anymesh_lane_down_transitions_total/ {printf "%s=%s ", $1, $2}')"
done
"$LAB" status --json | $PY -c '
import json, sys
d = json.load(sys.stdin)
for p in d["ports"]:
    if p["pool_drops"] or p["tx_errors"]: print("wan port", p["site"], "pool_drops", p["pool_drops"], "tx_errors", p["tx_errors"])
for l in d["links"]:
    if l["lost"] or l["overflow"]: print("wan link", l["from"], "->", l["to"], "in", l["in"], "lost", l["lost"], "overflow", l["overflow"])'
for c in $counters; do echo "r3 $c: +$((after[$c] - before[$c]))"; done
echo "r3 pipeline: $(metrics_of 3 | awk '/^anymesh_pipeline_packets_total/ && $2 != 0 {sub(/.*what="/, "", $1); sub(/"}/, "", $1); printf "%s=%s ", $1, $2}')"
status_of 3
flood_sent=$(json_field sent <"$TMP/flood.json")
flood_pps=$(json_field pps <"$TMP/flood.json")
flood_cookies=$(json_field cookie_replies <"$TMP/flood.json")
flood_mac2=$(json_field sent_with_mac2 <"$TMP/flood.json")
hz=$(getconf CLK_TCK)
cpu_flood=$($PY -c "print(round(100 * ($flood_ticks1 - $flood_ticks0) / $hz / (($flood_end - $flood_start) / 1e9), 1))")
cpu_idle=$($PY -c "print(round(100 * ($idle_ticks1 - $idle_ticks0) / $hz / 1.5, 1))")
echo "r3 CPU: ${cpu_idle}% with the stream alone, ${cpu_flood}% during the flood (two lcores: 200% max)"
$PY - "$TMP/recv.json" "$TMP/send.json" <<'PYEOF' >"$TMP/stream.txt" || fail "stream report unreadable"
import json, sys
recv, send = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
gaps = sorted((b - a) / 1e6 for a, b in recv["gaps"])
# A receiver that went idle for 0.5 s stops early: what it never got counts as lost too.
lost = max(recv.get("lost", 0), send["sent"] - recv["packets"])
print(f"{send['sent']} {recv['packets']} {lost} {gaps[-1] if gaps else 0:.1f}")
PYEOF
read -r stream_sent stream_received stream_lost worst_gap <"$TMP/stream.txt"
echo "stream r1 -> r3: sent $stream_sent received $stream_received lost $stream_lost, largest gap ${worst_gap} ms"

cookies_sent=$((after[rx_cookie_replies_sent] - before[rx_cookie_replies_sent]))
limited=$((after[rx_handshake_ratelimited] - before[rx_handshake_ratelimited]))
dh_spent=$((after[rx_initiation_unknown_peer] - before[rx_initiation_unknown_peer]))
entered=$((after[under_load_entered] - before[under_load_entered]))
check "the flood ran at thousands of initiations per second" "pps >= 5000" pps="$flood_pps"
check "r3 went under load" "entered >= 1" entered="$entered"
check "most of the flood was answered with cookie replies" "cookies >= 0.5 * sent" cookies="$cookies_sent" sent="$flood_sent"
check "the flooder received them" "got >= 0.5 * sent" got="$flood_cookies" sent="$cookies_sent"
check "the source using its cookie was rate-limited" "mac2 > 0 and limited >= 0.5 * mac2" mac2="$flood_mac2" limited="$limited"
# DH operations spent on the flood: the first threshold's worth (1000 per second of load build-up,
# per lane) plus 20/s (burst 5) for the one source with a cookie; far below the flood.
check "DH work stayed bounded" "dh <= 1000 * 2 + 20 * (s + 2) + 5 and dh < 0.2 * sent" \
  dh="$dh_spent" s="$FLOOD_SECONDS" sent="$flood_sent"
check "no lane of any gateway went down" "during == 0 and after == before" \
  during="$down_during" before="$downs_before" after="$downs_after"
check "the stream lost at most the slack" "lost <= slack and received > 0" lost="$stream_lost" slack="$STREAM_LOSS_SLACK" \
  received="$stream_received"
check "r3's CPU stayed bounded" "cpu <= 150" cpu="$cpu_flood"
