# Shared pieces of the integration tests: two throwaway network namespaces joined by a veth pair,
# a private system bus with a real polkitd (scripts/lib/privatebus.sh), and the helper started in
# the client namespace. Everything is removed by weir_it_cleanup, which the tests run from an EXIT trap.
# Usage: source lib.sh SRC_DIR HELPER WEIRCTL

WEIR_SRC=$1
WEIR_HELPER=$2
WEIRCTL=$3
# shellcheck source=../../scripts/lib/privatebus.sh
source "$WEIR_SRC/scripts/lib/privatebus.sh"

WEIR_IT_TAG="weir-it-$$"
NS_CLIENT="$WEIR_IT_TAG-c"
NS_SERVER="$WEIR_IT_TAG-s"
CLIENT_IP=198.51.100.1
SERVER_IP=198.51.100.2
WEIR_IT_DIR=$(mktemp -d /tmp/weir-it.XXXXXX)
chmod 755 "$WEIR_IT_DIR"
# The helper's instance lock lives here, not in the machine's /run/weir.
export WEIR_RUNTIME_DIR="$WEIR_IT_DIR/run"
# The helper's settings file lives here, not in the machine's /var/lib/weir.
export WEIR_STATE_DIR="$WEIR_IT_DIR/state"
HELPER_PID=
SERVER_PID=
WEIR_IT_PIDS=() # more background processes of a test (weir_it_track), killed by weir_it_cleanup

fail() {
    echo "FAIL: $*" >&2
    exit 1
}

pass() {
    echo "ok: $*"
}

weir_it_cleanup() {
    local rc=$?
    set +e
    [ -n "$HELPER_PID" ] && kill "$HELPER_PID" 2>/dev/null && wait "$HELPER_PID" 2>/dev/null
    [ -n "$SERVER_PID" ] && kill "$SERVER_PID" 2>/dev/null && wait "$SERVER_PID" 2>/dev/null
    for pid in "${WEIR_IT_PIDS[@]}"; do
        kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
    done
    ip netns del "$NS_CLIENT" 2>/dev/null
    ip netns del "$NS_SERVER" 2>/dev/null
    if [ $rc -ne 0 ] && [ -f "$WEIR_IT_DIR/helper.log" ]; then
        echo "--- helper log ---" >&2
        cat "$WEIR_IT_DIR/helper.log" >&2
    fi
    weir_bus_stop "$WEIR_IT_DIR/bus"
    rm -rf "$WEIR_IT_DIR"
    exit $rc
}

# weir_it_track PID: kill PID (a background child of the test) on exit, whatever happens.
weir_it_track() {
    WEIR_IT_PIDS+=("$1")
}

# Client namespace (where the helper and curl run) and server namespace, joined by a veth pair.
weir_it_make_netns() {
    ip netns add "$NS_CLIENT"
    ip netns add "$NS_SERVER"
    ip link add "wc$$" netns "$NS_CLIENT" type veth peer name "ws$$" netns "$NS_SERVER"
    ip -n "$NS_CLIENT" addr add "$CLIENT_IP/24" dev "wc$$"
    ip -n "$NS_SERVER" addr add "$SERVER_IP/24" dev "ws$$"
    for ns in "$NS_CLIENT" "$NS_SERVER"; do
        ip -n "$ns" link set lo up
    done
    ip -n "$NS_CLIENT" link set "wc$$" up
    ip -n "$NS_SERVER" link set "ws$$" up
}

# A real HTTP server in the server namespace, serving WEIR_IT_DIR/www.
weir_it_start_server() {
    mkdir -p "$WEIR_IT_DIR/www"
    head -c 262144 /dev/urandom >"$WEIR_IT_DIR/www/blob"
    ip netns exec "$NS_SERVER" python3 -m http.server 8080 --bind "$SERVER_IP" --directory "$WEIR_IT_DIR/www" \
        >"$WEIR_IT_DIR/server.log" 2>&1 &
    SERVER_PID=$!
    for _ in $(seq 100); do
        ip netns exec "$NS_SERVER" bash -c "exec 3<>/dev/tcp/$SERVER_IP/8080" 2>/dev/null && return 0
        sleep 0.1
    done
    fail "the HTTP server did not start"
}

weir_it_start_bus() {
    mkdir -p "$WEIR_IT_DIR/bus"
    weir_bus_start "$WEIR_IT_DIR/bus" "$WEIR_SRC"
    weir_polkit_start "$WEIR_IT_DIR/bus" "$WEIR_SRC"
}

# The helper in the client namespace, on the private bus.
weir_it_start_helper() {
    ip netns exec "$NS_CLIENT" "$WEIR_HELPER" "$@" >>"$WEIR_IT_DIR/helper.log" 2>&1 &
    HELPER_PID=$!
    for _ in $(seq 100); do
        if dbus-send --system --print-reply --dest=org.freedesktop.DBus /org/freedesktop/DBus \
            org.freedesktop.DBus.NameHasOwner string:io.github.weir.Helper1 2>/dev/null | grep -q 'boolean true'; then
            return 0
        fi
        kill -0 "$HELPER_PID" 2>/dev/null || fail "weir-helper exited early: $(cat "$WEIR_IT_DIR/helper.log")"
        sleep 0.1
    done
    fail "weir-helper did not take its bus name"
}

weir_it_stop_helper() {
    kill "$HELPER_PID"
    wait "$HELPER_PID" || true
    HELPER_PID=
}

nat_rules() {
    ip netns exec "$NS_CLIENT" iptables-legacy-save -t nat | grep -v '^#' | sed 's/\[[0-9]*:[0-9]*\]/[0:0]/'
}

# The nat and mangle tables of the client namespace, IPv4 and IPv6, without counters and comments.
netfilter_tables() {
    local save
    for save in iptables-legacy-save ip6tables-legacy-save; do
        ip netns exec "$NS_CLIENT" "$save" -t nat
        ip netns exec "$NS_CLIENT" "$save" -t mangle
    done | grep -v '^#' | sed 's/\[[0-9]*:[0-9]*\]/[0:0]/'
}

# Runs weirctl as USER (root when empty), prints its stdout, stores its exit code in CTL_RC.
ctl_as() {
    local user=$1
    shift
    set +e
    if [ -z "$user" ]; then
        "$WEIRCTL" "$@" 2>"$WEIR_IT_DIR/ctl.err"
    else
        setpriv --reuid="$user" --regid="$user" --init-groups "$WEIRCTL" "$@" 2>"$WEIR_IT_DIR/ctl.err"
    fi
    CTL_RC=$?
    set -e
}

json_get() { # json_get EXPR  (reads JSON on stdin, evaluates EXPR with the document as d)
    python3 -c "import json,sys; d=json.load(sys.stdin); print($1)"
}
