#!/usr/bin/env bash
# The remembered choice (setting restore_enabled, $WEIR_STATE_DIR/last-choice) on the gateway
# topology of netlib.sh (helper in G), each section from a clean G:
#  (a) enable (tproxy, LAN and UDP), kill -9: the guardian cleans G; a new helper turns interception
#      back on by itself: status restore=restored, G holds exactly what the enable installed, and C's
#      traffic goes through Weir again. SIGTERM is no choice either: a stopped helper comes back on.
#  (b) disable, restart: it stays off (restore "", G clean).
#  (c) restore_enabled=false: a kill -9 while enabled, and the new helper stays off.
#  (d) the restore fails (another process listens on proxy_port in G): restore=failed with the
#      reason, G stays clean, the helper serves, and Enable works once the port is free.
#
# Usage: restore.sh SRC_DIR WEIR_HELPER WEIRCTL   (root; ctest runs it)
set -euo pipefail
source "$(dirname "$0")/lib.sh" "$@"
source "$(dirname "$0")/netlib.sh"
trap mx_cleanup EXIT
T_START=$(now_ms)

mx_setup
SNAP0=$(snapshot_g)
LAST_CHOICE="$WEIR_STATE_DIR/last-choice"
GW_SET=(mode=tproxy scope=gateway ipv6=true udp=true bypass= "gateway_interfaces=$G_LAN_IF" "gateway_sources=$GW_SOURCES")

# directly NS FAMILY SOURCE_IP TAG: a download from NS reaches S from SOURCE_IP itself (not through Weir).
directly() {
    expect_http "$1" "$2" "$4"
    [ "$(http_peer "$4")" = "$3" ] || fail "$4 reached S from $(http_peer "$4"), not directly from $3"
}

# kill9_and_wait_clean: kill -9 of the helper; the guardian must leave G as at the start (10 s).
kill9_and_wait_clean() {
    kill -9 "$HELPER_PID"
    wait "$HELPER_PID" 2>/dev/null || true
    HELPER_PID=
    wait_snapshot "$SNAP0" 10 || fail "10 s after kill -9, G is not clean: $(diff <(echo "$SNAP0") <(snapshot_g))"
}

# expect_restore STATE ENABLED: the helper's status says restore=STATE and enabled=ENABLED.
expect_restore() {
    local got
    got=$(status_fields restore enabled)
    [ "$got" = "$1 $2" ] || fail "status: restore, enabled = '$got', expected '$1 $2': $(wctl status)"
}

expect_choice() { # expect_choice WORD: the last-choice file holds exactly WORD, root-only
    [ "$(cat "$LAST_CHOICE" 2>/dev/null)" = "$1" ] || fail "last-choice holds '$(cat "$LAST_CHOICE" 2>&1)', expected '$1'"
    [ "$(stat -c %a "$LAST_CHOICE")" = 600 ] || fail "last-choice is not 0600"
}

# ---------------------------------------------------------------------------------------------

section_a() {
    local snap_on
    mx_start_helper
    expect_restore "" False
    ctl config set "${GW_SET[@]}" >/dev/null || fail "config set failed: $(ctl_err)"
    ctl enable >/dev/null || fail "enable failed: $(ctl_err)"
    expect_choice enabled
    snap_on=$(snapshot_g)
    through_weir "$NS_C" 4 tproxy "$C4" a-before
    kill9_and_wait_clean
    directly "$NS_C" 4 "$C4" a-direct-$RANDOM
    pass "kill -9 while enabled: the guardian left G clean, C reaches S directly"

    mx_start_helper
    expect_restore restored True
    [ "$(snapshot_g)" = "$snap_on" ] ||
        fail "the restored helper installed something else than enable did: $(diff <(echo "$snap_on") <(snapshot_g))"
    through_weir "$NS_C" 6 tproxy "$C6" a-restored6
    expect_udp "$NS_C" 4 a-restored-udp
    wctl status | grep -qx "Restore:      restored (interception was turned back on when the helper started)" ||
        fail "weirctl status does not say it: $(wctl status)"
    grep -q "interception turned back on" "$WEIR_IT_DIR/helper.log" || fail "the helper log does not say it"
    expect_choice enabled # restoring is not a new choice
    pass "a new helper restored it: restore=restored, G exactly as after enable, C's TCP (v6) and UDP (v4) through Weir"

    # SIGTERM (systemctl stop, shutdown) removes the rules but is not the user turning it off.
    weir_it_stop_helper
    wait_snapshot "$SNAP0" 3 || fail "SIGTERM left G changed: $(diff <(echo "$SNAP0") <(snapshot_g))"
    expect_choice enabled
    mx_start_helper
    expect_restore restored True
    [ "$(snapshot_g)" = "$snap_on" ] || fail "after SIGTERM and a start, G differs from enable's state"
    pass "SIGTERM: G clean while stopped, the choice kept, restored at the next start"
}

section_b() {
    mx_start_helper
    ctl config set "${GW_SET[@]}" >/dev/null || fail "config set failed: $(ctl_err)"
    ctl enable >/dev/null || fail "enable failed: $(ctl_err)"
    ctl disable >/dev/null || fail "disable failed: $(ctl_err)"
    expect_choice disabled
    weir_it_stop_helper
    mx_start_helper
    expect_restore "" False
    [ "$(snapshot_g)" = "$SNAP0" ] || fail "G changed although the last choice was disable"
    directly "$NS_C" 4 "$C4" b-direct-$RANDOM
    pass "disable, then a restart: stays off, G clean"
}

section_c() {
    mx_start_helper
    ctl config set "${GW_SET[@]}" restore_enabled=false >/dev/null || fail "config set failed: $(ctl_err)"
    grep -qx "restore_enabled=false" "$WEIR_STATE_DIR/settings.conf" || fail "restore_enabled=false not saved"
    ctl enable >/dev/null || fail "enable failed: $(ctl_err)"
    expect_choice enabled
    kill9_and_wait_clean
    mx_start_helper
    expect_restore "" False
    [ "$(snapshot_g)" = "$SNAP0" ] || fail "restore_enabled=false, yet G changed at start"
    grep -q "restore_enabled=false keeps it off" "$WEIR_IT_DIR/helper.log" || fail "the helper log does not say why"
    directly "$NS_C" 4 "$C4" c-direct-$RANDOM
    pass "restore_enabled=false: the new helper stays off although the last choice was enable"
}

section_d() {
    local port=41080 squatter reason
    mx_start_helper
    ctl config set "${GW_SET[@]}" "proxy_port=$port" >/dev/null || fail "config set failed: $(ctl_err)"
    ctl enable >/dev/null || fail "enable failed: $(ctl_err)"
    kill9_and_wait_clean
    # Another program takes the proxy port (v4 and v6) before the helper comes back.
    ip netns exec "$NS_G" "$PY" -c '
import socket, sys, time
port = int(sys.argv[1])
s6 = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
s6.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
s6.bind(("::", port)); s6.listen()
print("listening", flush=True)
time.sleep(60)' "$port" >"$WEIR_IT_DIR/squatter.out" 2>&1 &
    squatter=$!
    mx_track_section "$squatter"
    mx_wait_tcp "$NS_G" 127.0.0.1 "$port" || fail "the squatter does not listen: $(cat "$WEIR_IT_DIR/squatter.out")"

    mx_start_helper
    expect_restore failed False
    reason=$(status_field restore_error)
    if [ -z "$reason" ] || [ "$reason" = None ]; then fail "restore=failed without a reason"; fi
    echo "$reason" | grep -qi "in use" || fail "the reason does not name the busy port: $reason"
    [ "$(snapshot_g)" = "$SNAP0" ] || fail "a failed restore left something in G: $(diff <(echo "$SNAP0") <(snapshot_g))"
    wctl status | grep -q "^Restore:      failed (.*); interception stayed off$" || fail "weirctl status: $(wctl status)"
    directly "$NS_C" 4 "$C4" d-direct-$RANDOM
    expect_choice enabled # the next start tries again
    pass "restore failed ('$reason'): G clean, traffic direct, the helper serves"

    kill "$squatter"
    wait "$squatter" 2>/dev/null || true
    ctl enable >/dev/null || fail "enable after the port was freed failed: $(ctl_err)"
    through_weir "$NS_C" 4 tproxy "$C4" d-enabled
    ctl disable >/dev/null || fail "disable failed: $(ctl_err)"
    [ "$(snapshot_g)" = "$SNAP0" ] || fail "G differs after disable"
    pass "once the port was free, enable worked and disable left G clean"
}

run_case "(a) kill -9 / SIGTERM while enabled: a new helper restores it" section_a
reset_g "$SNAP0"
run_case "(b) disabled, restarted: stays off" section_b
reset_g "$SNAP0"
run_case "(c) restore_enabled=false: stays off" section_c
reset_g "$SNAP0"
run_case "(d) restore fails (proxy port taken): reported, G clean, serves" section_d
reset_g "$SNAP0"

print_results
echo "restore: total $(($(now_ms) - T_START)) ms"
[ "$MX_FAILED" -eq 0 ] || fail "$MX_FAILED section(s) failed"
echo "restore: all sections passed"
