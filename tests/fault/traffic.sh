# shellcheck shell=bash
# Real traffic for the fault cases (kill.sh, bus.sh, reject.sh, settings.sh), on top of lib.sh:
#   a prober in a LAN client that opens a new connection every ~50 ms and logs each, and slow
#   downloads that stay open across a fault. Their processes are section processes (mx_track_section).
# Also two tools for tight loops that must not start a process per turn (nap, gone).

mkfifo "$WEIR_IT_DIR/nap"
exec {FAULT_NAP_FD}<>"$WEIR_IT_DIR/nap"
# nap MS: sleeps MS milliseconds without a new process (reads a FIFO nobody writes to).
nap() {
    local t
    printf -v t '%d.%03d' $(($1 / 1000)) $(($1 % 1000))
    read -r -t "$t" -u "$FAULT_NAP_FD" _ || true
}

# gone PID: the process has ended (a zombie counts as ended); starts no process either.
gone() {
    local st
    read -r st 2>/dev/null <"/proc/$1/stat" || return 0
    st=${st##*) }
    [ "${st:0:1}" = Z ]
}

# fault_prober_start NS: a new connection from NS to S (IPv4 HTTP, 256 KiB) every ~50 ms until
# fault_prober_stop; each line of $WEIR_IT_DIR/probe.log: "<start ms> <http code> <bytes> <source
# port>" (code 000 when curl failed; then probe.err has "<start ms> <curl's message>").
fault_prober_start() {
    rm -f "$WEIR_IT_DIR/probe.stop"
    : >"$WEIR_IT_DIR/probe.log"
    # shellcheck disable=SC2016 # the inner script gets its values as arguments
    ip netns exec "$1" bash -c '
        for _ in $(seq 2000); do
            [ -e "$1/probe.stop" ] && break
            t=$(date +%s%3N)
            r=$(curl -sS --noproxy "*" --connect-timeout 3 --max-time 5 -o /dev/null \
                -w "%{http_code} %{size_download} %{local_port}" "http://$2:$3/blob?c=probe" 2>"$1/probe.last") ||
                echo "$t $(cat "$1/probe.last")" >>"$1/probe.err"
            echo "$t ${r:-000 0 0}" >>"$1/probe.log"
            sleep 0.05
        done' prober "$WEIR_IT_DIR" "$S4" "$HTTP_PORT" </dev/null &
    FAULT_PROBER_PID=$!
    mx_track_section "$FAULT_PROBER_PID"
}

fault_prober_stop() {
    touch "$WEIR_IT_DIR/probe.stop"
    fault_wait_gone "$FAULT_PROBER_PID" 10 || kill "$FAULT_PROBER_PID" 2>/dev/null || true
    wait "$FAULT_PROBER_PID" 2>/dev/null || true
}

# fault_probes_ok SINCE_MS N WHAT: waits (10 s) until N probes that started at or after SINCE_MS
# have finished; each of them must have got the whole body. Prints how many probes ran in all.
fault_probes_ok() {
    local since=$1 want=$2 got bad
    deadline_start
    while until_ms 10000; do
        got=$(awk -v s="$since" '$1 >= s' "$WEIR_IT_DIR/probe.log" | wc -l)
        [ "$got" -ge "$want" ] && break
        sleep 0.05
    done
    [ "$got" -ge "$want" ] || fail "$3: only $got new connections finished since the fault, expected $want"
    bad=$(awk -v s="$since" '$1 >= s && !($2 == 200 && $3 == 262144)' "$WEIR_IT_DIR/probe.log")
    [ -z "$bad" ] || fail "$3: new connections failed after the fault: $bad ($(awk -v s="$since" '$1 >= s' "$WEIR_IT_DIR/probe.err" 2>/dev/null))"
    wc -l <"$WEIR_IT_DIR/probe.log"
}

# fault_slow_download NS NAME: 2 MiB from S over IPv4 at 400 KiB/s (about 5 s) in the background;
# pid in FAULT_SLOW_PID. Its result is not judged (a kill may cut it): it is traffic across the fault.
fault_slow_download() {
    ip netns exec "$1" curl -sS --noproxy '*' --connect-timeout 5 --max-time 30 --limit-rate 400k \
        -o "$WEIR_IT_DIR/$2.out" "http://$S4:$HTTP_PORT/long?c=$2" </dev/null 2>"$WEIR_IT_DIR/$2.err" &
    FAULT_SLOW_PID=$!
    mx_track_section "$FAULT_SLOW_PID"
}

# fault_through_weir NS TAG: a download from NS to S over IPv4 is intact and reached S from G's WAN
# address, i.e. through Weir's proxy (a direct one comes from the client's own address). Needs no
# call to the helper, so it also holds while the helper refuses every call.
fault_through_weir() {
    expect_http "$1" 4 "$2"
    [ "$(http_peer "$2")" = "$G_WAN4" ] || fail "a download from $1 reached S from $(http_peer "$2"), not through Weir"
}

# fault_direct NS SOURCE TAG: a download from NS to S over IPv4 is intact and came straight from SOURCE.
fault_direct() {
    expect_http "$1" 4 "$3"
    [ "$(http_peer "$3")" = "$2" ] || fail "a download from $1 reached S from $(http_peer "$3"), not directly from $2"
}

# fault_reset: after a failed case, before the next one: the case's processes end (a helper on
# SIGTERM), G is cleaned, and a helper is told Disable, so that a helper remembering the user's last
# choice does not start the next case enabled. In a subshell: a failure here is reported, not fatal.
fault_reset() {
    (
        mx_kill_section
        in_g "$WEIR_HELPER" --cleanup >/dev/null 2>&1 || true
        mx_start_helper
        ctl disable >/dev/null 2>&1 || true
        mx_kill_section
    ) || echo "fault_reset: could not reset after the failed case" >&2
}

# fault_next_case, between run_case lines: ends the case's helper (SIGTERM: it removes its rules);
# after a failed case, fault_reset first.
FAULT_CASE_FAILED=0
fault_next_case() {
    if [ "$MX_FAILED" != "$FAULT_CASE_FAILED" ]; then
        FAULT_CASE_FAILED=$MX_FAILED
        fault_reset
    fi
    mx_kill_section
}
