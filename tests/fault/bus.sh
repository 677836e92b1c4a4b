#!/usr/bin/env bash
# Fault suite: the helper's bus and its authority fail under it, while a prober in C keeps opening new
# connections through G.
#  (a) polkitd killed (-9) while the helper is enabled: every call is refused with a clear error
#      (weirctl exit 4, "could not ask Polkit", AuthorityUnavailable), also for root, whom polkit always authorizes:
#      nothing is authorized by accident. The rules stay exactly as they were and traffic still goes
#      through Weir. polkitd started again: calls work again.
#  (b) the system bus restarted (dbus-daemon stopped): the helper notices, removes everything as on
#      SIGTERM and exits non-zero. A new bus with an activation file for the helper: a client call
#      brings a helper back by D-Bus activation. If it comes back enabled (it remembers the user's
#      last Enable), G is exactly what its settings installed before; otherwise clean.
# Each case ends with fault_end_checks (lib.sh).
#
# Usage: bus.sh SRC_DIR WEIR_HELPER WEIRCTL   (root; ctest runs it)
set -euo pipefail
source "$(dirname "$0")/lib.sh" "$@"
source "$(dirname "$0")/traffic.sh"
T_START=$(now_ms)
TIMINGS="$WEIR_IT_DIR/timings"
: >"$TIMINGS"
timing() { echo "$1: $2 ms" | tee -a "$TIMINGS"; }

fault_setup

# expect_refused ARGS...: weirctl ARGS is refused because Polkit cannot be asked.
expect_refused() {
    local rc=0
    ctl "$@" >/dev/null || rc=$?
    [ "$rc" = 4 ] || fail "weirctl $* with polkitd gone exited $rc, expected 4 (not authorized): $(ctl_err)"
    grep -q "could not ask Polkit" "$WEIR_IT_DIR/ctl.err" || fail "weirctl $* with polkitd gone: unclear message: $(ctl_err)"
    grep -q "AuthorityUnavailable" "$WEIR_IT_DIR/ctl.err" ||
        fail "weirctl $* with polkitd gone: the detail does not name the error AuthorityUnavailable: $(ctl_err)"
    ! grep -qi "password" "$WEIR_IT_DIR/ctl.err" || fail "weirctl $* with polkitd gone talks of a password: $(ctl_err)"
}

case_polkit() {
    local on t0
    fault_helper_running || mx_start_helper
    ctl config set mode=redirect udp=false scope=gateway ipv6=true bypass= "${FAULT_GW[@]}" >/dev/null ||
        fail "config set failed: $(ctl_err)"
    ctl enable >/dev/null || fail "enable failed: $(ctl_err)"
    on=$(snapshot_g)
    fault_prober_start "$NS_C"
    fault_slow_download "$NS_C" slow-polkit
    fault_through_weir "$NS_C" polkit-before

    t0=$(now_ms)
    fault_kill_recorded KILL polkitd
    expect_refused status
    echo "weirctl status with polkitd gone: $(ctl_err)"
    expect_refused disable
    expect_refused enable
    expect_refused config set bypass=192.0.2.0/24
    expect_refused connections
    [ "$(snapshot_g)" = "$on" ] || fail "G changed while every call was refused: $(diff <(echo "$on") <(snapshot_g))"
    fault_through_weir "$NS_C" polkit-during
    fault_probes_ok "$t0" 3 "while polkitd is gone" >/dev/null
    pass "polkitd gone: status, disable, enable, config set, connections refused (exit 4); rules untouched; traffic still through Weir"

    t0=$(now_ms)
    weir_polkit_start "$FAULT_BUS_DIR" "$WEIR_SRC" 2>/dev/null || fail "polkitd did not start again"
    ctl status >/dev/null || fail "status after polkitd came back failed: $(ctl_err)"
    timing "(a) polkitd started again -> status answers" $(($(now_ms) - t0))
    [ "$(status_field enabled)" = True ] || fail "interception is off after polkitd came back"
    [ "$(ctl config get --json | json_get 'd["bypass"]')" = "[]" ] || fail "the refused config set changed the settings"
    fault_prober_stop
    fault_end_checks "$on" "polkitd started again"
}

# set_tproxy: the settings of (b), which install policy routes too.
set_tproxy() {
    ctl config set mode=tproxy udp=true scope=both ipv6=true bypass= "${FAULT_GW[@]}" >/dev/null ||
        fail "config set failed: $(ctl_err)"
}

case_bus() {
    local on t0 rc=0 polkit_pid pid expected
    # The helper must be this shell's child, for its exit status.
    mx_kill_section
    mx_start_helper
    set_tproxy
    ctl enable >/dev/null || fail "enable failed: $(ctl_err)"
    on=$(snapshot_g)
    fault_prober_start "$NS_C"
    fault_slow_download "$NS_C" slow-bus
    fault_through_weir "$NS_C" bus-before

    t0=$(now_ms)
    polkit_pid=$(cat "$FAULT_BUS_DIR/polkitd.pid")
    fault_kill_recorded TERM dbus-daemon
    for _ in $(seq 1000); do
        gone "$HELPER_PID" && break
        nap 10
    done
    gone "$HELPER_PID" || fail "the helper still runs 10 s after the system bus went away"
    timing "(b) bus stopped -> helper exited" $(($(now_ms) - t0))
    wait "$HELPER_PID" || rc=$?
    HELPER_PID=
    [ "$rc" != 0 ] || fail "the helper exited with status 0 after losing the bus (systemd would not restart it)"
    grep -q "system bus connection was lost" "$WEIR_IT_DIR/helper.log" ||
        fail "the helper did not say why it exited: $(tail -3 "$WEIR_IT_DIR/helper.log")"
    fault_wait_state "$FAULT_CLEAN" 3 "after the helper lost the bus"
    fault_probes_ok "$(now_ms)" 2 "after the helper lost the bus" >/dev/null
    pass "bus gone: the helper removed everything and exited with status $rc; new connections go out directly"
    # polkitd cannot serve without its bus either; it is started again on the new one.
    if fault_wait_gone "$polkit_pid" 5; then
        echo "polkitd ended with the bus"
    else
        echo "polkitd outlived the bus; stopping it"
        kill "$polkit_pid"
        fault_wait_gone "$polkit_pid" 5 || fail "polkitd (pid $polkit_pid) does not stop"
    fi

    fault_bus_start_activating
    weir_polkit_start "$FAULT_BUS_DIR" "$WEIR_SRC" 2>/dev/null || fail "polkitd did not start on the new bus"
    ! fault_helper_running || fail "a helper owns the name before any call"
    t0=$(now_ms)
    ctl status >/dev/null || fail "status on the new bus (D-Bus activation) failed: $(ctl_err)"
    timing "(b) first call on the new bus -> answered by an activated helper" $(($(now_ms) - t0))
    pid=$(fault_helper_pid)
    [ -n "$pid" ] || fail "no helper owns the name after the call"
    mx_track_section "$pid"
    [ "$(cat "/proc/$pid/comm")" = weir-helper ] || fail "pid $pid owning the name is $(cat "/proc/$pid/comm")"
    [ "$(readlink "/proc/$pid/ns/net")" = "$(in_g readlink /proc/self/ns/net)" ] ||
        fail "the activated helper does not run in G"
    if [ "$(status_field enabled)" = True ]; then
        [ "$(status_field mode)" = tproxy ] || fail "the activated helper came back enabled in another mode"
        expected=$on
        echo "the activated helper came back enabled"
    else
        expected=$FAULT_CLEAN
    fi
    pass "D-Bus activation brought a helper back (pid $pid)"
    fault_prober_stop
    fault_end_checks "$expected" "after D-Bus activation"
}

run_case "(a) polkitd killed and started again: calls refused, rules and traffic untouched" case_polkit
fault_next_case
run_case "(b) system bus restarted: helper cleans up and exits, D-Bus activation brings it back" case_bus
fault_next_case

print_results
echo "timings:"
cat "$TIMINGS"
echo "bus.sh: total $(($(now_ms) - T_START)) ms"
[ "$MX_FAILED" -eq 0 ] || fail "$MX_FAILED case(s) failed"
echo "bus.sh: all cases passed"
