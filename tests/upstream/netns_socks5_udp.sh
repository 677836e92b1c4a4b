#!/bin/bash
# End-to-end: UDP flows intercepted by TPROXY go on through a real SOCKS5 proxy's UDP ASSOCIATE
# (dante), and end when the proxy closes the association; with an HTTP CONNECT upstream (which
# cannot carry UDP) they are blocked or go direct, as udp_without_upstream says. Its own topology (a LAN client behind
# a gateway, as TPROXY wants it):
#
#   client ns $C                  gateway ns $G (no forwarding)                 server ns $S
#   198.51.100.1 ---------------- 198.51.100.2: weir-core-testdriver (TPROXY)   192.0.2.2
#   UDP to 203.0.113.5:5353       and danted (internal 198.51.100.2:1080,       netns_peer.py serve
#                                 external 192.0.2.3) --- 192.0.2.1/.3 -------- on 203.0.113.5 (lo)
#
# The server answers with who sent the datagram: 192.0.2.3 is dante, 192.0.2.1 would be the core
# itself going direct.
#
# Usage: netns_socks5_udp.sh /path/to/weir-core-testdriver
set -euo pipefail

DRIVER=${1:-}
MARK=0x5745
TMARK=0x5701
PORT=41090
SERVER4=203.0.113.5
C=weir-test-udp-c-$$
G=weir-test-udp-g-$$
S=weir-test-udp-s-$$
NAMESPACES=("$C" "$G" "$S")
WORK_PREFIX=weir-test-socks5-udp
PEER="$(dirname "$0")/../core/netns_peer.py"
# shellcheck source=../core/netnslib.sh
source "$(dirname "$0")/../core/netnslib.sh"
require_tools ip iptables-legacy python3 danted setsid

in_c() { ip netns exec "$C" "$@"; }
in_g() { ip netns exec "$G" "$@"; }

for ns in "$C" "$G" "$S"; do
    ip netns add "$ns" || fail "ip netns add $ns"
    ip -n "$ns" link set lo up
done
ip link add wc0 netns "$C" type veth peer name wg0 netns "$G" || fail "cannot create veth pair"
ip link add wg1 netns "$G" type veth peer name ws1 netns "$S" || fail "cannot create veth pair"
ip -n "$C" addr add 198.51.100.1/24 dev wc0
ip -n "$G" addr add 198.51.100.2/24 dev wg0
ip -n "$G" addr add 192.0.2.1/24 dev wg1
ip -n "$G" addr add 192.0.2.3/24 dev wg1
ip -n "$S" addr add 192.0.2.2/24 dev ws1
ip -n "$S" addr add "$SERVER4"/32 dev lo
ip -n "$C" link set wc0 up
ip -n "$G" link set wg0 up
ip -n "$G" link set wg1 up
ip -n "$S" link set ws1 up
ip -n "$C" route add default via 198.51.100.2
ip -n "$S" route add default via 192.0.2.1
ip -n "$G" route add 203.0.113.0/24 via 192.0.2.2
in_g sysctl -qw net.ipv4.ip_forward=0 net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.wg0.rp_filter=0

ip netns exec "$S" python3 "$PEER" serve "$SERVER4" 5353 >"$WORK/server.out" 2>"$WORK/server.err" &
SERVER_PID=$!
for _ in $(seq 100); do
    grep -q '^ready' "$WORK/server.out" && break
    kill -0 "$SERVER_PID" 2>/dev/null || fail "server exited"
    sleep 0.05
done

cat >"$WORK/danted.conf" <<CONF
logoutput: stderr
internal: 198.51.100.2 port = 1080
external: 192.0.2.3
clientmethod: none
socksmethod: none
user.privileged: root
user.unprivileged: nobody
client pass { from: 0/0 to: 0/0 }
socks pass { from: 0/0 to: 0/0 }
CONF
# Its own process group: dante's children (which hold the association) end with it.
ip netns exec "$G" setsid danted -f "$WORK/danted.conf" -N 1 >"$WORK/danted.out" 2>"$WORK/danted.err" &
DANTE_PID=$!
for _ in $(seq 100); do
    in_g python3 -c "import socket; socket.create_connection(('198.51.100.2', 1080), 1).close()" 2>/dev/null && break
    kill -0 "$DANTE_PID" 2>/dev/null || fail "danted exited: $(cat "$WORK/danted.err")"
    sleep 0.1
done

# Starts the core in the gateway with an upstream and its extra options; sets DRIVER_PID.
start_driver() { # upstream-url [driver options]...
    local url=$1
    shift
    ip netns exec "$G" "$DRIVER" --mark "$MARK" --udp-idle-ms 5000 --upstream "$url" "$@" \
        --listener "udp,0.0.0.0,$PORT,transparent" --allow 198.51.100.0/24 >"$WORK/driver.out" 2>"$WORK/driver.err" &
    DRIVER_PID=$!
    SNAPSHOT_SEQ=0
    for _ in $(seq 100); do
        grep -q '^listening ' "$WORK/driver.out" && break
        kill -0 "$DRIVER_PID" 2>/dev/null || fail "driver exited: $(cat "$WORK/driver.err")"
        sleep 0.05
    done
}
stop_driver() {
    kill "$DRIVER_PID"
    wait "$DRIVER_PID" || fail "driver exited with an error"
    DRIVER_PID=
}
start_driver "socks5://198.51.100.2:1080"
in_g iptables-legacy -t mangle -A PREROUTING -i wg0 -p udp -d 203.0.113.0/24 \
    -j TPROXY --on-port "$PORT" --tproxy-mark "$TMARK"
ip -n "$G" rule add fwmark "$TMARK" lookup 100
ip -n "$G" route add local default dev lo table 100

# Asks the driver for a snapshot; leaves its records in $WORK/records.
snapshot() { driver_snapshot "$WORK/driver.out"; }

# --- 1. A UDP flow through dante's UDP ASSOCIATE, two datagrams on one flow --------------------
in_c python3 "$PEER" client "udp2,$SERVER4,5353" >"$WORK/answer"
cat "$WORK/answer"
grep -Eq "^ok udp $SERVER4:5353 192\.0\.2\.3:[0-9]+ .*from $SERVER4:5353$" "$WORK/answer" \
    || fail "no answer through dante (expected from 192.0.2.3): $(cat "$WORK/answer")"
snapshot
cat "$WORK/records"
[ "$(wc -l <"$WORK/records")" = 1 ] || fail "expected one UDP session"
grep -q "proto=udp .* dst=$SERVER4:5353 state=established .* via=socks5_198\.51\.100\.2:1080 " "$WORK/records" \
    || fail "session not via socks5: $(cat "$WORK/records")"

# --- 2. The proxy goes away: the association's control connection closes, so does the session ----
kill -- -"$DANTE_PID"
wait "$DANTE_PID" 2>/dev/null || true
for _ in $(seq 50); do
    snapshot
    grep -q 'state=closed' "$WORK/records" && break
    sleep 0.1
done
cat "$WORK/records"
grep -q "proto=udp .* state=closed .* reason=upstream closed the UDP association$" "$WORK/records" \
    || fail "session did not end with the association: $(cat "$WORK/records")"
stop_driver

# --- 3. An HTTP CONNECT upstream cannot carry UDP; udp_without_upstream=block refuses the flow ----
# (No HTTP proxy needs to run: UDP never reaches it, and that is the point.)
start_driver "http://198.51.100.2:8888" --udp-without-upstream block
in_c python3 "$PEER" client "udp,$SERVER4,5353,198.51.100.1" >"$WORK/answer"
cat "$WORK/answer"
grep -q '^error ' "$WORK/answer" || fail "a blocked UDP flow got an answer: $(cat "$WORK/answer")"
snapshot
cat "$WORK/records"
grep -q "proto=udp .* dst=$SERVER4:5353 state=failed .* reason=udp blocked: http 198.51.100.2:8888 cannot carry UDP$" \
    "$WORK/records" || fail "blocked flow not recorded as such: $(cat "$WORK/records")"
stop_driver

# --- 4. ... and udp_without_upstream=direct sends it from the gateway itself ----------------------
start_driver "http://198.51.100.2:8888" --udp-without-upstream direct
in_c python3 "$PEER" client "udp,$SERVER4,5353,198.51.100.1" >"$WORK/answer"
cat "$WORK/answer"
grep -Eq "^ok udp $SERVER4:5353 192\.0\.2\.1:[0-9]+ .*from $SERVER4:5353$" "$WORK/answer" \
    || fail "no direct answer (expected from the gateway, 192.0.2.1): $(cat "$WORK/answer")"
snapshot
grep -q "proto=udp .* dst=$SERVER4:5353 state=established .* via=direct " "$WORK/records" \
    || fail "direct flow not recorded as direct: $(cat "$WORK/records")"
stop_driver

echo "PASS"
