#!/usr/bin/env bash
# bench.smoke: quick crypto and iperf3 benchmark runs; passes when both finish and write valid JSON.
# Usage: smoke.sh ANYMESH_BENCH_SEAL ANYMESH_WG OUT_DIR
#        smoke.sh --gateway ANYMESH_BENCH_GATEWAY OUT_DIR   (the in-process DPDK pipeline run)
# Never looks at the figures.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
if [ "${1:-}" = --gateway ]; then
  gateway=$2 out=$3
  mkdir -p "$out"
  rm -f "$out/gateway.json"
  "$gateway" --quick --json "$out/gateway.json"
  /usr/bin/python3 -m json.tool "$out/gateway.json" >/dev/null
  echo "bench.smoke.gateway: ok ($out)"
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
