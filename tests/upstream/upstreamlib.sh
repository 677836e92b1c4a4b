# Shared by the upstream netns tests: three throw-away namespaces and the driver in the first.
#
#   client ns $NS                        proxy ns $PX (no forwarding)          server ns $SRV
#   python client -> 203.0.113.5:9000    the upstream proxy under test         upstream_peer.py serve
#   / [2001:db8:5::5]:9000               listens on 198.51.100.2 / fd00:51::2  on 203.0.113.5 and
#   nat OUTPUT REDIRECT -> driver        connects out from 192.0.2.1 /         2001:db8:5::5 (lo)
#   weir-core-testdriver --upstream ...  fd00:52::1
#   wc0 198.51.100.1 fd00:51::1 <-veth-> wc1 .2 / ::2   wp0 192.0.2.1 <-veth-> wp1 192.0.2.2 fd00:52::2
#
# The client namespace routes the server's prefixes via the proxy namespace, which does not forward:
# a connection only reaches the server if the proxy made it. Before sourcing set DRIVER and
# WORK_PREFIX; this file sets NS, PX, SRV and NAMESPACES and sources ../core/netnslib.sh.

MARK=0x5745
SERVER4=203.0.113.5
SERVER6=2001:db8:5::5
SERVER_PORT=9000
PROXY4=198.51.100.2
PROXY6=fd00:51::2
LISTEN_PORT=41080
NS=weir-test-up-$$
PX=weir-test-up-px-$$
SRV=weir-test-up-srv-$$
NAMESPACES=("$NS" "$PX" "$SRV")
PEER="$(dirname "$0")/upstream_peer.py"
# shellcheck source=../core/netnslib.sh
source "$(dirname "$0")/../core/netnslib.sh"

in_ns() { ip netns exec "$NS" "$@"; }
in_px() { ip netns exec "$PX" "$@"; }
in_srv() { ip netns exec "$SRV" "$@"; }

# Builds the three namespaces, their links and routes, and starts the server (SERVER_PID).
setup_topology() {
    local n
    for n in "${NAMESPACES[@]}"; do
        ip netns add "$n" || fail "ip netns add $n"
        ip -n "$n" link set lo up
    done
    ip link add wc0 netns "$NS" type veth peer name wc1 netns "$PX" || fail "cannot create veth pair"
    ip link add wp0 netns "$PX" type veth peer name wp1 netns "$SRV" || fail "cannot create veth pair"
    ip -n "$NS" addr add 198.51.100.1/24 dev wc0
    ip -n "$NS" addr add fd00:51::1/64 dev wc0 nodad
    ip -n "$PX" addr add "$PROXY4"/24 dev wc1
    ip -n "$PX" addr add "$PROXY6"/64 dev wc1 nodad
    ip -n "$PX" addr add 192.0.2.1/24 dev wp0
    ip -n "$PX" addr add fd00:52::1/64 dev wp0 nodad
    ip -n "$SRV" addr add 192.0.2.2/24 dev wp1
    ip -n "$SRV" addr add fd00:52::2/64 dev wp1 nodad
    ip -n "$SRV" addr add "$SERVER4"/32 dev lo
    ip -n "$SRV" addr add "$SERVER6"/128 dev lo
    for l in "$NS wc0" "$PX wc1" "$PX wp0" "$SRV wp1"; do
        set -- $l
        ip -n "$1" link set "$2" up
    done
    ip -n "$NS" route add 203.0.113.0/24 via "$PROXY4"
    ip -n "$NS" -6 route add 2001:db8:5::/64 via "$PROXY6"
    ip -n "$PX" route add 203.0.113.0/24 via 192.0.2.2
    ip -n "$PX" -6 route add 2001:db8:5::/64 via fd00:52::2
    in_px sysctl -qw net.ipv4.ip_forward=0 net.ipv6.conf.all.forwarding=0

    ip netns exec "$SRV" python3 "$PEER" serve "$SERVER4" "$SERVER_PORT" "$SERVER6" "$SERVER_PORT" \
        >/dev/null 2>"$WORK/server.err" &
    SERVER_PID=$!
    wait_listening "$SRV" "$SERVER4" "$SERVER_PORT" "$SERVER_PID" server
}

# wait_listening NS ADDR PORT PID NAME: until ADDR:PORT accepts connections inside NS.
wait_listening() {
    for _ in $(seq 100); do
        ip netns exec "$1" python3 -c "import socket,sys; socket.create_connection(('$2', $3), 1).close()" \
            2>/dev/null && return 0
        kill -0 "$4" 2>/dev/null || fail "$5 exited"
        sleep 0.1
    done
    fail "$5 does not listen on $2:$3"
}

# start_driver NAME DRIVER-ARGS...: the core in the client namespace, with the REDIRECT rules.
start_driver() {
    local name=$1
    shift
    DRIVER_OUT="$WORK/driver-$name.out"
    ip netns exec "$NS" "$DRIVER" --mark "$MARK" --listener "tcp,0.0.0.0,$LISTEN_PORT" \
        --listener "tcp,::,$LISTEN_PORT" "$@" >"$DRIVER_OUT" 2>"$WORK/driver-$name.err" &
    DRIVER_PID=$!
    SNAPSHOT_SEQ=0
    for _ in $(seq 100); do
        grep -q '^listening ' "$DRIVER_OUT" && break
        kill -0 "$DRIVER_PID" 2>/dev/null || fail "driver exited"
        sleep 0.05
    done
    grep -q '^listening ' "$DRIVER_OUT" || fail "driver did not start"
    local ipt net
    for ipt in iptables-legacy ip6tables-legacy; do
        net=203.0.113.0/24
        [ "$ipt" = ip6tables-legacy ] && net=2001:db8:5::/64
        in_ns "$ipt" -t nat -F OUTPUT
        in_ns "$ipt" -t nat -A OUTPUT -p tcp -d "$net" -m mark --mark "$MARK" -j RETURN
        in_ns "$ipt" -t nat -A OUTPUT -p tcp -d "$net" -j REDIRECT --to-ports "$LISTEN_PORT"
    done
}

stop_driver() {
    kill "$DRIVER_PID"
    wait "$DRIVER_PID" || fail "driver exited with an error"
    DRIVER_PID=
}

# Starts a background process in the proxy namespace; its pid is in PROXY_PID (cleanup kills it).
start_proxy() { # name command...
    local name=$1
    shift
    ip netns exec "$PX" "$@" >"$WORK/proxy-$name.out" 2>"$WORK/proxy-$name.err" &
    PROXY_PID=$!
}

stop_proxy() {
    kill "$PROXY_PID" 2>/dev/null || true
    wait "$PROXY_PID" 2>/dev/null || true
    PROXY_PID=
}

# Asks the driver for a snapshot; leaves its records in $WORK/records and its health line in
# $WORK/health.
snapshot() { driver_snapshot "$DRIVER_OUT"; }

# Waits until no record is open any more.
settled_snapshot() {
    for _ in $(seq 50); do
        snapshot
        if [ -s "$WORK/records" ] && ! grep -Eq 'state=(connecting|established|closing)' "$WORK/records"; then
            return 0
        fi
        sleep 0.1
    done
    fail "connections did not settle: $(cat "$WORK/records")"
}

# record ID: the record with that id from the last snapshot (empty if none).
record() {
    grep "^id=$1 " "$WORK/records" || true
}

# expect_ping ADDR ANSWER-REGEX: one connection through the core; the server must answer.
expect_ping() {
    local out
    out=$(in_ns python3 "$PEER" ping "$1" "$SERVER_PORT")
    echo "ping $1: $out"
    grep -Eq "^ok pong $2 " <<<"$out" || fail "ping $1 through the upstream: $out"
}

# expect_refused ADDR MAX-SECONDS: the connection must be cut (reset or EOF) within MAX-SECONDS.
expect_refused() {
    local out secs
    out=$(in_ns python3 "$PEER" ping "$1" "$SERVER_PORT" 10)
    echo "ping $1 (expected to fail): $out"
    grep -q '^error ' <<<"$out" || fail "connection to $1 was not refused: $out"
    secs=$(awk '{ print $3 }' <<<"$out")
    awk -v s="$secs" -v m="$2" 'BEGIN { exit !(s < m) }' || fail "refusal took ${secs}s (limit $2 s)"
}

# transfer DIRECTION ADDR MIB: bulk transfer with checksums through the core.
transfer() {
    local out
    out=$(in_ns python3 "$PEER" "$1" "$2" "$SERVER_PORT" "$3") || fail "transfer $1 $2: $out"
    echo "transfer $1 $2: $out"
    grep -q '^ok ' <<<"$out" || fail "transfer $1 $2: $out"
}
