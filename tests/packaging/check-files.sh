#!/usr/bin/env bash
# Static checks of packaging/: every file parses and passes its format's validator, the configured
# files point at the helper in libexec, and installing packaging/ puts each file where dbus-daemon,
# polkitd, systemd and desktops look for it.
#
#   check-files.sh SOURCE_DIR PACKAGING_BINARY_DIR
# with the build's locations in the environment: WEIR_HELPER_PATH, WEIR_DBUS_POLICY_DIR,
# WEIR_DBUS_SERVICES_DIR, WEIR_POLKIT_ACTIONS_DIR, WEIR_SYSTEMD_UNIT_DIR, WEIR_DATADIR.
set -euo pipefail

src=$1 bin=$2
helper=$WEIR_HELPER_PATH
pkg=$src/packaging
failures=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# run DESCRIPTION COMMAND...: runs COMMAND, shows its output only when it fails.
run() {
    local what=$1
    shift
    if "$@" >"$tmp/out" 2>&1; then
        echo "ok - $what"
    else
        echo "not ok - $what"
        sed 's/^/    /' "$tmp/out"
        failures=$((failures + 1))
    fi
}

# No validator fetches the DTDs: the Polkit one is found through polkitd's XML catalog (so the
# policy is validated, not only parsed); D-Bus ships none, dbus-daemon itself reads the .conf in
# the privatebus test.
run "D-Bus policy is well-formed XML" xmllint --noout --nonet "$pkg/dbus/io.github.weir.Helper1.conf"
run "Polkit policy is valid against its DTD" xmllint --noout --nonet --valid "$pkg/polkit/io.github.weir.policy"
run "desktop file passes desktop-file-validate" desktop-file-validate "$pkg/desktop/io.github.weir.Weir.desktop"
run "metainfo passes appstreamcli validate" \
    appstreamcli validate --no-net --pedantic "$pkg/metainfo/io.github.weir.Weir.metainfo.xml"

service=$bin/io.github.weir.Helper1.service
unit=$bin/weir-helper.service
run "activation file runs $helper" grep -qxF "Exec=$helper" "$service"
run "activation file hands over to weir-helper.service" grep -qxF "SystemdService=weir-helper.service" "$service"
run "unit starts $helper" grep -qxF "ExecStart=$helper" "$unit"
run "unit cleans up with $helper --cleanup" grep -qxF "ExecStopPost=$helper --cleanup" "$unit"
run "unit waits for io.github.weir.Helper1" grep -qxF "BusName=io.github.weir.Helper1" "$unit"
# shellcheck disable=SC2016 # expanded by the inner bash
run "no @VARIABLE@ left unconfigured" bash -c '! grep -n "@[A-Z_]*@" "$1" "$2"' _ "$service" "$unit"

# systemd-analyze verify wants ExecStart= to exist; the helper is not installed here, so check a
# copy that runs /bin/true instead. Everything else (option names, values, Wants=) is checked as is.
sed "s|$helper|/bin/true|g" "$unit" >"$tmp/weir-helper.service"
verify_unit() {
    local out
    out=$(systemd-analyze verify "$tmp/weir-helper.service" 2>&1) || {
        echo "$out"
        return 1
    }
    # Unknown keys and bad values are only warnings; for us they are errors.
    if grep -v -e 'Failed to connect to system scope bus' <<<"$out" | grep -q .; then
        echo "$out"
        return 1
    fi
}
run "systemd-analyze verify accepts the unit" verify_unit

# Install only this folder's rules (its cmake_install.cmake) into a scratch root.
install_root=$tmp/root
run "packaging/ installs" env DESTDIR="$install_root" cmake -P "$bin/cmake_install.cmake"
for f in \
    "$WEIR_DBUS_POLICY_DIR/io.github.weir.Helper1.conf" \
    "$WEIR_DBUS_SERVICES_DIR/io.github.weir.Helper1.service" \
    "$WEIR_POLKIT_ACTIONS_DIR/io.github.weir.policy" \
    "$WEIR_SYSTEMD_UNIT_DIR/weir-helper.service" \
    "$WEIR_DATADIR/applications/io.github.weir.Weir.desktop" \
    "$WEIR_DATADIR/metainfo/io.github.weir.Weir.metainfo.xml" \
    "$WEIR_DATADIR/doc/weir/examples/50-io.github.weir.rules.example" \
    "$WEIR_DATADIR/man/man1/weir.1" \
    "$WEIR_DATADIR/man/man1/weirctl.1"; do
    run "installed $f" test -s "$install_root$f"
done
# shellcheck disable=SC2016 # expanded by the inner bash
run "the rules example is not made active" bash -c '! find "$1" -path "*/rules.d/*" | grep .' _ "$install_root"

echo "$failures check(s) failed"
[[ $failures -eq 0 ]]
