#!/usr/bin/env bash
# anymesh status/routes: without a gateway (no socket, a stale socket) one clear line and exit 1;
# against a stand-in gateway on a real Unix socket (python), the command sent and the answer printed.
set -euo pipefail
am=$1
work=$(mktemp -d)
server=
cleanup() {
  [ -z "$server" ] || kill "$server" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

expect_unreachable() {  # SOCKET REASON COMMAND...
  local socket=$1 reason=$2 rc=0
  shift 2
  "$am" "$@" >"$work/out" 2>"$work/err" || rc=$?
  [ "$rc" = 1 ] || { echo "exit $rc, not 1, for: $*"; cat "$work/err"; exit 1; }
  [ ! -s "$work/out" ] || { echo "stdout not empty for: $*"; exit 1; }
  [ "$(cat "$work/err")" = "anymesh: cannot reach the gateway at $socket: $reason" ] ||
    { echo "unexpected message for: $*"; cat "$work/err"; exit 1; }
}

expect_unreachable "$work/none.sock" "No such file or directory" status --socket "$work/none.sock"
expect_unreachable "$work/none.sock" "No such file or directory" routes "--socket=$work/none.sock"

# A socket file nobody listens on, as a crashed gateway leaves it.
/usr/bin/python3 -c 'import socket,sys; s=socket.socket(socket.AF_UNIX); s.bind(sys.argv[1])' "$work/stale.sock"
expect_unreachable "$work/stale.sock" "Connection refused" status --socket "$work/stale.sock"

# A stand-in gateway: answers each request line with "you said: LINE", "error: ..." for "routes".
/usr/bin/python3 - "$work/gw.sock" "$work/requests" <<'PY' &
import socket, sys
listener = socket.socket(socket.AF_UNIX)
listener.bind(sys.argv[1])
listener.listen(4)
listener.settimeout(30)
for _ in range(2):
    conn, _ = listener.accept()
    line = conn.makefile("rb").readline().decode()
    with open(sys.argv[2], "a") as log:
        log.write(line)
    command = line.strip()
    conn.sendall(b"error: not today\n" if command == "routes" else f"you said: {command}\nsecond line\n".encode())
    conn.close()
PY
server=$!
for _ in $(seq 1 100); do [ -S "$work/gw.sock" ] && break; sleep 0.05; done

out=$("$am" status --socket "$work/gw.sock")
[ "$out" = "$(printf 'you said: status\nsecond line')" ] || { echo "status printed: $out"; exit 1; }
rc=0
"$am" routes --socket "$work/gw.sock" >"$work/out" 2>"$work/err" || rc=$?
[ "$rc" = 1 ] || { echo "an error answer exited $rc, not 1"; exit 1; }
grep -q "error: not today" "$work/err" || { echo "error answer not shown"; cat "$work/err"; exit 1; }
[ "$(cat "$work/requests")" = "$(printf 'status\nroutes')" ] || { echo "requests sent:"; cat "$work/requests"; exit 1; }

# Usage errors and the default path in --help.
if "$am" status --bogus 2>/dev/null; then echo "unknown option accepted"; exit 1; fi
"$am" --help | grep -q "/run/anymesh/gateway.sock" || { echo "--help does not name the default socket"; exit 1; }
echo "gateway socket: ok"
