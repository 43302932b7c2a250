#!/usr/bin/env bash
# anymesh-wg against wireguard-go (and itself) in two network namespaces, configured with stock wg.
# Usage: wg_interop.sh ANYMESH_WG CASE, CASE one of:
#   anymesh-initiates, wggo-initiates, rekey, replay, roaming, cookie, anymesh-pair
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
AMWG=$(realpath "$1")
CASE=$2
source "$here/lib.sh"

WGGO=/usr/bin/wireguard-go
A_IF=amwa$$   # side A, 192.0.2.1, tunnel 10.200.1.1
B_IF=amwb$$   # side B, 192.0.2.2, tunnel 10.200.1.2
impl_a=$AMWG
impl_b=$WGGO
a_env=()
case "$CASE" in
  wggo-initiates|cookie) impl_a=$WGGO; impl_b=$AMWG ;;  # anymesh-wg is B, the responder
  anymesh-pair) impl_b=$AMWG ;;
esac

am_netns_pair
am_keys
start_side() {  # NS IFNAME IMPL [ENV...]
  local ns=$1 ifn=$2 impl=$3; shift 3
  if [ $# -gt 0 ]; then
    AM_IFS+=("$ifn")
    ip netns exec "$ns" env "$@" "$impl" -f "$ifn" >"$AM_WORK/$ifn.log" 2>&1 &
    AM_PIDS+=($!)
    for _ in $(seq 1 100); do [ -S "/var/run/wireguard/$ifn.sock" ] && return 0; sleep 0.05; done
    am_fail "$impl did not start"
  else
    am_start "$impl" "$ns" "$ifn"
  fi
}
a_pid_index=0
case "$CASE" in
  rekey) start_side "$AM_NS_A" "$A_IF" "$impl_a" ANYMESH_WG_TIME_SCALE=30 ;;
  *) start_side "$AM_NS_A" "$A_IF" "$impl_a" ;;
esac
case "$CASE" in
  cookie) start_side "$AM_NS_B" "$B_IF" "$impl_b" ANYMESH_WG_FORCE_COOKIE=1 ;;
  *) start_side "$AM_NS_B" "$B_IF" "$impl_b" ;;
esac
b_pid_index=1

# A always knows B's endpoint; B learns A's from the handshake.
am_configure "$AM_NS_A" "$A_IF" a b 51820 10.200.1.1/24 10.200.1.2/32 192.0.2.2:51821
am_configure "$AM_NS_B" "$B_IF" b a 51821 10.200.1.2/24 10.200.1.1/32

ping_from() {  # NS DEST COUNT
  ip netns exec "$1" ping -q -c "$3" -i 0.05 -W 5 "$2" >"$AM_WORK/ping.out" 2>&1 || { cat "$AM_WORK/ping.out" >&2; return 1; }
}
counter_of() {  # PID_INDEX IFNAME NAME: asks anymesh-wg for its counters (SIGUSR1) and prints one
  local pid=${AM_PIDS[$1]} log="$AM_WORK/$2.log"
  kill -USR1 "$pid"
  sleep 0.3
  grep "^counter $3 " "$log" | tail -1 | awk '{print $3}'
}
transfer() {  # FROM_NS TO_NS TO_ADDR
  local port=5201
  ip netns exec "$2" /usr/bin/python3 "$here/transfer.py" server $port >"$AM_WORK/recv.out" &
  local srv=$!
  sleep 0.5
  ip netns exec "$1" /usr/bin/python3 "$here/transfer.py" client "$3" $port $((8 * 1024 * 1024)) 42 >"$AM_WORK/send.out"
  wait $srv
  am_log "sent: $(cat "$AM_WORK/send.out")  received: $(cat "$AM_WORK/recv.out")"
  cmp -s "$AM_WORK/send.out" "$AM_WORK/recv.out" || am_fail "transfer differs"
}
handshake_time() { ip netns exec "$1" wg show "$2" latest-handshakes | awk '{print $2}'; }

case "$CASE" in
  anymesh-initiates|wggo-initiates|anymesh-pair)
    ping_from "$AM_NS_A" 10.200.1.2 20
    ping_from "$AM_NS_B" 10.200.1.1 20
    [ "$(handshake_time "$AM_NS_A" "$A_IF")" != 0 ] || am_fail "A shows no handshake"
    [ "$(handshake_time "$AM_NS_B" "$B_IF")" != 0 ] || am_fail "B shows no handshake"
    transfer "$AM_NS_A" "$AM_NS_B" 10.200.1.2
    transfer "$AM_NS_B" "$AM_NS_A" 10.200.1.1
    ;;
  rekey)
    # anymesh-wg (A, initiator) runs its timers 30x fast: REKEY_AFTER_TIME is 4 s of real time.
    ping_from "$AM_NS_A" 10.200.1.2 3
    first=$(handshake_time "$AM_NS_B" "$B_IF")
    ip netns exec "$AM_NS_A" ping -q -c 200 -i 0.05 -W 1 10.200.1.2 >"$AM_WORK/ping.out" 2>&1 || true
    received=$(grep -o '[0-9]* received' "$AM_WORK/ping.out" | awk '{print $1}')
    created=$(counter_of 0 "$A_IF" keypairs_created)
    am_log "keypairs created by anymesh-wg: $created, ping replies: $received/200"
    [ "${created:-0}" -ge 3 ] || am_fail "expected at least 2 re-keys in 10 s, keypairs_created=$created"
    [ "${received:-0}" -ge 198 ] || am_fail "traffic lost across re-keys: $received/200"
    ;;
  replay)
    # Capture what wireguard-go (B) sends to anymesh-wg (A), then replay it to A unchanged: A must
    # deliver none of it again (its TUN receive counter stays) and count every one as replayed.
    ip netns exec "$AM_NS_A" tcpdump --immediate-mode -i "am-va-$$" -w "$AM_WORK/cap.pcap" -U -c 20 'udp src port 51821' >"$AM_WORK/tcpdump.log" 2>&1 &
    dump=$!
    sleep 1
    ping_from "$AM_NS_A" 10.200.1.2 10
    sleep 0.5
    kill $dump 2>/dev/null || true
    wait $dump 2>/dev/null || true
    before=$(ip -n "$AM_NS_A" -s -j link show "$A_IF" | /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["stats64"]["rx"]["packets"])')
    sent=$(ip netns exec "$AM_NS_B" /usr/bin/python3 "$here/replay.py" "$AM_WORK/cap.pcap" 192.0.2.1 51820)
    sleep 0.5
    after=$(ip -n "$AM_NS_A" -s -j link show "$A_IF" | /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["stats64"]["rx"]["packets"])')
    replayed=$(counter_of 0 "$A_IF" rx_data_replayed)
    am_log "replayed $sent captured messages; delivered before $before after $after; rx_data_replayed=$replayed"
    [ "$sent" -ge 5 ] || am_fail "captured too few messages ($sent)"
    [ "$before" = "$after" ] || am_fail "a replayed message was delivered"
    [ "$replayed" -ge "$sent" ] || am_fail "replays not counted"
    ping_from "$AM_NS_A" 10.200.1.2 5
    ;;
  roaming)
    # wireguard-go (B) moves to a new port; anymesh-wg (A) must follow B's new source.
    ping_from "$AM_NS_A" 10.200.1.2 5
    ip netns exec "$AM_NS_B" wg set "$B_IF" listen-port 51999
    ping_from "$AM_NS_B" 10.200.1.1 5
    ep=$(ip netns exec "$AM_NS_A" wg show "$A_IF" endpoints | awk '{print $2}')
    am_log "anymesh-wg now sends to $ep"
    [ "$ep" = "192.0.2.2:51999" ] || am_fail "endpoint did not roam: $ep"
    ping_from "$AM_NS_A" 10.200.1.2 5
    ;;
  cookie)
    # anymesh-wg (B) answers every unproven handshake with a cookie; wireguard-go retries with mac2.
    ip netns exec "$AM_NS_A" ping -q -c 1 -W 1 10.200.1.2 >/dev/null 2>&1 || true
    ip netns exec "$AM_NS_A" ping -q -c 3 -i 0.5 -w 15 10.200.1.2 >"$AM_WORK/ping.out" 2>&1 || true
    cookies=$(counter_of 1 "$B_IF" rx_cookie_replies_sent)
    inits=$(counter_of 1 "$B_IF" rx_initiations)
    am_log "cookie replies sent: $cookies, initiations processed: $inits"
    [ "${cookies:-0}" -ge 1 ] || am_fail "no cookie reply was sent"
    [ "${inits:-0}" -ge 1 ] || am_fail "no initiation got past the cookie"
    ping_from "$AM_NS_A" 10.200.1.2 5
    ping_from "$AM_NS_B" 10.200.1.1 5
    ;;
  *) am_fail "unknown case $CASE" ;;
esac
am_log "$CASE: ok"
