#!/bin/bash
# End-to-end test of the proxy core behind a real nat OUTPUT REDIRECT rule, in throw-away network
# namespaces (root). Nothing is installed in the caller's own namespace.
#
#   client ns (weir-test-core-PID)            server ns (weir-test-core-srv-PID)
#   curl -> 203.0.113.5:8080                  python3 http.server on 203.0.113.5:8080
#   echo_peer.py -> 203.0.113.5:7             echo_peer.py serve on 203.0.113.5:7
#     nat OUTPUT: mark 0x5745 -> RETURN
#                 203.0.113.0/24 -> REDIRECT to the core
#   weir-core-testdriver (SO_MARK 0x5745)
#   wc0 198.51.100.1/24  <----- veth ----->  wc1 198.51.100.2/24, lo 203.0.113.5/32
#
# Usage: netns_redirect.sh /path/to/weir-core-testdriver
set -euo pipefail

DRIVER=${1:-}
MARK=0x5745
SERVER_IP=203.0.113.5
SERVER_PORT=8080
NS=weir-test-core-$$
SRV=weir-test-core-srv-$$
NAMESPACES=("$NS" "$SRV")
WORK_PREFIX=weir-test-core
# shellcheck source=netnslib.sh
source "$(dirname "$0")/netnslib.sh"
require_tools ip iptables-legacy curl python3 cmp conntrack openssl ss

in_ns() { ip netns exec "$NS" "$@"; }
in_srv() { ip netns exec "$SRV" "$@"; }

ip netns add "$NS" || fail "ip netns add $NS"
ip netns add "$SRV" || fail "ip netns add $SRV"
ip -n "$NS" link set lo up
ip -n "$SRV" link set lo up
ip link add wc0 netns "$NS" type veth peer name wc1 netns "$SRV" || fail "cannot create veth pair"
ip -n "$NS" addr add 198.51.100.1/24 dev wc0
ip -n "$SRV" addr add 198.51.100.2/24 dev wc1
ip -n "$SRV" addr add "$SERVER_IP"/32 dev lo
ip -n "$NS" link set wc0 up
ip -n "$SRV" link set wc1 up
ip -n "$NS" route add 203.0.113.0/24 via 198.51.100.2

# The server and its content.
mkdir "$WORK/www"
head -c 200000 /dev/urandom >"$WORK/www/blob"
# Background processes are started with ip netns exec directly (it execs), so $! is their pid.
ip netns exec "$SRV" python3 -m http.server "$SERVER_PORT" --bind "$SERVER_IP" --directory "$WORK/www" \
    >/dev/null 2>"$WORK/server.err" &
SERVER_PID=$!
for _ in $(seq 100); do
    in_srv python3 -c "import socket; socket.create_connection(('$SERVER_IP', $SERVER_PORT), 1).close()" \
        2>/dev/null && break
    kill -0 "$SERVER_PID" 2>/dev/null || fail "http server exited"
    sleep 0.1
done
in_ns curl -sS --max-time 5 -o /dev/null "http://$SERVER_IP:$SERVER_PORT/blob" \
    || fail "server not reachable from the client namespace without interception"
PEER="$(dirname "$0")/echo_peer.py"
ip netns exec "$SRV" python3 "$PEER" serve "$SERVER_IP" 7 >"$WORK/echo.out" 2>"$WORK/echo.err" &
ECHO_PID=$!
for _ in $(seq 100); do
    grep -q ready "$WORK/echo.out" && break
    kill -0 "$ECHO_PID" 2>/dev/null || fail "echo server exited: $(cat "$WORK/echo.err")"
    sleep 0.05
done

# Starts the core in the client namespace; sets DRIVER_PID and PORT.
start_driver() { # name mark
    local out="$WORK/driver-$1.out"
    ip netns exec "$NS" "$DRIVER" --listen 127.0.0.1 --port 0 --mark "$2" >"$out" 2>"$WORK/driver-$1.err" &
    DRIVER_PID=$!
    SNAPSHOT_SEQ=0
    for _ in $(seq 100); do
        grep -q '^listening ' "$out" && break
        kill -0 "$DRIVER_PID" 2>/dev/null || fail "driver exited"
        sleep 0.05
    done
    PORT=$(sed -n 's/^listening 127\.0\.0\.1:\([0-9]*\)$/\1/p' "$out")
    [ -n "$PORT" ] || fail "driver did not report its port"
}

stop_driver() {
    kill "$DRIVER_PID"
    wait "$DRIVER_PID" || fail "driver exited with an error"
    DRIVER_PID=
}

# Asks the driver writing to $1 for a snapshot; leaves its records in $WORK/records.
snapshot() { driver_snapshot "$1"; }

# Waits until there are records and none is open any more; leaves them in $WORK/records.
settled_snapshot() {
    for _ in $(seq 50); do
        snapshot "$1"
        if [ -s "$WORK/records" ] && ! grep -Eq 'state=(connecting|established|closing)' "$WORK/records"; then
            return 0
        fi
        sleep 0.1
    done
    fail "connections did not settle: $(cat "$WORK/records")"
}

rule_packets() { # target
    in_ns iptables-legacy -t nat -L OUTPUT -v -n -x | awk -v t="$1" '$3 == t { print $1 }'
}

install_rules() {
    in_ns iptables-legacy -t nat -F OUTPUT
    in_ns iptables-legacy -t nat -A OUTPUT -p tcp -d 203.0.113.0/24 -m mark --mark "$MARK" -j RETURN
    in_ns iptables-legacy -t nat -A OUTPUT -p tcp -d 203.0.113.0/24 -j REDIRECT --to-ports "$PORT"
}

# --- 1. One intercepted connection, relayed with the mark --------------------------------------
start_driver marked "$MARK"
install_rules
in_ns curl -sS --max-time 10 -o "$WORK/got" "http://$SERVER_IP:$SERVER_PORT/blob" || fail "curl through the core failed"
cmp -s "$WORK/got" "$WORK/www/blob" || fail "downloaded content differs"

settled_snapshot "$WORK/driver-marked.out"
records=$(cat "$WORK/records")
echo "$records"
[ "$(wc -l <<<"$records")" = 1 ] || fail "expected exactly one record, got: $records"
grep -q " dst=$SERVER_IP:$SERVER_PORT " <<<"$records" || fail "wrong original destination: $records"
grep -q " src=198\.51\.100\.1:[0-9]* " <<<"$records" || fail "wrong source: $records"
grep -q " mode=redirect " <<<"$records" || fail "wrong mode: $records"
grep -q " state=closed " <<<"$records" || fail "not closed: $records"
grep -q " reason=eof$" <<<"$records" || fail "not a clean close: $records"
sent=$(sed -n 's/.* sent=\([0-9]*\) .*/\1/p' <<<"$records")
received=$(sed -n 's/.* received=\([0-9]*\) .*/\1/p' <<<"$records")
[ "$sent" -gt 0 ] || fail "no bytes sent: $records"
[ "$received" -gt 200000 ] || fail "fewer bytes received than the body: $records"

returned=$(rule_packets RETURN)
redirected=$(rule_packets REDIRECT)
echo "nat OUTPUT packets: RETURN=$returned REDIRECT=$redirected"
[ "$returned" -gt 0 ] || fail "the core's outgoing connection did not match the mark RETURN rule"
[ "$redirected" = 1 ] || fail "expected exactly one redirected connection, got $redirected"
stop_driver

# --- 2. Without the mark the core's own connection is intercepted again: refused, not looped -----
start_driver unmarked 0
install_rules
in_ns curl -sS --max-time 10 -o /dev/null "http://$SERVER_IP:$SERVER_PORT/blob" 2>/dev/null \
    && fail "curl succeeded although the core's connection was looped back"
# (The copies are accepted a moment after the client's record is final, maybe by the other worker.)
for _ in $(seq 30); do
    settled_snapshot "$WORK/driver-unmarked.out"
    [ "$(wc -l <"$WORK/records")" -ge 5 ] && break
    sleep 0.1
done
records=$(cat "$WORK/records")
echo "$records"
# The core connects again three times (from other ports, in case a stale conntrack entry caught
# it: part 5), and every attempt comes back: four looped copies, then the client is refused.
[ "$(wc -l <<<"$records")" = 5 ] || fail "expected five records (client, four looped attempts), got: $records"
[ "$(grep -c "^id=[2-5] .* state=failed .* reason=loop: connection from the proxy itself$" <<<"$records")" = 4 ] \
    || fail "looped connections not refused: $records"
grep -q "^id=1 .* dst=$SERVER_IP:$SERVER_PORT state=failed .* reason=loop: own connection intercepted again$" \
    <<<"$records" || fail "client connection not refused: $records"
stop_driver

# --- 3. 2,000 concurrent connections to one destination: none may fail -------------------------
# (Once 1-2 % were reset as loops, killing as many healthy connections with them.)
start_driver concurrent "$MARK"
install_rules
in_ns python3 "$PEER" concurrent "$SERVER_IP" 7 2000 >"$WORK/concurrent.out" 2>&1 \
    || fail "concurrent connections failed: $(cat "$WORK/concurrent.out")"
cat "$WORK/concurrent.out"
settled_snapshot "$WORK/driver-concurrent.out"
[ "$(wc -l <"$WORK/records")" = 2000 ] || fail "expected 2000 records, got $(wc -l <"$WORK/records")"
grep -v ' state=closed .* reason=eof$' "$WORK/records" >"$WORK/unclean" || true
if [ -s "$WORK/unclean" ]; then fail "connections that did not end cleanly: $(cat "$WORK/unclean")"; fi
stop_driver

# --- 4. NAT gives a client the source port of one of the core's own sockets: not a loop ---------
# Two ephemeral ports only (outside the usual range, so no TIME_WAIT from part 3): client A takes one, the core's connection for A the other. Client B,
# bound to port 61500, is SNATed into the same two ports on its way to the listener; its conntrack
# reply tuple must be unique, so NAT gives it the port of the core's own socket to the same
# destination. By address alone B looks like our own connection come back; it is not.
start_driver natclash "$MARK"
install_rules
in_ns sysctl -qw net.ipv4.ip_local_port_range="61000 61001"
in_ns iptables-legacy -t nat -A POSTROUTING -o lo -p tcp -s 198.51.100.1 --sport 61500 \
    -j SNAT --to-source 198.51.100.1:61000-61001
ip netns exec "$NS" python3 "$PEER" hold "$SERVER_IP" 7 "$WORK/b-done" >"$WORK/hold-a.out" 2>&1 &
HOLD_PID=$!
for _ in $(seq 100); do
    grep -q . "$WORK/hold-a.out" && break
    sleep 0.05
done
grep -q '^open$' "$WORK/hold-a.out" || fail "client A did not get through: $(cat "$WORK/hold-a.out")"
in_ns sysctl -qw net.ipv4.ip_local_port_range="61002 61009" # room for the core's connection for B
in_ns python3 "$PEER" hold "$SERVER_IP" 7 0 61500 >"$WORK/hold-b.out" 2>&1
touch "$WORK/b-done" # A talks again only now: it was open all along
wait "$HOLD_PID" || true
if ! grep -q '^ok$' "$WORK/hold-b.out" || ! grep -q '^ok$' "$WORK/hold-a.out"; then
    snapshot "$WORK/driver-natclash.out"
    fail "client A: $(cat "$WORK/hold-a.out"); client B: $(cat "$WORK/hold-b.out"); records: $(cat "$WORK/records")"
fi
settled_snapshot "$WORK/driver-natclash.out"
records=$(cat "$WORK/records")
echo "$records"
[ "$(wc -l <<<"$records")" = 2 ] || fail "expected two records, got: $records"
if grep -q 'reason=loop' <<<"$records"; then fail "a client was taken for a loop: $records"; fi
ports=$(sed -n 's/.* src=198\.51\.100\.1:\([0-9]*\) .*/\1/p' <<<"$records" | sort | tr '\n' ' ')
# B arrived from the port the core's own connection has, so the collision really happened.
[ "$ports" = "61000 61001 " ] || fail "NAT did not rewrite B into the core's port (ports: $ports)"
in_ns sysctl -qw net.ipv4.ip_local_port_range="32768 60999"
stop_driver

# --- 5. A stale conntrack entry sends the core's own connection back to it: it connects again ---
# A REDIRECTed client's conntrack entry can outlive the client (a flood of killed clients leaves
# many). An outgoing socket of the core that gets the same source port to the same destination
# matches that entry, and NAT sends it to the core itself, mark or not. Four ports for the core's
# connections, stale entries on three of them: whichever it picks first, it must end up on the
# fourth (it holds each looped socket while it tries again, so no port comes twice), and the client
# never notices. Three rounds, so a core that does not try again passes by luck once in 64.
start_driver stale "$MARK"
install_rules
for round in 0 1 2; do
    base=$((61100 + round * 10))
    in_ns sysctl -qw net.ipv4.ip_local_port_range="$base $((base + 3))"
    for port in "$base" $((base + 1)) $((base + 2)); do
        in_ns conntrack -I -p tcp -s 198.51.100.1 -d "$SERVER_IP" --sport "$port" --dport 7 \
            --state ESTABLISHED -u SEEN_REPLY,ASSURED -t 120 --dst-nat "127.0.0.1:$PORT" >/dev/null 2>&1 \
            || fail "cannot create a stale conntrack entry for port $port"
    done
    in_ns python3 "$PEER" hold "$SERVER_IP" 7 0 $((61600 + round)) >"$WORK/stale-$round.out" 2>&1
    if ! grep -q '^ok$' "$WORK/stale-$round.out"; then
        snapshot "$WORK/driver-stale.out"
        fail "round $round: client: $(cat "$WORK/stale-$round.out"); records: $(cat "$WORK/records")"
    fi
done
settled_snapshot "$WORK/driver-stale.out"
records=$(cat "$WORK/records")
echo "$records"
[ "$(grep -c ' state=closed .* reason=eof$' <<<"$records")" = 3 ] || fail "expected three clean clients: $records"
others=$(grep -v ' state=closed .* reason=eof$' <<<"$records" || true)
if grep -qv 'state=failed .* reason=loop: connection from the proxy itself$' <<<"${others:-x}" && [ -n "$others" ]; then
    fail "records other than clients and looped copies: $others"
fi
echo "looped attempts the core connected again after: $(grep -c . <<<"${others}" || true)"
in_ns sysctl -qw net.ipv4.ip_local_port_range="32768 60999"
stop_driver

# --- 6. The host each client asked for: HTTP Host and TLS SNI, read from its first bytes ---------
start_driver hosts "$MARK"
install_rules
openssl req -x509 -newkey rsa:2048 -nodes -subj /CN=tls.weir.test -days 1 \
    -keyout "$WORK/key.pem" -out "$WORK/cert.pem" >/dev/null 2>&1 || fail "cannot make a test certificate"
ip netns exec "$SRV" openssl s_server -accept "$SERVER_IP:8443" -cert "$WORK/cert.pem" -key "$WORK/key.pem" \
    -naccept 1 -quiet >/dev/null 2>"$WORK/s_server.err" </dev/null &
TLS_PID=$!
for _ in $(seq 100); do
    [ -n "$(in_srv ss -Hltn "sport = :8443")" ] && break # (a test connection would use up its one accept)
    sleep 0.1
done
in_ns curl -sS --max-time 10 -o /dev/null -H "Host: Web.Weir.Test:8080" "http://$SERVER_IP:$SERVER_PORT/blob" \
    || fail "curl with a Host header failed"
echo Q | in_ns timeout 10 openssl s_client -connect "$SERVER_IP:8443" -servername tls.weir.test >/dev/null 2>&1 || true
wait "$TLS_PID" 2>/dev/null || true
settled_snapshot "$WORK/driver-hosts.out"
records=$(cat "$WORK/records")
echo "$records"
grep -q " dst=$SERVER_IP:$SERVER_PORT .* host=web.weir.test via=" <<<"$records" || fail "no HTTP Host: $records"
grep -q " dst=$SERVER_IP:8443 .* host=tls.weir.test via=" <<<"$records" || fail "no TLS SNI: $records"
stop_driver

echo "PASS"
