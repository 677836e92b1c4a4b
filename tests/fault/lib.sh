# shellcheck shell=bash
# Shared pieces of the fault suite (tests/fault/*.sh): the gateway topology of
# tests/integration/netlib.sh (C and X on a LAN behind G, servers in S, the helper in G), a private
# system bus with a real polkitd, and the three checks every fault case ends with:
#
#   fault_end_checks EXPECTED_SNAPSHOT WHAT
#     1. G's state that Weir may touch (iptables-legacy-save, ip6tables-legacy-save, ip rule, every
#        route table, forwarding sysctls: netlib's snapshot_g) is byte for byte EXPECTED_SNAPSHOT;
#     2. a client still reaches the server (C and G, IPv4 and IPv6: no blackhole);
#     3. the helper serves again (started anew when none runs): it answers status, enables, really
#        intercepts a download, and disables back to the clean state.
#
# Usage: source lib.sh SRC_DIR WEIR_HELPER WEIRCTL, then fault_setup. Cases use netlib's run_case /
# print_results, so one failing case does not hide the others.
FAULT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=../integration/lib.sh
source "$FAULT_DIR/../integration/lib.sh" "$@"
# shellcheck source=../integration/netlib.sh
source "$FAULT_DIR/../integration/netlib.sh"
trap mx_cleanup EXIT

# Settings for the gateway parts: C's subnet via lan0.
FAULT_GW=("gateway_interfaces=$G_LAN_IF" "gateway_sources=$GW_SOURCES")
FAULT_CLEAN= # G before Weir ever ran (fault_setup)

fault_setup() {
    mx_make_topology
    mx_start_servers
    weir_it_start_bus
    mx_keep_polkit_action
    FAULT_CLEAN=$(snapshot_g)
}

# fault_helper_running: some weir-helper owns the bus name.
fault_helper_running() { _weir_name_owned io.github.weir.Helper1; }

# fault_wait_state EXPECTED SECONDS WHAT: until G's snapshot is EXPECTED; fails with the diff.
fault_wait_state() {
    deadline_start
    while until_ms $(($2 * 1000)); do
        [ "$(snapshot_g)" = "$1" ] && return 0
        sleep 0.1
    done
    local now
    now=$(snapshot_g)
    [ "$now" = "$1" ] || fail "$3: G is not as it should be: $(diff <(echo "$1") <(echo "$now"))"
}

# fault_reaches WHAT: C (a LAN client) and G (the machine itself) reach S over IPv4 and IPv6, through
# Weir or directly, whichever is in force: nothing is blackholed.
fault_reaches() {
    local fam
    for fam in 4 6; do
        expect_http "$NS_C" "$fam" "reach-c$fam-$RANDOM" || fail "$1: C cannot reach S over IPv$fam"
        expect_http "$NS_G" "$fam" "reach-g$fam-$RANDOM" || fail "$1: G cannot reach S over IPv$fam"
    done
}

# fault_serves WHAT: a helper serves (one is started when none owns the name): status answers, an
# enable in redirect mode for the gateway intercepts C's download, and disable leaves G clean.
# Leaves the helper running and disabled.
fault_serves() {
    if ! fault_helper_running; then
        mx_start_helper
    fi
    wctl status --json >/dev/null || fail "$1: the helper does not answer status: $(ctl_err)"
    if [ "$(status_field enabled)" = True ]; then
        ctl disable >/dev/null || fail "$1: disable failed: $(ctl_err)"
    fi
    fault_wait_state "$FAULT_CLEAN" 5 "$1 (disabled)"
    ctl config set mode=redirect scope=gateway ipv6=true udp=false bypass= "${FAULT_GW[@]}" >/dev/null ||
        fail "$1: config set failed: $(ctl_err)"
    ctl enable >/dev/null || fail "$1: enable failed: $(ctl_err)"
    local since dest n
    dest=$(endpoint "$S4" "$HTTP_PORT")
    since=$(now_ms)
    expect_http "$NS_C" 4 "serves-$RANDOM"
    deadline_start
    n=0
    while until_ms 3000; do
        n=$(conn_count --mode redirect --dest "$dest" --source-ip "$C4" --proto tcp --since "$since")
        [ "$n" -ge 1 ] && break
        sleep 0.1
    done
    [ "$n" -ge 1 ] || fail "$1: the helper enabled but C's download did not go through it"
    ctl disable >/dev/null || fail "$1: disable failed: $(ctl_err)"
    fault_wait_state "$FAULT_CLEAN" 5 "$1 (enable and disable again)"
}

# fault_end_checks EXPECTED_SNAPSHOT WHAT: the three checks of every case (see the top of this file).
fault_end_checks() {
    fault_wait_state "$1" 10 "$2"
    fault_reaches "$2"
    fault_serves "$2"
}
