#!/bin/bash
# Two or more builds of the core (or options of one) side by side on one workload, rounds
# alternating, in the benchmark's namespaces: how "what each change bought" in bench/README.md was
# measured. Not the report (run.sh is); a quick A/B for one change.
#
#   bench/netns/ab.sh [--rounds N] [--seconds S] [--strace] WORKLOAD NAME=DRIVER[,FLAGS] ...
#
#   WORKLOAD  iperf (one TCP stream), keep (wrk keep-alive), close (wrk, a connection per request)
#   NAME=DRIVER[,FLAGS]  a label, a weir-core-testdriver, and extra driver flags separated by
#             commas (e.g. two=build/tests/core/weir-core-testdriver,--workers,2)
#   --strace  also count the proxy's system calls during the workload (strace -c; slows it down)
#
# Prints one line per round and driver: the workload's rate and the proxy's CPU time (utime+stime
# of all its threads). Runs in namespaces it creates and removes on every exit path.
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
ROUNDS=3
SECONDS_PER_RUN=8
STRACE=0
die() { echo "ab: $*" >&2; exit 1; }
while [ $# -gt 0 ]; do
    case $1 in
    --rounds) ROUNDS=${2:?}; shift ;;
    --seconds) SECONDS_PER_RUN=${2:?}; shift ;;
    --strace) STRACE=1 ;;
    -h | --help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) break ;;
    esac
    shift
done
WORKLOAD=${1:-}
shift || true
[[ " iperf keep close " == *" $WORKLOAD "* ]] || die "workload: iperf, keep or close (see --help)"
[ $# -gt 0 ] || die "no driver given (see --help)"
[ "$(id -u)" = 0 ] || die "needs root (network namespaces)"

FD_LIMIT=20000
ulimit -n "$FD_LIMIT" 2>/dev/null || FD_LIMIT=$(ulimit -n)
C=ab-c-$$ G=ab-g-$$ S=ab-s-$$ U=ab-u-$$
WORK=$(mktemp -d /tmp/weir-bench-ab.XXXXXX)
ROW=ab PROXY_PID= WEIR_WORKERS=$(nproc)
cleanup() {
    set +e
    trap - EXIT INT TERM HUP
    exec 2>/dev/null # bash reports every killed background job
    [ -n "$PROXY_PID" ] && kill -9 "$PROXY_PID" 2>/dev/null
    local ns
    for ns in "$G" "$C" "$S" "$U"; do ip netns pids "$ns" 2>/dev/null | xargs -r kill -9 2>/dev/null; done
    wait 2>/dev/null
    for ns in "$G" "$C" "$S" "$U"; do ip netns del "$ns" 2>/dev/null; done
    rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP
# shellcheck source=bench/netns/topology.sh
source "$HERE/topology.sh"
# shellcheck source=bench/netns/rules.sh
source "$HERE/rules.sh"
# shellcheck source=bench/netns/peers.sh
source "$HERE/peers.sh"

ends_up
start_servers >/dev/null || die "a server did not start"
case $WORKLOAD in
iperf) cmd=(iperf3 -c "$SERVER_IP" -t "$SECONDS_PER_RUN" -f g) ;;
keep) cmd=(wrk -t 2 -c 32 -d "$SECONDS_PER_RUN" "http://$SERVER_IP/") ;;
close) cmd=(wrk -t 2 -c 32 -d "$SECONDS_PER_RUN" -H 'Connection: close' "http://$SERVER_IP/") ;;
esac
ticks() { awk '{ print $14 + $15 }' "/proc/$PROXY_PID/stat"; }

for round in $(seq "$ROUNDS"); do
    for spec in "$@"; do
        name=${spec%%=*}
        IFS=, read -r -a parts <<<"${spec#*=}"
        DRIVER=${parts[0]}
        [ -x "$DRIVER" ] || die "$name: no driver at $DRIVER"
        gateway_up || die "cannot build the gateway namespace"
        # start_weir's own flags, then this driver's extra ones (a later --workers wins).
        args=(--mark 0x5745 --allow "$CLIENT_NET" --listener "tcp,0.0.0.0,$PROXY_PORT,transparent"
            --workers "$WEIR_WORKERS" "${parts[@]:1}")
        ip netns exec "$G" "$DRIVER" "${args[@]}" >"$WORK/out" 2>"$WORK/err" &
        PROXY_PID=$!
        wait_listen "$G" "$PROXY_PORT" "$PROXY_PID" || die "$name did not start: $(cat "$WORK/err")"
        rules_redirect "$PROXY_PORT"
        [ "$(in_c curl -sS --max-time 5 "http://$SERVER_IP/")" = "$GATEWAY_WAN_IP" ] || die "$name: no path"
        t0=$(ticks)
        in_c "${cmd[@]}" >"$WORK/load" 2>&1 &
        load=$!
        if [ "$STRACE" = 1 ]; then
            sleep 2
            timeout -s INT $((SECONDS_PER_RUN - 4)) strace -c -f -p "$PROXY_PID" -o "$WORK/strace" 2>/dev/null || true
        fi
        wait "$load" || die "$name: the workload failed: $(tail -n 3 "$WORK/load")"
        t1=$(ticks)
        case $WORKLOAD in
        iperf) rate="$(awk '/receiver/ { print $7, $8 }' "$WORK/load")" ;;
        *) rate="$(awk '/Requests\/sec/ { print $2 " req/s" }' "$WORK/load")" ;;
        esac
        echo "round $round $name: $rate, proxy CPU $(awk -v t=$((t1 - t0)) -v hz="$(getconf CLK_TCK)" \
            'BEGIN { printf "%.2f", t / hz }') s"
        [ "$STRACE" = 1 ] && sed -n '1,/^------ -/d; /^------/q; p' "$WORK/strace" | awk '{ print "    " $4, $NF }' | head -n 15
        kill "$PROXY_PID" 2>/dev/null
        wait "$PROXY_PID" 2>/dev/null || true
        PROXY_PID=
        gateway_down
    done
done
