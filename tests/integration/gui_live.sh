#!/usr/bin/env bash
# The GUI (offscreen) against a real weir-helper in a network namespace on a private system bus with
# polkitd: tests/gui/tst_guilive.cpp turns interception on from the window, a real curl runs in the
# namespace, and the row must appear and stay live. The helper starts on a settings file it cannot use
# (garbage), so it runs on defaults with a warning that the window's banner must show.
set -euo pipefail
GUI_TEST=$4
source "$(dirname "$0")/lib.sh" "$1" "$2" "$3"
trap weir_it_cleanup EXIT

weir_it_make_netns
weir_it_start_server
weir_it_start_bus
mkdir -m 0700 "$WEIR_STATE_DIR"
printf 'not a weir settings file\n' >"$WEIR_STATE_DIR/settings.conf"
weir_it_start_helper
WEIR_TEST_NETNS="$NS_CLIENT" WEIR_TEST_URL="http://$SERVER_IP:8080/blob" WEIR_TEST_DESTINATION="$SERVER_IP:8080" \
    QT_QPA_PLATFORM=offscreen DBUS_SESSION_BUS_ADDRESS=disabled: "$GUI_TEST"
! nat_rules | grep -q WEIR_ || fail "rules left after the GUI turned interception off"
echo "gui_live: all checks passed"
