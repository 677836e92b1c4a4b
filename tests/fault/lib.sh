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
    mx_setup
    FAULT_CLEAN=$(snapshot_g)
}

# fault_helper_running: some weir-helper owns the bus name.
fault_helper_running() { _weir_name_owned io.github.weir.Helper1; }

# fault_wait_state EXPECTED SECONDS WHAT: until G's snapshot is EXPECTED; fails with the diff.
fault_wait_state() {
    wait_snapshot "$1" "$2" && return 0
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

# ---------------------------------------------------------------------------------------------
# The bus and polkitd as faults (bus.sh): killed, restarted, and the helper brought back by D-Bus
# activation. The private bus of scripts/lib/privatebus.sh keeps its pids in $WEIR_IT_DIR/bus.

FAULT_BUS_DIR="$WEIR_IT_DIR/bus"

# fault_helper_pid: the pid of the process owning io.github.weir.Helper1 (empty when none).
fault_helper_pid() {
    dbus-send --system --print-reply --reply-timeout=2000 --dest=org.freedesktop.DBus /org/freedesktop/DBus \
        org.freedesktop.DBus.GetConnectionUnixProcessID string:io.github.weir.Helper1 2>/dev/null |
        awk '/uint32/ { print $2 }'
}

# fault_wait_gone PID SECONDS: until PID no longer runs (zombies count as gone).
fault_wait_gone() {
    deadline_start
    while until_ms $(($2 * 1000)); do
        mx_alive "$1" || return 0
        sleep 0.05
    done
    ! mx_alive "$1"
}

# fault_kill_recorded SIGNAL NAME: sends SIGNAL to the process privatebus recorded in
# $FAULT_BUS_DIR/NAME.pid (polkitd, dbus-daemon) and waits (5 s) until it is gone.
fault_kill_recorded() {
    local pid
    pid=$(cat "$FAULT_BUS_DIR/$2.pid")
    [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = "$2" ] || fail "$2 (pid $pid) does not run"
    kill "-$1" "$pid"
    fault_wait_gone "$pid" 5 || fail "$2 (pid $pid) still runs 5 s after SIG$1"
}

# fault_bus_start_activating: a new dbus-daemon on the same socket and with the same policy as the
# one weir_bus_start made, plus a service directory: $FAULT_BUS_DIR/services/ holds an activation
# file that starts the helper in G with this test's state and runtime directories (a bus without a
# servicehelper runs Exec itself, as root). Records its pid where weir_bus_stop finds it.
fault_bus_start_activating() {
    local dir=$FAULT_BUS_DIR pid
    mkdir -p "$dir/services"
    cat >"$dir/activate-helper.sh" <<SH
#!/bin/sh
exec ip netns exec '$NS_G' env DBUS_SYSTEM_BUS_ADDRESS='$DBUS_SYSTEM_BUS_ADDRESS' \
    WEIR_STATE_DIR='$WEIR_STATE_DIR' WEIR_RUNTIME_DIR='$WEIR_RUNTIME_DIR' \
    XTABLES_LOCKFILE='${XTABLES_LOCKFILE:-}' '$WEIR_HELPER' >>'$WEIR_IT_DIR/helper.log' 2>&1
SH
    chmod 755 "$dir/activate-helper.sh"
    cat >"$dir/services/io.github.weir.Helper1.service" <<SVC
[D-BUS Service]
Name=io.github.weir.Helper1
Exec=$dir/activate-helper.sh
User=root
SVC
    sed "s|</busconfig>|  <servicedir>$dir/services</servicedir>\n</busconfig>|" "$dir/bus.conf" >"$dir/bus-activating.conf"
    dbus-daemon --config-file="$dir/bus-activating.conf" --nofork --nopidfile --print-address=1 \
        </dev/null >"$dir/bus.address" 2>>"$dir/bus.log" &
    pid=$!
    echo "$pid" >"$dir/dbus-daemon.pid"
    for _ in $(seq 100); do
        dbus-send --system --print-reply --reply-timeout=1000 --dest=org.freedesktop.DBus /org/freedesktop/DBus \
            org.freedesktop.DBus.GetId >/dev/null 2>&1 && return 0
        mx_alive "$pid" || break
        sleep 0.1
    done
    fail "the restarted dbus-daemon does not answer: $(cat "$dir/bus.log")"
}
