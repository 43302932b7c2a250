#!/usr/bin/env bash
# Kernel routes and neighbours (rtnetlink) against a veth pair between two namespaces made here:
# A 10.200.250.1/24 fd00:250::1/64 <-> B 10.200.250.2/24 fd00:250::2/64, plus gateway routes in A.
# The check binary runs inside A and compares what it reads with what `ip -j link` says.
# Needs root; run under /tmp/anymesh-netns.lock. Namespaces are removed on every exit.
set -euo pipefail
check=$1
ns_a=amt-agentio-a
ns_b=amt-agentio-b
if_a=amt-agentio-va
if_b=amt-agentio-vb

cleanup() {
  ip netns del "$ns_a" 2>/dev/null || true
  ip netns del "$ns_b" 2>/dev/null || true
}
trap cleanup EXIT
trap 'exit 130' INT TERM
cleanup  # left over by an earlier run that was killed

ip netns add "$ns_a"
ip netns add "$ns_b"
ip link add "$if_a" netns "$ns_a" type veth peer name "$if_b" netns "$ns_b"
for ns in "$ns_a" "$ns_b"; do ip -n "$ns" link set lo up; done
ip -n "$ns_a" addr add 10.200.250.1/24 dev "$if_a"
ip -n "$ns_b" addr add 10.200.250.2/24 dev "$if_b"
ip -n "$ns_a" addr add fd00:250::1/64 dev "$if_a" nodad
ip -n "$ns_b" addr add fd00:250::2/64 dev "$if_b" nodad
ip -n "$ns_a" link set "$if_a" up
ip -n "$ns_b" link set "$if_b" up
ip -n "$ns_a" route add 10.200.251.0/24 via 10.200.250.2
ip -n "$ns_a" route add fd00:251::/64 via fd00:250::2

link_field() {  # NS IFNAME FIELD
  ip -n "$1" -j link show dev "$2" | /usr/bin/python3 -c "import json,sys; print(json.load(sys.stdin)[0]['$3'])"
}
own_mac=$(link_field "$ns_a" "$if_a" address)
own_index=$(link_field "$ns_a" "$if_a" ifindex)
peer_mac=$(link_field "$ns_b" "$if_b" address)

timeout 30 ip netns exec "$ns_a" "$check" "$if_a" "$own_index" "$own_mac" "$peer_mac"
