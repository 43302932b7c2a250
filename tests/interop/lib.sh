#!/usr/bin/env bash
# Shared set-up for interop tests: two network namespaces joined by a veth pair, a WireGuard
# implementation in each, configured with stock wg(8). Everything is torn down on exit.
set -euo pipefail

AM_NS_A=${AM_NS_A:-am-ia-$$}
AM_NS_B=${AM_NS_B:-am-ib-$$}
AM_WORK=$(mktemp -d /tmp/am-interop.XXXXXX)
AM_PIDS=()
AM_IFS=()

am_log() { printf '[interop] %s\n' "$*" >&2; }
am_fail() { printf '[interop] FAIL: %s\n' "$*" >&2; exit 1; }

am_teardown() {
  local rc=$?
  set +e
  for pid in "${AM_PIDS[@]}"; do kill "$pid" 2>/dev/null; done
  sleep 0.2
  for pid in "${AM_PIDS[@]}"; do kill -9 "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; done
  ip netns del "$AM_NS_A" 2>/dev/null
  ip netns del "$AM_NS_B" 2>/dev/null
  for ifn in "${AM_IFS[@]}"; do rm -f "/var/run/wireguard/$ifn.sock"; done
  if [ $rc -ne 0 ] && [ -d "$AM_WORK" ]; then
    for f in "$AM_WORK"/*.log; do [ -f "$f" ] && { echo "--- $f"; tail -20 "$f"; }; done >&2
  fi
  rm -rf "$AM_WORK"
  exit $rc
}
trap am_teardown EXIT
trap 'exit 130' INT TERM

# am_netns_pair: namespaces A and B, veth 192.0.2.1/24 <-> 192.0.2.2/24.
am_netns_pair() {
  ip netns add "$AM_NS_A"
  ip netns add "$AM_NS_B"
  ip link add "am-va-$$" netns "$AM_NS_A" type veth peer name "am-vb-$$" netns "$AM_NS_B"
  ip -n "$AM_NS_A" link set lo up
  ip -n "$AM_NS_B" link set lo up
  ip -n "$AM_NS_A" addr add 192.0.2.1/24 dev "am-va-$$"
  ip -n "$AM_NS_B" addr add 192.0.2.2/24 dev "am-vb-$$"
  ip -n "$AM_NS_A" link set "am-va-$$" up
  ip -n "$AM_NS_B" link set "am-vb-$$" up
}

# am_start IMPL NS IFNAME: IMPL is a path to anymesh-wg or wireguard-go; runs in the foreground in NS.
am_start() {
  local impl=$1 ns=$2 ifn=$3
  AM_IFS+=("$ifn")
  ip netns exec "$ns" env LOG_LEVEL=error "$impl" -f "$ifn" >"$AM_WORK/$ifn.log" 2>&1 &
  AM_PIDS+=($!)
  for _ in $(seq 1 100); do
    [ -S "/var/run/wireguard/$ifn.sock" ] && ip -n "$ns" link show "$ifn" >/dev/null 2>&1 && return 0
    sleep 0.05
  done
  am_fail "$impl did not create $ifn"
}

am_keys() {
  (umask 077; wg genkey >"$AM_WORK/a.key"; wg genkey >"$AM_WORK/b.key")
  wg pubkey <"$AM_WORK/a.key" >"$AM_WORK/a.pub"
  wg pubkey <"$AM_WORK/b.key" >"$AM_WORK/b.pub"
}

# am_configure NS IFNAME SELF PEER PORT TUNNEL_ADDR PEER_TUNNEL_NET [endpoint]
am_configure() {
  local ns=$1 ifn=$2 self=$3 peer=$4 port=$5 addr=$6 peer_net=$7 endpoint=${8:-}
  local args=(set "$ifn" private-key "$AM_WORK/$self.key" listen-port "$port" peer "$(cat "$AM_WORK/$peer.pub")"
              allowed-ips "$peer_net")
  [ -n "$endpoint" ] && args+=(endpoint "$endpoint")
  ip netns exec "$ns" wg "${args[@]}"
  ip -n "$ns" addr add "$addr" dev "$ifn"
  ip -n "$ns" link set "$ifn" up
}
