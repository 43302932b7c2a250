#!/usr/bin/env bash
# bench.smoke.controller: anymesh-bench-controller --quick finishes and writes valid JSON with every
# scenario in it. Never looks at the figures.
# Usage: smoke.sh ANYMESH_BENCH_CONTROLLER OUT_DIR
set -euo pipefail
bench=$1 out=$2
mkdir -p "$out"
rm -f "$out/controller.json"
"$bench" --quick --json "$out/controller.json"
/usr/bin/python3 - "$out/controller.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
names = {s["name"] for s in r["scenarios"]}
assert names == {"link_down", "link_up", "gateway_down", "gateway_up"}, names
assert r["ok"], "the run reported a failure"
PY
echo "bench.smoke.controller: ok ($out)"
