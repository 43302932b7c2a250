#!/usr/bin/env bash
# anymesh-gateway --check-config: the example gateway.conf passes with one summary line (exit 0);
# a broken value fails with exactly one line naming the option (exit 2); --help lists every option.
set -euo pipefail
gateway=$1
repo=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT INT TERM
umask 077
echo 'LO4sQqm7SYUN2S4kTvTDMtK/qTSwkn+9J3iSDD/+c2U=' >"$work/private.key"
example=$repo/configs/gateway.conf
snapshot=$repo/tests/unit/agent/snapshot_r1.txtpb

expect_ok() {  # args...: exit 0, one stdout line, nothing on stderr
  local rc=0
  "$gateway" "$@" >"$work/out" 2>"$work/err" || rc=$?
  [ "$rc" = 0 ] || { echo "exit $rc for: $*"; cat "$work/err"; exit 1; }
  [ "$(wc -l <"$work/out")" = 1 ] || { echo "not one summary line for: $*"; cat "$work/out"; exit 1; }
  [ ! -s "$work/err" ] || { echo "stderr not empty for: $*"; cat "$work/err"; exit 1; }
}

expect_bad() {  # option args...: exit 2, exactly one stderr line naming --option, no stdout
  local option=$1 rc=0
  shift
  "$gateway" "$@" >"$work/out" 2>"$work/err" || rc=$?
  [ "$rc" = 2 ] || { echo "exit $rc, not 2, for: $*"; cat "$work/err"; exit 1; }
  [ "$(wc -l <"$work/err")" = 1 ] || { echo "not exactly one error line for: $*"; cat "$work/err"; exit 1; }
  grep -q -- "--$option: " "$work/err" || { echo "error does not name --$option:"; cat "$work/err"; exit 1; }
  [ ! -s "$work/out" ] || { echo "stdout not empty for: $*"; exit 1; }
}

# The example as shipped (only the key file is ours), then with the r1 snapshot fixture.
expect_ok --check-config --config "$example" --private-key-file "$work/private.key"
grep -q "config ok: gateway 1 region r1" "$work/out" || { echo "summary:"; cat "$work/out"; exit 1; }
expect_ok --check-config --config "$example" --private-key-file "$work/private.key" \
  --gateway-id 11 --snapshot "$snapshot"
grep -q "snapshot v7 (3 peers, 6 lanes, 3 prefixes)" "$work/out" || { echo "summary:"; cat "$work/out"; exit 1; }

# Broken copies of the example: one bad value each.
sed 's/^queues = 2$/queues = 0/' "$example" >"$work/queues.conf"
expect_bad queues --check-config --config "$work/queues.conf" --private-key-file "$work/private.key"
sed 's/^metrics-address = .*/metrics-address = 192.0.2.1:9100/' "$example" >"$work/metrics.conf"
expect_bad metrics-address --check-config --config "$work/metrics.conf" --private-key-file "$work/private.key"
expect_bad outer-port --check-config --config "$example" --private-key-file "$work/private.key" --outer-port eth0
expect_bad log-level --check-config --config "$example" --private-key-file "$work/private.key" --log-level loud
expect_bad bgp-vips-file --check-config --config "$example" --private-key-file "$work/private.key" \
  --bgp-control-socket /run/bird.ctl
expect_bad inner-address --check-config --config "$example" --private-key-file "$work/private.key" --inner-address fd00::1
# A next key file may be absent (no rotation prepared); present, it must be a key file like the other.
expect_ok --check-config --config "$example" --private-key-file "$work/private.key" --gateway-id 11 --snapshot "$snapshot" \
  --next-private-key-file "$work/absent.key"
echo 'not a key' >"$work/next.key"
expect_bad next-private-key-file --check-config --config "$example" --private-key-file "$work/private.key" \
  --next-private-key-file "$work/next.key"

# The key file as the example names it would be world-readable here: refused.
chmod 644 "$work/private.key"
expect_bad private-key-file --check-config --config "$example" --private-key-file "$work/private.key"
chmod 600 "$work/private.key"

# A snapshot for another gateway, and a broken snapshot, are refused naming --snapshot.
expect_bad snapshot --check-config --config "$example" --private-key-file "$work/private.key" --snapshot "$snapshot"
sed 's/port: 51822/port: 0/' "$snapshot" >"$work/broken.txtpb"
expect_bad snapshot --check-config --config "$example" --private-key-file "$work/private.key" \
  --gateway-id 11 --snapshot "$work/broken.txtpb"
grep -q "peers\[1\].lanes\[2\].port: 0 is not a port" "$work/err" || { cat "$work/err"; exit 1; }

# --help: every option of the example is listed, and the binary says what it cannot do yet.
"$gateway" --help >"$work/help"
for option in $(sed -n 's/^#* *\([a-z-]*\) = .*/\1/p' "$example" | sort -u); do
  grep -q -- "--$option " "$work/help" || { echo "--help does not list --$option"; exit 1; }
done
grep -q "DPDK data plane" "$work/help" || { echo "--help does not say what the gateway runs"; exit 1; }

# Without --check-config it runs: the example's PCI NICs and controller do not exist on this
# machine, so it must stop with a reason rather than pretend.
if timeout 20 "$gateway" --config "$example" --private-key-file "$work/private.key" 2>"$work/run.err"; then
  echo "ran with the example's missing NICs"; exit 1
fi
grep -q "anymesh-gateway: " "$work/run.err" || { echo "no reason given"; cat "$work/run.err"; exit 1; }
echo "check-config: ok"
