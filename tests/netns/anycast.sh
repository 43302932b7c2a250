#!/usr/bin/env bash
# Spec: anycast ingress through three anymesh-gateways (DPDK workers behind the XDP pre-stage; GUE
# to backends running gue_decap; VIP 203.0.113.10, services echo-udp and echo-tcp on port 7000).
#   split:    10,000 new UDP flows from client-1 (entering at r1) split over the regions' endpoint
#             groups by weight x dial, each region within 5 points of its share; every flow answered.
#   pinning:  TCP connections and UDP flows running from client-1 while the snapshot changes weights,
#             adds a backend and sets r1's dial to 0: no established flow changes backend or breaks;
#             after the drain no new flow goes to r1.
#   health:   a backend's service is stopped: health checks take it out within fall x interval (+ one
#             interval and slack); new flows avoid it, flows pinned to it move, the rest stay.
#   relay:    flows steered from r1 to r3's group keep their r3 backends when the r1-r3 link is
#             blackholed: they cross r2 inside IP-in-IP to r3's gateway (a relay never steers them).
#   withdraw: under the controller, every backend of r1 stops: r1 withdraws the VIP over BGP, client-1
#             then enters at r2 and every new flow is served by r2 or r3.
source "$(dirname "$0")/lab_lib.sh"
mode=${1:?split, pinning, health, relay or withdraw}
: "${AM_LAB_GATEWAY:?set AM_LAB_GATEWAY to anymesh-gateway}"
export AM_LAB_GATEWAY
CLI=${AM_CLI:?set AM_CLI to the anymesh CLI}
ulimit -n 16384

# loadgen from client-1 (or CLIENT) to the VIP; the JSON report to $TMP/$1.json.
loadgen() {
  local name=$1
  shift
  "$LAB" exec "${CLIENT:-c1}" "$BIN/loadgen" --target 203.0.113.10 --port 7000 "$@" --out "$TMP/$name.json"
}
# Drop counters that are not zero, on every gateway (for a failure's context).
drops() {
  local n
  for n in 1 2 3; do
    ip netns exec "am-r$n-gw" curl -s 127.0.0.1:9100/metrics |
      grep -E '^anymesh_(pipeline|anycast)_packets_total' | grep -vE ' 0$' | sed "s/^/r$n /"
  done
}
# A summary field of a loadgen report.
summary() { $PY -c 'import json, sys; print(json.load(open(sys.argv[1]))["summary"][sys.argv[2]])' "$TMP/$1.json" "$2"; }
# Flows per region ("r1 r2 r3" counts) over one or more loadgen reports.
flows_per_region() {
  $PY - "$@" <<'PYEOF'
import json, sys
count = {"r1": 0, "r2": 0, "r3": 0}
for path in sys.argv[1:]:
    for backend, n in json.load(open(path))["summary"]["flows_by_backend"].items():
        count[backend.split("-")[0]] += n
print(count["r1"], count["r2"], count["r3"])
PYEOF
}
# Flows whose backend changed, and flows with an error, in a loadgen report.
moved_flows() { $PY -c 'import json, sys; print(sum(1 for f in json.load(open(sys.argv[1]))["flows"] if f.get("changes")))' "$TMP/$1.json"; }
broken_flows() { $PY -c 'import json, sys; print(sum(1 for f in json.load(open(sys.argv[1]))["flows"] if f.get("error")))' "$TMP/$1.json"; }

services_file() {  # services_file NAME 'UDP GROUPS JSON' [HEALTH JSON] — echo-tcp keeps the same groups
  local health=${3:-'{}'}
  cat >"$TMP/$1.services.json" <<JSON
{"services": [{"name": "echo-udp", "protocol": "udp", "port": 7000, "groups": $2, "health": $health},
              {"name": "echo-tcp", "protocol": "tcp", "port": 7000, "groups": $2, "health": $health}]}
JSON
  echo "$TMP/$1.services.json"
}

case $mode in
  split)
    lab_up "$ROOT/configs/lab/anycast.conf" >/dev/null
    # Shares: r1 128 x 100 % = 128, r2 64 x 100 % = 64, r3 128 x 50 % = 64 -> 50 / 25 / 25 %.
    "$LAB" gateways up --probe-timeout-ms 30 --services "$(services_file split \
      '[{"region": "r1", "weight": 128}, {"region": "r2", "weight": 64}, {"region": "r3", "weight": 128, "dial": 50}]')"
    wait_lanes_up
    reports=()
    for batch in 1 2 3 4 5; do
      loadgen "split$batch" --udp 2000 --interval-ms 1000 --duration 0.5 --count 1 --linger 1
      reports+=("$TMP/split$batch.json")
      echo "batch $batch: $(summary "split$batch" received) of 2000 answered"
    done
    read -r r1 r2 r3 < <(flows_per_region "${reports[@]}")
    total=$((r1 + r2 + r3))
    echo "10,000 flows: r1 $r1, r2 $r2, r3 $r3 answered ($total)"
    [ "$total" -ge 9900 ] || drops
    check "nearly every flow answered" "t >= 9900" t=$total
    check "r1 share 50 % within 5 points" "abs(100.0 * a / t - 50) <= 5" a=$r1 t=$total
    check "r2 share 25 % within 5 points" "abs(100.0 * a / t - 25) <= 5" a=$r2 t=$total
    check "r3 share 25 % within 5 points" "abs(100.0 * a / t - 25) <= 5" a=$r3 t=$total
    status_of 1 | grep -E '^anycast'
    ;;
  pinning)
    lab_up "$ROOT/configs/lab/anycast.conf" >/dev/null
    all='[{"region": "r1", "backends": [1, 2]}, {"region": "r2", "backends": [1, 2]}, {"region": "r3", "backends": [1, 2]}]'
    "$LAB" gateways up --probe-timeout-ms 30 --services "$(services_file v1 "$all")"
    wait_lanes_up
    loadgen running --tcp 60 --udp 60 --interval-ms 20 --duration 9 --gap-ms 1000 &
    runner=$!
    sleep 2
    "$LAB" gateways reload --services "$(services_file v2 \
      '[{"region": "r1", "weight": 30, "backends": [1, 2]}, {"region": "r2", "weight": 255, "backends": [1, 2]}, {"region": "r3", "backends": [1, 2]}]')"
    sleep 2
    "$LAB" gateways reload --services "$(services_file v3 \
      '[{"region": "r1", "weight": 30, "backends": [1, 2, 3]}, {"region": "r2", "weight": 255, "backends": [1, 2, 3]}, {"region": "r3", "backends": [1, 2, 3]}]')"
    sleep 2
    "$LAB" gateways reload --services "$(services_file v4 \
      '[{"region": "r1", "dial": 0, "backends": [1, 2, 3]}, {"region": "r2", "backends": [1, 2, 3]}, {"region": "r3", "backends": [1, 2, 3]}]')"
    wait "$runner"
    read -r r1 r2 r3 < <(flows_per_region "$TMP/running.json")
    echo "120 established flows by region: r1 $r1, r2 $r2, r3 $r3; lost $(( $(summary running sent) - $(summary running received) )) of $(summary running sent) probes"
    check "no established flow changed backend (weight change, backend added, dial 0)" "m == 0" m="$(moved_flows running)"
    check "no established TCP connection broke" "b == 0" b="$(broken_flows running)"
    check "every established flow answered" "t == 120" t=$((r1 + r2 + r3))
    check "established flows on r1 stayed there through the drain" "a > 0" a="$r1"
    check "probes of established flows answered (>= 99 %)" "r >= 0.99 * s" r="$(summary running received)" s="$(summary running sent)"
    # From client-2 (entering at r3): client-1's new source ports could repeat a pinned 5-tuple.
    CLIENT=c2 loadgen drained --udp 2000 --interval-ms 1000 --duration 0.5 --count 1 --linger 1
    read -r r1 r2 r3 < <(flows_per_region "$TMP/drained.json")
    echo "2000 new flows from client-2 after r1's dial went to 0: r1 $r1, r2 $r2, r3 $r3"
    [ $((r1 + r2 + r3)) -ge 1980 ] || drops
    check "dial 0 drains new flows: none to r1" "a == 0 and t >= 1980" a="$r1" t=$((r1 + r2 + r3))
    ;;
  health)
    lab_up "$ROOT/configs/lab/anycast.conf" >/dev/null
    # Checks every 200 ms, fall 3: a dead backend must leave within 600 ms (+ one interval of phase).
    "$LAB" gateways up --probe-timeout-ms 30 --services "$(services_file h \
      '[{"region": "r1"}, {"region": "r2", "weight": 0}, {"region": "r3", "weight": 0}]' '{"interval_ms": 200}')"
    wait_lanes_up
    loadgen running --udp 90 --interval-ms 10 --duration 5 --gap-ms 30 &
    runner=$!
    sleep 1.5
    killed=$(mono_ns)
    for pid in $(ip netns pids am-r1-be1); do kill "$pid"; done
    left=""
    for _ in $(seq 400); do
      if grep -qE '^ +[0-9]+ 10\.200\.1\.11 UNHEALTHY' <(status_of 1); then left=$(mono_ns); break; fi
      sleep 0.01
    done
    [ -n "$left" ] || fail "r1 never saw 10.200.1.11 fail its health checks"
    wait "$runner"
    detect_ms=$(( (left - killed) / 1000000 ))
    echo "backend r1-be1 stopped: health checks took it out after $detect_ms ms"
    check "out within fall x interval + one interval + 150 ms slack (950 ms)" "d <= 950" d=$detect_ms
    read -r moved < <(moved_flows running)
    on_be1=$($PY -c 'import json, sys; print(sum(1 for f in json.load(open(sys.argv[1]))["flows"] if "r1-be1" in f["backends"]))' "$TMP/running.json")
    max_gap=$(summary running max_gap_ms)
    echo "$on_be1 flows were on r1-be1, $moved moved; the longest silence of any flow $max_gap ms"
    check "only the dead backend's flows moved" "m == b and b > 0" m="$moved" b="$on_be1"
    loadgen after --udp 1000 --interval-ms 1000 --duration 0.5 --count 1 --linger 1
    $PY -c 'import json, sys; b = json.load(open(sys.argv[1]))["summary"]["flows_by_backend"]; print(b); sys.exit(1 if "r1-be1" in b else 0)' \
      "$TMP/after.json" || fail "a new flow went to the failed backend"
    [ "$(summary after received)" -ge 990 ] || drops
    check "new flows all answered by the healthy backends" "t >= 990" t="$(summary after received)"
    ;;
  relay)
    lab_up "$ROOT/configs/lab/anycast.conf" >/dev/null
    "$LAB" gateways up --probe-timeout-ms 30 --services "$(services_file relay \
      '[{"region": "r1", "weight": 0}, {"region": "r2", "weight": 0}, {"region": "r3"}]')"
    wait_lanes_up
    loadgen running --udp 40 --tcp 20 --interval-ms 10 --duration 6 --gap-ms 30 &
    runner=$!
    sleep 2
    relay_before=$(link_counter r1 r2 in)
    "$LAB" link r1 r3 --down
    sleep 2
    relay_during=$(link_counter r1 r2 in)
    "$LAB" link r1 r3 --up
    wait "$runner"
    read -r r1 r2 r3 < <(flows_per_region "$TMP/running.json")
    max_gap=$(summary running max_gap_ms)
    echo "60 flows to r3's group: r1 $r1, r2 $r2, r3 $r3; $(summary running received) of $(summary running sent) answered; longest silence $max_gap ms"
    check "the relay r2 carried the flows while r1-r3 was dark" "d - b >= 1000" b="$relay_before" d="$relay_during"
    check "every flow stayed on r3's backends" "c == 60 and a + b == 0" a="$r1" b="$r2" c="$r3"
    check "no flow changed backend" "m == 0" m="$(moved_flows running)"
    check "no TCP connection broke" "b == 0" b="$(broken_flows running)"
    check "the longest silence is the failover (<= 250 ms)" "g <= 250" g="$max_gap"
    ;;
  withdraw)
    lab_up "$ROOT/configs/lab/anycast.conf" >/dev/null
    "$LAB" gateways up --probe-timeout-ms 30 --controller
    wait_lanes_up
    vip_via() { ip -n am-inet route show table 101 203.0.113.10 | grep -o 'via [0-9.]*' | sed -n '1s/^via //p'; }
    for _ in $(seq 100); do [ "$(vip_via)" = 198.51.100.11 ] && break; sleep 0.1; done
    [ "$(vip_via)" = 198.51.100.11 ] || fail "client-1's route to the VIP is via $(vip_via), not r1"
    pass "client-1 reaches the VIP through r1 (nearest)"
    loadgen before --udp 300 --interval-ms 1000 --duration 0.5 --count 1 --linger 1
    check "VIP answered through r1" "t >= 297" t="$(summary before received)"
    killed=$(mono_ns)
    for k in 1 2 3; do for pid in $(ip netns pids "am-r1-be$k"); do kill "$pid"; done; done
    moved=""
    for _ in $(seq 500); do
      [ "$(vip_via)" = 198.51.100.12 ] && { moved=$(mono_ns); break; }
      sleep 0.01
    done
    [ -n "$moved" ] || { status_of 1; fail "client-1's VIP route did not move to r2 (via $(vip_via))"; }
    echo "every r1 backend stopped: client-1's VIP route moved to r2 after $(( (moved - killed) / 1000000 )) ms"
    grep -E "BGP" /run/am-lab/am-r1-gw/gateway.log | tail -2
    # r1's reports show its groups without a healthy backend: the controller marks them unhealthy
    # in every snapshot, so r2 (where client-1 now enters) stops steering flows to r1.
    unhealthy=0
    for _ in $(seq 100); do
      unhealthy=$(ip netns exec am-inet "$CLI" services --controller 198.51.100.1:7443 | grep -cE '^ +[0-9]+ +r1 .* unhealthy ' || true)
      [ "$unhealthy" = 2 ] && break
      sleep 0.1
    done
    [ "$unhealthy" = 2 ] || fail "the controller never marked r1's groups unhealthy"
    sleep 0.5  # the snapshots it pushed, applied
    pass "the controller marked r1's groups unhealthy $(( ($(mono_ns) - killed) / 1000000 )) ms after the backends stopped"
    loadgen after --udp 1000 --interval-ms 1000 --duration 0.5 --count 1 --linger 1
    read -r r1 r2 r3 < <(flows_per_region "$TMP/after.json")
    echo "1000 new flows after the withdrawal: r1 $r1, r2 $r2, r3 $r3"
    check "every new flow served by r2 or r3" "a == 0 and b + c >= 990" a="$r1" b="$r2" c="$r3"
    in_r2=$(link_counter c1 r2 in)
    check "client-1's packets now enter at r2" "n >= 1000" n="$in_r2"
    ;;
  *) fail "unknown mode $mode" ;;
esac
