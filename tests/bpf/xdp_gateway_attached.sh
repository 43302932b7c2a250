#!/bin/bash
# netns test: xdp_gateway attached by iproute2 (as the DPDK PMD attaches it: the agent did not load
# it) is found by XdpGatewayMaps::open_attached, configured through its maps, and then counts the
# packets a second namespace sends according to that configuration.
#   xdp_gateway_attached.sh ANYMESH_BPF_ATTACHED XDP_GATEWAY_OBJECT   (root; under the netns lock)
set -euo pipefail
tool=$1
object=$2
gw=amt-bpf-gw
peer=amt-bpf-peer
cleanup() {
  ip netns del "$gw" 2>/dev/null || true
  ip netns del "$peer" 2>/dev/null || true
}
trap cleanup EXIT
cleanup

ip netns add "$gw"
ip netns add "$peer"
ip link add amt-bpf-gw0 type veth peer name amt-bpf-peer0
ip link set amt-bpf-gw0 netns "$gw"
ip link set amt-bpf-peer0 netns "$peer"
ip -n "$gw" addr add 10.200.250.1/30 dev amt-bpf-gw0
ip -n "$peer" addr add 10.200.250.2/30 dev amt-bpf-peer0
ip -n "$gw" link set amt-bpf-gw0 up
ip -n "$peer" link set amt-bpf-peer0 up
ip -n "$peer" route add 10.200.0.0/16 via 10.200.250.1

fail() { echo "FAIL: $*" >&2; exit 1; }
in_gw() { ip netns exec "$gw" "$@"; }
counter() { in_gw "$tool" amt-bpf-gw0 counters | awk -v n="$1" '$1 == n { print $2 }'; }
send_udp() {  # send_udp DST PORT COUNT
  for _ in $(seq "$3"); do
    ip netns exec "$peer" bash -c "echo anymesh > /dev/udp/$1/$2" || true
  done
  sleep 0.3
}

# Not attached yet: open_attached must say so.
if in_gw "$tool" amt-bpf-gw0 counters 2>/dev/null; then fail "open_attached succeeded without a program"; fi

ip -n "$gw" link set dev amt-bpf-gw0 xdpgeneric obj "$object" sec xdp
ip netns exec "$peer" ping -c 1 -W 2 10.200.250.1 >/dev/null || fail "no connectivity with role unset"
[ "$(counter pass_unconfigured)" -ge 1 ] || fail "role unset did not count pass_unconfigured"

in_gw "$tool" amt-bpf-gw0 outer 51820 4
tunnel_before=$(counter xsk_tunnel)
other_before=$(counter pass_not_tunnel)
send_udp 10.200.250.1 51821 5
send_udp 10.200.250.1 9 3
[ "$(counter xsk_tunnel)" -eq $((tunnel_before + 5)) ] || fail "xsk_tunnel: $(counter xsk_tunnel), want $((tunnel_before + 5))"
[ "$(counter note_xsk_no_socket)" -ge 5 ] || fail "no socket: the tunnel packets did not fall back to the kernel"
[ "$(counter pass_not_tunnel)" -ge $((other_before + 3)) ] || fail "pass_not_tunnel did not count port 9"
ip netns exec "$peer" ping -c 1 -W 2 10.200.250.1 >/dev/null || fail "role outer cut the host off"

in_gw "$tool" amt-bpf-gw0 inner 10.200.77.0/24 fd00:c8::/32
grep -q '"prefixlen": 24' <(in_gw bpftool map dump name mesh_prefix_v4) || fail "mesh_prefix_v4 not written"
mesh_before=$(counter xsk_mesh)
not_mesh_before=$(counter pass_not_mesh)
send_udp 10.200.77.5 5000 4
send_udp 10.200.88.5 5000 2
[ "$(counter xsk_mesh)" -eq $((mesh_before + 4)) ] || fail "xsk_mesh: $(counter xsk_mesh), want $((mesh_before + 4))"
[ "$(counter pass_not_mesh)" -ge $((not_mesh_before + 2)) ] || fail "pass_not_mesh did not count 10.200.88.5"

# Replacing the prefix set removes the old entry.
in_gw "$tool" amt-bpf-gw0 inner 10.200.88.0/24
mesh_before=$(counter xsk_mesh)
send_udp 10.200.77.5 5000 2
[ "$(counter xsk_mesh)" -eq "$mesh_before" ] || fail "a removed mesh prefix still steers"
send_udp 10.200.88.5 5000 2
[ "$(counter xsk_mesh)" -eq $((mesh_before + 2)) ] || fail "the new mesh prefix does not steer"
echo "PASS: xdp_gateway attached to amt-bpf-gw0 found, configured and counting"
