#!/usr/bin/env bash
# Spec: scripts/demo runs its 3-region scenario against a built tree (no install, no build) and writes
# report.md with a result for every step (none failed; step 4: the drain moved no established flow and sent no new one to r1), both PNG
# plots, within 5 minutes; it leaves no lab namespace behind.
set -euo pipefail
build=${1:?usage: demo.sh BUILD_DIR}
root=$(cd "$(dirname "$0")/../.." && pwd)
out=$build/results/demo-ctest
fail() { echo "FAIL: $*" >&2; exit 1; }
pass() { echo "ok: $*"; }

rm -rf "$out"
start=$(date +%s)
rc=0
# The caller (ctest under flock /tmp/anymesh-netns.lock) holds the lab's lock: --no-lock.
"$root/scripts/demo" --no-deps --no-build --no-lock --no-wg --build-dir "$build" --results "$out" || rc=$?
took=$(($(date +%s) - start))
report=$out/report.md
[ -f "$report" ] || fail "no $report (demo exit $rc)"
cat "$report" | sed -n '1,14p'
for i in 1 2 3 4 5 6; do
  line=$(grep -E "^\| $i/6 \| [^|]+ \| [^|]+ \|$" "$report") || fail "step $i has no result row"
  [[ $line != *"not reached"* ]] || fail "step $i not reached: $line"
  [[ $line != *FAILED* ]] || fail "step $i failed: $line"
done
pass "every step has a result, none failed"
grep -qE '^\| 4/6 \| .* \| drained r1: new flows to r1 0 of [0-9]+; established: [0-9]+ kept on r1, 0 moved, 0 broken' "$report" || fail "step 4 did not drain r1 cleanly"
grep -qE '^\| 3/6 \| .* \| failover gap [0-9.]+ ms' "$report" || fail "step 3 has no measured gap"
# No loss, or loss the demo attributes to lanes that timed out (counted by the gateways) on a busy VM.
grep -qE '^\| 5/6 \| .* \| .*(, 0 lost while the controller was gone|lanes timed out .* on this busy VM)' "$report" ||
  fail "step 5 lost packets without a lane timing out"
pass "$(grep -E '^\| 3/6' "$report" | cut -d'|' -f4)"
for png in traffic failover; do
  [ "$(head -c 4 "$out/$png.png" 2>/dev/null | tail -c 3)" = PNG ] || fail "$png.png is not a PNG"
  [ "$(stat -c %s "$out/$png.png")" -gt 5000 ] || fail "$png.png is nearly empty"
done
pass "traffic.png and failover.png written"
[ "$(awk 'NR > 1' "$out/traffic.dat" | wc -l)" -ge 50 ] || fail "fewer than 50 traffic samples"
[ "$rc" = 0 ] || fail "scripts/demo exited $rc"
[ "$took" -le 300 ] || fail "the scenario took $took s (budget 300 s)"
pass "scripts/demo --no-deps --no-build finished in $took s"
[ -z "$(ip netns list | grep -E '^am-(wan|inet|client-|r[0-9]-)')" ] || fail "lab namespaces left behind"
pass "nothing left behind"
