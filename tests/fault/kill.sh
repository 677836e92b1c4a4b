#!/usr/bin/env bash
# Fault suite: kill -9 of the helper at 20 random moments, while a prober in C keeps opening new
# connections through G:
#   during Enable, during a settings change (bypass, which changes the rules), during a mode switch
#   (redirect <-> tproxy), and under traffic while enabled and idle; in REDIRECT and in TPROXY.
# After each kill: the guardian removes everything (G byte for byte as before Weir ran; timed), new
# connections from C and G reach S, and a new helper starts. If that helper says it is enabled (it
# remembers the user's last Enable), G must be exactly what those settings installed in the baseline;
# otherwise clean. Killed during a settings change, the stored settings are the old or the new ones.
# Each case ends with fault_end_checks (lib.sh).
#
# The kill moments are random. Each call is lined up on the start of the helper's transaction (the
# install record written, the kernel not yet touched: see call_start), and the kill comes a random
# fraction (0 to 1.2) of the time the same call took from there to its reply in the undisturbed
# baseline: most land inside the transaction, a few after it. Under traffic: up to 1.5 s after the
# traffic flows. FAULT_SEED=N draws the same fractions again; FAULT_KINDS="traffic ..." runs only
# those kinds of case (enable settings switch traffic), e.g. to repeat one kind many times.
#
# Usage: kill.sh SRC_DIR WEIR_HELPER WEIRCTL   (root; ctest runs it)
set -euo pipefail
source "$(dirname "$0")/lib.sh" "$@"
source "$(dirname "$0")/traffic.sh"
T_START=$(now_ms)
# Every xtables user of this test (helpers, guardians, call_start) locks this file, never the machine's.
export XTABLES_LOCKFILE="$WEIR_IT_DIR/xtables.lock"

FAULT_SEED=${FAULT_SEED:-$(($(date +%s%N) / 1000 % 32768))}
RANDOM=$FAULT_SEED
echo "kill.sh: seed $FAULT_SEED (run with FAULT_SEED=$FAULT_SEED to kill at the same moments)"
# Drawn here, before any case, so the same seed gives the same moments whatever the cases do.
FRACTIONS=() # per mille of the call's baseline duration
TRAFFIC_MS=()
for _ in $(seq 20); do
    FRACTIONS+=($((RANDOM % 1200)))
    TRAFFIC_MS+=($((RANDOM % 1500)))
done

BYPASS=192.0.2.0/24
KILLS="$WEIR_IT_DIR/kills" # one line per kill: "<guardian ms> <what the call said>"
: >"$KILLS"

fault_setup
# The helper's install record in G (service/installrecord.cpp: one per network namespace).
RECORD="$WEIR_RUNTIME_DIR/installed-net$(in_g stat -L -c %i /proc/self/ns/net).record"

# call_start ARGS...: weirctl ARGS in the background (pid CALL_PID; stderr in call.err), lined up on
# the start of the helper's transaction: this shell holds the xtables lock while the call starts,
# waits until the helper has written its install record (the transaction has begun; it now waits for
# the lock before touching the kernel), and releases the lock. Returns right after the release; false
# when the call ended before the helper wrote its record.
call_start() {
    local turns=0 lock
    exec {lock}>>"$XTABLES_LOCKFILE"
    flock -x "$lock"
    touch "$WEIR_IT_DIR/call.ref"
    "$WEIRCTL" "$@" >/dev/null 2>"$WEIR_IT_DIR/call.err" {lock}>&- &
    CALL_PID=$!
    until [ "$RECORD" -nt "$WEIR_IT_DIR/call.ref" ]; do
        if gone "$CALL_PID" || ((++turns >= 10000)); then
            exec {lock}>&-
            return 1
        fi
        nap 1
    done
    exec {lock}>&- # closing the only descriptor of it releases the lock
}

# ms_now: milliseconds since the epoch in REPLY, without a new process.
ms_now() {
    local t=${EPOCHREALTIME/./}
    REPLY=$((t / 1000))
}

other_mode() { if [ "$1" = redirect ]; then echo tproxy; else echo redirect; fi; }
# mode_args MODE: TPROXY carries UDP too.
mode_args() { if [ "$1" = tproxy ]; then echo "mode=tproxy udp=true"; else echo "mode=redirect udp=false"; fi; }
# set_all MODE BYPASS: every setting the cases vary, with scope both (LAN and G's own traffic).
set_all() {
    # shellcheck disable=SC2046 # mode_args is two words on purpose
    ctl config set $(mode_args "$1") scope=both ipv6=true "bypass=$2" "${FAULT_GW[@]}" >/dev/null ||
        fail "config set failed: $(ctl_err)"
}
snap_file() { echo "$WEIR_IT_DIR/snap.$1.${2//\//_}"; } # MODE BYPASS
dur_file() { echo "$WEIR_IT_DIR/dur.$1"; }             # CALL-NAME

# timed_ctl NAME ARGS...: weirctl ARGS must succeed; how long it took from call_start's release of
# the xtables lock to the reply is kept as the baseline of NAME.
timed_ctl() {
    local name=$1 t0 rc=0
    shift
    call_start "$@" || fail "weirctl $* ended before the helper wrote its install record: $(cat "$WEIR_IT_DIR/call.err")"
    ms_now
    t0=$REPLY
    wait "$CALL_PID" || rc=$?
    ms_now
    [ "$rc" = 0 ] || fail "weirctl $* failed: $(cat "$WEIR_IT_DIR/call.err")"
    echo $((REPLY - t0)) >"$(dur_file "$name")"
}

# The state each setting installs, from calls that are not disturbed, and how long each call takes.
# A switch back and a fresh enable must give the same state as the first enable did.
baseline() {
    mx_start_helper
    set_all redirect ""
    timed_ctl enable-redirect enable
    snapshot_g >"$(snap_file redirect "")"
    timed_ctl settings-redirect config set "bypass=$BYPASS"
    snapshot_g >"$(snap_file redirect "$BYPASS")"
    # shellcheck disable=SC2046
    timed_ctl switch-redirect config set $(mode_args tproxy)
    snapshot_g >"$(snap_file tproxy "$BYPASS")"
    timed_ctl settings-tproxy config set bypass=
    snapshot_g >"$(snap_file tproxy "")"
    # shellcheck disable=SC2046
    timed_ctl switch-tproxy config set $(mode_args redirect)
    [ "$(snapshot_g)" = "$(cat "$(snap_file redirect "")")" ] ||
        fail "switching back to redirect did not give the state of the first enable: $(diff "$(snap_file redirect "")" <(snapshot_g))"
    ctl disable >/dev/null || fail "disable failed: $(ctl_err)"
    fault_wait_state "$FAULT_CLEAN" 5 "baseline disable"
    set_all tproxy ""
    timed_ctl enable-tproxy enable
    [ "$(snapshot_g)" = "$(cat "$(snap_file tproxy "")")" ] ||
        fail "enabling tproxy did not give the state the switch gave: $(diff "$(snap_file tproxy "")" <(snapshot_g))"
    fault_through_weir "$NS_C" baseline-c
    ctl disable >/dev/null || fail "disable failed: $(ctl_err)"
    local f
    for f in "$WEIR_IT_DIR"/dur.*; do echo "baseline ${f##*/dur.}: $(cat "$f") ms from the lock's release to the reply"; done
    fault_end_checks "$FAULT_CLEAN" "baseline"
}

# settings_now: "MODE|BYPASS|UDP|SCOPE|IPV6" of the stored settings.
settings_now() {
    local json
    json=$(ctl config get --json) || fail "config get failed: $(ctl_err)"
    echo "$json" | "$PY" -c '
import json, sys
d = json.load(sys.stdin)
b = d.get("bypass")
b = ",".join(b) if isinstance(b, list) else (b or "")
print("|".join(str(x) for x in (d.get("mode"), b, d.get("udp"), d.get("scope"), d.get("ipv6"))))'
}

# kill_case KIND MODE N: one kill. KIND: enable (from disabled), settings (bypass added), switch (to
# the other mode), traffic (enabled, a slow download and the prober running). N picks the moment.
kill_case() {
    local kind=$1 mode=$2 n=$3 other to_mode to_bypass="" delay call_pid="" hpid guardian t0 took said
    local slow=()
    local -a call=()
    other=$(other_mode "$mode")
    fault_helper_running || mx_start_helper
    hpid=$(fault_helper_pid)
    [ -n "$hpid" ] || fail "no helper pid on the bus"
    set_all "$mode" ""
    to_mode=$mode
    case $kind in
    enable) call=(enable) ;;
    settings)
        call=(config set "bypass=$BYPASS")
        to_bypass=$BYPASS
        ;;
    switch)
        # shellcheck disable=SC2207
        call=(config set $(mode_args "$other"))
        to_mode=$other
        ;;
    traffic) ;;
    esac
    fault_prober_start "$NS_C"
    if [ "$kind" != enable ]; then
        ctl enable >/dev/null || fail "enable failed: $(ctl_err)"
    fi
    if [ "$kind" = traffic ]; then
        fault_through_weir "$NS_C" "kill$n-before"
        fault_slow_download "$NS_C" "slow$n-c"
        slow+=("$FAULT_SLOW_PID")
        fault_slow_download "$NS_G" "slow$n-g"
        slow+=("$FAULT_SLOW_PID")
        delay=${TRAFFIC_MS[$n]}
    else
        delay=$(($(cat "$(dur_file "$kind-$mode")") * FRACTIONS[n] / 1000))
    fi
    guardian=$(pgrep -P "$hpid" -x weir-guardian) || fail "the helper (pid $hpid) has no guardian"

    if [ "${#call[@]}" -gt 0 ]; then
        call_start "${call[@]}" || fail "weirctl ${call[*]} ended before the helper wrote its install record: $(cat "$WEIR_IT_DIR/call.err")"
        call_pid=$CALL_PID
    fi
    nap "$delay"
    ms_now
    t0=$REPLY
    kill -9 "$hpid"
    said="under traffic"
    if [ -n "$call_pid" ]; then
        if wait "$call_pid"; then said="the call had succeeded"; else said="the call failed: $(head -c 120 "$WEIR_IT_DIR/call.err")"; fi
    fi
    # The guardian ends when it has removed everything.
    for _ in $(seq 5000); do
        gone "$guardian" && break
        nap 2
    done
    ms_now
    took=$((REPLY - t0))
    gone "$guardian" || fail "the guardian still runs $took ms after the kill"
    echo "$took $said" >>"$KILLS"
    if [ "$kind" = traffic ]; then
        echo "killed $delay ms into the traffic; the guardian finished $took ms after the kill"
    else
        echo "killed $delay ms into the transaction (baseline to the reply: $(cat "$(dur_file "$kind-$mode")") ms); $said; the guardian finished $took ms after the kill"
    fi
    # Nothing left, and new connections (the prober's, C's and G's) get through at once.
    fault_wait_state "$FAULT_CLEAN" 2 "after the kill (the guardian ended)"
    fault_probes_ok "$(now_ms)" 2 "after the kill" >/dev/null
    fault_reaches "after the kill"

    # A new helper: restored to exactly what its settings install, or clean.
    mx_start_helper
    local now enabled expected
    now=$(settings_now)
    IFS='|' read -r s_mode s_bypass s_udp s_scope s_ipv6 <<<"$now"
    if [ "$s_scope|$s_ipv6" != "both|True" ] || { [ "$s_mode" = tproxy ] && [ "$s_udp" != True ]; } ||
        { [ "$s_mode" = redirect ] && [ "$s_udp" != False ]; }; then
        fail "the stored settings are neither the old nor the new ones: $now"
    fi
    case "$s_mode|$s_bypass" in
    "$mode|" | "$to_mode|$to_bypass") ;;
    *) fail "the stored settings are neither the old ($mode, bypass '') nor the new ($to_mode, bypass '$to_bypass'): $now" ;;
    esac
    enabled=$(status_field enabled)
    if [ "$enabled" = True ]; then
        expected=$(cat "$(snap_file "$s_mode" "$s_bypass")")
        echo "the new helper came back enabled ($s_mode, bypass '$s_bypass')"
    else
        expected=$FAULT_CLEAN
    fi
    fault_prober_stop
    [ "${#slow[@]}" -eq 0 ] || kill "${slow[@]}" 2>/dev/null || true
    fault_end_checks "$expected" "after the restart"
}

run_case "baseline: the state of each setting, no fault" baseline

n=0
FAULT_KINDS=${FAULT_KINDS:-enable settings switch traffic}
add() { # add KIND MODE COUNT
    local i failed
    if [[ " $FAULT_KINDS " != *" $1 "* ]]; then
        n=$((n + $3)) # the same moments for the kinds that run
        return 0
    fi
    for ((i = 0; i < $3; i++)); do
        failed=$MX_FAILED
        run_case "kill -9 #$((n + 1)): $1 $2" kill_case "$1" "$2" "$n"
        # A case that passed leaves a helper serving, disabled, for the next one; one that failed
        # may have left anything.
        [ "$MX_FAILED" = "$failed" ] || fault_reset
        n=$((n + 1))
    done
}
add enable redirect 3
add enable tproxy 3
add settings redirect 2
add settings tproxy 2
add switch redirect 2
add switch tproxy 2
add traffic redirect 3
add traffic tproxy 3

print_results
if [ -s "$KILLS" ]; then
    echo "guardian cleanup after kill -9 (ms): $(cut -d' ' -f1 "$KILLS" | sort -n | tr '\n' ' ')"
    echo "calls killed mid-way: $(grep -c 'call failed' "$KILLS" || true), finished before the kill: $(grep -c 'had succeeded' "$KILLS" || true), under traffic: $(grep -c 'under traffic' "$KILLS" || true)"
fi
echo "kill.sh: seed $FAULT_SEED, total $(($(now_ms) - T_START)) ms"
[ "$MX_FAILED" -eq 0 ] || fail "$MX_FAILED case(s) failed"
echo "kill.sh: all cases passed"
