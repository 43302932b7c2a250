# Shared by the lab's netns tests: lab paths, teardown on every exit path, and small measuring helpers.
# A test sources this, then calls lab_up; the lab is torn down however the test ends.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
LAB=$ROOT/lab/lab
PY=/usr/bin/python3
: "${AM_LAB_BIN:?set AM_LAB_BIN to the directory with wanem, backend, loadgen, stream (build/lab/bin)}"
export AM_LAB_BIN
BIN=$AM_LAB_BIN
TMP=$(mktemp -d /tmp/am-lab-test.XXXXXX)

lab_teardown() {
  local status=$?
  # Kill our own background helpers (receivers, senders) by their ids, then the lab.
  local pid
  for pid in $(jobs -p); do kill "$pid" 2>/dev/null || true; done
  LAB_QUIET=1 "$LAB" down >/dev/null 2>&1 || true
  rm -rf "$TMP"
  exit "$status"
}
trap lab_teardown EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

fail() { echo "FAIL: $*" >&2; exit 1; }
pass() { echo "ok: $*"; }

lab_up() { "$LAB" up "$@"; }

# A gateway's `anymesh status` (needs AM_CLI): status_of N
status_of() { ip netns exec "am-r$1-gw" "${AM_CLI:?set AM_CLI to the anymesh CLI}" status --socket "/run/am-lab/am-r$1-gw/gateway.sock"; }
# Lanes the status of gateway N shows down.
lanes_down() { status_of "$1" | grep -cE '^[0-9]+ +r[0-9] +[0-9]+ +down' || true; }
# Waits (up to TENTHS x 0.1 s, default 150) until every lane of gateways r1-r3 is up, else fails.
wait_lanes_up() {
  local n tries=${1:-150}
  for _ in $(seq "$tries"); do
    local down=0
    for n in 1 2 3; do [ "$(lanes_down "$n")" = 0 ] || down=1; done
    [ $down = 0 ] && return 0
    sleep 0.1
  done
  for n in 1 2 3; do status_of "$n"; done
  fail "lanes did not all come up"
}

# ms since boot on CLOCK_MONOTONIC, the clock the lab programs stamp with.
mono_ns() { $PY -c 'import time; print(time.monotonic_ns())'; }

# Evaluates a Python boolean expression over named numbers: check "median within 1 ms" "abs(m-10)<=1" m=10.3
check() {
  local what=$1 expr=$2
  shift 2
  if $PY - "$expr" "$@" <<'PYEOF'
import sys
expr, pairs = sys.argv[1], sys.argv[2:]
env = {k: float(v) for k, v in (p.split("=", 1) for p in pairs)}
sys.exit(0 if eval(expr, {"abs": abs}, env) else 1)
PYEOF
  then pass "$what ($*)"; else fail "$what: $expr with $*"; fi
}

# Median RTT in ms of N pings at 10 ms spacing from NODE to ADDR.
median_ping_ms() {
  local node=$1 addr=$2 count=${3:-100}
  "$LAB" exec "$node" ping -n -c "$count" -i 0.01 -W 2 "$addr" |
    $PY -c '
import re, statistics, sys
times = [float(m.group(1)) for m in re.finditer(r"time=([0-9.]+) ms", sys.stdin.read())]
print(statistics.median(times) if len(times) >= 10 else -1)'
}

# Field of a JSON document on stdin: json_field packets
json_field() { $PY -c 'import json, sys; print(json.load(sys.stdin)[sys.argv[1]])' "$1"; }

# A wanem link counter: link_counter FROM TO FIELD
link_counter() {
  "$LAB" status --json | $PY -c '
import json, sys
d = json.load(sys.stdin)
print(next(l[sys.argv[3]] for l in d["links"] if l["from"] == sys.argv[1] and l["to"] == sys.argv[2]))' "$1" "$2" "$3"
}
