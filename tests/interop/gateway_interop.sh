#!/usr/bin/env bash
# anymesh-gateway (DPDK, one lane, af_packet or af_xdp vdevs) against wireguard-go in network
# namespaces: a host on the gateway's region LAN and wireguard-go's own tunnel address reach each
# other, ping and an 8 MiB TCP transfer each way, with either side initiating the handshake.
# Usage: gateway_interop.sh GATEWAY_BIN CASE [PMD]   CASE: gateway-initiates | wggo-initiates
set -euo pipefail
gw_bin=$1 case=$2 pmd=${3:-af_xdp}
here=$(cd "$(dirname "$0")" && pwd)
AM_NS_A=amt-gi-gw-$$ AM_NS_B=amt-gi-wg-$$
source "$here/lib.sh"
NS_LAN=amt-gi-lan-$$
trap 'rc=$?; set +e; ip netns del $NS_LAN 2>/dev/null; (exit $rc); am_teardown' EXIT
wg_go=$(command -v wireguard-go) || am_fail "wireguard-go is not installed"

# Hugepages for the EAL (idempotent; the gateway uses about 20 MiB).
if [ "$(cat /proc/sys/vm/nr_hugepages)" -lt 256 ]; then echo 256 >/proc/sys/vm/nr_hugepages; fi
mountpoint -q /dev/hugepages || { mkdir -p /dev/hugepages; mount -t hugetlbfs none /dev/hugepages; }

ip netns add "$AM_NS_A"; ip netns add "$AM_NS_B"; ip netns add "$NS_LAN"
for ns in "$AM_NS_A" "$AM_NS_B" "$NS_LAN"; do
  ip -n "$ns" link set lo up
  ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1
done
ip link add outer netns "$AM_NS_A" type veth peer name wan netns "$AM_NS_B"
ip link add inner netns "$AM_NS_A" type veth peer name eth0 netns "$NS_LAN"
ip -n "$AM_NS_A" addr add 198.51.100.1/24 dev outer
ip -n "$AM_NS_A" addr add 10.200.1.1/24 dev inner
ip -n "$AM_NS_B" addr add 198.51.100.2/24 dev wan
ip -n "$NS_LAN" addr add 10.200.1.10/24 dev eth0
for l in "$AM_NS_A outer" "$AM_NS_A inner" "$AM_NS_B wan" "$NS_LAN eth0"; do
  # One MTU-sized frame per packet: the PMDs here take no offloads.
  # And complete checksums: a veth leaves TCP/UDP checksums to a "device" that never fills them.
  set -- $l; ip -n "$1" link set dev "$2" gso_max_segs 1 gso_max_size 1500 up
  ip netns exec "$1" ethtool -K "$2" tx off >/dev/null
done
ip -n "$NS_LAN" route add default via 10.200.1.1
# The kernel must not forward what the gateway carries (af_packet shows it every frame too;
# with af_xdp the XDP pre-stage keeps those frames from the kernel).
ip netns exec "$AM_NS_A" sysctl -qw net.ipv4.ip_forward=0

am_keys   # a = gateway, b = wireguard-go
gw_pub=$(cat "$AM_WORK/a.pub") wg_pub=$(cat "$AM_WORK/b.pub")
b64hex() { base64 -d <<<"$1" | od -An -tx1 | tr -d ' \n' | sed 's/../\\x&/g'; }
cat >"$AM_WORK/snapshot.txtpb" <<SNAP
version: 1
self { id: 1 region: "r1" tunnel_address: "10.200.0.1" }
peers {
  id: 2 region: "r2" public_key: "$(b64hex "$wg_pub")"
  endpoints: "198.51.100.2:51820" tunnel_address: "10.200.0.2"
  lanes { id: 0 port: 51820 }
  no_probes: true
}
groups { region: "r2" next_hops { gateway: 2 lanes: [0] weight: 1 } }
prefixes { prefix: "10.200.0.2/32" region: "r2" }
SNAP
case $pmd in
  af_packet) outer_vdev="net_af_packet0,iface=outer" inner_vdev="net_af_packet1,iface=inner" ;;
  af_xdp) outer_vdev="net_af_xdp0,iface=outer" inner_vdev="net_af_xdp1,iface=inner" ;;
  *) am_fail "unknown PMD $pmd" ;;
esac
cat >"$AM_WORK/gateway.conf" <<CONF
gateway-id = 1
region = r1
private-key-file = $AM_WORK/a.key
outer-port = $outer_vdev
inner-port = $inner_vdev
lcores = 0-1
queues = 1
lanes-per-peer = 1
listen-port = 51820
state-dir = $AM_WORK/state
metrics-address = 127.0.0.1:0
wg-interface = amgw$$
control-socket = $AM_WORK/gateway.sock
snapshot = $AM_WORK/snapshot.txtpb
CONF
sed -i 's/127.0.0.1:0/127.0.0.1:19'"$(( $$ % 100 + 100 ))"'/' "$AM_WORK/gateway.conf"

# wireguard-go: its tunnel address 10.200.0.2 is "region r2"; region r1's LAN is behind the gateway.
am_start "$wg_go" "$AM_NS_B" "amwg$$"
ip netns exec "$AM_NS_B" wg set "amwg$$" private-key "$AM_WORK/b.key" listen-port 51820 \
  peer "$gw_pub" allowed-ips 10.200.1.0/24,10.200.0.1/32 endpoint 198.51.100.1:51820
ip -n "$AM_NS_B" addr add 10.200.0.2/32 dev "amwg$$"
ip -n "$AM_NS_B" link set "amwg$$" mtu 1420 up
ip -n "$AM_NS_B" route add 10.200.1.0/24 dev "amwg$$"
ip -n "$NS_LAN" link set eth0 mtu 1420   # the tunnel MTU: the gateway sends no ICMP too-big yet

ip netns exec "$AM_NS_A" "$gw_bin" --config "$AM_WORK/gateway.conf" >"$AM_WORK/gateway.log" 2>&1 &
AM_PIDS+=($!)
AM_IFS+=("amgw$$")
for _ in $(seq 1 100); do grep -q "forwarding with" "$AM_WORK/gateway.log" && break; sleep 0.1; done
grep -q "forwarding with" "$AM_WORK/gateway.log" || { tail -30 "$AM_WORK/gateway.log" >&2; am_fail "the gateway did not start"; }

ping_ok() { ip netns exec "$1" ping -c "$3" -i 0.2 -W 2 "$2" >"$AM_WORK/ping.txt" 2>&1; }
case $case in
  gateway-initiates) first="$NS_LAN 10.200.0.2" ;;
  wggo-initiates) first="$AM_NS_B 10.200.1.10" ;;
  *) am_fail "unknown case $case" ;;
esac
set -- $first
ok=0
for _ in 1 2 3 4 5; do ping_ok "$1" "$2" 1 && { ok=1; break; }; done
[ $ok = 1 ] || { cat "$AM_WORK/ping.txt" >&2; am_fail "no first ping $first"; }
handshakes=$(ip netns exec "$AM_NS_B" wg show "amwg$$" latest-handshakes | awk '{print $2}')
[ "${handshakes:-0}" -gt 0 ] || am_fail "wireguard-go reports no handshake"
ping_ok "$NS_LAN" 10.200.0.2 20 || { cat "$AM_WORK/ping.txt" >&2; am_fail "LAN -> wireguard-go ping lost packets"; }
ping_ok "$AM_NS_B" 10.200.1.10 20 || { cat "$AM_WORK/ping.txt" >&2; am_fail "wireguard-go -> LAN ping lost packets"; }
am_log "ping both ways: 20/20"

transfer() {  # transfer SERVER_NS SERVER_ADDR CLIENT_NS
  ip netns exec "$1" /usr/bin/python3 "$here/transfer.py" server 5201 >"$AM_WORK/server.out" &
  local spid=$!
  sleep 0.5
  local sent
  sent=$(ip netns exec "$3" timeout 60 /usr/bin/python3 "$here/transfer.py" client "$2" 5201 8388608 7)
  wait "$spid"
  [ "$sent" = "$(cat "$AM_WORK/server.out")" ] || am_fail "transfer to $2 differs: sent '$sent' got '$(cat "$AM_WORK/server.out")'"
}
transfer "$AM_NS_B" 10.200.0.2 "$NS_LAN"
transfer "$NS_LAN" 10.200.1.10 "$AM_NS_B"
am_log "8 MiB each way, SHA-256 equal"

# wg show through the gateway's UAPI socket lists the lane with its handshake and bytes
# (workers publish lane figures every 100 ms).
sleep 0.3
show=$(ip netns exec "$AM_NS_A" wg show "amgw$$" dump | tail -n +2)
[ -n "$show" ] || am_fail "wg show lists no peer on the gateway"
read -r pk _ ep _ hs rx tx _ <<<"$show"
[ "$pk" = "$wg_pub" ] || am_fail "wg show: peer $pk is not wireguard-go's key"
[ "$hs" -gt 0 ] && [ "$rx" -gt 8000000 ] && [ "$tx" -gt 8000000 ] || am_fail "wg show: handshake $hs rx $rx tx $tx"
am_log "wg show: endpoint $ep rx $rx tx $tx"
kill -INT "${AM_PIDS[-1]}"; wait "${AM_PIDS[-1]}" || am_fail "the gateway did not stop cleanly"
grep -q "stopping" "$AM_WORK/gateway.log" || am_fail "no clean stop"
am_log "PASS $case ($pmd)"
