#!/usr/bin/env bash
# Fault suite: what becomes of the connections Weir is relaying when interception goes away under
# them, and of a client that vanishes. Found by the soak (bench/REPORT-soak.md): without the rules an
# open connection's packets no longer reach the proxy (REDIRECT loses its NAT once no rule needs
# conntrack; TPROXY loses its divert), so it could only hang or be reset by the real server, and a
# relay waiting for a FIN that went elsewhere held its row and two descriptors for ever.
#  (a) Disable with slow downloads open from C (LAN) and G (the machine itself), in each mode: every
#      download ends at once with a reset (the helper resets them while the rules still carry the
#      reset), their rows say "interception turned off", no row stays open.
#  (b) Disable then Enable 0.3 s later, four times under four slow downloads (the soak's case):
#      no row outlives its client.
#  (c) Settings changes: one that keeps what is intercepted (a bypass elsewhere; history_limit in
#      tproxy) keeps open downloads going to an intact end; redirect (scope both) -> tproxy (gateway
#      only) leaves no rule that needs conntrack, so the redirect downloads are reset with
#      "interception settings changed".
#  (d) A LAN client that reuses its source port towards the same server right after TPROXY ends
#      (disable; kill -9 and the guardian's cleanup) connects directly at once. Weir's transparent
#      socket towards it closed first and stays in TIME_WAIT for 60 s with the server's address; early
#      demux matches the client's new SYN to it and G's forwarding drops it, unless Weir destroyed
#      those sockets (routing/divertedsockets.h). Found by fault_kill's prober.
# (A client vanishing without a FIN: TCP keepalive, tests/core/tst_relay.cpp.)
# Each case ends with fault_end_checks (lib.sh).
#
# Usage: open.sh SRC_DIR WEIR_HELPER WEIRCTL   (root; ctest runs it)
set -euo pipefail
source "$(dirname "$0")/lib.sh" "$@"
source "$(dirname "$0")/traffic.sh"
T_START=$(now_ms)

fault_setup
# Downloads that last: the server sends at a fixed pace (with a client's --limit-rate the socket
# buffers would take the whole body at once and the relayed connection would end early).
PACED_PORT=8081
DL_BYTES=1048576
ip netns exec "$NS_S" "$PY" "$MX_TOOLS/paced_server.py" "$S4" "$PACED_PORT" >"$WEIR_IT_DIR/paced.out" 2>"$WEIR_IT_DIR/paced.log" &
mx_track $!
mx_wait_tcp "$NS_S" "$S4" "$PACED_PORT"

# set_mode MODE SCOPE [KEY=VALUE...]: the settings of a case.
set_mode() {
    local udp=false mode=$1 scope=$2
    shift 2
    fault_helper_running || mx_start_helper
    [ "$mode" = tproxy ] && udp=true
    ctl config set "mode=$mode" "udp=$udp" "scope=$scope" ipv6=true bypass= "${FAULT_GW[@]}" "$@" >/dev/null ||
        fail "config set failed: $(ctl_err)"
}

# start_downloads NAME...: a download of 1 MiB at 256 KiB/s per NAME, from C for names starting with
# c, else from G (both IPv4); waits until each has received some data. Their pids in DL_PIDS, in order.
start_downloads() {
    local name ns
    DL_PIDS=()
    for name in "$@"; do
        ns=$NS_G
        [[ $name == c* ]] && ns=$NS_C
        ip netns exec "$ns" curl -sS --noproxy '*' --connect-timeout 5 --max-time 30 -o "$WEIR_IT_DIR/$name.out" \
            "http://$S4:$PACED_PORT/?bytes=$DL_BYTES&rate=262144&c=$name" </dev/null 2>"$WEIR_IT_DIR/$name.err" &
        DL_PIDS+=("$!")
        mx_track_section "$!"
    done
    for name in "$@"; do
        deadline_start
        until [ "$(stat -c %s "$WEIR_IT_DIR/$name.out" 2>/dev/null || echo 0)" -gt 32768 ]; do
            until_ms 5000 || fail "download $name did not start: $(cat "$WEIR_IT_DIR/$name.err")"
            nap 50
        done
    done
}

# downloads_end_within MS WANT: every download of DL_PIDS ends within MS; WANT "reset": each failed
# (curl exit 56, or 18 for a cut body), "intact": each got the whole file. DL_TOOK: how long the last
# took (not printed: in a command substitution `wait` would not know the downloads).
downloads_end_within() {
    local pid rc i=0 names=("${DL_NAMES[@]}")
    deadline_start
    for pid in "${DL_PIDS[@]}"; do
        while ! gone "$pid"; do
            until_ms "$1" || fail "download ${names[$i]} still runs $1 ms later"
            nap 20
        done
        rc=0
        wait "$pid" 2>/dev/null || rc=$?
        if [ "$2" = reset ]; then
            [ "$rc" = 56 ] || [ "$rc" = 18 ] ||
                fail "download ${names[$i]} ended with curl exit $rc, not a reset: $(cat "$WEIR_IT_DIR/${names[$i]}.err")"
        else
            [ "$rc" = 0 ] || fail "download ${names[$i]} failed (curl exit $rc): $(cat "$WEIR_IT_DIR/${names[$i]}.err")"
            cmp -s -n "$DL_BYTES" "$WEIR_IT_DIR/${names[$i]}.out" /dev/zero && [ "$(stat -c %s "$WEIR_IT_DIR/${names[$i]}.out")" = "$DL_BYTES" ] ||
                fail "download ${names[$i]} is not intact"
        fi
        i=$((i + 1))
    done
    DL_TOOK=$(($(now_ms) - MX_T0))
}

# open_rows: rows of the table that are not closed or failed.
open_rows() {
    conn_counts "state=connecting" "state=established" "state=closing" | awk '{ print $1 + $2 + $3 }'
}

# expect_reason REASON SINCE N: at least N closed rows started at or after SINCE carry REASON.
expect_reason() {
    local n
    n=$(conn_get close_reason --since "$2" | grep -c "^\[$1\]$" || true)
    [ "$n" -ge "$3" ] || fail "$n row(s) say \"$1\", expected $3: $(conn_show --since "$2")"
}

case_disable() { # case_disable MODE
    set_mode "$1" both
    ctl enable >/dev/null || fail "enable failed: $(ctl_err)"
    local since took
    since=$(now_ms)
    DL_NAMES=(c-dl g-dl)
    start_downloads "${DL_NAMES[@]}"
    [ "$(open_rows)" -ge 2 ] || fail "the downloads are not in the table: $(conn_show --since "$since")"
    ctl disable >/dev/null || fail "disable failed: $(ctl_err)"
    downloads_end_within 3000 reset
    took=$DL_TOOK
    expect_reason "interception turned off" "$since" 2
    [ "$(open_rows)" = 0 ] || fail "rows still open after disable: $(conn_show --since "$since")"
    fault_wait_state "$FAULT_CLEAN" 1 "after disable"
    pass "$1: disable reset both open downloads (the last ended $took ms later), rows closed, G clean"
    fault_end_checks "$FAULT_CLEAN" "after disable with open connections ($1)"
}

case_disable_enable() {
    set_mode redirect both
    ctl enable >/dev/null || fail "enable failed: $(ctl_err)"
    local since i
    since=$(now_ms)
    DL_NAMES=(c-de1 c-de2 g-de3 g-de4)
    start_downloads "${DL_NAMES[@]}"
    for i in 1 2 3 4; do
        ctl disable >/dev/null || fail "disable $i failed: $(ctl_err)"
        nap 300
        ctl enable >/dev/null || fail "enable $i failed: $(ctl_err)"
        nap 200
    done
    downloads_end_within 5000 reset
    deadline_start
    while [ "$(open_rows)" != 0 ]; do
        until_ms 2000 || fail "rows outlived their clients: $(conn_show --since "$since" | grep -v '"closed"')"
        nap 100
    done
    ctl disable >/dev/null || fail "disable failed: $(ctl_err)"
    pass "four disable/enable cycles under four downloads: every download reset, no row left open"
    fault_end_checks "$FAULT_CLEAN" "after disable/enable cycles"
}

case_settings() {
    set_mode redirect both
    ctl enable >/dev/null || fail "enable failed: $(ctl_err)"
    local since
    DL_NAMES=(c-keep g-keep)
    start_downloads "${DL_NAMES[@]}"
    ctl config set bypass=192.0.2.0/24 >/dev/null || fail "config set bypass failed: $(ctl_err)"
    downloads_end_within 15000 intact
    pass "redirect: a bypass elsewhere kept both open downloads going to an intact end"

    since=$(now_ms)
    DL_NAMES=(c-cut g-cut)
    start_downloads "${DL_NAMES[@]}"
    set_mode tproxy gateway
    downloads_end_within 3000 reset
    expect_reason "interception settings changed" "$since" 2
    fault_through_weir "$NS_C" settings-tproxy # the LAN goes through Weir again, now by TPROXY
    pass "redirect (both) -> tproxy (gateway only): the redirect downloads were reset, the LAN is intercepted"

    DL_NAMES=(c-tkeep)
    start_downloads "${DL_NAMES[@]}"
    ctl config set history_limit=500 >/dev/null || fail "config set history_limit failed: $(ctl_err)"
    downloads_end_within 15000 intact
    ctl disable >/dev/null || fail "disable failed: $(ctl_err)"
    pass "tproxy: a change that keeps the rules (history_limit) kept the open download going to an intact end"
    fault_end_checks "$FAULT_CLEAN" "after the settings changes"
}

# get_until_eof PORT TAG: S's blob from C's source PORT, read until the other side closes; C closes
# only then, so Weir, which closes first towards C after the server did, keeps the TIME_WAIT (curl
# would close as soon as it has Content-Length bytes, racing Weir's close). Prints the bytes read.
get_until_eof() {
    ip netns exec "$NS_C" "$PY" -c '
import socket, sys
s = socket.socket()
s.bind(("0.0.0.0", int(sys.argv[1])))
s.settimeout(10)
s.connect((sys.argv[2], int(sys.argv[3])))
s.sendall(b"GET /blob?c=%s HTTP/1.0\r\n\r\n" % sys.argv[4].encode())
n = 0
while True:
    chunk = s.recv(65536)
    if not chunk:
        break
    n += len(chunk)
s.close()
print(n)' "$1" "$S4" "$HTTP_PORT" "$2"
}

# case_port_reuse HOW: HOW is disable or kill.
case_port_reuse() {
    local how=$1 port=$((40000 + RANDOM % 20000)) hpid guardian tw="" got
    set_mode tproxy gateway
    ctl enable >/dev/null || fail "enable failed: $(ctl_err)"
    got=$(get_until_eof "$port" "reuse-$how-1") || fail "the download from C's port $port failed"
    [ "$got" -gt 262144 ] || fail "the download from C's port $port got only $got bytes"
    [ "$(http_peer "reuse-$how-1")" = "$G_WAN4" ] || fail "the download from C did not go through Weir"
    deadline_start
    while [ -z "$tw" ] && until_ms 2000; do
        tw=$(in_g ss -Htan state time-wait "( src $S4:$HTTP_PORT and dst $C4:$port )")
    done
    [ -n "$tw" ] || fail "no TIME_WAIT socket of the transparent connection in G: $(in_g ss -tan)"
    case $how in
    disable) ctl disable >/dev/null || fail "disable failed: $(ctl_err)" ;;
    kill)
        hpid=$(fault_helper_pid)
        guardian=$(pgrep -P "$hpid" -x weir-guardian) || fail "the helper (pid $hpid) has no guardian"
        kill -9 "$hpid"
        fault_wait_gone "$guardian" 10 || fail "the guardian still runs 10 s after the kill"
        ;;
    esac
    fault_wait_state "$FAULT_CLEAN" 5 "after the $how"
    tw=$(in_g ss -Htan state time-wait "( src $S4:$HTTP_PORT )")
    [ -z "$tw" ] || fail "transparent TIME_WAIT sockets are left in G after the $how: $tw"
    SPORT=$port fault_direct "$NS_C" "$C4" "reuse-$how-2"
    pass "$how: C reused its source port to S at once and went directly"
    fault_end_checks "$FAULT_CLEAN" "after the $how"
}

run_case "(a1) disable with open connections (redirect)" case_disable redirect
fault_next_case
run_case "(a2) disable with open connections (tproxy)" case_disable tproxy
fault_next_case
run_case "(b) disable then enable under downloads, four times" case_disable_enable
fault_next_case
run_case "(c) settings changes under open downloads" case_settings
fault_next_case
run_case "(d1) a LAN client reuses its source port right after disable (tproxy)" case_port_reuse disable
fault_next_case
run_case "(d2) a LAN client reuses its source port right after kill -9 (tproxy)" case_port_reuse kill
fault_next_case

print_results
echo "open.sh: total $(($(now_ms) - T_START)) ms"
[ "$MX_FAILED" -eq 0 ] || fail "$MX_FAILED case(s) failed"
echo "open.sh: all cases passed"
