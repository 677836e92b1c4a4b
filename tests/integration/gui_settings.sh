#!/usr/bin/env bash
# The Settings dialog (offscreen) against a real weir-helper in a network namespace on a private
# system bus with polkitd (tests/gui/tst_guisettings.cpp): TPROXY chosen in the dialog and applied
# installs TPROXY rules in the namespace's mangle table; a bad LAN subnet comes back as the helper's
# error at that field; an upstream password typed in the dialog is stored but never shown, and kept
# when the dialog applies other changes. Nothing may be left in the namespace's tables after
# interception is turned off.
set -euo pipefail
GUI_TEST=$4
source "$(dirname "$0")/lib.sh" "$1" "$2" "$3"
trap weir_it_cleanup EXIT

mangle_rules() {
    ip netns exec "$NS_CLIENT" iptables-legacy-save -t mangle | grep -v '^#'
}

weir_it_make_netns
weir_it_start_bus
weir_it_start_helper
WEIR_TEST_NETNS="$NS_CLIENT" WEIR_TEST_LAN_IF="wc$$" \
    QT_QPA_PLATFORM=offscreen DBUS_SESSION_BUS_ADDRESS=disabled: "$GUI_TEST"
! mangle_rules | grep -q WEIR_ || fail "mangle rules left after interception was turned off"
! nat_rules | grep -q WEIR_ || fail "nat rules left after interception was turned off"
echo "gui_settings: all checks passed"
