#!/usr/bin/env bash
# Fault suite: the kernel and other programs say no, while a prober in C keeps opening new
# connections through G.
#  (a) the kernel refuses a rule mid-apply (WEIR_FAULT_REJECT="ipv6 mangle", see
#      helper/firewall/iptcbackend.h: the IPv4 tables are committed by then and must be put back):
#      during Enable from clean (tproxy), during a mode switch (redirect -> tproxy) and during a
#      settings change (tproxy, ipv6 off -> on with the LAN's IPv6 sources). Each call fails with an
#      error that says what the kernel refused, G is byte for byte what it was before the call, and
#      traffic flows as before.
#  (b) the xtables lock held by another process (flock on $XTABLES_LOCKFILE, a file of this test, so
#      the machine's /run/xtables.lock is never held) for longer than the helper waits
#      (WEIR_TEST_LOCK_TIMEOUT_MS=1500): enable fails naming the lock and changes nothing; disable
#      fails naming the lock and the rules stay, still relaying; once released, both work.
#  (c) the helper killed (-9) in the middle of a call: Enable waits for the held lock, the helper dies
#      before it answers, and weirctl says so (exit 3, "stopped before it answered"), not that the
#      helper did not answer in time.
# Each case ends with fault_end_checks (lib.sh).
#
# Usage: reject.sh SRC_DIR WEIR_HELPER WEIRCTL   (root; ctest runs it)
set -euo pipefail
source "$(dirname "$0")/lib.sh" "$@"
source "$(dirname "$0")/traffic.sh"
T_START=$(now_ms)
# Every xtables user of this test (helpers, guardians) locks this file, never the machine's.
export XTABLES_LOCKFILE="$WEIR_IT_DIR/xtables.lock"
LOCK_WAIT_MS=1500

fault_setup

# set_mode MODE IPV6: the settings of a case, for the LAN and G's own traffic.
set_mode() {
    local udp=false
    [ "$1" = tproxy ] && udp=true
    ctl config set "mode=$1" "udp=$udp" scope=both "ipv6=$2" bypass= "${FAULT_GW[@]}" >/dev/null ||
        fail "config set failed: $(ctl_err)"
}

# expect_call_fails WHAT ARGS...: weirctl ARGS fails as a failure of the helper (exit 1, not a usage
# error, not unauthorized); its message is in ctl.err.
expect_call_fails() {
    local what=$1 rc=0
    shift
    ctl "$@" >/dev/null || rc=$?
    [ "$rc" != 0 ] || fail "$what: weirctl $* succeeded"
    [ "$rc" = 1 ] || fail "$what: weirctl $* exited $rc, expected 1 (the helper failed): $(ctl_err)"
    echo "$what: weirctl $* failed as it must: $(tr '\n' ' ' <"$WEIR_IT_DIR/ctl.err" | head -c 600)"
}

# expect_kernel_refusal WHAT: the message names the table the kernel refused and the refused rule.
expect_kernel_refusal() {
    grep -q "rejected the ip6tables mangle table" "$WEIR_IT_DIR/ctl.err" ||
        fail "$1: the error does not say which table the kernel rejected: $(ctl_err)"
    grep -q "the table is unchanged" "$WEIR_IT_DIR/ctl.err" || fail "$1: the error does not say the table is unchanged: $(ctl_err)"
    grep -q "WEIR_FAULT" "$WEIR_IT_DIR/ctl.err" || fail "$1: the error does not show the refused rule: $(ctl_err)"
}

# ---------------------------------------------------------------------------------------------
# (a) the kernel refuses a rule

reject_start() {
    mx_kill_section # a helper without the fault
    WEIR_FAULT_REJECT="ipv6 mangle" mx_start_helper
}

case_reject_enable() {
    reject_start
    fault_prober_start "$NS_C"
    set_mode tproxy true
    expect_call_fails "enable tproxy" enable
    expect_kernel_refusal "enable tproxy"
    [ "$(status_field enabled)" = False ] || fail "interception is on after the failed enable"
    fault_wait_state "$FAULT_CLEAN" 1 "after the failed enable"
    fault_direct "$NS_C" "$C4" reject-enable-direct
    fault_probes_ok "$(now_ms)" 2 "after the failed enable" >/dev/null
    fault_prober_stop
    fault_end_checks "$FAULT_CLEAN" "after the failed enable"
}

case_reject_switch() {
    local before
    reject_start
    set_mode redirect true
    ctl enable >/dev/null || fail "enable redirect failed: $(ctl_err)"
    before=$(snapshot_g)
    fault_prober_start "$NS_C"
    fault_slow_download "$NS_C" slow-switch
    fault_through_weir "$NS_C" reject-switch-before
    expect_call_fails "switch redirect -> tproxy" config set mode=tproxy udp=true
    expect_kernel_refusal "switch redirect -> tproxy"
    [ "$(snapshot_g)" = "$before" ] || fail "the failed switch left G different: $(diff <(echo "$before") <(snapshot_g))"
    [ "$(status_fields enabled mode)" = "True redirect" ] || fail "status after the failed switch: $(status_fields enabled mode)"
    [ "$(ctl config get --json | json_get 'd["mode"]')" = redirect ] || fail "the stored mode changed although the switch failed"
    fault_through_weir "$NS_C" reject-switch-after
    fault_probes_ok "$(now_ms)" 2 "after the failed switch" >/dev/null
    fault_prober_stop
    fault_end_checks "$before" "after the failed switch"
}

case_reject_settings() {
    local before
    reject_start
    # IPv4 only (no ip6tables mangle table to refuse yet), the LAN's IPv4 half.
    ctl config set mode=tproxy udp=true scope=both ipv6=false bypass= "gateway_interfaces=$G_LAN_IF" \
        "gateway_sources=${GW_SOURCES%%,*}" >/dev/null || fail "config set failed: $(ctl_err)"
    ctl enable >/dev/null || fail "enable tproxy (IPv4 only) failed: $(ctl_err)"
    before=$(snapshot_g)
    fault_prober_start "$NS_C"
    fault_slow_download "$NS_C" slow-settings
    fault_through_weir "$NS_C" reject-settings-before
    expect_call_fails "settings change ipv6=true" config set ipv6=true "gateway_sources=$GW_SOURCES"
    expect_kernel_refusal "settings change ipv6=true"
    [ "$(snapshot_g)" = "$before" ] || fail "the failed change left G different: $(diff <(echo "$before") <(snapshot_g))"
    [ "$(status_fields enabled mode)" = "True tproxy" ] || fail "status after the failed change: $(status_fields enabled mode)"
    [ "$(ctl config get --json | json_get '(d["ipv6"], d["gateway_sources"])')" = "(False, ['${GW_SOURCES%%,*}'])" ] ||
        fail "the stored settings changed although the change failed: $(ctl config get --json)"
    fault_through_weir "$NS_C" reject-settings-after
    fault_probes_ok "$(now_ms)" 2 "after the failed change" >/dev/null
    fault_prober_stop
    fault_end_checks "$before" "after the failed change"
}

# ---------------------------------------------------------------------------------------------
# (b) the xtables lock held by another process

# lock_hold / lock_release: another process (flock(1)) holds the xtables lock until released.
lock_hold() {
    rm -f "$WEIR_IT_DIR/lock.release" "$WEIR_IT_DIR/lock.held"
    # shellcheck disable=SC2016 # the holder gets its directory as an argument
    flock "$XTABLES_LOCKFILE" bash -c 'touch "$1/lock.held"; while [ ! -e "$1/lock.release" ]; do sleep 0.05; done' \
        holder "$WEIR_IT_DIR" </dev/null &
    LOCK_PID=$!
    mx_track_section "$LOCK_PID"
    for _ in $(seq 100); do
        [ -e "$WEIR_IT_DIR/lock.held" ] && return 0
        nap 50
    done
    fail "flock did not get the xtables lock"
}
lock_release() {
    touch "$WEIR_IT_DIR/lock.release"
    wait "$LOCK_PID" || fail "the lock holder failed"
}

# expect_lock_error WHAT MS: the message names the lock file and the time waited, and the call
# took at least that long.
expect_lock_error() {
    grep -q "xtables lock $XTABLES_LOCKFILE" "$WEIR_IT_DIR/ctl.err" ||
        fail "$1: the error does not name the xtables lock $XTABLES_LOCKFILE: $(ctl_err)"
    grep -q "more than $LOCK_WAIT_MS ms" "$WEIR_IT_DIR/ctl.err" || fail "$1: the error does not say how long it waited: $(ctl_err)"
    [ "$2" -ge "$LOCK_WAIT_MS" ] || fail "$1: failed after $2 ms, before the helper's $LOCK_WAIT_MS ms were up"
}

case_lock() {
    local t0 took on
    mx_kill_section
    WEIR_TEST_LOCK_TIMEOUT_MS=$LOCK_WAIT_MS mx_start_helper
    set_mode tproxy true
    fault_prober_start "$NS_C"

    lock_hold
    t0=$(now_ms)
    expect_call_fails "enable while the lock is held" enable
    took=$(($(now_ms) - t0))
    expect_lock_error "enable while the lock is held" "$took"
    [ "$(snapshot_g)" = "$FAULT_CLEAN" ] || fail "the failed enable changed G: $(diff <(echo "$FAULT_CLEAN") <(snapshot_g))"
    [ "$(status_field enabled)" = False ] || fail "interception is on after the failed enable"
    fault_direct "$NS_C" "$C4" lock-enable-direct
    lock_release
    ctl enable >/dev/null || fail "enable after the lock was released failed: $(ctl_err)"
    on=$(snapshot_g)
    fault_through_weir "$NS_C" lock-enabled
    pass "enable with the lock held: refused after $took ms, naming the lock; nothing changed; after release it works"

    fault_slow_download "$NS_C" slow-lock
    lock_hold
    t0=$(now_ms)
    expect_call_fails "disable while the lock is held" disable
    took=$(($(now_ms) - t0))
    expect_lock_error "disable while the lock is held" "$took"
    [ "$(snapshot_g)" = "$on" ] || fail "the failed disable changed G: $(diff <(echo "$on") <(snapshot_g))"
    [ "$(status_field enabled)" = True ] || fail "status says disabled after the failed disable"
    fault_through_weir "$NS_C" lock-disable-held # the rules stay and the proxy still relays
    fault_probes_ok "$t0" 3 "while the lock was held" >/dev/null
    lock_release
    ctl disable >/dev/null || fail "disable after the lock was released failed: $(ctl_err)"
    fault_wait_state "$FAULT_CLEAN" 1 "after disable"
    pass "disable with the lock held: refused after $took ms, rules intact and relaying; after release it works"
    fault_prober_stop
    fault_end_checks "$FAULT_CLEAN" "after the lock was released"
}

# ---------------------------------------------------------------------------------------------
# (c) the helper killed while a call waits for it

case_killed_mid_call() {
    local record call_pid hpid rc=0 t0 took
    mx_kill_section
    # Long enough that only the kill can end the call.
    WEIR_TEST_LOCK_TIMEOUT_MS=60000 mx_start_helper
    hpid=$(fault_helper_pid)
    [ -n "$hpid" ] || fail "no helper pid on the bus"
    set_mode tproxy true
    # The helper's install record in G (service/installrecord.cpp): written when Enable's transaction
    # begins, before it waits for the lock.
    record="$WEIR_RUNTIME_DIR/installed-net$(in_g stat -L -c %i /proc/self/ns/net).record"
    lock_hold
    touch "$WEIR_IT_DIR/call.ref"
    "$WEIRCTL" enable >/dev/null 2>"$WEIR_IT_DIR/ctl.err" &
    call_pid=$!
    mx_track_section "$call_pid"
    deadline_start
    until [ "$record" -nt "$WEIR_IT_DIR/call.ref" ]; do
        gone "$call_pid" && fail "weirctl enable ended before the helper began: $(ctl_err)"
        until_ms 10000 || fail "the helper did not begin the Enable within 10 s"
        nap 20
    done
    nap 200 # well inside the lock wait
    gone "$call_pid" && fail "weirctl enable ended while the lock was held: $(ctl_err)"
    t0=$(now_ms)
    kill -9 "$hpid"
    wait "$call_pid" || rc=$?
    took=$(($(now_ms) - t0))
    lock_release
    [ "$rc" = 3 ] || fail "weirctl enable exited $rc after the helper was killed, expected 3: $(ctl_err)"
    grep -q "stopped before it answered" "$WEIR_IT_DIR/ctl.err" ||
        fail "the message does not say the helper stopped: $(ctl_err)"
    ! grep -q "in time" "$WEIR_IT_DIR/ctl.err" || fail "the message calls it a timeout: $(ctl_err)"
    [ "$took" -lt 5000 ] || fail "weirctl took $took ms to notice the helper had gone"
    pass "killed mid-call: weirctl exited 3 after $took ms: $(head -n 1 "$WEIR_IT_DIR/ctl.err")"
    fault_end_checks "$FAULT_CLEAN" "after the helper was killed mid-call"
}

run_case "(a1) kernel refuses ipv6 mangle during enable (tproxy)" case_reject_enable
fault_next_case
run_case "(a2) kernel refuses ipv6 mangle during a mode switch (redirect -> tproxy)" case_reject_switch
fault_next_case
run_case "(a3) kernel refuses ipv6 mangle during a settings change (ipv6 on)" case_reject_settings
fault_next_case
run_case "(b) xtables lock held by another process during enable and disable" case_lock
fault_next_case
run_case "(c) the helper killed while Enable waits for the lock" case_killed_mid_call
fault_next_case

print_results
echo "reject.sh: total $(($(now_ms) - T_START)) ms"
[ "$MX_FAILED" -eq 0 ] || fail "$MX_FAILED case(s) failed"
echo "reject.sh: all cases passed"
