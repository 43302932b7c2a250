#!/usr/bin/env bash
# anymesh genkey/pubkey agree with wg genkey/pubkey both ways, and reject garbage with an error.
set -euo pipefail
am=$1
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
umask 077
for _ in 1 2 3; do
  k=$("$am" genkey)
  [ "$(echo "$k" | "$am" pubkey)" = "$(echo "$k" | wg pubkey)" ] || { echo "pubkey of anymesh genkey differs from wg"; exit 1; }
  k=$(wg genkey)
  [ "$(echo "$k" | "$am" pubkey)" = "$(echo "$k" | wg pubkey)" ] || { echo "pubkey of wg genkey differs"; exit 1; }
done
[ "$(echo 'LO4sQqm7SYUN2S4kTvTDMtK/qTSwkn+9J3iSDD/+c2U=' | "$am" pubkey)" = "Rx6s0Ix24MQO4DUpFBHqDlsMwN890CtvVnymGLkdDRo=" ]
for bad in "" "garbage" "LO4sQqm7SYUN2S4kTvTDMtK/qTSwkn+9J3iSDD/+c2U" "LO4sQqm7SYUN2S4kTvTDMtK/qTSwkn+9J3iSDD/+c2V="; do
  if echo "$bad" | "$am" pubkey >"$work/out" 2>"$work/err"; then echo "accepted bad key '$bad'"; exit 1; fi
  grep -q "not the correct length or format" "$work/err" || { echo "no clear error for '$bad'"; exit 1; }
  [ ! -s "$work/out" ] || { echo "printed output for bad key"; exit 1; }
done
if "$am" frobnicate 2>/dev/null; then echo "unknown command accepted"; exit 1; fi
echo "keys: ok"
