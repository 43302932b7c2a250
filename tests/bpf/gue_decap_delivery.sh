#!/bin/bash
# netns test: a GUE packet (built with scapy, as xdp_gateway builds them) sent from a "gateway"
# namespace reaches a UDP socket bound to the VIP on lo in a "backend" namespace, because
# gue_decap (attached by GueDecapAttachment) strips the outer headers; the kernel has no fou.
#   gue_decap_delivery.sh ANYMESH_BPF_DECAP   (root; under the netns lock)
set -euo pipefail
tool=$1
py=/usr/bin/python3
gw=amt-bpf-dgw
be=amt-bpf-dbe
work=$(mktemp -d)
cleanup() {
  [ -n "${decap_pid:-}" ] && kill "$decap_pid" 2>/dev/null || true
  ip netns del "$gw" 2>/dev/null || true
  ip netns del "$be" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
ip netns del "$gw" 2>/dev/null || true
ip netns del "$be" 2>/dev/null || true
fail() { echo "FAIL: $*" >&2; exit 1; }

ip netns add "$gw"
ip netns add "$be"
ip link add amt-bpf-dgw0 type veth peer name amt-bpf-dbe0
ip link set amt-bpf-dgw0 netns "$gw"
ip link set amt-bpf-dbe0 netns "$be"
ip -n "$gw" addr add 10.200.251.1/30 dev amt-bpf-dgw0
ip -n "$be" addr add 10.200.251.2/30 dev amt-bpf-dbe0
ip -n "$gw" link set amt-bpf-dgw0 up
ip -n "$be" link set amt-bpf-dbe0 up
ip -n "$be" link set lo up
ip -n "$be" addr add 203.0.113.10/32 dev lo
ip netns exec "$be" sysctl -qw net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.default.rp_filter=0 \
  net.ipv4.conf.amt-bpf-dbe0.rp_filter=0
ip netns exec "$gw" ping -c 1 -W 2 10.200.251.2 >/dev/null || fail "no connectivity"

ip netns exec "$be" "$tool" amt-bpf-dbe0 6080 6 >"$work/decap.out" 2>&1 &
decap_pid=$!
for _ in $(seq 50); do grep -q attached "$work/decap.out" 2>/dev/null && break; sleep 0.1; done
grep -q attached "$work/decap.out" || fail "gue_decap did not attach: $(cat "$work/decap.out")"

# The VIP service: one datagram expected, printed with its source address.
ip netns exec "$be" timeout 5 "$py" -c '
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("203.0.113.10", 5353))
data, peer = s.recvfrom(2048)
print(peer[0], data.decode())
' >"$work/received" &
receiver=$!
sleep 0.5
ip netns exec "$gw" "$py" - <<'PY' 2>/dev/null
from scapy.all import IP, UDP, Raw, send, conf
conf.verb = 0
inner = IP(src="192.0.2.10", dst="203.0.113.10") / UDP(sport=40000, dport=5353) / Raw(b"through-gue")
# Not GUE: a plain datagram to the backend's own address on another port must stay untouched.
send(IP(src="10.200.251.1", dst="10.200.251.2") / UDP(sport=1000, dport=9) / Raw(b"x"))
send(IP(src="10.200.251.1", dst="10.200.251.2", flags="DF") / UDP(sport=50123, dport=6080, chksum=0) / Raw(bytes(inner)))
PY
wait "$receiver" || fail "no datagram reached the VIP socket"
grep -q "^192.0.2.10 through-gue$" "$work/received" || fail "unexpected delivery: $(cat "$work/received")"
wait "$decap_pid" || fail "anymesh_bpf_decap failed: $(cat "$work/decap.out")"
decap_pid=
grep -q "^decap_v4 1$" "$work/decap.out" || fail "decap_v4 is not 1: $(cat "$work/decap.out")"
grep -Eq "^pass_not_gue [1-9]" "$work/decap.out" || fail "the plain datagram was not counted as not GUE"
grep -q xdp <(ip -n "$be" link show amt-bpf-dbe0) && fail "gue_decap still attached after the loader exited"
echo "PASS: GUE packet delivered to 203.0.113.10:5353 from 192.0.2.10 through gue_decap"
