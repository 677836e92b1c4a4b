#!/usr/bin/env bash
# Weir's lifecycle on the gateway topology of netlib.sh (helper in G), each section from a clean G:
#  (a) enable, live changes and mode switches redirect -> tproxy -> redirect while long downloads
#      run and a prober opens new connections all the time; disable leaves G byte for byte as
#      before (xtables v4/v6, ip rules, every route table, forwarding sysctls). Times enable, each
#      switch and disable.
#  (b) the kernel rejects a commit (WEIR_FAULT_REJECT="ipv6 mangle"): switching to tproxy fails,
#      the redirect rules stay exactly as they were and keep working.
#  (c) kill -9 of the helper in tproxy mode during traffic: the guardian removes everything, traffic
#      flows directly (no blackhole); a new helper removes leftovers and, as the last choice was
#      Enable, turns interception back on exactly as before (restore.sh tests the restore in full).
#  (d) drift: with reapply_on_drift=false a flushed chain makes health "degraded" with a reason;
#      reapply_on_drift=true repairs it (health ok, rules exactly back); a deleted jump is repaired.
# Prints a table (section, result, ms) and the measured times.
#
# Usage: lifecycle.sh SRC_DIR WEIR_HELPER WEIRCTL   (root; ctest runs it)
set -euo pipefail
source "$(dirname "$0")/lib.sh" "$@"
source "$(dirname "$0")/netlib.sh"
trap mx_cleanup EXIT
T_START=$(now_ms)
TIMINGS="$WEIR_IT_DIR/timings"
: >"$TIMINGS"

mx_setup

timing() { echo "$1: $2 ms" | tee -a "$TIMINGS"; }

# timed_ctl LABEL ARGS...: weirctl ARGS, must succeed; records how long it took.
timed_ctl() {
    local label=$1 t0 t1
    shift
    t0=$(now_ms)
    ctl "$@" >/dev/null || fail "weirctl $* failed: $(ctl_err)"
    t1=$(now_ms)
    timing "$label" $((t1 - t0))
}

# Common settings for the gateway parts: C's subnet via lan0.
GW_SET=("gateway_interfaces=$G_LAN_IF" "gateway_sources=$GW_SOURCES")

wait_no_weir_rules() { wait_output "$1" "" weir_rules_g; } # SECONDS: no WEIR_ chain or weir rule in G
wait_weir_lines() { wait_output "$2" "$1" weir_lines; }     # EXPECTED SECONDS: Weir's xtables lines

# ---------------------------------------------------------------------------------------------
# (a) enable, live changes, mode switches under traffic, disable

# slow_download NS FAMILY NAME: 2 MiB at 400 KiB/s in the background (about 5 s); pid in SLOW_PID.
slow_download() {
    local host
    host=$(url_host "$(srv_of "$2")")
    ip netns exec "$1" curl -sS -g --noproxy '*' --connect-timeout 5 --max-time 40 --limit-rate 400k \
        -o "$WEIR_IT_DIR/$3.out" "http://$host:$HTTP_PORT/long?c=$3" 2>"$WEIR_IT_DIR/$3.err" &
    SLOW_PID=$!
    mx_track_section "$SLOW_PID"
}

# A prober in C opening a new connection every ~0.1 s until $WEIR_IT_DIR/probe.stop exists
# (at most 150 tries); each line of probe.log: "<http code> <bytes>" or "curl-exit <rc>".
start_prober() {
    rm -f "$WEIR_IT_DIR/probe.stop" "$WEIR_IT_DIR/probe.log"
    # shellcheck disable=SC2016 # the inner script gets its values as arguments
    ip netns exec "$NS_C" bash -c '
        for _ in $(seq 150); do
            [ -e "$1/probe.stop" ] && break
            curl -sS --noproxy "*" --connect-timeout 3 --max-time 5 -o /dev/null -w "%{http_code} %{size_download}\n" \
                "http://$2:$3/blob?c=probe" >>"$1/probe.log" 2>>"$1/probe.err" || echo "curl-exit $?" >>"$1/probe.log"
            sleep 0.05
        done' prober "$WEIR_IT_DIR" "$S4" "$HTTP_PORT" &
    PROBER_PID=$!
    mx_track_section "$PROBER_PID"
}

probe_count() { if [ -f "$WEIR_IT_DIR/probe.log" ]; then wc -l <"$WEIR_IT_DIR/probe.log"; else echo 0; fi; }
# wait_probes N: until the prober has finished N connections (10 s).
wait_probes() {
    deadline_start
    while until_ms 10000; do
        [ "$(probe_count)" -ge "$1" ] && return 0
        sleep 0.05
    done
    fail "the prober finished only $(probe_count) connections, expected $1"
}

stop_prober() { # [lenient]: only stop it and count
    touch "$WEIR_IT_DIR/probe.stop"
    for _ in $(seq 100); do
        mx_alive "$PROBER_PID" || break
        sleep 0.1
    done
    wait "$PROBER_PID" 2>/dev/null || true
    local total bad
    total=$(wc -l <"$WEIR_IT_DIR/probe.log")
    PROBES="$total"
    [ "${1:-}" = lenient ] && return 0
    bad=$(grep -vc '^200 262144$' "$WEIR_IT_DIR/probe.log" || true)
    [ "$bad" = 0 ] || fail "$bad of $total new connections failed during the switches: $(grep -v '^200 262144$' "$WEIR_IT_DIR/probe.log" | sort | uniq -c)"
    PROBES="$total"
}

# (a) runs with scope both: the LAN's connections and G's own go through Weir across the switches.
# LC_A_SCOPE=gateway leaves G's own traffic direct.
LC_A_SCOPE=${LC_A_SCOPE:-both}
local_too() { [ "$LC_A_SCOPE" = both ]; }

section_a() {
    # Forwarding off before: Weir's ip_forward=true must switch it on while enabled and restore it.
    in_g sysctl -qw net.ipv4.ip_forward=0
    in_g sysctl -qw net.ipv6.conf.all.forwarding=0
    local before
    before=$(snapshot_g)
    mx_start_helper
    ctl config set mode=redirect "scope=$LC_A_SCOPE" ipv6=true udp=false ip_forward=true bypass= "${GW_SET[@]}" >/dev/null ||
        fail "config set failed: $(ctl_err)"
    timed_ctl "(a) enable redirect, scope $LC_A_SCOPE, v4+v6" enable
    [ "$(in_g sysctl -n net.ipv4.ip_forward)" = 1 ] || fail "ip_forward=true did not switch on IPv4 forwarding in G"
    if local_too; then through_weir "$NS_G" 4 redirect "$G_WAN4" a-g4; fi
    through_weir "$NS_C" 6 redirect "$C6" a-c6

    # A live change that keeps the mode: the server is still intercepted, an unrelated bypass added.
    timed_ctl "(a) live change bypass=192.0.2.0/24" config set bypass=192.0.2.0/24
    ctl config get --json | json_get 'd["bypass"]' | grep -q '192\.0\.2\.0/24' ||
        fail "config get does not show the new bypass: $(ctl config get --json)"
    through_weir "$NS_C" 4 redirect "$C4" a-c4

    # Mode switches while two long downloads (local and LAN) run and new connections keep coming.
    local slow_g slow_c
    slow_download "$NS_G" 4 slow-g
    slow_g=$SLOW_PID
    slow_download "$NS_C" 4 slow-c
    slow_c=$SLOW_PID
    start_prober
    wait_download_started slow-g
    wait_download_started slow-c
    wait_probes 1
    timed_ctl "(a) mode switch redirect -> tproxy" config set mode=tproxy udp=true
    wait_probes $(($(probe_count) + 2)) # new connections right after the switch
    [ "$(status_field mode)" = tproxy ] || fail "status does not say tproxy"
    if local_too; then through_weir "$NS_G" 4 tproxy "$G_WAN4" a-t-g4; fi
    through_weir "$NS_C" 6 tproxy "$C6" a-t-c6
    expect_udp "$NS_C" 4 a-t-udp
    timed_ctl "(a) mode switch tproxy -> redirect" config set mode=redirect udp=false
    wait_probes $(($(probe_count) + 2))
    [ "$(status_field mode)" = redirect ] || fail "status does not say redirect"
    if local_too; then through_weir "$NS_G" 6 redirect "$G_WAN6" a-r-g6; fi
    through_weir "$NS_C" 4 redirect "$C4" a-r-c4
    stop_prober
    finish_download "$slow_g" slow-g
    finish_download "$slow_c" slow-c
    pass "two 2 MiB downloads across redirect -> tproxy -> redirect arrived intact; $PROBES new connections all succeeded"

    [ "$(status_field health)" = ok ] || fail "health not ok before disable: $("$WEIRCTL" status --json)"
    timed_ctl "(a) disable" disable
    local after
    after=$(snapshot_g)
    [ "$after" = "$before" ] || fail "G differs after disable: $(diff <(echo "$before") <(echo "$after"))"
    weir_it_stop_helper
    pass "disable restored G byte for byte (xtables v4/v6, ip rules, all route tables, forwarding)"
}

# ---------------------------------------------------------------------------------------------
# (b) a commit the kernel rejects

section_b() {
    local before on after rc
    before=$(snapshot_g)
    WEIR_FAULT_REJECT="ipv6 mangle" mx_start_helper
    ctl config set mode=redirect scope=local ipv6=true udp=false bypass= >/dev/null || fail "config set failed: $(ctl_err)"
    ctl enable >/dev/null || fail "enable (redirect, which needs no mangle) failed: $(ctl_err)"
    on=$(snapshot_g)
    through_weir "$NS_G" 4 redirect "$G_WAN4" b-g4
    through_weir "$NS_G" 6 redirect "$G_WAN6" b-g6

    rc=0
    ctl config set mode=tproxy >/dev/null || rc=$?
    [ "$rc" != 0 ] || fail "config set mode=tproxy succeeded although the kernel rejects ipv6 mangle"
    [ "$rc" != 2 ] || fail "config set mode=tproxy was refused as a usage error: $(ctl_err)"
    echo "config set mode=tproxy failed as it must (exit $rc): $(ctl_err | head -c 300)"
    after=$(snapshot_g)
    [ "$after" = "$on" ] || fail "the failed change left G different from before it: $(diff <(echo "$on") <(echo "$after"))"
    [ "$(status_field enabled)" = True ] || fail "interception is off after the failed change"
    [ "$(status_field mode)" = redirect ] || fail "status mode is not redirect after the failed change"
    [ "$(ctl config get --json | json_get 'd["mode"]')" = redirect ] || fail "the stored settings changed although the change failed"
    through_weir "$NS_G" 4 redirect "$G_WAN4" b-after-g4
    through_weir "$NS_G" 6 redirect "$G_WAN6" b-after-g6
    pass "rejected commit: rollback to the exact redirect rules, which still intercept v4 and v6"

    ctl disable >/dev/null || fail "disable failed: $(ctl_err)"
    after=$(snapshot_g)
    [ "$after" = "$before" ] || fail "G differs after disable: $(diff <(echo "$before") <(echo "$after"))"
    weir_it_stop_helper
}

# ---------------------------------------------------------------------------------------------
# (c) kill -9 during traffic in tproxy mode

section_c1() {
    local t0 t1
    [ "$(snapshot_g)" = "$SNAP0" ] || fail "G is not clean before the section"
    mx_start_helper
    ctl config set mode=tproxy scope=gateway ipv6=true udp=true bypass= "${GW_SET[@]}" >/dev/null ||
        fail "config set failed: $(ctl_err)"
    ctl enable >/dev/null || fail "enable failed: $(ctl_err)"
    snapshot_g >"$WEIR_IT_DIR/c1.enabled" # what c2's restored helper must install again
    through_weir "$NS_C" 4 tproxy "$C4" c-c4
    through_weir "$NS_C" 6 tproxy "$C6" c-c6
    expect_udp "$NS_C" 4 c-udp-before
    # Traffic all the time: the prober keeps opening connections from C through the kill.
    start_prober
    sleep 1

    t0=$(now_ms)
    kill -9 "$HELPER_PID"
    wait "$HELPER_PID" 2>/dev/null || true
    HELPER_PID=
    touch "$WEIR_IT_DIR/c1.killed"
    wait_no_weir_rules 10 || fail "10 s after kill -9, Weir's xtables rules are still there: $(weir_rules_g)"
    t1=$(now_ms)
    timing "(c) kill -9 -> no Weir xtables rules (guardian)" $((t1 - t0))
    # Nothing blackholed: every client reaches the server directly now.
    local tag fam
    for fam in 4 6; do
        tag="c-direct-c$fam-$RANDOM"
        expect_http "$NS_C" "$fam" "$tag"
        [ "$(http_peer "$tag")" = "$([ "$fam" = 4 ] && echo "$C4" || echo "$C6")" ] ||
            fail "after the kill, C's IPv$fam request reached S from $(http_peer "$tag"), not directly"
        expect_http "$NS_G" "$fam" "c-direct-g$fam-$RANDOM"
        expect_udp "$NS_C" "$fam" "c-direct-udp$fam"
    done
    stop_prober lenient
    pass "kill -9: the guardian removed the xtables rules in $((t1 - t0)) ms; C and G reach S directly (v4, v6, tcp, udp); prober: $PROBES connections"
    wait_snapshot "$SNAP0" 3 ||
        fail "but G is not as before enable (policy routing left behind?): $(diff <(echo "$SNAP0") <(snapshot_g))"
    pass "kill -9: G exactly as before enable"
}

section_c2() {
    local before=$SNAP0 enabled
    enabled=$(cat "$WEIR_IT_DIR/c1.enabled")
    mx_start_helper
    mx_alive "$HELPER_PID" || fail "the new helper is not running: $(tail -5 "$WEIR_IT_DIR/helper.log")"
    # The last choice was Enable (restore_enabled is on by default): it comes back on by itself.
    [ "$(status_fields enabled restore)" = "True restored" ] ||
        fail "a new helper after the kill did not restore interception: $(wctl status)"
    [ "$(snapshot_g)" = "$enabled" ] ||
        fail "the restored helper installed something else than enable did: $(diff <(echo "$enabled") <(snapshot_g))"
    through_weir "$NS_C" 4 tproxy "$C4" c2-c4
    ctl disable >/dev/null || fail "disable failed: $(ctl_err)"
    [ "$(snapshot_g)" = "$before" ] ||
        fail "after disable, G is not as before enable: $(diff <(echo "$before") <(snapshot_g))"
    ctl config set mode=tproxy scope=local ipv6=true udp=false >/dev/null || fail "config set failed: $(ctl_err)"
    ctl enable >/dev/null || fail "enable after the crash failed: $(ctl_err)"
    through_weir "$NS_G" 6 tproxy "$G_WAN6" c2-g6
    ctl disable >/dev/null || fail "disable failed: $(ctl_err)"
    [ "$(snapshot_g)" = "$before" ] || fail "G differs after disable: $(diff <(echo "$before") <(snapshot_g))"
    weir_it_stop_helper
    pass "a new helper after the crash restores interception exactly, intercepts, and disables cleanly"
}

# Three more quick kill -9 cycles: the guardian must clean up every time, not just when it wins a
# race against the kernel releasing the dead helper's descriptors.
section_c3() {
    local i t0 cleaned=()
    for i in 1 2 3; do
        mx_start_helper
        ctl config set mode=tproxy scope=gateway ipv6=true udp=false bypass= "${GW_SET[@]}" >/dev/null ||
            fail "config set failed: $(ctl_err)"
        ctl enable >/dev/null || fail "enable failed: $(ctl_err)"
        [ -n "$(weir_rules_g)" ] || fail "no rules after enable"
        t0=$(now_ms)
        kill -9 "$HELPER_PID"
        wait "$HELPER_PID" 2>/dev/null || true
        HELPER_PID=
        if ! wait_no_weir_rules 5; then
            fail "cycle $i: 5 s after kill -9 the guardian had not removed Weir's rules ($(weir_rules_g | wc -l) lines left; cycles before: ${cleaned[*]:-none})"
        fi
        cleaned+=("$(($(now_ms) - t0))ms")
        wait_snapshot "$SNAP0" 3 || fail "cycle $i: G not as before: $(diff <(echo "$SNAP0") <(snapshot_g))"
    done
    pass "three more kill -9 cycles, cleaned each time after ${cleaned[*]}"
}

# ---------------------------------------------------------------------------------------------
# (d) drift

weir_lines() { weir_rules_g | sed 's/\[[0-9]*:[0-9]*\]/[0:0]/g'; }

# wait_health WANT SECONDS: polls status until health is WANT; prints the ms it took.
wait_health() {
    local h
    deadline_start
    while until_ms $(($2 * 1000)); do
        h=$(status_field health)
        if [ "$h" = "$1" ]; then
            echo $(($(now_ms) - MX_T0))
            return 0
        fi
        sleep 0.1
    done
    return 1
}

section_d() {
    local before rules_on took t0 reason
    before=$(snapshot_g)
    mx_start_helper
    ctl config set mode=tproxy scope=local ipv6=true udp=false reapply_on_drift=false bypass= >/dev/null ||
        fail "config set failed: $(ctl_err)"
    ctl enable >/dev/null || fail "enable failed: $(ctl_err)"
    [ "$(status_field health)" = ok ] || fail "health not ok after enable: $("$WEIRCTL" status --json)"
    rules_on=$(weir_lines)
    echo "$rules_on" | grep -q -- '-A WEIR_PREROUTING' || fail "no WEIR_PREROUTING rules to flush: $rules_on"

    in_g iptables-legacy -t mangle -F WEIR_PREROUTING
    took=$(wait_health degraded 8) || fail "health did not become degraded within 8 s of the flush: $("$WEIRCTL" status --json)"
    timing "(d) flushed chain -> health degraded" "$took"
    reason=$(status_field health_reason)
    if [ -z "$reason" ] || [ "$reason" = None ]; then fail "degraded without a health_reason"; fi
    echo "health_reason: $reason"
    in_g iptables-legacy-save -t mangle | grep -q -- '-A WEIR_PREROUTING' &&
        fail "the chain was refilled although reapply_on_drift=false"

    t0=$(now_ms)
    ctl config set reapply_on_drift=true >/dev/null || fail "config set reapply_on_drift=true failed: $(ctl_err)"
    took=$(wait_health ok 8) || fail "health did not come back to ok within 8 s: $("$WEIRCTL" status --json)"
    wait_weir_lines "$rules_on" 5 || fail "the rules are not exactly back: $(diff <(echo "$rules_on") <(weir_lines))"
    timing "(d) reapply_on_drift=true -> health ok, rules back" $(($(now_ms) - t0))
    through_weir "$NS_G" 4 tproxy "$G_WAN4" d-g4
    pass "drift: degraded ('$reason'), repaired exactly after reapply_on_drift=true, intercepting again"

    # With reapply on, a jump deleted from outside comes back by itself. The helper may put it back
    # before a dump here could see it gone, so the repair is proved by what the helper says it
    # re-applied (a warning naming the missing jump), not by catching the gap.
    local jump='-A PREROUTING -m comment --comment weir -j WEIR_PREROUTING'
    echo "$rules_on" | grep -qxF -- "$jump" || fail "Weir's rules have no jump '$jump': $rules_on"
    in_g iptables-legacy -t mangle -D PREROUTING -m comment --comment weir -j WEIR_PREROUTING ||
        fail "could not delete Weir's PREROUTING jump"
    t0=$(now_ms)
    wait_weir_lines "$rules_on" 10 || fail "a deleted jump was not reapplied within 10 s: $(diff <(echo "$rules_on") <(weir_lines))"
    timing "(d) deleted jump -> reapplied" $(($(now_ms) - t0))
    wait_health ok 8 >/dev/null || fail "health not ok after the automatic repair"
    status_field warnings | grep -qF -- "re-applied (last: " ||
        fail "the rules are back but the helper does not say it re-applied them: $(status_field warnings)"
    status_field warnings | grep -qF -- "$jump" ||
        fail "the helper's last re-apply does not name the deleted jump: $(status_field warnings)"

    ctl disable >/dev/null || fail "disable failed: $(ctl_err)"
    [ "$(snapshot_g)" = "$before" ] || fail "G differs after disable: $(diff <(echo "$before") <(snapshot_g))"
    weir_it_stop_helper
    pass "a deleted jump was reapplied automatically; disable leaves G as before"
}

# ---------------------------------------------------------------------------------------------
# The run: each section from a clean G (no helper, no Weir rules, default settings file).

SNAP0=$(snapshot_g)
run_case "(a) enable, live changes, redirect->tproxy->redirect under load, disable" section_a
reset_g "$SNAP0"
run_case "(b) kernel rejects ipv6 mangle: tproxy refused, redirect kept" section_b
reset_g "$SNAP0"
run_case "(c1) kill -9 in tproxy during traffic: guardian cleans, no blackhole" section_c1
if [ -e "$WEIR_IT_DIR/c1.killed" ]; then
    mx_kill_section # the prober, if c1 failed before stopping it
    run_case "(c2) a new helper after the kill: leftovers removed, restored" section_c2
else
    skip_case "(c2) a new helper after the kill: leftovers removed, restored" "c1 failed before the kill"
fi
reset_g "$SNAP0"
run_case "(c3) kill -9 three more times: the guardian cleans every time" section_c3
reset_g "$SNAP0"
run_case "(d) drift: degraded, repaired by reapply_on_drift" section_d
reset_g "$SNAP0"

print_results
echo "timings:"
cat "$TIMINGS"
echo "lifecycle: total $(($(now_ms) - T_START)) ms"
[ "$MX_FAILED" -eq 0 ] || fail "$MX_FAILED section(s) failed"
echo "lifecycle: all sections passed"
