#!/usr/bin/env bash
# Spec: a VIP announced over BGP from r1 and r3 reaches each client through its nearest region
# (client-1 -> r1, client-2 -> r3); withdrawing it in r1 moves client-1 to r3, announcing it again
# brings client-1 back; client-2 never moves.
source "$(dirname "$0")/lab_lib.sh"
VIP=203.0.113.10

lab_up >/dev/null

# Region that answers CLIENT's HTTP request to the VIP ("r1" from "r1-be2"), or "none".
region_of() { "$LAB" exec "$1" curl -s -m 1 "http://$VIP/" | cut -d- -f1 || true; }

# Waits up to 10 s for CLIENT to be served by REGION five times in a row; prints how long it took.
expect_region() {
  local client=$1 want=$2 start got="" streak=0
  start=$(date +%s%N)
  while [ $(($(date +%s%N) - start)) -lt 10000000000 ]; do
    got=$(region_of "$client")
    if [ "$got" = "$want" ]; then
      streak=$((streak + 1))
      if [ $streak -ge 5 ]; then
        pass "$client reaches $VIP in $want (after $((($(date +%s%N) - start) / 1000000)) ms)"
        return
      fi
    else
      streak=0
      sleep 0.05
    fi
  done
  fail "$client: expected $VIP served by $want, last answer from '${got:-none}'"
}

# The lab announces from every region by default; keep r1 and r3 only.
"$LAB" vip r2 withdraw $VIP/32
expect_region c1 r1
expect_region c2 r3
grep -q 'BGP.local_pref: 995' <("$LAB" birdc c1 show route $VIP/32 all) || fail "client side 1 does not prefer r1 by local preference"

"$LAB" vip r1 withdraw $VIP/32
expect_region c1 r3
expect_region c2 r3

"$LAB" vip r1 announce $VIP/32
expect_region c1 r1
expect_region c2 r3
