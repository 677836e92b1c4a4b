#!/usr/bin/env bash
# The process column through a real iptables REDIRECT, in a throw-away network namespace: programs
# connect to 192.0.2.1:80, NAT sends them to the driver's listener, and the driver recovers each
# connection's source and original destination and asks ProcessResolver who made it. A root client
# and a client running as nobody must be named with their pid, name and user; a client that closed
# its socket before the lookup must come back "gone".
# Usage: netns_redirect.sh /path/to/weir-procinfo-testdriver
set -euo pipefail
DRIVER=$1
NS=weir-procinfo-$$
PORT=15001
WORK=$(mktemp -d /tmp/weir-procinfo-netns.XXXXXX)

cleanup() {
    local rc=$?
    set +e
    ip netns pids "$NS" 2>/dev/null | xargs -r kill -9 2>/dev/null
    ip netns del "$NS" 2>/dev/null
    rm -rf "$WORK"
    exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

fail() {
    echo "FAIL: $*" >&2
    for f in "$WORK"/*; do
        [ -s "$f" ] && { echo "--- $f"; cat "$f"; } >&2
    done
    exit 1
}

[ "$(id -u)" = 0 ] || fail "needs root (network namespaces, iptables)"
for tool in ip iptables-legacy setpriv timeout; do
    command -v "$tool" >/dev/null || fail "missing tool: $tool"
done
[ -x "$DRIVER" ] || fail "test driver not found: '$DRIVER'"
# The system's python: a per-user shim (pyenv under /root) is not runnable by nobody.
PYTHON=/usr/bin/python3
[ -x "$PYTHON" ] || fail "missing $PYTHON"

in_ns() { ip netns exec "$NS" "$@"; }
ip netns add "$NS"
in_ns ip link set lo up
# A route to 192.0.2.1 (out of a veth pair that ends in the same namespace); NAT sends it to lo first.
in_ns ip link add v0 type veth peer name v1
in_ns ip addr add 10.99.0.1/24 dev v0
in_ns ip link set v0 up
in_ns ip link set v1 up
in_ns ip route add default via 10.99.0.2 dev v0
in_ns iptables-legacy -t nat -A OUTPUT -p tcp -d 192.0.2.1 --dport 80 -j REDIRECT --to-ports "$PORT"

ip netns exec "$NS" timeout 20 "$DRIVER" "$PORT" 3 >"$WORK/driver.out" 2>"$WORK/driver.err" &
DRIVER_PID=$!
for _ in $(seq 100); do
    grep -q '^listening$' "$WORK/driver.out" && break
    sleep 0.05
done
grep -q '^listening$' "$WORK/driver.out" || fail "the driver did not start"

# client MODE: connects through the REDIRECT, sends MODE ('k' keeps the socket until the driver
# closes it, 'c' closes it at once) and prints its local address.
CLIENT='import socket,sys
s=socket.create_connection(("192.0.2.1",80))
print("%s:%d" % s.getsockname(),flush=True)
s.sendall(sys.argv[1].encode())
if sys.argv[1]=="c":
    s.close()
else:
    s.recv(1)'
# ip netns exec and setpriv exec the next program, so $! is python's own pid.
ip netns exec "$NS" "$PYTHON" -c "$CLIENT" k >"$WORK/root.out" 2>"$WORK/root.err" &
ROOT_PID=$!
sleep 0.3
ip netns exec "$NS" setpriv --reuid=65534 --regid=65534 --clear-groups "$PYTHON" -c "$CLIENT" k \
    >"$WORK/nobody.out" 2>"$WORK/nobody.err" &
NOBODY_PID=$!
sleep 0.3
ip netns exec "$NS" "$PYTHON" -c "$CLIENT" c >"$WORK/closed.out" 2>"$WORK/closed.err" || fail "closing client"
wait "$DRIVER_PID" || fail "the driver failed"
wait "$ROOT_PID" "$NOBODY_PID" || fail "a client failed"

# line TAG: the driver's line for connection TAG
line() { grep "^tag=$1 " "$WORK/driver.out" || fail "no result for connection $1"; }
expect() { # expect TAG TEXT...: the line holds every TEXT
    local tag=$1 l
    shift
    l=$(line "$tag")
    for text in "$@"; do
        [[ " $l " == *" $text "* ]] || fail "connection $tag: '$text' not in: $l"
    done
}
expect 1 "source=$(cat "$WORK/root.out")" "destination=192.0.2.1:80" "pid=$ROOT_PID" name=python3 \
    uid=0 user=root
expect 2 "source=$(cat "$WORK/nobody.out")" "destination=192.0.2.1:80" "pid=$NOBODY_PID" \
    name=python3 uid=65534 user=nobody
expect 3 "source=$(cat "$WORK/closed.out")" "destination=192.0.2.1:80" failure=gone
line 1 | grep -q " exe=/.*python3" || fail "connection 1: no python3 executable: $(line 1)"
cat "$WORK/driver.out"
echo "PASS"
