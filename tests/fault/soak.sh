#!/usr/bin/env bash
# The soak: the helper under mixed churn for SECONDS, its descriptors (/proc/PID/fd), threads
# (/proc/PID/status Threads) and memory (VmRSS; Pss and Anonymous from smaps_rollup) sampled all along.
# Fails on growth after warm-up (the rule is in soak_report.py and printed with the figures), when a
# TCP connection outlives its client, when descriptors, threads or feed subscribers do not return to
# their idle baseline afterwards, when a control call fails, when more than 10 % of the short
# connections fail; ends with fault_end_checks.
#
# The churn, all at once on the gateway topology of lib.sh (helper in G, clients C and G, servers S):
#   short connections  curl of 256 KiB from C (IPv4) and from G (IPv6), one after another
#   long connections   2 MiB at 400 KiB/s (5 s each) from C, IPv4 and IPv6 by turns
#   UDP                an echo from C every 0.5 s, IPv4 and IPv6 by turns (through Weir in TPROXY)
#   control            every 1-2 s the next of: mode switch to TPROXY with UDP, history_limit (50-149), bypass,
#                      back to REDIRECT, disable, enable, bypass cleared, scope gateway, scope both
#   feed clients       1-3 subscribers at a time (Subscribe + GetConnections), gone after 0.5-2 s,
#                      half by kill -9 (no goodbye), plus weirctl connections --watch killed alike
#   polling            weirctl connections --json every 0.3 s
#
# Usage: soak.sh SRC_DIR WEIR_HELPER WEIRCTL [SECONDS] [--full]
#   SECONDS defaults to $FAULT_SOAK_SECONDS, else 50 (CI; a sample every 3 s, 10 s warm-up).
#   --full: 600 s, a sample every 10 s, 60 s warm-up, and the report goes to bench/REPORT-soak.md.
set -euo pipefail
FULL=0
ARGS=()
for a in "$@"; do
    if [ "$a" = --full ]; then FULL=1; else ARGS+=("$a"); fi
done
set -- "${ARGS[@]:0:3}"
source "$(dirname "$0")/lib.sh" "$@"

if [ "$FULL" = 1 ]; then
    SOAK_SECONDS=${ARGS[3]:-600}
    INTERVAL=10
else
    SOAK_SECONDS=${ARGS[3]:-${FAULT_SOAK_SECONDS:-50}}
    INTERVAL=3
fi
WARMUP=$((SOAK_SECONDS / 5)) # samples before this are warm-up
[ "$SOAK_SECONDS" -ge 15 ] || fail "SECONDS must be at least 15"
D=$WEIR_IT_DIR/soak
mkdir -p "$D"
STOP=$D/stop
SAMPLES=$D/samples
IDLE=$D/idle
: >"$SAMPLES"
: >"$IDLE"
T_START=$(date -u '+%Y-%m-%d %H:%M UTC')
LOAD_START=$(cut -d' ' -f1-3 /proc/loadavg)

fault_setup
mx_start_helper
HPID=$HELPER_PID

# sample PID: "fds threads rss_kb pss_kb anon_kb" of the helper.
sample() {
    local fds threads rss pss anon
    fds=$(find "/proc/$1/fd" -mindepth 1 -maxdepth 1 2>/dev/null | wc -l)
    threads=$(awk '/^Threads:/ { print $2 }' "/proc/$1/status")
    rss=$(awk '/^VmRSS:/ { print $2 }' "/proc/$1/status")
    pss=$(awk '/^Pss:/ { print $2 }' "/proc/$1/smaps_rollup")
    anon=$(awk '/^Anonymous:/ { print $2 }' "/proc/$1/smaps_rollup")
    echo "$fds $threads $rss $pss $anon"
}

# status_now: "active enabled subscribers" from GetStatus (raw: weirctl does not show subscribers).
status_now() {
    local s
    s=$(gdbus call --system --dest io.github.weir.Helper1 --object-path /io/github/weir/Helper1 \
        --method io.github.weir.Helper1.GetStatus 2>&1) || fail "GetStatus failed during the soak: $s"
    echo "$(sed -n "s/.*'active_connections': <uint32 \([0-9]*\)>.*/\1/p" <<<"$s")" \
        "$(sed -n "s/.*'enabled': <\([a-z]*\)>.*/\1/p" <<<"$s")" \
        "$(sed -n "s/.*'subscribers': <uint32 \([0-9]*\)>.*/\1/p" <<<"$s")"
}

# close_open: closes (weirctl close) every connection the helper still lists as open. Disable leaves
# relayed connections running, and a UDP flow lives on until 60 s without a datagram.
close_open() {
    local ids
    ids=$(wctl connections --json | "$PY" -c 'import json,sys
print(" ".join(str(c["id"]) for c in json.load(sys.stdin) if c.get("state") not in ("closed", "failed")))') ||
        fail "connections failed: $(ctl_err)"
    # shellcheck disable=SC2086 # one argument per id
    [ -z "$ids" ] || wctl close $ids >/dev/null || true # exit 1: some ended meanwhile
}

# idle_sample NAME: the helper disabled, no client: closes what is still open, waits (10 s) for no
# open connection and no subscriber, then records the smallest descriptor count of three samples
# 1 s apart (a bus call in flight may hold one for a moment) with its threads and memory.
idle_sample() {
    local st best="" s i
    close_open
    deadline_start
    while until_ms 10000; do
        st=$(status_now)
        [ "${st%% *}" = 0 ] && [ "${st##* }" = 0 ] && break
        sleep 0.5
    done
    for i in 1 2 3; do
        s=$(sample "$HPID")
        if [ -z "$best" ] || [ "${s%% *}" -lt "${best%% *}" ]; then best=$s; fi
        sleep 1
    done
    read -r fds threads rss _pss _anon <<<"$best"
    [ "${st%% *}" = 0 ] || fail "idle $1: $st: connections still open after they were closed"
    echo "$1 $fds $threads $rss ${st##* } ${2:-0}" >>"$IDLE"
}

# open_tcp: one line per TCP connection the helper lists as open (id, mode, state, ends, age, bytes).
open_tcp() {
    wctl connections --json | "$PY" -c 'import json,sys,time
now = time.time() * 1000
for c in json.load(sys.stdin):
    if c.get("protocol") == "tcp" and c.get("state") not in ("closed", "failed"):
        print(c["id"], c["mode"], c["state"], c["source"], "->", c["destination"],
              "age %d s" % ((now - c["started_ms"]) / 1000), "sent", c["bytes_sent"], "received", c["bytes_received"])'
}

# stuck_tcp: with every client gone, TCP connections must end by themselves; waits 10 s, then lists
# those still open into $D/stuck and prints how many.
stuck_tcp() {
    deadline_start
    while until_ms 10000; do
        open_tcp >"$D/stuck"
        [ -s "$D/stuck" ] || break
        sleep 0.5
    done
    wc -l <"$D/stuck"
}

# A warm cycle first, so what the helper sets up once (the core, the bus matches, polkit's
# connection) is in the idle baseline.
# A history of 50-149 closed connections (the churn changes it): full within the warm-up, so the
# memory it holds is part of the baseline and only a leak makes memory grow after it.
ctl config set mode=redirect scope=both ipv6=true udp=false bypass= history_limit=100 "${FAULT_GW[@]}" >/dev/null ||
    fail "config set failed: $(ctl_err)"
ctl enable >/dev/null || fail "enable failed: $(ctl_err)"
expect_http "$NS_C" 4 warm-c4
expect_http "$NS_G" 6 warm-g6
timeout 3 "$PY" "$MX_TOOLS/feed_client.py" --subscribe --get >/dev/null 2>&1 || true
ctl config set mode=tproxy udp=true >/dev/null || fail "config set failed: $(ctl_err)"
expect_udp "$NS_C" 4 warm-udp
ctl config set mode=redirect udp=false >/dev/null || fail "config set failed: $(ctl_err)"
ctl disable >/dev/null || fail "disable failed: $(ctl_err)"
idle_sample before
ctl enable >/dev/null || fail "enable failed: $(ctl_err)"

# ---------------------------------------------------------------------------------------------
# The churners: background loops until $STOP exists, each counting into its own file.

CHURNERS=()
churner() {
    CHURNERS+=("$1")
    mx_track_section "$1"
}
churners_running() {
    local pid
    for pid in "${CHURNERS[@]}"; do mx_alive "$pid" && return 0; done
    return 1
}

# shellcheck disable=SC2016 # the loops get their values as arguments
short_loop() { # NS FAMILY NAME
    ip netns exec "$1" bash -c '
        while [ ! -e "$1" ]; do
            if curl -sS -g --noproxy "*" --connect-timeout 5 --max-time 15 -o /dev/null \
                -w "%{http_code} %{size_download}\n" "http://$2:$3/blob?c=soak" 2>>"$4.err" | grep -qx "200 262144"
            then echo ok; else echo fail; fi >>"$4"
            sleep 0.05
        done' short "$STOP" "$(url_host "$(srv_of "$2")")" "$HTTP_PORT" "$D/$3" &
    churner $!
}

long_loop() {
    # shellcheck disable=SC2016
    ip netns exec "$NS_C" bash -c '
        n=0
        while [ ! -e "$1" ]; do
            n=$((n + 1))
            if [ $((n % 2)) = 0 ]; then host=$2; else host=$3; fi
            if curl -sS -g --noproxy "*" --connect-timeout 5 --max-time 40 --limit-rate 400k -o /dev/null \
                -w "%{http_code} %{size_download}\n" "http://$host:$4/long?c=soak" 2>>"$5.err" | grep -qx "200 2097152"
            then echo ok; else echo fail; fi >>"$5"
        done' long "$STOP" "$S4" "[$S6]" "$HTTP_PORT" "$D/long" &
    churner $!
}

udp_loop() {
    # shellcheck disable=SC2016
    ip netns exec "$NS_C" bash -c '
        n=0
        while [ ! -e "$1" ]; do
            n=$((n + 1))
            if [ $((n % 2)) = 0 ]; then host=$2; else host=$3; fi
            if "$5" "$6" "$host" "$4" --payload "soak-$n" --timeout 1 --tries 2 >/dev/null 2>>"$7.err"
            then echo ok; else echo fail; fi >>"$7"
            sleep 0.5
        done' udp "$STOP" "$S4" "$S6" "$UDP_PORT" "$PY" "$MX_TOOLS/udp_client.py" "$D/udp" &
    churner $!
}

control_loop() {
    local i=0 step rc
    local -a steps=(
        "config set mode=tproxy udp=true"
        "config set history_limit=HL"
        "config set bypass=192.0.2.0/24,2001:db8:ff::/48"
        "config set mode=redirect udp=false"
        "disable"
        "enable"
        "config set bypass="
        "config set scope=gateway"
        "config set scope=both"
    )
    while [ ! -e "$STOP" ]; do
        step=${steps[$((i % ${#steps[@]}))]}
        step=${step/HL/$((50 + RANDOM % 100))}
        rc=0
        # shellcheck disable=SC2086 # the step is words
        "$WEIRCTL" $step >/dev/null 2>>"$D/control.err" || rc=$?
        if [ "$rc" = 0 ]; then echo "ok $step" >>"$D/control"; else echo "fail($rc) $step" >>"$D/control"; fi
        i=$((i + 1))
        sleep "1.$((RANDOM % 10))"
    done
}

feed_loop() {
    local n pids pid
    while [ ! -e "$STOP" ]; do
        pids=()
        for _ in $(seq $((1 + RANDOM % 3))); do
            "$PY" "$MX_TOOLS/feed_client.py" --subscribe --get >>"$D/feed.out" 2>>"$D/feed.err" &
            pids+=($!)
        done
        "$WEIRCTL" connections --watch --json >/dev/null 2>>"$D/feed.err" &
        pids+=($!)
        sleep "$((RANDOM % 2)).$((5 + RANDOM % 5))"
        n=0
        for pid in "${pids[@]}"; do
            n=$((n + 1))
            if [ $((n % 2)) = 0 ]; then kill -9 "$pid" 2>/dev/null || true; else kill "$pid" 2>/dev/null || true; fi
            wait "$pid" 2>/dev/null || true
            echo gone >>"$D/feed"
        done
    done
}

poll_loop() {
    while [ ! -e "$STOP" ]; do
        if "$WEIRCTL" connections --json >/dev/null 2>>"$D/poll.err"; then echo ok; else echo fail; fi >>"$D/poll"
        sleep 0.3
    done
}

count() { # count FILE WORD: lines of FILE starting with WORD
    [ -f "$1" ] || {
        echo 0
        return
    }
    grep -c "^$2" "$1" || true
}

echo "soak: $SOAK_SECONDS s of churn, a sample every $INTERVAL s, warm-up $WARMUP s (load average $LOAD_START)"
short_loop "$NS_C" 4 short-c4
short_loop "$NS_G" 6 short-g6
long_loop
udp_loop
control_loop &
churner $!
feed_loop &
churner $!
poll_loop &
churner $!

T0=$(date +%s)
while :; do
    t=$(($(date +%s) - T0))
    [ "$t" -le "$SOAK_SECONDS" ] || break
    mx_alive "$HPID" || fail "the helper died during the soak: $(tail -20 "$WEIR_IT_DIR/helper.log")"
    phase=churn
    [ "$t" -ge "$WARMUP" ] || phase=warmup
    row="$t $phase $(sample "$HPID") $(status_now)"
    echo "$row" >>"$SAMPLES"
    echo "sample: $row"
    sleep $((INTERVAL - ($(date +%s) - T0 - t))) 2>/dev/null || true
done
touch "$STOP"
# The loops end within a download's length (long: 5 s at most, feed: 2 s).
deadline_start
while until_ms 45000; do
    churners_running || break
    sleep 0.5
done
mx_alive "$HPID" || fail "the helper died during the soak"
STUCK=$(stuck_tcp)
[ "$STUCK" = 0 ] || {
    echo "soak: $STUCK TCP connection(s) still open 10 s after every client ended:"
    cat "$D/stuck"
}
ctl disable >/dev/null 2>&1 || true
idle_sample after "$STUCK"

# ---------------------------------------------------------------------------------------------
# Figures, verdict, report.

COUNTS="short connections ok (C v4, G v6): $(count "$D/short-c4" ok) + $(count "$D/short-g6" ok)"
COUNTS+="; short connections failed: $(($(count "$D/short-c4" fail) + $(count "$D/short-g6" fail)))"
COUNTS+="; long downloads (2 MiB) ok: $(count "$D/long" ok); long failed: $(count "$D/long" fail)"
COUNTS+="; UDP echoes ok: $(count "$D/udp" ok); UDP failed: $(count "$D/udp" fail)"
COUNTS+="; control calls ok: $(count "$D/control" ok) (mode switches: $(grep -c 'mode=' "$D/control" || true), enable/disable: $(grep -cE ' (enable|disable)$' "$D/control" || true)); control failed: $(count "$D/control" fail)"
COUNTS+="; feed clients started and gone: $(count "$D/feed" gone)"
COUNTS+="; connection polls ok: $(count "$D/poll" ok); polls failed: $(count "$D/poll" fail)"
echo "soak churn: $COUNTS"

verdict=0
REPORT_ARGS=()
# A sanitizer's allocator keeps freed memory (quarantine): memory is not judged then.
if grep -q __asan_init "$WEIR_HELPER"; then
    REPORT_ARGS+=(--no-memory)
    echo "soak: the helper is built with AddressSanitizer: memory is sampled but not judged"
fi
if [ "$FULL" = 1 ]; then
    report=$WEIR_SRC/bench/REPORT-soak.md
    build_dir=$(cd "$(dirname "$WEIR_HELPER")/../.." && pwd)
    {
        echo "command=tests/fault/soak.sh SRC HELPER WEIRCTL --full"
        echo "date=$T_START"
        echo "seconds=$SOAK_SECONDS"
        echo "interval=$INTERVAL"
        echo "commit=$(git -C "$WEIR_SRC" rev-parse --short HEAD)$(git -C "$WEIR_SRC" diff --quiet HEAD -- helper || echo ' (with uncommitted changes under helper/)')"
        echo "build=$(sed -n 's/^CMAKE_BUILD_TYPE:[A-Z]*=//p' "$build_dir/CMakeCache.txt" 2>/dev/null || echo '?') ($build_dir)"
        echo "cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)"
        echo "cores=$(nproc)"
        echo "memory=$(awk '/^MemTotal:/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo)"
        echo "kernel=$(uname -r)"
        echo "load=$LOAD_START"
        echo "churn_doc=Short connections (256 KiB) from C over IPv4 and from G over IPv6, one after another; long downloads (2 MiB at 400 KiB/s) from C by turns over IPv4 and IPv6; a UDP echo from C every 0.5 s; every 1-2 s the next control call of: mode switch to TPROXY with UDP, history_limit (50-149), bypass, back to REDIRECT, disable, enable, bypass cleared, scope gateway, scope both; 1-3 feed subscribers plus a weirctl connections --watch at a time, gone after 0.5-2 s (half by kill -9); weirctl connections --json every 0.3 s."
        echo "counts=$COUNTS"
        echo "stuck=$(tr '\n' '|' <"$D/stuck" | sed 's/|$//')"
    } >"$D/meta"
    "$PY" "$FAULT_DIR/soak_report.py" "$SAMPLES" "$IDLE" "${REPORT_ARGS[@]}" --markdown "$report" \
        --meta "$D/meta" || verdict=1
    echo "soak: report written to $report"
else
    "$PY" "$FAULT_DIR/soak_report.py" "$SAMPLES" "$IDLE" "${REPORT_ARGS[@]}" || verdict=1
fi

[ "$(count "$D/control" fail)" = 0 ] || fail "control calls failed: $(grep fail "$D/control" | head -5) $(head -5 "$D/control.err")"
short_ok=$(($(count "$D/short-c4" ok) + $(count "$D/short-g6" ok)))
short_fail=$(($(count "$D/short-c4" fail) + $(count "$D/short-g6" fail)))
[ $((short_fail * 10)) -le $((short_ok + short_fail)) ] ||
    fail "$short_fail of $((short_ok + short_fail)) short connections failed: $(sort "$D"/short-*.err | uniq -c | head -5)"
[ "$short_ok" -gt 0 ] || fail "no short connection succeeded"
[ "$verdict" = 0 ] || fail "the helper's resources grew or were not given back (see the verdict above)"
fault_end_checks "$FAULT_CLEAN" soak
pass "soak: $SOAK_SECONDS s, no growth after warm-up, idle baseline kept, the helper serves"
