#!/usr/bin/env bash
# anymesh status/routes/services/weights/drill against a controller that is not there: nothing
# listening (connection refused) and a listener that never answers (deadline): one clear line on
# stderr, nothing on stdout, exit 1. Bad options: exit 2.
set -euo pipefail
am=$1
work=$(mktemp -d)
silent=
cleanup() {
  [ -z "$silent" ] || kill "$silent" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# A port nobody listens on: bound, then closed again.
closed=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')

expect_fail() {  # RC PATTERN COMMAND...
  local want=$1 pattern=$2 rc=0
  shift 2
  "$am" "$@" >"$work/out" 2>"$work/err" || rc=$?
  [ "$rc" = "$want" ] || { echo "exit $rc, not $want, for: $*"; cat "$work/err"; exit 1; }
  [ ! -s "$work/out" ] || { echo "stdout not empty for: $*"; cat "$work/out"; exit 1; }
  grep -q -- "$pattern" "$work/err" || { echo "no '$pattern' for: $*"; cat "$work/err"; exit 1; }
  [ "$want" != 1 ] || [ "$(wc -l <"$work/err")" = 1 ] || { echo "more than one line for: $*"; cat "$work/err"; exit 1; }
}

refused="^anymesh: cannot reach the controller at 127.0.0.1:$closed: .*Connection refused"
expect_fail 1 "$refused" status --controller "127.0.0.1:$closed"
expect_fail 1 "$refused" routes --controller "127.0.0.1:$closed" --gateway 3
expect_fail 1 "$refused" routes "--controller=127.0.0.1:$closed"
expect_fail 1 "$refused" services --controller "127.0.0.1:$closed"
expect_fail 1 "$refused" weights --controller "127.0.0.1:$closed" --gateway 1
expect_fail 1 "^anymesh drill: cannot reach the controller at 127.0.0.1:$closed" \
  drill --region r1 --duration 1 --controller "127.0.0.1:$closed"

# A listener that accepts and never speaks HTTP/2: the call's deadline (3 s) ends it.
/usr/bin/python3 - "$work/port" <<'PY' &
import socket, sys, time
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", 0))
s.listen(16)
open(sys.argv[1], "w").write(str(s.getsockname()[1]))
held = []
s.settimeout(30)
try:
    while True:
        held.append(s.accept()[0])
except OSError:
    pass
PY
silent=$!
for _ in $(seq 1 100); do [ -s "$work/port" ] && break; sleep 0.05; done
port=$(cat "$work/port")
start=$(date +%s%N)
expect_fail 1 "^anymesh: cannot reach the controller at 127.0.0.1:$port: " services --controller "127.0.0.1:$port"
elapsed_ms=$(( ($(date +%s%N) - start) / 1000000 ))
[ "$elapsed_ms" -lt 10000 ] || { echo "a silent controller held the CLI for $elapsed_ms ms"; exit 1; }

# Usage errors: exit 2, the problem named.
expect_fail 2 "not a host:port\|--controller" services --controller "no port here"
expect_fail 2 "--region is required" drill --controller "127.0.0.1:$closed"
expect_fail 2 "option of another command" services --socket "$work/x.sock"
expect_fail 2 "not a gateway id" routes --gateway zero --controller "127.0.0.1:$closed"
expect_fail 2 "needs a value" weights --gateway
expect_fail 2 "not a number of seconds" drill --region r1 --duration -3
"$am" --help | grep -q -- "--controller HOST:PORT" || { echo "--help does not show --controller"; exit 1; }
echo "controller unreachable: ok"
