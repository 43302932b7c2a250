#!/bin/bash
# anymesh-controller as a process: genkey/pubkey, option errors (exit 2, naming the option), a
# start that listens and a SIGTERM that stops it cleanly.
set -u
controller=$1
source_dir=$2
work=$(mktemp -d)
pid=
trap '[ -n "$pid" ] && kill -KILL "$pid" 2>/dev/null; rm -rf "$work"' EXIT
failures=0
check() {  # check NAME CONDITION...
  local name=$1; shift
  if "$@"; then echo "ok: $name"; else echo "FAILED: $name"; failures=$((failures + 1)); fi
}
expect_exit() {  # expect_exit CODE PATTERN ARGS...
  local code=$1 pattern=$2; shift 2
  "$controller" "$@" >"$work/out" 2>"$work/err"
  local got=$?
  [ "$got" -eq "$code" ] && grep -q -- "$pattern" "$work/err" || { echo "  exit $got, stderr: $(cat "$work/err")"; return 1; }
}

check "help exits 0 and lists --signing-key" bash -c "'$controller' --help | grep -q -- --signing-key"
public=$("$controller" genkey --signing-key "$work/key")
check "genkey prints a 44-character public key" test "${#public}" -eq 44
check "the key file is 0600" test "$(stat -c %a "$work/key")" = 600
check "pubkey prints the same public key" test "$("$controller" pubkey --signing-key "$work/key")" = "$public"
check "genkey never overwrites a key" expect_exit 2 "^anymesh-controller: --signing-key: .*File exists" genkey --signing-key "$work/key"
check "genkey needs --signing-key" expect_exit 2 "--signing-key: required with genkey" genkey
check "a bad --listen is named" expect_exit 2 "^anymesh-controller: --listen: " --listen nonsense --mesh "$source_dir/configs/mesh.yaml"
check "an unknown option is named" expect_exit 2 "unrecognised option '--bogus'" --bogus
check "a missing mesh is named" expect_exit 2 "^anymesh-controller: --mesh: " --mesh "$work/none.yaml" --state-dir "$work/state"
check "a missing named key is named" expect_exit 2 "^anymesh-controller: --signing-key: .*genkey" \
  --mesh "$source_dir/configs/mesh.yaml" --state-dir "$work/state" --signing-key "$work/missing.key"
mkdir -p "$work/state"; echo garbage > "$work/state/controller.state"
check "a damaged state file is named" expect_exit 2 "^anymesh-controller: --state-dir: .*controller.state:1" \
  --mesh "$source_dir/configs/mesh.yaml" --state-dir "$work/state" --signing-key "$work/key"
rm -f "$work/state/controller.state"

# A port the kernel says is free now.
port=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"$controller" --mesh "$source_dir/configs/mesh.yaml" --state-dir "$work/state2" --listen "127.0.0.1:$port" \
  2>"$work/run.err" &
pid=$!
listening=no
for _ in $(seq 1 100); do
  if grep -q "listening on 127.0.0.1:$port" "$work/run.err" 2>/dev/null; then listening=yes; break; fi
  sleep 0.1
done
check "it starts and listens" test "$listening" = yes
check "the default signing key was made in the state dir" test "$(stat -c %a "$work/state2/signing.key" 2>/dev/null)" = 600
check "it prints the public key of that key" grep -q "public key $("$controller" pubkey --signing-key "$work/state2/signing.key")" "$work/run.err"
kill -TERM "$pid"
stopped=no
for _ in $(seq 1 50); do
  if ! kill -0 "$pid" 2>/dev/null; then stopped=yes; break; fi
  sleep 0.1
done
wait "$pid"; code=$?
pid=
check "SIGTERM stops it within 5 s with exit 0" test "$stopped" = yes -a "$code" -eq 0
[ "$failures" -eq 0 ]
