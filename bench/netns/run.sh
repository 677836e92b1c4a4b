#!/bin/bash
# The whole path through a gateway, Weir next to its peers: one command, a Markdown report.
#
#   sudo bench/netns/run.sh [--quick] [--duration S] [--idle N] [--rows a,b,...]
#                           [--driver PATH | --build-dir DIR] [--report FILE] [--note TEXT] [--keep]
#
# Builds weir-core-testdriver (in ./build unless told otherwise), creates the client, gateway,
# server and upstream namespaces (topology.sh), and for every row builds a fresh gateway, starts the
# row's proxy and rules there, checks that a request takes the row's path, measures (measure.sh) and
# tears the gateway down. Writes bench/REPORT.md (or --report FILE, with .meta and .results beside it:
# the raw figures, which netns/report.py renders again). Everything runs inside namespaces
# it creates and is removed on every exit path; the caller's own network namespace is never touched.
#
#   --quick       2 s per measurement and 2,000 idle connections (about 4 minutes instead of 8 on a
#                 2-core machine)
#   --duration S  seconds per measurement (default 5)
#   --idle N      idle connections for the memory figure (default 10000; 0 skips it)
#   --rows LIST   a subset of: route nat weir-redirect weir-tproxy weir-socks5 weir-http haproxy
#                 v2ray-redirect v2ray-tproxy redsocks
#   --note TEXT   a paragraph for the report (which build of Weir this is, what else ran, ...)
#   --keep        keep the work folder (configs, raw iperf3/wrk output) and print its path
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
ALL_ROWS="route nat weir-redirect weir-tproxy weir-socks5 weir-http haproxy v2ray-redirect v2ray-tproxy redsocks"

DURATION=5
IDLE_CONNS=10000
ROWS=$ALL_ROWS
DRIVER=
BUILD=$ROOT/build
REPORT=$ROOT/bench/REPORT.md
KEEP=0
NOTE=
WRK_THREADS=2
WRK_CONNS=32
WEIR_WORKERS=$(nproc)
# The command line for the report; the note's text is shown as the note, not in the command.
ARGS=$(
    prev=
    for a in "$@"; do
        if [ "$prev" = --note ]; then printf ' "…"'; else printf ' %s' "$a"; fi
        prev=$a
    done
)

die() { echo "bench: $*" >&2; exit 1; }
while [ $# -gt 0 ]; do
    case $1 in
    --quick) DURATION=2; IDLE_CONNS=2000 ;;
    --duration) DURATION=${2:?}; shift ;;
    --idle) IDLE_CONNS=${2:?}; shift ;;
    --rows) ROWS=${2//,/ }; shift ;;
    --driver) DRIVER=${2:?}; shift ;;
    --build-dir) BUILD=${2:?}; shift ;;
    --report) REPORT=${2:?}; shift ;;
    --note) NOTE=${2:?}; shift ;;
    --keep) KEEP=1 ;;
    -h | --help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) die "unknown option $1 (see --help)" ;;
    esac
    shift
done
for row in $ROWS; do
    [[ " $ALL_ROWS " == *" $row "* ]] || die "unknown row '$row' (rows: $ALL_ROWS)"
done

[ "$(id -u)" = 0 ] || die "needs root (network namespaces, iptables inside them)"
if [ ! -d "$(dirname "$REPORT")" ] || [ ! -w "$(dirname "$REPORT")" ]; then
    die "cannot write the report into $(dirname "$REPORT")"
fi
for tool in ip iptables-legacy iptables-legacy-restore ss jq python3 curl iperf3 wrk nginx danted tinyproxy \
    haproxy v2ray redsocks; do
    command -v "$tool" >/dev/null || die "missing $tool (bench/install-peers.sh installs the benchmark's packages)"
done

DRIVER_ORIGIN="given with --driver"
if [ -z "$DRIVER" ]; then
    DRIVER_ORIGIN="built in $BUILD"
    if [ ! -f "$BUILD/CMakeCache.txt" ]; then
        cmake -S "$ROOT" -B "$BUILD" -G Ninja -DWEIR_BUILD_TESTS=ON >/dev/null || die "cannot configure $BUILD"
    fi
    cmake --build "$BUILD" --target weir-core-testdriver -j2 >/dev/null || die "cannot build weir-core-testdriver"
    DRIVER=$(find "$BUILD" -name weir-core-testdriver -type f -perm -u+x | head -n1)
fi
[ -x "$DRIVER" ] || die "weir-core-testdriver not found (give --driver PATH or --build-dir DIR)"

# 10,000 relayed connections are 20,000 descriptors in the proxy. Raise the limit as far as this
# process may (without CAP_SYS_RESOURCE only up to the hard limit), and open no more idle connections
# than a proxy can then hold; the report says so when that is fewer than asked for.
ulimit -n 1048576 2>/dev/null || ulimit -n "$(ulimit -Hn)" || die "cannot raise the descriptor limit"
FD_LIMIT=$(ulimit -n)
IDLE_ASKED=$IDLE_CONNS
[ "$IDLE_CONNS" -gt $(((FD_LIMIT - 200) / 2)) ] && IDLE_CONNS=$(((FD_LIMIT - 200) / 2))

SUFFIX=$$
C=wb-c-$SUFFIX G=wb-g-$SUFFIX S=wb-s-$SUFFIX U=wb-u-$SUFFIX
WORK=$(mktemp -d /tmp/weir-bench-netns.XXXXXX)
RESULTS=$WORK/results
PROXY_PID=
: >"$RESULTS"

cleanup() {
    local rc=$?
    set +e
    trap - EXIT INT TERM HUP
    exec 2>/dev/null # bash reports every killed background job; the cause is already printed
    [ -n "$PROXY_PID" ] && kill -9 "$PROXY_PID" 2>/dev/null
    local ns
    for ns in "$G" "$C" "$S" "$U"; do
        ip netns pids "$ns" 2>/dev/null | xargs -r kill -9 2>/dev/null
    done
    wait 2>/dev/null
    for ns in "$G" "$C" "$S" "$U"; do ip netns del "$ns" 2>/dev/null; done
    if [ "$KEEP" = 1 ]; then echo "bench: work folder kept: $WORK" >&2; else rm -rf "$WORK"; fi
    exit "$rc"
}
trap cleanup EXIT
trap 'echo "bench: stopped by a failing command at line $LINENO: $BASH_COMMAND" >&2' ERR
trap 'exit 130' INT TERM HUP

# shellcheck source=bench/netns/topology.sh
source "$HERE/topology.sh"
# shellcheck source=bench/netns/rules.sh
source "$HERE/rules.sh"
# shellcheck source=bench/netns/peers.sh
source "$HERE/peers.sh"
# shellcheck source=bench/netns/measure.sh
source "$HERE/measure.sh"

# --- facts for the report --------------------------------------------------------------------------
meta() { echo "$1=$2" >>"$WORK/meta"; }
cpu=$(lscpu 2>/dev/null | sed -n 's/^Model name: *//p' | head -n1)
m0=$(machine_ticks)
sleep 2
m1=$(machine_ticks)
meta date "$(date -u '+%Y-%m-%d %H:%M UTC')"
meta host "$(hostname)"
meta kernel "$(uname -r)"
meta cpu "${cpu:-unknown}"
meta cores "$(nproc)"
meta clk_tck "$(getconf CLK_TCK)"
meta virt "$(systemd-detect-virt 2>/dev/null || echo unknown)"
meta load_before "$(cut -d' ' -f1-3 /proc/loadavg)"
meta busy_before "$(awk -v a="$m0" -v b="$m1" 'BEGIN { split(a, x, " "); split(b, y, " ");
    printf "%.2f", (y[1] - x[1]) / (y[2] - x[2]) }')"
meta command "bench/netns/run.sh$ARGS"
meta duration "$DURATION"
meta idle_conns "$IDLE_CONNS"
meta idle_asked "$IDLE_ASKED"
meta fd_limit "$FD_LIMIT"
meta wrk "wrk -t $WRK_THREADS -c $WRK_CONNS"
meta commit "$(git -C "$ROOT" describe --always --dirty 2>/dev/null || echo unknown)"
meta driver "$DRIVER ($DRIVER_ORIGIN)"
meta note "$NOTE"
meta driver_flags "$("$DRIVER" --help 2>&1 | grep -o -- '--[a-z-]*' | sort -u | tr '\n' ' ')"
meta versions "$(haproxy -v | head -n1 | cut -d' ' -f1-3); $(v2ray -version | head -n1 | cut -d' ' -f1-2); $(redsocks -v | head -n1); $(danted -v 2>&1 | head -n1 | cut -d' ' -f1-2); $(tinyproxy -v); $(nginx -v 2>&1 | cut -d' ' -f3); $(iperf3 --version | head -n1 | cut -d' ' -f1-2); $(wrk -v 2>&1 | head -n1 | cut -d' ' -f1-2)"

# --- the fixed ends ------------------------------------------------------------------------------------
echo "bench: namespaces and servers (work folder $WORK)"
ends_up
start_servers || die "a server did not start (above)"
start_upstreams || die "upstreams did not start"

row_label() {
    case $1 in
    route) echo "plain routing" ;;
    nat) echo "kernel NAT (MASQUERADE)" ;;
    weir-redirect) echo "Weir REDIRECT, direct" ;;
    weir-tproxy) echo "Weir TPROXY, direct" ;;
    weir-socks5) echo "Weir REDIRECT, SOCKS5 upstream (dante)" ;;
    weir-http) echo "Weir REDIRECT, HTTP CONNECT upstream (tinyproxy)" ;;
    haproxy) echo "HAProxy REDIRECT, direct" ;;
    v2ray-redirect) echo "v2ray dokodemo-door REDIRECT, direct" ;;
    v2ray-tproxy) echo "v2ray dokodemo-door TPROXY, direct" ;;
    redsocks) echo "redsocks REDIRECT, SOCKS5 upstream (dante)" ;;
    esac
}

# Starts the row's proxy and rules in the fresh gateway. Sets EXPECT_SOURCE (the address nginx must
# see), CARRIES_UDP, and SKIP when the row cannot run with this driver.
row_setup() {
    EXPECT_SOURCE=$GATEWAY_WAN_IP CARRIES_UDP=0 SKIP='' PROXY_PID=''
    : >"$WORK/row.command"
    case $1 in
    route) EXPECT_SOURCE=$CLIENT_IP CARRIES_UDP=1 ;;
    nat) CARRIES_UDP=1; rules_masquerade ;;
    weir-redirect) start_weir tcp && rules_redirect "$PROXY_PORT" ;;
    weir-tproxy) CARRIES_UDP=1; start_weir tcp+udp && rules_tproxy "$PROXY_PORT" ;;
    weir-socks5 | weir-http)
        EXPECT_SOURCE=$UPSTREAM_IP
        if ! driver_has --upstream; then
            SKIP="the driver has no --upstream option yet"
            return 0
        fi
        local url="socks5://$UPSTREAM_IP:1080"
        [ "$1" = weir-http ] && url="http://$UPSTREAM_IP:8888"
        start_weir tcp "$url" && rules_redirect "$PROXY_PORT"
        ;;
    haproxy) start_haproxy && rules_redirect "$PROXY_PORT" ;;
    v2ray-redirect) start_v2ray redirect && rules_redirect "$PROXY_PORT" ;;
    v2ray-tproxy) CARRIES_UDP=1; start_v2ray tproxy && rules_tproxy "$PROXY_PORT" ;;
    redsocks) EXPECT_SOURCE=$UPSTREAM_IP; start_redsocks && rules_redirect "$PROXY_PORT" ;;
    esac
}

# One request through the row's path: nginx must answer with the expected source address, and the
# row's interception rule (if any) must have seen it.
row_check() {
    local body packets
    body=$(in_c curl -sS --max-time 5 "http://$SERVER_IP/" 2>&1) || { echo "curl failed: $body"; return 1; }
    [ "$body" = "$EXPECT_SOURCE" ] || { echo "the server saw $body, expected $EXPECT_SOURCE"; return 1; }
    packets=$(intercepted_packets)
    if [ "$ROW" = route ]; then
        [ "$packets" = 0 ] || { echo "routing row went through a rule"; return 1; }
    elif [ "$packets" = 0 ]; then
        echo "the interception rule saw no packet"
        return 1
    fi
}

START=$(date +%s)
for ROW in $ROWS; do
    echo "bench: $ROW ($(row_label "$ROW"))"
    record label "$(row_label "$ROW")"
    gateway_up || die "cannot build the gateway namespace"
    if ! row_setup "$ROW"; then
        record status failed
        row_error "did not start: $(tail -n 5 "$WORK/$ROW.err" "$WORK/$ROW.out" 2>/dev/null | tr '\n' ' ')"
    elif [ -n "$SKIP" ]; then
        record status skipped
        record error "$SKIP"
        echo "  skipped: $SKIP"
    elif ! why=$(row_check); then
        record status failed
        row_error "check failed: $why"
    else
        record command "$(cat "$WORK/row.command")"
        save_rules >"$WORK/rules-$ROW" 2>/dev/null || true
        record status ok
        measure_row "$CARRIES_UDP"
        if [ -n "$PROXY_PID" ] && ! kill -0 "$PROXY_PID" 2>/dev/null; then
            status=0
            wait "$PROXY_PID" 2>/dev/null || status=$?
            how="status $status"
            [ "$status" -gt 128 ] && how="killed by SIG$(kill -l $((status - 128)))"
            row_error "the proxy exited during the row ($how): $(tail -n 3 "$WORK/$ROW.err" | tr '\n' ' ')"
        fi
    fi
    [ -n "$PROXY_PID" ] && kill "$PROXY_PID" 2>/dev/null && { wait "$PROXY_PID" 2>/dev/null || true; }
    PROXY_PID=
    gateway_down
done
meta elapsed "$(($(date +%s) - START))"
meta load_after "$(cut -d' ' -f1-3 /proc/loadavg)"

python3 "$HERE/report.py" "$WORK/meta" "$RESULTS" "$WORK" >"$WORK/report.md" || die "report.py failed"
cp "$WORK/report.md" "$REPORT"
# The raw material, so that report.py can render the same run again: report.py REPORT.meta REPORT.results
cp "$RESULTS" "${REPORT%.md}.results"
cp "$WORK/meta" "${REPORT%.md}.meta"
echo "bench: report written to $REPORT ($(($(date +%s) - START)) s of measurements)"
