#!/usr/bin/env bash
# bench.smoke: quick crypto and iperf3 benchmark runs; passes when both finish and write valid JSON.
# Usage: smoke.sh ANYMESH_BENCH_SEAL ANYMESH_WG OUT_DIR
#        smoke.sh --gateway ANYMESH_BENCH_GATEWAY OUT_DIR   (the in-process DPDK pipeline run)
#        smoke.sh --xdp ANYMESH_BENCH_XDP OUT_DIR           (BPF_PROG_TEST_RUN; root)
# Never looks at the figures.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
if [ "${1:-}" = --gateway ]; then
  gateway=$2 out=$3
  mkdir -p "$out"
  rm -f "$out/gateway.json"
  "$gateway" --quick --json "$out/gateway.json"
  /usr/bin/python3 -c 'import json, sys; r = json.load(open(sys.argv[1]))["results"][0]; assert "anycast_local" in r and "anycast_new_flows" in r' "$out/gateway.json"
  echo "bench.smoke.gateway: ok ($out)"
  exit 0
fi
if [ "${1:-}" = --xdp ]; then
  xdp=$2 out=$3
  mkdir -p "$out"
  rm -f "$out/xdp.json"
  "$xdp" --quick --json "$out/xdp.json"
  /usr/bin/python3 - "$out/xdp.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
cases = {r["case"]: r for r in d["results"]}
for c in ("pass_floor", "flow_hit", "flow_miss"):
    assert cases[c]["ns_per_packet"] >= 0, c
assert cases["flow_hit"]["verdict"] == "XDP_TX" and cases["pass_floor"]["verdict"] == "XDP_PASS"
PY
  echo "bench.smoke.xdp: ok ($out)"
  exit 0
fi
seal=$1 amwg=$2 out=$3
mkdir -p "$out"
rm -f "$out/seal_open.json" "$out/iperf.json"
"$seal" --quick --json "$out/seal_open.json"
/usr/bin/python3 -m json.tool "$out/seal_open.json" >/dev/null
bash "$here/tunnel/iperf_bench.sh" --quick --anymesh-wg "$amwg" --json "$out/iperf.json"
/usr/bin/python3 -m json.tool "$out/iperf.json" >/dev/null
echo "bench.smoke: ok ($out)"
