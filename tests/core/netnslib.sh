# Shared by the core's network-namespace tests: a work folder, fail() with the logs that explain a
# failure, and a cleanup (EXIT trap) that ends the driver, the server and anything else still running
# in the test's namespaces, then deletes them.
# Before sourcing set NAMESPACES (the names the test will create) and WORK_PREFIX; DRIVER is the
# test driver. The test sets DRIVER_PID and SERVER_PID when it starts them.

WORK=$(mktemp -d "/tmp/$WORK_PREFIX.XXXXXX")
DRIVER_PID=
SERVER_PID=

fail() {
    echo "FAIL: $*" >&2
    for f in "$WORK"/driver*.out "$WORK"/driver*.err "$WORK"/server.err; do
        [ -s "$f" ] && { echo "--- $f"; cat "$f"; } >&2
    done
    exit 1
}

netns_cleanup() {
    local rc=$?
    set +e # best effort from here on; a killed child's status must not end the cleanup early
    [ -n "$DRIVER_PID" ] && kill "$DRIVER_PID" 2>/dev/null && wait "$DRIVER_PID" 2>/dev/null
    [ -n "$SERVER_PID" ] && kill "$SERVER_PID" 2>/dev/null && wait "$SERVER_PID" 2>/dev/null
    # Anything still running inside our namespaces was started by this script.
    for ns in "${NAMESPACES[@]}"; do
        ip netns pids "$ns" 2>/dev/null | xargs -r kill -9 2>/dev/null || true
        ip netns del "$ns" 2>/dev/null || true
    done
    rm -rf "$WORK"
    exit $rc
}
trap netns_cleanup EXIT
trap 'exit 130' INT TERM HUP

# require_tools TOOL...: root, the driver and these tools are here, or the test fails (never skips).
require_tools() {
    [ "$(id -u)" = 0 ] || fail "needs root (network namespaces, iptables)"
    [ -x "$DRIVER" ] || fail "test driver not found: '$DRIVER'"
    local tool
    for tool in "$@"; do
        command -v "$tool" >/dev/null || fail "missing tool: $tool"
    done
}

# driver_snapshot OUT: asks the driver (DRIVER_PID) writing to OUT for its table; leaves the
# snapshot in $WORK/snap, its records in $WORK/records and its health line in $WORK/health. Each
# call waits for its own snapshot (SNAPSHOT_SEQ, reset to 0 whenever a driver starts).
SNAPSHOT_SEQ=0
driver_snapshot() {
    local out=$1
    SNAPSHOT_SEQ=$((SNAPSHOT_SEQ + 1))
    kill -USR1 "$DRIVER_PID" || fail "driver is gone"
    for _ in $(seq 100); do
        grep -q "^snapshot-end $SNAPSHOT_SEQ\$" "$out" && break
        sleep 0.05
    done
    grep -q "^snapshot-end $SNAPSHOT_SEQ\$" "$out" || fail "no snapshot $SNAPSHOT_SEQ"
    sed -n "/^snapshot-begin $SNAPSHOT_SEQ\$/,/^snapshot-end $SNAPSHOT_SEQ\$/p" "$out" >"$WORK/snap"
    grep '^id=' "$WORK/snap" >"$WORK/records" || true
    grep '^health ' "$WORK/snap" >"$WORK/health" || true
}
