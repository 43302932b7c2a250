#!/usr/bin/env bash
# iperf3 TCP from a client LAN to a server LAN through two anymesh-gateways (DPDK, af_xdp vdevs on
# veths, one lane, no_probes peers) and, on the same namespaces and veths, through two wireguard-go
# with kernel forwarding; alternating runs, best of two per implementation.
#
# Usage: gateway_iperf.sh [--quick] [--json FILE] [--table FILE] [--seconds N]
#                         [--gateway PATH] [--wireguard-go PATH]
# Namespaces amt-bench-{c,ga,gb,s}-PID: client 10.200.1.10 -- gateway A (inner 10.200.1.1, outer
# 198.51.100.1) -- gateway B (outer 198.51.100.2, inner 10.200.2.1) -- server 10.200.2.10; every
# link MTU 1420 on the LAN side (the gateway sends no ICMP too-big yet). Takes
# /tmp/anymesh-netns.lock itself unless ANYMESH_NETNS_LOCK_HELD=1 says the caller holds it.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)

if [ -z "${ANYMESH_NETNS_LOCK_HELD:-}" ]; then
  exec env ANYMESH_NETNS_LOCK_HELD=1 flock -o /tmp/anymesh-netns.lock bash "$0" "$@"
fi

quick=0 json="" table="" seconds="" gw="" wggo=/usr/bin/wireguard-go
while [ $# -gt 0 ]; do
  case "$1" in
    --quick) quick=1 ;;
    --json) json=$2; shift ;;
    --table) table=$2; shift ;;
    --seconds) seconds=$2; shift ;;
    --gateway) gw=$2; shift ;;
    --wireguard-go) wggo=$2; shift ;;
    -h|--help) sed -n '2,11p' "$0"; exit 0 ;;
    *) echo "gateway_iperf.sh: unknown argument $1" >&2; exit 2 ;;
  esac
  shift
done
if [ -z "$gw" ]; then
  for b in build-bench build; do [ -x "$root/$b/anymesh-gateway" ] && { gw=$root/$b/anymesh-gateway; break; }; done
fi
[ -x "$gw" ] || { echo "gateway_iperf.sh: anymesh-gateway not found; pass --gateway PATH" >&2; exit 2; }
gw=$(realpath "$gw")
[ -x "$wggo" ] || { echo "gateway_iperf.sh: wireguard-go not found at $wggo" >&2; exit 2; }
if [ "$quick" = 1 ]; then seconds=${seconds:-1}; rounds=1; else seconds=${seconds:-5}; rounds=2; fi
[ -n "$json" ] || { mkdir -p "$root/results"; json=$root/results/gateway-iperf-$(date +%Y%m%d-%H%M%S).json; }

AM_NS_A=amt-bench-ga-$$ AM_NS_B=amt-bench-gb-$$
NS_C=amt-bench-c-$$ NS_S=amt-bench-s-$$
source "$root/tests/interop/lib.sh"
trap 'rc=$?; set +e; ip netns del $NS_C 2>/dev/null; ip netns del $NS_S 2>/dev/null; (exit $rc); am_teardown' EXIT
log() { printf '[bench] %s\n' "$*" >&2; }
records=$AM_WORK/records.tsv
: >"$records"

# Hugepages for two EALs (about 40 MiB each; idempotent).
[ "$(cat /proc/sys/vm/nr_hugepages)" -ge 256 ] || echo 256 >/proc/sys/vm/nr_hugepages
mountpoint -q /dev/hugepages || { mkdir -p /dev/hugepages; mount -t hugetlbfs none /dev/hugepages; }

for ns in "$AM_NS_A" "$AM_NS_B" "$NS_C" "$NS_S"; do
  ip netns add "$ns"
  ip -n "$ns" link set lo up
  ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1
done
ip link add outer netns "$AM_NS_A" type veth peer name outer netns "$AM_NS_B"
ip link add inner netns "$AM_NS_A" type veth peer name eth0 netns "$NS_C"
ip link add inner netns "$AM_NS_B" type veth peer name eth0 netns "$NS_S"
ip -n "$AM_NS_A" addr add 198.51.100.1/24 dev outer
ip -n "$AM_NS_B" addr add 198.51.100.2/24 dev outer
ip -n "$AM_NS_A" addr add 10.200.1.1/24 dev inner
ip -n "$AM_NS_B" addr add 10.200.2.1/24 dev inner
ip -n "$NS_C" addr add 10.200.1.10/24 dev eth0
ip -n "$NS_S" addr add 10.200.2.10/24 dev eth0
for l in "$AM_NS_A outer" "$AM_NS_A inner" "$AM_NS_B outer" "$AM_NS_B inner" "$NS_C eth0" "$NS_S eth0"; do
  # As in tests/interop/gateway_interop.sh: one frame per packet, complete checksums.
  set -- $l; ip -n "$1" link set dev "$2" gso_max_segs 1 gso_max_size 1500 up
  ip netns exec "$1" ethtool -K "$2" tx off >/dev/null
done
ip -n "$NS_C" link set eth0 mtu 1420
ip -n "$NS_S" link set eth0 mtu 1420
ip -n "$NS_C" route add default via 10.200.1.1
ip -n "$NS_S" route add default via 10.200.2.1
ip netns exec "$NS_S" iperf3 -s -p 5201 >"$AM_WORK/iperf3-server.log" 2>&1 &
AM_PIDS+=($!)
am_keys
pub_a=$(cat "$AM_WORK/a.pub") pub_b=$(cat "$AM_WORK/b.pub")
b64hex() { base64 -d <<<"$1" | od -An -tx1 | tr -d ' \n' | sed 's/../\\x&/g'; }

# gateway_conf SELF(a|b) ID PEER_ID PEER_PUB PEER_OUTER PEER_PREFIX
gateway_conf() {
  local self=$1 id=$2 peer=$3 peer_pub=$4 peer_outer=$5 prefix=$6 dir=$AM_WORK/gw-$1
  mkdir -p "$dir"
  cat >"$dir/snapshot.txtpb" <<SNAP
version: 1
self { id: $id region: "r$id" tunnel_address: "10.200.0.$id" }
peers {
  id: $peer region: "r$peer" public_key: "$(b64hex "$peer_pub")"
  endpoints: "$peer_outer:51820" tunnel_address: "10.200.0.$peer"
  lanes { id: 0 port: 51820 }
  no_probes: true
}
groups { region: "r$peer" next_hops { gateway: $peer lanes: [0] weight: 1 } }
prefixes { prefix: "$prefix" region: "r$peer" }
prefixes { prefix: "10.200.0.$peer/32" region: "r$peer" }
SNAP
  cat >"$dir/gateway.conf" <<CONF
gateway-id = $id
region = r$id
private-key-file = $AM_WORK/$self.key
outer-port = net_af_xdp0,iface=outer
inner-port = net_af_xdp1,iface=inner
lcores = 0-1
queues = 1
lanes-per-peer = 1
listen-port = 51820
state-dir = $dir/state
metrics-address = 127.0.0.1:$((19000 + $$ % 500 * 2 + id))
wg-interface = amtbg$id$$
control-socket = $dir/gateway.sock
snapshot = $dir/snapshot.txtpb
CONF
}
gateway_conf a 1 2 "$pub_b" 198.51.100.2 10.200.2.0/24
gateway_conf b 2 1 "$pub_a" 198.51.100.1 10.200.1.0/24

cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat" 2>/dev/null || echo 0; }
rss_kb() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status" 2>/dev/null || echo 0; }

start_pair() {  # start_pair IMPL ROUND: sets pid_a pid_b
  local impl=$1 round=$2
  if [ "$impl" = anymesh-gateway ]; then
    ip netns exec "$AM_NS_A" sysctl -qw net.ipv4.ip_forward=0
    ip netns exec "$AM_NS_B" sysctl -qw net.ipv4.ip_forward=0
    for s in a b; do
      local ns=$AM_NS_A; [ $s = b ] && ns=$AM_NS_B
      ip netns exec "$ns" "$gw" --config "$AM_WORK/gw-$s/gateway.conf" >"$AM_WORK/gw-$s-$round.log" 2>&1 &
      AM_PIDS+=($!)
      [ $s = a ] && pid_a=$! || pid_b=$!
      AM_IFS+=("amtbg$([ $s = a ] && echo 1 || echo 2)$$")
      for _ in $(seq 1 100); do grep -q "forwarding with" "$AM_WORK/gw-$s-$round.log" && break; sleep 0.1; done
      grep -q "forwarding with" "$AM_WORK/gw-$s-$round.log" || { tail -20 "$AM_WORK/gw-$s-$round.log" >&2; am_fail "gateway $s did not start"; }
    done
  else
    local ifa=amtbwa$round$$ ifb=amtbwb$round$$
    am_start "$wggo" "$AM_NS_A" "$ifa"; pid_a=${AM_PIDS[-1]}
    am_start "$wggo" "$AM_NS_B" "$ifb"; pid_b=${AM_PIDS[-1]}
    ip netns exec "$AM_NS_A" wg set "$ifa" private-key "$AM_WORK/a.key" listen-port 51820 peer "$pub_b" \
      allowed-ips 10.200.2.0/24,10.200.0.2/32 endpoint 198.51.100.2:51820
    ip netns exec "$AM_NS_B" wg set "$ifb" private-key "$AM_WORK/b.key" listen-port 51820 peer "$pub_a" \
      allowed-ips 10.200.1.0/24,10.200.0.1/32 endpoint 198.51.100.1:51820
    ip -n "$AM_NS_A" addr add 10.200.0.1/32 dev "$ifa"; ip -n "$AM_NS_A" link set "$ifa" mtu 1420 up
    ip -n "$AM_NS_B" addr add 10.200.0.2/32 dev "$ifb"; ip -n "$AM_NS_B" link set "$ifb" mtu 1420 up
    ip -n "$AM_NS_A" route add 10.200.2.0/24 dev "$ifa"
    ip -n "$AM_NS_B" route add 10.200.1.0/24 dev "$ifb"
    ip netns exec "$AM_NS_A" sysctl -qw net.ipv4.ip_forward=1
    ip netns exec "$AM_NS_B" sysctl -qw net.ipv4.ip_forward=1
  fi
}

stop_pair() {
  kill -INT "$pid_a" "$pid_b" 2>/dev/null || true
  for _ in $(seq 1 100); do kill -0 "$pid_a" 2>/dev/null || kill -0 "$pid_b" 2>/dev/null || break; sleep 0.05; done
  kill -9 "$pid_a" "$pid_b" 2>/dev/null || true
  wait "$pid_a" "$pid_b" 2>/dev/null || true
  sleep 0.3  # the af_xdp sockets and XDP programs go with the process
}

run_one() {  # run_one IMPL ROUND
  local impl=$1 round=$2
  start_pair "$impl" "$round"
  local ok=0
  for _ in $(seq 1 10); do ip netns exec "$NS_C" ping -q -c 1 -W 1 10.200.2.10 >/dev/null 2>&1 && { ok=1; break; }; done
  [ $ok = 1 ] || am_fail "$impl: no ping from the client LAN to the server LAN"
  local out=$AM_WORK/iperf-$impl-$round.json cpu_a0 cpu_b0
  cpu_a0=$(cpu_ticks "$pid_a"); cpu_b0=$(cpu_ticks "$pid_b")
  if ! timeout $((seconds + 20)) ip netns exec "$NS_C" iperf3 -c 10.200.2.10 -p 5201 -t "$seconds" -J >"$out" 2>&1; then
    tail -20 "$out" >&2; am_fail "$impl: iperf3 failed"
  fi
  local bps retrans
  read -r bps retrans < <(/usr/bin/python3 -c '
import json, sys
e = json.load(open(sys.argv[1]))["end"]
print(e["sum_received"]["bits_per_second"], e["sum_sent"].get("retransmits", 0))' "$out")
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$impl" "$round" "$bps" "$retrans" "$(rss_kb "$pid_a")" "$(rss_kb "$pid_b")" \
    "$(( $(cpu_ticks "$pid_a") - cpu_a0 ))" "$(( $(cpu_ticks "$pid_b") - cpu_b0 ))" >>"$records"
  log "$(printf '%-16s round %s: %6.3f Gbit/s (%s retransmits)' "$impl" "$round" "$(awk -v b="$bps" 'BEGIN {print b / 1e9}')" "$retrans")"
  stop_pair
}

log "anymesh-gateway: $gw; wireguard-go: $wggo; ${seconds} s per run, $rounds round(s)"
for round in $(seq 0 $((rounds - 1))); do
  if [ $((round % 2)) = 0 ]; then order=(anymesh-gateway wireguard-go); else order=(wireguard-go anymesh-gateway); fi
  for impl in "${order[@]}"; do run_one "$impl" "$round"; done
done

mkdir -p "$(dirname "$json")"
/usr/bin/python3 - "$records" "$json" "$seconds" "$quick" "${table:-}" <<'PY'
import json, os, platform, sys
records, out, seconds, quick, table = sys.argv[1], sys.argv[2], float(sys.argv[3]), sys.argv[4] == "1", sys.argv[5]
ticks = os.sysconf("SC_CLK_TCK")
impls = {}
for line in open(records):
    impl, rnd, bps, retr, rss_a, rss_b, cpu_a, cpu_b = line.split("\t")
    i = impls.setdefault(impl, {"runs": [], "best_gbps": 0.0, "rss_max_kb": 0})
    g = float(bps) / 1e9
    cores = (int(cpu_a) + int(cpu_b)) / ticks / seconds
    i["runs"].append({"round": int(rnd), "gbps": g, "retransmits": int(retr), "rss_sender_kb": int(rss_a),
                      "rss_receiver_kb": int(rss_b), "cpu_cores": cores})
    i["best_gbps"] = max(i["best_gbps"], g)
    i["rss_max_kb"] = max(i["rss_max_kb"], int(rss_a), int(rss_b))
gw, wg = impls.get("anymesh-gateway", {}), impls.get("wireguard-go", {})
ratio = gw["best_gbps"] / wg["best_gbps"] if wg.get("best_gbps") else None
cpu = open("/proc/cpuinfo").read().split("model name")[1].split(":", 1)[1].split("\n")[0].strip()
result = {"benchmark": "gateway_iperf", "machine": {"cpu": cpu, "nproc": os.cpu_count(), "kernel": platform.release()},
          "settings": {"quick": quick, "seconds_per_run": seconds, "rounds": len(gw.get("runs", []))},
          "implementations": impls, "ratios": {"throughput_p1": ratio}}
json.dump(result, open(out, "w"), indent=2)
lines = ["| measure | anymesh-gateway x2 | wireguard-go x2 | gateway/wireguard-go |", "|---|---:|---:|---:|",
         f"| iperf3 TCP -P 1 client LAN -> server LAN, best Gbit/s | {gw['best_gbps']:.3f} | {wg['best_gbps']:.3f} | "
         f"**{ratio:.2f}x** |" if ratio else "| iperf3 | - | - | - |",
         f"| RSS at the end of a run, max of both sides, MiB (hugepages not included) | {gw['rss_max_kb'] / 1024:.1f} | "
         f"{wg['rss_max_kb'] / 1024:.1f} | |"]
runs = "; ".join(f"{k} round {r['round']}: {r['gbps']:.3f} Gbit/s ({r['retransmits']} retr, {r['cpu_cores']:.2f} cores)"
                 for k, v in impls.items() for r in v["runs"])
text = "\n".join(lines) + "\n\nRuns: " + runs + "\n"
print(text)
if table:
    open(table, "w").write(text)
PY
log "results: $json"
