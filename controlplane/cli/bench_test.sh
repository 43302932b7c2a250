#!/usr/bin/env bash
# anymesh bench: runs the source tree's bench/run with the options given (--help prints its usage, a
# bad option exits 2), runs $ANYMESH_BENCH_RUN instead when set, and fails clearly without one.
set -euo pipefail
am=$1
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
unset ANYMESH_BENCH_RUN

"$am" bench --help >"$work/out" 2>"$work/err" || { echo "anymesh bench --help failed"; cat "$work/err"; exit 1; }
grep -q '^Usage: bench/run' "$work/out" || { echo "anymesh bench --help did not print bench/run's usage:"; cat "$work/out"; exit 1; }
grep -q -- '--quick' "$work/out" || { echo "bench/run's usage lacks --quick"; exit 1; }

rc=0
"$am" bench --no-such-option >"$work/out" 2>"$work/err" || rc=$?
[ "$rc" = 2 ] || { echo "a bad option exited $rc, not 2"; exit 1; }
grep -q 'unknown argument --no-such-option' "$work/err" || { echo "no clear error for a bad option:"; cat "$work/err"; exit 1; }

# ANYMESH_BENCH_RUN wins, and gets every argument after "bench", unchanged.
cat >"$work/fake-run" <<EOF
#!/usr/bin/env bash
printf '%s\n' "\$@" >"$work/args"
exit 7
EOF
chmod +x "$work/fake-run"
rc=0
ANYMESH_BENCH_RUN=$work/fake-run "$am" bench --quick --out "a b" || rc=$?
[ "$rc" = 7 ] || { echo "ANYMESH_BENCH_RUN: exit $rc, not the script's 7"; exit 1; }
[ "$(cat "$work/args")" = "$(printf '%s\n' --quick --out "a b")" ] || { echo "arguments not passed through:"; cat "$work/args"; exit 1; }

rc=0
ANYMESH_BENCH_RUN=$work/missing "$am" bench --quick 2>"$work/err" || rc=$?
[ "$rc" = 1 ] || { echo "a missing bench/run exited $rc, not 1"; exit 1; }
grep -q "cannot run $work/missing" "$work/err" || { echo "no clear error for a missing bench/run:"; cat "$work/err"; exit 1; }
echo "bench: ok"
