#!/usr/bin/env bash
# The interception matrix, end to end on a small routed network (topology in netlib.sh): for mode
# redirect and tproxy, scope local (curl inside G) and gateway (curl inside the LAN client C), IPv4
# and IPv6, TCP always and UDP in tproxy mode, a real client reaches the real server through Weir:
#   - the download is intact / the UDP echo comes back from the server's own address and port;
#   - weirctl connections --json lists the flow with its recovered destination, protocol and mode;
#   - the counter of the REDIRECT/TPROXY rule grew (the packets really took that path).
# Negatives, per mode: a bypassed destination, an excluded uid (local scope) and a LAN client outside
# gateway_sources (X) are not intercepted (no row, counter unchanged) and still reach the server.
# One helper in G for the whole run; every change is a live `weirctl config set` while enabled.
# Prints a table: case, result, milliseconds.
#
# Usage: matrix.sh SRC_DIR WEIR_HELPER WEIRCTL   (root; ctest runs it)
set -euo pipefail
source "$(dirname "$0")/lib.sh" "$@"
source "$(dirname "$0")/netlib.sh"
trap mx_cleanup EXIT
T_START=$(now_ms)

mx_setup
mx_make_test_user

# ---------------------------------------------------------------------------------------------
# Cases

# Before Weir: every client reaches the server directly (checks the topology itself).
case_baseline() {
    local ns fam
    for ns in "$NS_G" "$NS_C" "$NS_X"; do
        for fam in 4 6; do
            expect_http "$ns" "$fam" "base-$ns-$fam"
            expect_udp "$ns" "$fam" "base-$ns-$fam"
        done
    done
    [ "$(http_peer "base-$NS_X-4")" = "$X4" ] || fail "S saw X as $(http_peer "base-$NS_X-4"), expected $X4 (routed, not NATed)"
    pass "G, C and X reach S on IPv4 and IPv6, TCP and UDP, directly"
}

# intercept_path MODE SCOPE PROTO -> "TABLE CHAIN TARGET": the rule whose counter proves interception.
intercept_path() {
    case "$1/$2" in
    redirect/local) echo "nat WEIR_OUTPUT REDIRECT" ;;
    redirect/gateway) echo "nat WEIR_PREROUTING REDIRECT" ;;
    tproxy/*) echo "mangle WEIR_PREROUTING TPROXY" ;;
    esac
}

client_ns() { [ "$1" = local ] && echo "$NS_G" || echo "$NS_C"; }
client_ip() { # SCOPE FAMILY: the source address the flow has
    case "$1/$2" in
    local/4) echo "$G_WAN4" ;;
    local/6) echo "$G_WAN6" ;;
    gateway/4) echo "$C4" ;;
    gateway/6) echo "$C6" ;;
    esac
}
is_count() { [[ $1 =~ ^[0-9]+$ ]]; }

# case_intercept MODE SCOPE FAMILY PROTO
case_intercept() {
    local mode=$1 scope=$2 fam=$3 proto=$4 ns src dst port dest table chain target
    ns=$(client_ns "$scope")
    src=$(client_ip "$scope" "$fam")
    dst=$(srv_of "$fam")
    port=$HTTP_PORT
    [ "$proto" = udp ] && port=$UDP_PORT
    dest=$(endpoint "$dst" "$port")
    read -r table chain target <<<"$(intercept_path "$mode" "$scope")"
    local hits0 hits1 rows1 mark0=none mark1 tag="$mode-$scope-$fam-$proto-$RANDOM"
    hits0=$(rule_hits "$fam" "$table" "$chain" "$target" "$proto")
    is_count "$hits0" || fail "no IPv$fam $table $chain -p $proto -j $target rule: $(weir_rules_g)"
    if [ "$mode/$scope" = tproxy/local ]; then
        mark0=$(rule_hits "$fam" mangle WEIR_OUTPUT MARK "$proto")
        is_count "$mark0" || fail "no IPv$fam mangle WEIR_OUTPUT -p $proto -j MARK rule"
    fi
    # The client's source port is unique to this case: its row is found by the exact source.
    local SPORT sep
    SPORT=$(case_port 0)
    sep=$(endpoint "$src" "$SPORT")
    if [ "$proto" = tcp ]; then
        expect_http "$ns" "$fam" "$tag"
    else
        # A local UDP client keeps its socket a moment, so the helper can find its program.
        LINGER=0
        [ "$scope" = local ] && LINGER=0.5
        expect_udp "$ns" "$fam" "$tag"
    fi

    rows1=$(wait_conn_count 1 --source "$sep" --dest "$dest" --proto "$proto" --mode "$mode")
    [ "$rows1" -ge 1 ] ||
        fail "no $proto/$mode row $sep -> $dest; rows for that destination: $(conn_show --dest "$dest")"
    # Who made it: a LAN client's row names the LAN interface; a local one names no interface, and
    # for the UDP client (still open) its program.
    local want_if="[]" got_if got_proc=""
    [ "$scope" = gateway ] && want_if="[$G_LAN_IF]"
    got_if=$(conn_get interface --source "$sep" --dest "$dest" | head -n 1)
    [ "$got_if" = "$want_if" ] || fail "the row's interface is $got_if, expected $want_if: $(conn_show --source "$sep")"
    if [ "$scope/$proto" = local/udp ]; then
        got_proc=$(conn_get process --source "$sep" --dest "$dest" | head -n 1)
        [ "$got_proc" = "[python3]" ] || fail "the UDP row's process is $got_proc, expected [python3]: $(conn_show --source "$sep")"
    fi
    hits1=$(rule_hits "$fam" "$table" "$chain" "$target" "$proto")
    if [ "$mode" = redirect ]; then
        # nat sees only the first packet of a connection: exactly curl's SYN, and not the core's own
        # upstream connection (that would be a loop).
        [ "$hits1" -eq $((hits0 + 1)) ] || fail "REDIRECT counter went $hits0 -> $hits1, expected +1"
    else
        [ "$hits1" -gt "$hits0" ] || fail "TPROXY counter did not grow ($hits0 -> $hits1)"
    fi
    if [ "$mark0" != none ]; then
        mark1=$(rule_hits "$fam" mangle WEIR_OUTPUT MARK "$proto")
        [ "$mark1" -gt "$mark0" ] || fail "the OUTPUT MARK counter did not grow ($mark0 -> $mark1)"
    fi
    local what="download intact"
    [ "$proto" = udp ] && what="echo from $dest (server saw $UDP_PEER)"
    pass "$mode $scope IPv$fam $proto: $what; row $sep -> $dest (interface $got_if${got_proc:+, process $got_proc}); $target counter $hits0 -> $hits1"
}

# case_not_intercepted KIND MODE SCOPE FAMILY PROTO: KIND bypass | uid | source (client X).
case_not_intercepted() {
    local kind=$1 mode=$2 scope=$3 fam=$4 proto=$5 ns src user="" dst port dest table chain target
    ns=$(client_ns "$scope")
    src=$(client_ip "$scope" "$fam")
    if [ "$kind" = source ]; then
        ns=$NS_X
        [ "$fam" = 4 ] && src=$X4 || src=$X6
    fi
    [ "$kind" = uid ] && user=$MX_TEST_USER
    dst=$(srv_of "$fam")
    port=$HTTP_PORT
    [ "$proto" = udp ] && port=$UDP_PORT
    dest=$(endpoint "$dst" "$port")
    read -r table chain target <<<"$(intercept_path "$mode" "$scope")"
    local hits0 hits1 rows1 srcrows1 xrows SPORT sep tag="neg-$kind-$mode-$scope-$fam-$proto-$RANDOM" seen
    hits0=$(rule_hits "$fam" "$table" "$chain" "$target" "$proto")
    is_count "$hits0" || fail "no IPv$fam $table $chain -p $proto -j $target rule (is Weir enabled?): $(weir_rules_g)"
    local since
    since=$(now_ms)
    SPORT=$(case_port 0)
    sep=$(endpoint "$src" "$SPORT")

    if [ "$proto" = tcp ]; then
        expect_http "$ns" "$fam" "$tag" "$user"
        seen=$(http_peer "$tag")
    else
        expect_udp "$ns" "$fam" "$tag"
        seen=$UDP_PEER
    fi
    sleep 0.3 # an intercepted flow is listed at accept, long before curl ends; give it a margin anyway
    read -r rows1 srcrows1 xrows <<<"$(conn_counts "dest=$dest,since=$since" "source=$sep" "source_ip=$src")"
    hits1=$(rule_hits "$fam" "$table" "$chain" "$target" "$proto")
    [ "$rows1" -eq 0 ] || fail "a row for $dest appeared: $(conn_show --dest "$dest" --since "$since")"
    [ "$srcrows1" -eq 0 ] || fail "this flow ($sep) is listed: $(conn_show --source-ip "$src")"
    [ "$hits1" = "$hits0" ] || fail "the $target counter moved ($hits0 -> $hits1)"
    if [ "$scope" = gateway ]; then # routed directly: the server sees the client itself
        [ "$seen" = "$src" ] || fail "the server saw the flow from '$seen', expected the client $src (direct)"
    fi
    if [ "$kind" = source ] && [ "$xrows" -ne 0 ]; then
        fail "client X ($src) has rows: $(conn_show --source-ip "$src")"
    fi
    pass "$kind: $mode $scope IPv$fam $proto from $src not intercepted (no row, $target counter stays $hits0), reachable, server saw $seen"
}

# step_set KEY=VALUE...: a live settings change; Weir stays enabled and healthy with the new values.
step_set() {
    local t0 t1
    t0=$(now_ms)
    ctl config set "$@" >/dev/null || fail "weirctl config set $* failed: $(ctl_err)"
    t1=$(now_ms)
    local enabled health mode scope kv key value
    read -r enabled health mode scope <<<"$(status_fields enabled health mode scope)"
    [ "$enabled" = True ] || fail "not enabled after config set: $("$WEIRCTL" status --json)"
    [ "$health" = ok ] || fail "health not ok after config set: $("$WEIRCTL" status --json)"
    for kv in "$@"; do
        key=${kv%%=*}
        value=${kv#*=}
        case $key in
        mode) [ "$mode" = "$value" ] || fail "status says mode=$mode, expected $value" ;;
        scope) [ "$scope" = "$value" ] || fail "status says scope=$scope, expected $value" ;;
        esac
    done
    pass "config set $* took $((t1 - t0)) ms; status enabled, health ok"
}

step_enable() {
    ctl config set mode=redirect scope=local ipv6=true udp=false bypass= "gateway_interfaces=$G_LAN_IF" \
        "gateway_sources=$GW_SOURCES" "exclude_uids=$MX_TEST_UID" >/dev/null ||
        fail "initial weirctl config set failed: $(ctl_err)"
    local got
    got=$(ctl config get --json) || fail "weirctl config get --json failed: $(ctl_err)"
    [ "$(echo "$got" | json_get 'd["gateway_sources"]')" != "" ] || fail "config get lacks gateway_sources: $got"
    echo "$got" | json_get 'd["exclude_uids"]' | grep -q "$MX_TEST_UID" || fail "config get: exclude_uids not stored: $got"
    local preview
    preview=$(ctl config preview mode=tproxy udp=true) || fail "weirctl config preview failed: $(ctl_err)"
    echo "$preview" | grep -q -- '-j TPROXY --on-port 41080' || fail "the preview has no TPROXY rule: $preview"
    echo "$preview" | grep -q 'fwmark 0x5746 lookup 22341' || fail "the preview has no fwmark rule: $preview"
    [ -z "$(weir_rules_g)" ] || fail "config preview installed rules: $(weir_rules_g)"
    [ "$(ctl config get --json | json_get 'd["mode"]')" = redirect ] || fail "config preview changed the settings"
    local t0 t1
    t0=$(now_ms)
    ctl enable >/dev/null || fail "weirctl enable failed: $(ctl_err)"
    t1=$(now_ms)
    [ "$(status_field enabled)" = True ] || fail "status does not say enabled"
    [ "$(status_field health)" = ok ] || fail "health is not ok: $("$WEIRCTL" status --json)"
    pass "config get/preview as expected (preview installs nothing); enabled (redirect, local, v4+v6) in $((t1 - t0)) ms"
}

step_disable() {
    local t0 t1 after
    t0=$(now_ms)
    ctl disable >/dev/null || fail "weirctl disable failed: $(ctl_err)"
    t1=$(now_ms)
    [ "$(status_field enabled)" = False ] || fail "status still says enabled"
    after=$(snapshot_g)
    [ "$after" = "$SNAP_BEFORE" ] || fail "disable left changes in G: $(diff <(echo "$SNAP_BEFORE") <(echo "$after"))"
    expect_http "$NS_C" 4 "after-disable-c4"
    expect_http "$NS_G" 6 "after-disable-g6"
    pass "disabled in $((t1 - t0)) ms; G's xtables, rules, routes and sysctls are as before enable"
}

# ---------------------------------------------------------------------------------------------
# The run

run_case "baseline: direct reachability (G, C, X; v4, v6; tcp, udp)" case_baseline
if [ "$MX_FAILED" -ne 0 ]; then
    print_results
    fail "the topology does not work without Weir; nothing else can be tested"
fi
SNAP_BEFORE=$(snapshot_g)
mx_start_helper
run_case "config set/get/preview, enable: redirect local v4+v6" step_enable

for mode in redirect tproxy; do
    protos=tcp
    if [ "$mode" = tproxy ]; then
        protos="tcp udp"
        run_case "tproxy: live switch mode=tproxy udp=true scope=local (from both)" \
            step_set mode=tproxy udp=true scope=local "exclude_uids=$MX_TEST_UID"
    fi
    for proto in $protos; do
        for fam in 4 6; do
            run_case "$mode local v$fam $proto" case_intercept "$mode" local "$fam" "$proto"
        done
    done
    for fam in 4 6; do
        run_case "$mode local v$fam tcp: excluded uid not intercepted" case_not_intercepted uid "$mode" local "$fam" tcp
    done
    run_case "$mode: live set bypass=server /32,/128" step_set "bypass=$S4/32,$S6/128"
    for fam in 4 6; do
        run_case "$mode local v$fam tcp: bypassed dst not intercepted" case_not_intercepted bypass "$mode" local "$fam" tcp
    done
    # exclude_uids only applies to local traffic: the validator refuses it with scope=gateway.
    run_case "$mode: live switch scope=gateway" step_set scope=gateway exclude_uids=
    for fam in 4 6; do
        run_case "$mode gateway v$fam tcp: bypassed dst not intercepted" case_not_intercepted bypass "$mode" gateway "$fam" tcp
    done
    run_case "$mode: live set bypass= (none)" step_set bypass=
    for proto in $protos; do
        for fam in 4 6; do
            run_case "$mode gateway v$fam $proto" case_intercept "$mode" gateway "$fam" "$proto"
        done
    done
    for proto in $protos; do
        for fam in 4 6; do
            run_case "$mode gateway v$fam $proto: X (not in sources) not intercepted" \
                case_not_intercepted source "$mode" gateway "$fam" "$proto"
        done
    done
    # Both at once: the machine's own traffic and the LAN's (their rules share chains and marks).
    run_case "$mode: live switch scope=both" step_set scope=both "exclude_uids=$MX_TEST_UID"
    for proto in $protos; do
        run_case "$mode both v4 $proto from LAN client C" case_intercept "$mode" gateway 4 "$proto"
        run_case "$mode both v6 $proto from G itself" case_intercept "$mode" local 6 "$proto"
    done
    run_case "$mode both v4 tcp: X (not in sources) not intercepted" case_not_intercepted source "$mode" gateway 4 tcp
done
run_case "disable: G exactly as before enable, traffic direct" step_disable

print_results
echo "matrix: total $(($(now_ms) - T_START)) ms"
[ "$MX_FAILED" -eq 0 ] || fail "$MX_FAILED case(s) failed"
echo "matrix: all cases passed"
