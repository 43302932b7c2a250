#!/usr/bin/env bash
# package.deb: cpack builds the .deb from a build tree; its control data, conffiles, file list,
# systemd units and binaries are checked on a copy extracted into a temporary root (never on /).
#
#   deb_test.sh BUILD_DIR WITH_DPDK WITH_BPF
#
# Needs the installed targets built (anymesh-gateway, anymesh, anymesh-controller, anymesh-wg and,
# with BPF, the BPF objects); cpack does not build them (CMAKE_SKIP_INSTALL_ALL_DEPENDENCY).
set -euo pipefail

build=${1:?build dir}
with_dpdk=${2:?WITH_DPDK}
with_bpf=${3:?WITH_BPF}
is_on() { [[ ${1^^} =~ ^(1|ON|YES|TRUE|Y)$ ]]; }

failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
ok() { echo "ok: $*"; }

work=$(mktemp -d /tmp/anymesh-package-test.XXXXXX)
controller_pid=""
cleanup() {
  if [[ -n $controller_pid ]]; then kill "$controller_pid" 2>/dev/null || true; wait "$controller_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

[[ -f $build/CPackConfig.cmake ]] || { echo "FAIL: $build/CPackConfig.cmake missing (is cmake/packaging.cmake included?)"; exit 1; }
version=$(sed -n 's/^set(CPACK_PACKAGE_VERSION "\(.*\)")$/\1/p' "$build/CPackConfig.cmake")
[[ -n $version ]] || { echo "FAIL: no CPACK_PACKAGE_VERSION in CPackConfig.cmake"; exit 1; }

# 1. Build the package.
if ! cpack --config "$build/CPackConfig.cmake" -G DEB -B "$work/out" > "$work/cpack.log" 2>&1; then
  tail -30 "$work/cpack.log"
  echo "FAIL: cpack"
  exit 1
fi
shopt -s nullglob
debs=("$work"/out/anymesh_*.deb)
[[ ${#debs[@]} -eq 1 ]] || { cat "$work/cpack.log"; echo "FAIL: expected one anymesh_*.deb, got ${#debs[@]}"; exit 1; }
deb=${debs[0]}
echo "package: $(basename "$deb"), $(stat -c %s "$deb") bytes"

# 2. Control fields.
field() { dpkg-deb -f "$deb" "$1"; }
[[ $(field Package) == anymesh ]] && ok "Package anymesh" || fail "Package is '$(field Package)'"
[[ $(field Version) =~ ^${version//./\\.}-[0-9]+$ ]] && ok "Version $(field Version)" || fail "Version '$(field Version)' is not $version-N"
[[ $(field Section) == net ]] && ok "Section net" || fail "Section is '$(field Section)'"
[[ $(field Architecture) == $(dpkg --print-architecture) ]] && ok "Architecture" || fail "Architecture '$(field Architecture)'"
maintainer_re='^.+ <.+@.+>$'
[[ $(field Maintainer) =~ $maintainer_re ]] && ok "Maintainer" || fail "Maintainer '$(field Maintainer)'"
depends=$(field Depends)
recommends=$(field Recommends)
has() { [[ ", $1," == *", $2"[\ ,\(]* ]]; }
for p in wireguard-tools iproute2 libc6 libstdc++6 libssl3 libsodium23; do
  has "$depends" "$p" && ok "Depends $p" || fail "Depends lacks $p: $depends"
done
if is_on "$with_dpdk"; then
  for p in librte-eal23 librte-mempool-ring23 librte-bus-pci23 librte-bus-vdev23 librte-net-af-xdp23 librte-net-ena23; do
    has "$depends" "$p" && ok "Depends $p" || fail "Depends lacks $p: $depends"
  done
fi
has "$recommends" bird2 && ok "Recommends bird2" || fail "Recommends lacks bird2: $recommends"
# Every Depends alternative names a package this machine knows (catches a misspelt DPDK driver).
while read -r name; do
  [[ -z $name ]] && continue
  apt-cache show "$name" > /dev/null 2>&1 || dpkg-query -W "$name" > /dev/null 2>&1 || fail "Depends names unknown package '$name'"
done < <(tr ',|' '\n\n' <<< "$depends, $recommends" | sed 's/(.*//; s/[[:space:]]//g')

# 3. Maintainer scripts and conffiles.
dpkg-deb -e "$deb" "$work/control"
for s in postinst prerm postrm; do
  if [[ -x $work/control/$s ]] && sh -n "$work/control/$s"; then ok "$s executable, parses"; else fail "$s missing, not executable or not sh"; fi
done
grep -q 'daemon-reload' "$work/control/postinst" && grep -q '/run/systemd/system' "$work/control/postinst" \
  && ok "postinst reloads systemd only when it runs" || fail "postinst: no guarded daemon-reload"
expected_conffiles=(/etc/anymesh/gateway.conf /etc/anymesh/mesh.yaml /etc/default/anymesh-gateway /etc/default/anymesh-controller)
for c in "${expected_conffiles[@]}"; do
  grep -qx "$c" "$work/control/conffiles" && ok "conffile $c" || fail "conffiles lacks $c"
done

# 4. The file list: every binary, BPF object, unit, helper, conffile and doc; nothing from the build tree.
dpkg-deb -c "$deb" > "$work/list"
awk '{print $6}' "$work/list" | sed 's#^\./#/#; s#/$##' > "$work/paths"
want=(/usr/bin/anymesh-gateway /usr/bin/anymesh /usr/bin/anymesh-controller /usr/bin/anymesh-wg
      /lib/systemd/system/anymesh-gateway.service /lib/systemd/system/anymesh-controller.service
      /lib/systemd/system/anymesh-wg@.service
      /usr/lib/anymesh/anymesh-hugepages /usr/lib/anymesh/anymesh-wg-config
      "${expected_conffiles[@]}"
      /usr/share/doc/anymesh/README.md /usr/share/doc/anymesh/install.md /usr/share/doc/anymesh/gateway.md
      /usr/share/doc/anymesh/controller.md /usr/share/doc/anymesh/configuration.md /usr/share/doc/anymesh/anymesh-wg.md
      /usr/share/doc/anymesh/examples/gateway.conf /usr/share/doc/anymesh/examples/mesh.yaml)
is_on "$with_bpf" && want+=(/usr/lib/anymesh/bpf/xdp_gateway.bpf.o /usr/lib/anymesh/bpf/gue_decap.bpf.o)
for p in "${want[@]}"; do
  grep -qxF "$p" "$work/paths" && ok "contains $p" || fail "missing $p"
done
outside=$(grep -vE '^/(usr|etc|lib)(/|$)|^/$|^$' "$work/paths" || true)
[[ -z $outside ]] && ok "every file below /usr, /etc or /lib" || fail "files elsewhere: $outside"
[[ $(awk '$2 != "root/root"' "$work/list" | wc -l) -eq 0 ]] && ok "every file root/root" || fail "files not owned by root"
for b in anymesh-gateway anymesh anymesh-controller anymesh-wg; do
  grep -qE "^-rwxr-xr-x .* \./usr/bin/$b$" "$work/list" && ok "$b mode 0755" || fail "$b is not -rwxr-xr-x"
done
echo "files: $(grep -c '^-' "$work/list")"

# 5. Extract into a temporary root.
root=$work/root
dpkg-deb -x "$deb" "$root"

for b in anymesh-gateway anymesh anymesh-controller anymesh-wg; do
  bin=$root/usr/bin/$b
  if grep -q '\.debug_info' <(readelf -S "$bin"); then fail "$b still has debug information"; else ok "$b stripped"; fi
  if grep -q "$build" <(readelf -d "$bin" | grep -E 'RPATH|RUNPATH'); then fail "$b has an RPATH into the build tree"; fi
  if grep -q 'not found' <(ldd "$bin"); then fail "$b: $(ldd "$bin" | grep 'not found' | head -3)"; fi
done
if is_on "$with_bpf"; then
  # The XDP pre-stage keeps its BTF (stripping would break loading it).
  grep -q '\.BTF' <(readelf -S "$root/usr/lib/anymesh/bpf/xdp_gateway.bpf.o") && ok "xdp_gateway.bpf.o has BTF" \
    || fail "xdp_gateway.bpf.o has no .BTF section"
fi

# 6. The units: the gateway finds its BPF objects; systemd-analyze verify (works without systemd as PID 1)
#    on copies whose /usr paths point into the extracted root, so every Exec* command is checked there.
units=$root/lib/systemd/system
bpf_dir=$(sed -n 's/^Environment=ANYMESH_BPF_DIR=//p' "$units/anymesh-gateway.service")
if is_on "$with_bpf"; then
  [[ -n $bpf_dir && -f $root$bpf_dir/xdp_gateway.bpf.o ]] && ok "ANYMESH_BPF_DIR=$bpf_dir holds xdp_gateway.bpf.o" \
    || fail "anymesh-gateway.service: ANYMESH_BPF_DIR '$bpf_dir' does not hold the package's xdp_gateway.bpf.o"
fi
for want_line in '^StateDirectory=anymesh$' '^RuntimeDirectory=anymesh$' '^LimitMEMLOCK=infinity$' \
                 '^ExecReload=.*-HUP \$MAINPID' '^Restart=on-failure$' '^ExecStartPre=\+/usr/lib/anymesh/anymesh-hugepages$'; do
  grep -qE "$want_line" "$units/anymesh-gateway.service" && ok "gateway unit: $want_line" || fail "gateway unit lacks $want_line"
done
grep -qE '^StateDirectory=anymesh-controller$' "$units/anymesh-controller.service" \
  && grep -qE -- '--state-dir /var/lib/anymesh-controller' "$units/anymesh-controller.service" \
  && ok "controller unit: state dir" || fail "controller unit: StateDirectory and --state-dir disagree"
if command -v systemd-analyze > /dev/null; then
  verify=$work/verify
  mkdir -p "$verify"
  for unit in "$units"/anymesh-*.service; do
    sed -e "s#/usr/bin/#$root/usr/bin/#g; s#/usr/lib/anymesh/#$root/usr/lib/anymesh/#g" "$unit" > "$verify/$(basename "$unit")"
  done
  # A template is verified through an instance.
  mv "$verify/anymesh-wg@.service" "$verify/anymesh-wg@wg0.service"
  # Unknown keys are only warnings (exit 0): any line of output is a failure.
  if (cd "$verify" && systemd-analyze verify "$verify"/*.service) > "$work/verify.log" 2>&1 && [[ ! -s $work/verify.log ]]; then
    ok "systemd-analyze verify: anymesh-gateway, anymesh-controller, anymesh-wg@wg0"
  else
    cat "$work/verify.log"
    fail "systemd-analyze verify"
  fi
else
  echo "skip: systemd-analyze not installed"
fi

# 7. The binaries run from the package.
run_ok() {  # run_ok NAME PATTERN COMMAND...: exit 0 and output matching PATTERN
  local name=$1 pattern=$2 out
  shift 2
  if out=$("$@" 2>&1) && grep -qE "$pattern" <<< "$out"; then ok "$name"; else fail "$name: $(head -3 <<< "$out")"; fi
}
bin=$root/usr/bin
run_ok "anymesh-gateway --help" '^Usage: anymesh-gateway' "$bin/anymesh-gateway" --help
run_ok "anymesh-controller --help" '^Usage: anymesh-controller' "$bin/anymesh-controller" --help
run_ok "anymesh --help" '^Usage: anymesh COMMAND' "$bin/anymesh" --help
run_ok "anymesh-wg --help" 'INTERFACE-NAME' "$bin/anymesh-wg" --help

key_re='^[A-Za-z0-9+/]{43}=$'
private=$(umask 077; "$bin/anymesh" genkey)
[[ $private =~ $key_re ]] && ok "anymesh genkey" || fail "anymesh genkey printed '$private'"
public=$("$bin/anymesh" pubkey <<< "$private")
[[ $public =~ $key_re ]] && ok "anymesh pubkey" || fail "anymesh pubkey printed '$public'"
if command -v wg > /dev/null; then
  [[ $(wg pubkey <<< "$private") == "$public" ]] && ok "anymesh pubkey == wg pubkey" || fail "anymesh pubkey differs from wg pubkey"
fi

# The shipped gateway.conf is valid once it has a private key.
(umask 077; printf '%s\n' "$private" > "$work/private.key")
run_ok "anymesh-gateway --check-config on /etc/anymesh/gateway.conf" 'config ok' \
  "$bin/anymesh-gateway" --check-config --config "$root/etc/anymesh/gateway.conf" --private-key-file "$work/private.key"

signing_public=$("$bin/anymesh-controller" genkey --signing-key "$work/signing.key")
[[ $signing_public =~ $key_re && $("$bin/anymesh-controller" pubkey --signing-key "$work/signing.key") == "$signing_public" ]] \
  && ok "anymesh-controller genkey/pubkey" || fail "anymesh-controller genkey/pubkey: '$signing_public'"

# The controller starts on the shipped mesh.yaml and listens (a free loopback port, a private state dir).
port=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
"$bin/anymesh-controller" --mesh "$root/etc/anymesh/mesh.yaml" --listen "127.0.0.1:$port" \
  --state-dir "$work/controller" > "$work/controller.log" 2>&1 &
controller_pid=$!
for _ in $(seq 50); do
  grep -q 'listening on' "$work/controller.log" && break
  kill -0 "$controller_pid" 2>/dev/null || break
  sleep 0.1
done
if grep -q "listening on 127.0.0.1:$port" "$work/controller.log" && [[ -s $work/controller/signing.key ]]; then
  ok "anymesh-controller runs on the shipped mesh.yaml (made its signing key)"
else
  fail "anymesh-controller did not start: $(head -5 "$work/controller.log")"
fi
kill "$controller_pid" 2>/dev/null || true
wait "$controller_pid" 2>/dev/null || true
controller_pid=""

# 8. The helpers' checks (neither touches the system on these paths).
run_ok "anymesh-hugepages with ANYMESH_HUGEPAGES=0 does nothing" '^$' env ANYMESH_HUGEPAGES=0 "$root/usr/lib/anymesh/anymesh-hugepages"
if env ANYMESH_HUGEPAGES=lots "$root/usr/lib/anymesh/anymesh-hugepages" > "$work/hp.log" 2>&1; then
  fail "anymesh-hugepages accepted ANYMESH_HUGEPAGES=lots"
else
  grep -q 'must be a number' "$work/hp.log" && ok "anymesh-hugepages refuses a bad count" || fail "anymesh-hugepages: $(cat "$work/hp.log")"
fi
if env ANYMESH_WG_CONFIG_DIR="$work" "$root/usr/lib/anymesh/anymesh-wg-config" up amtpkgnone > "$work/wg.log" 2>&1; then
  fail "anymesh-wg-config succeeded without a config file"
else
  grep -q "$work/amtpkgnone.conf: missing" "$work/wg.log" && ok "anymesh-wg-config names the missing file" \
    || fail "anymesh-wg-config: $(cat "$work/wg.log")"
fi

if [[ $failures -ne 0 ]]; then
  echo "$failures check(s) failed"
  exit 1
fi
echo "all checks passed"
