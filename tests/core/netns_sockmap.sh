#!/bin/bash
# The sockmap fast path (--fast-path sockmap: the kernel relays established connections) behind a
# real nat OUTPUT REDIRECT rule, in throw-away network namespaces (root). Same layout as
# netns_relay.sh. Skipped (exit 77) when this kernel or process cannot load the BPF program.
#
# The relay links a connection after a few small reads in a row (request/response traffic), so each
# check starts with echo round trips (netns_sockmap_client.py against netns_load.py's echo server):
#
#   1. 200 round trips, then 512 MiB echoed back at once through the fast path, a half-close, and the
#      rest read until EOF; sha256 checked; the record's byte counts are exact (from TCP_INFO); the
#      driver's own CPU time stays far below what the splice relay spends (the kernel moved the bytes).
#   2. 600 connections, 32 at once, each 8 round trips and a half-close with bytes still in flight
#      (the EOF hand-over); none fails, and the driver's descriptor count is where it started.
#   3. --idle-ms 300: the same transfer as 1 (no relay wake-up while the kernel relays) is not idle; a
#      silent connection is closed ("idle timeout").
#
# Usage: netns_sockmap.sh /path/to/weir-core-testdriver
#        (WEIR_FAST_PATH=splice runs the same checks on the splice relay: the control)
set -euo pipefail

DRIVER=${1:-}
MARK=0x5745
SERVER_IP=203.0.113.5
SERVER_PORT=9000
NS=weir-test-sockmap-$$
SRV=weir-test-sockmap-srv-$$
NAMESPACES=("$NS" "$SRV")
WORK_PREFIX=weir-test-sockmap
HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=netnslib.sh
source "$HERE/netnslib.sh"
require_tools ip iptables-legacy python3

in_ns() { ip netns exec "$NS" "$@"; }
load() { in_ns python3 "$HERE/netns_load.py" "$@"; }

ip netns add "$NS" || fail "ip netns add $NS"
ip netns add "$SRV" || fail "ip netns add $SRV"
ip -n "$NS" link set lo up
ip -n "$SRV" link set lo up
ip link add ws0 netns "$NS" type veth peer name ws1 netns "$SRV" || fail "cannot create veth pair"
ip -n "$NS" addr add 198.51.100.1/24 dev ws0
ip -n "$SRV" addr add 198.51.100.2/24 dev ws1
ip -n "$SRV" addr add "$SERVER_IP"/32 dev lo
ip -n "$NS" link set ws0 up
ip -n "$SRV" link set ws1 up
ip -n "$NS" route add 203.0.113.0/24 via 198.51.100.2

ip netns exec "$SRV" python3 "$HERE/netns_load.py" serve "$SERVER_IP" "$SERVER_PORT" \
    >"$WORK/server.out" 2>"$WORK/server.err" &
SERVER_PID=$!
for _ in $(seq 100); do
    grep -q '^ready' "$WORK/server.out" && break
    kill -0 "$SERVER_PID" 2>/dev/null || fail "load server exited"
    sleep 0.1
done
ip netns exec "$SRV" python3 "$HERE/netns_load.py" serve "$SERVER_IP" "$SERVER_PORT" \
    >"$WORK/server2.out" 2>"$WORK/server2.err" &
disown $! # ended with the namespace

# start_driver NAME [DRIVER OPTIONS...]: the core with the fast path, and the REDIRECT rules to it.
start_driver() {
    local name=$1
    shift
    OUT="$WORK/driver-$name.out"
    ip netns exec "$NS" "$DRIVER" --listen 127.0.0.1 --port 0 --mark "$MARK" --fast-path "$FAST_PATH" "$@" \
        >"$OUT" 2>"$WORK/driver-$name.err" &
    DRIVER_PID=$!
    SNAPSHOT_SEQ=0
    for _ in $(seq 100); do
        grep -q '^listening ' "$OUT" && break
        kill -0 "$DRIVER_PID" 2>/dev/null || fail "driver $name exited"
        sleep 0.05
    done
    if [ "$FAST_PATH" = sockmap ] && ! grep -q '^fast-path sockmap$' "$OUT"; then
        echo "SKIP: the sockmap fast path is not available here: $(grep '^fast-path' "$OUT")"
        exit 77
    fi
    PORT=$(sed -n 's/^listening 127\.0\.0\.1:\([0-9]*\)$/\1/p' "$OUT")
    [ -n "$PORT" ] || fail "driver $name did not report its port"
    in_ns iptables-legacy -t nat -F OUTPUT
    in_ns iptables-legacy -t nat -A OUTPUT -p tcp -d 203.0.113.0/24 -m mark --mark "$MARK" -j RETURN
    in_ns iptables-legacy -t nat -A OUTPUT -p tcp -d 203.0.113.0/24 -j REDIRECT --to-ports "$PORT"
}

stop_driver() {
    kill "$DRIVER_PID"
    wait "$DRIVER_PID" || fail "driver exited with an error"
    DRIVER_PID=
}

FAST_PATH=${WEIR_FAST_PATH:-sockmap}
snapshot() { driver_snapshot "$OUT"; }
fd_count() { ls "/proc/$DRIVER_PID/fd" 2>/dev/null | wc -l; }
# The driver's CPU time so far (utime + stime of all its threads), in clock ticks.
cpu_ticks() { awk '{print $14 + $15}' "/proc/$DRIVER_PID/stat"; }

client() { in_ns python3 "$HERE/netns_sockmap_client.py" "$@"; }

# pingpong ROUNDS MIB: see netns_sockmap_client.py; the record must count every byte.
pingpong() {
    client pingpong "$SERVER_IP" "$SERVER_PORT" "$1" "$2" >"$WORK/pingpong.out" || fail "pingpong client failed"
    if ! grep -q '^pingpong ok ' "$WORK/pingpong.out"; then
        # Segments that arrived partly before rcv_nxt (a retransmission overlapping received data)
        # count as TCPDSACKOldSent: see bench/SOCKMAP.md.
        fail "$(cat "$WORK/pingpong.out"); $(in_ns nstat -az TcpExtTCPDSACKOldSent | tail -n 1)"
    fi
    echo "$(cat "$WORK/pingpong.out"); gateway's $(in_ns nstat -az TcpExtTCPDSACKOldSent | tail -n 1 | tr -s ' ')"
    snapshot
    # "echo\n", the rounds' messages (32 + i % 200 bytes each) and MIB MiB, echoed back but "echo\n".
    local i small=0
    for ((i = 0; i < $1; i++)); do small=$((small + 32 + i % 200)); done
    local sent=$((5 + small + ($2 << 20))) received=$((small + ($2 << 20)))
    grep -q "state=closed sent=$sent received=$received via=direct reason=eof$" "$WORK/records" \
        || fail "record wrong (expected sent=$sent received=$received): $(cat "$WORK/records")"
}

# --- 1. Round trips, then a large transfer, half-closed --------------------------------------------
start_driver bulk --workers 2
in_ns nstat -n
before=$(cpu_ticks)
pingpong 200 512
used=$(($(cpu_ticks) - before))
echo "the driver used $used ticks of CPU ($(getconf CLK_TCK)/s) for 1 GiB relayed"
# The splice relay spends about half a CPU-second on this; the fast path handles the round trips
# before the link and the EOFs.
[ "$FAST_PATH" = splice ] || [ "$used" -le $(($(getconf CLK_TCK) / 10)) ] || fail "the driver used $used ticks: not the kernel's path"
stop_driver

# --- 2. Many connections with a half-close each -----------------------------------------------------
start_driver many --workers 2
base=$(fd_count)
started=$SECONDS
client many "$SERVER_IP" "$SERVER_PORT" 600 8 32 >"$WORK/many.out" || true
echo "$(cat "$WORK/many.out") in $((SECONDS - started)) s"
grep -q '^many ok 600 failed 0$' "$WORK/many.out" || fail "connections failed: $(cat "$WORK/many.out")"
snapshot
bad=$(grep -v 'state=closed sent=261 received=256 via=direct reason=eof$' "$WORK/records" || true)
[ -z "$bad" ] || fail "records wrong: $(head -n 5 <<<"$bad")"
for _ in $(seq 50); do
    [ "$(fd_count)" = "$base" ] && break
    sleep 0.1
done
[ "$(fd_count)" = "$base" ] || fail "driver holds $(fd_count) descriptors, expected $base"
stop_driver

# --- 3. Idle timeout -----------------------------------------------------------------------------
start_driver idle --idle-ms 300
pingpong 20 512
[ "$(load idle "$SERVER_IP" "$SERVER_PORT" 1.5)" = "idle closed" ] || fail "idle connection not closed"
snapshot
grep -q "state=closed .* reason=idle timeout$" "$WORK/records" || fail "no idle timeout record: $(cat "$WORK/records")"
stop_driver

echo "PASS"
