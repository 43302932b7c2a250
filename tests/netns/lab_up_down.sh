#!/usr/bin/env bash
# Spec: `lab/lab up` builds the whole lab quickly, and `lab/lab down` (also when the script using the lab
# fails or is interrupted) leaves no lab namespace, interface or process behind; `up` over a stale lab cleans first.
source "$(dirname "$0")/lab_lib.sh"

lab_namespaces() { ip netns list | awk '{print $1}' | grep -E '^am-(wan|inet|client-[0-9]|r[0-9]-(gw|lan|be[0-9]))$' || true; }
lab_pids() { local ns; for ns in $(lab_namespaces); do ip netns pids "$ns"; done; }
# A zombie is a dead process this VM's init has not reaped yet: gone for our purpose.
running() { [ -r "/proc/$1/stat" ] && [ "$(cut -d' ' -f3 "/proc/$1/stat" 2>/dev/null)" != Z ]; }
root_links() { ip -o link show | awk -F': ' '{print $2}' | cut -d@ -f1 | sort; }

# Nothing of the lab, and nothing it started, may survive; the root namespace keeps exactly its links.
assert_clean() {
  local when=$1 pids=$2 links_before=$3 p
  [ -z "$(lab_namespaces)" ] || fail "$when: namespaces left: $(lab_namespaces | tr '\n' ' ')"
  for p in $pids; do ! running "$p" || fail "$when: process $p ($(cat /proc/$p/comm 2>/dev/null)) still running"; done
  [ "$(root_links)" = "$links_before" ] || fail "$when: root namespace links changed: $(root_links | tr '\n' ' ')"
  [ ! -e /run/am-lab ] || fail "$when: /run/am-lab left behind"
  pass "$when: no namespace, process, interface or state left"
}

links_before=$(root_links)
"$LAB" down >/dev/null  # idempotent: also fine when nothing is up

start=$(date +%s%N)
lab_up >"$TMP/up.log"
up_ms=$((($(date +%s%N) - start) / 1000000))
echo "lab up took ${up_ms} ms"
[ "$(lab_namespaces | wc -l)" -eq 16 ] || fail "expected 16 namespaces (inet, wan, 2 clients, 3 x gw+lan+2 backends), got $(lab_namespaces | wc -l)"
for node in am-r1-gw am-r2-gw am-r3-gw; do
  ip -n "$node" link show outer >/dev/null && ip -n "$node" link show inner >/dev/null || fail "$node lacks outer/inner"
done
procs=$(for p in $(lab_pids); do cat "/proc/$p/comm"; done | sort | uniq -c | awk '{printf "%s=%s ", $2, $1}')
[ "$procs" = "backend=6 bird=5 wanem=1 " ] || fail "unexpected lab processes: $procs"
check "lab up is quick" "ms < 15000" ms=$up_ms

# A second `up` over the running lab replaces it instead of failing or duplicating it.
old_pids=$(lab_pids)
lab_up >"$TMP/up2.log"
grep -q 'stale lab' "$TMP/up2.log" || fail "second up did not report cleaning the stale lab"
for p in $old_pids; do ! running "$p" || fail "process $p of the stale lab survived the second up"; done
pass "up over a stale lab removed it first"

pids=$(lab_pids)
"$LAB" down >/dev/null
assert_clean "after down" "$pids" "$links_before"
"$LAB" down >/dev/null || fail "second down failed"

# A script that uses the lab and fails: its EXIT trap tears the lab down.
bash -c "trap '\"$LAB\" down >/dev/null' EXIT; \"$LAB\" up >/dev/null; false" && fail "failing script succeeded"
assert_clean "after a failing script" "" "$links_before"

# A script that is interrupted while the lab is up: its INT/TERM trap tears the lab down.
bash -c "trap '\"$LAB\" down >/dev/null' EXIT; trap 'kill \$! 2>/dev/null; exit 143' TERM; \"$LAB\" up >/dev/null; touch $TMP/ready; sleep 30 >/dev/null 2>&1 & wait" &
user=$!
for _ in $(seq 300); do [ -e "$TMP/ready" ] && break; sleep 0.05; done
[ -e "$TMP/ready" ] || fail "interrupted script never brought the lab up"
pids=$(lab_pids)
kill -TERM "$user"
wait "$user" || true
assert_clean "after an interrupted script" "$pids" "$links_before"
