#!/bin/bash
# End-to-end test of the proxy core as a LAN gateway behind real TPROXY rules (TCP and UDP, IPv4
# and IPv6), plus an ip6tables REDIRECT on the gateway itself, in throw-away network namespaces
# (root). Nothing is installed in the caller's own namespace.
#
#   client ns (C)                  gateway ns (G)                          server ns (S)
#   wc0 198.51.100.1, .9/24  <-->  wg0 198.51.100.2/24    wg1 192.0.2.1/24  <-->  ws1 192.0.2.2/24
#       fd00:1::1/64                   fd00:1::2/64           fd00:2::1/64            fd00:2::2/64
#   default via the gateway        mangle PREROUTING -i wg0: TPROXY to P          lo 203.0.113.5/32
#                                  fwmark 0x5746 -> table 100: local default        2001:db8:5::5/128
#                                  weir-core-testdriver: tcp+udp, v4+v6 on P        netns_peer.py serve
#
# The client talks to 203.0.113.5 / 2001:db8:5::5; the gateway intercepts, the core relays from its
# own address. Later the gateway's own traffic is intercepted too (mangle OUTPUT mark, back through
# lo into PREROUTING), and a session cap of 1 is checked with a second driver. The server answers with the address it was reached on; the client must see UDP
# answers come from the address it sent to. 198.51.100.9 is not in the source filter: refused.
#
# Usage: netns_tproxy.sh /path/to/weir-core-testdriver
set -euo pipefail

DRIVER=${1:-}
HERE=$(cd "$(dirname "$0")" && pwd)
PEER="$HERE/netns_peer.py"
MARK=0x5745   # the core's SO_MARK
TMARK=0x5746  # the TPROXY mark routed to the local table
PORT=41080
SERVER4=203.0.113.5
SERVER6=2001:db8:5::5
C=weir-test-tp-c-$$
G=weir-test-tp-g-$$
S=weir-test-tp-s-$$
NAMESPACES=("$C" "$G" "$S")
WORK_PREFIX=weir-test-tproxy
# shellcheck source=netnslib.sh
source "$(dirname "$0")/netnslib.sh"
require_tools ip iptables-legacy ip6tables-legacy python3

in_c() { ip netns exec "$C" "$@"; }
in_g() { ip netns exec "$G" "$@"; }
in_s() { ip netns exec "$S" "$@"; }

# --- topology ------------------------------------------------------------------------------------
for ns in "$C" "$G" "$S"; do
    ip netns add "$ns" || fail "ip netns add $ns"
    ip -n "$ns" link set lo up
done
ip link add wc0 netns "$C" type veth peer name wg0 netns "$G" || fail "cannot create veth pair C-G"
ip link add wg1 netns "$G" type veth peer name ws1 netns "$S" || fail "cannot create veth pair G-S"
ip -n "$C" addr add 198.51.100.1/24 dev wc0
ip -n "$C" addr add 198.51.100.9/24 dev wc0
ip -n "$C" addr add fd00:1::1/64 dev wc0 nodad
ip -n "$G" addr add 198.51.100.2/24 dev wg0
ip -n "$G" addr add fd00:1::2/64 dev wg0 nodad
ip -n "$G" addr add 192.0.2.1/24 dev wg1
ip -n "$G" addr add fd00:2::1/64 dev wg1 nodad
ip -n "$S" addr add 192.0.2.2/24 dev ws1
ip -n "$S" addr add fd00:2::2/64 dev ws1 nodad
ip -n "$S" addr add "$SERVER4"/32 dev lo
ip -n "$S" addr add "$SERVER6"/128 dev lo nodad
ip -n "$C" link set wc0 up
ip -n "$G" link set wg0 up
ip -n "$G" link set wg1 up
ip -n "$S" link set ws1 up
ip -n "$C" route add default via 198.51.100.2
ip -n "$C" -6 route add default via fd00:1::2
ip -n "$S" route add default via 192.0.2.1
ip -n "$S" -6 route add default via fd00:2::1
ip -n "$G" route add 203.0.113.0/24 via 192.0.2.2
ip -n "$G" -6 route add 2001:db8:5::/64 via fd00:2::2
in_g sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1 net.ipv4.conf.all.rp_filter=0 \
    net.ipv4.conf.wg0.rp_filter=0

# --- server ---------------------------------------------------------------------------------------
ip netns exec "$S" python3 "$PEER" serve "$SERVER4" 8080 "$SERVER4" 5353 "$SERVER6" 8080 "$SERVER6" 5353 \
    "$SERVER6" 8081 >"$WORK/server.out" 2>"$WORK/server.err" &
SERVER_PID=$!
for _ in $(seq 100); do
    grep -q '^ready' "$WORK/server.out" && break
    kill -0 "$SERVER_PID" 2>/dev/null || fail "server exited"
    sleep 0.05
done
# Reachable without interception (routing is right).
in_c python3 "$PEER" client "tcp,$SERVER4,8080" "tcp,$SERVER6,8080" >"$WORK/direct"
grep -q '^error' "$WORK/direct" && fail "server not reachable without interception: $(cat "$WORK/direct")"

# --- core and rules on the gateway ----------------------------------------------------------------
# Starts the core on the gateway with the given options; sets DRIVER_PID.
start_driver() {
    : >"$WORK/driver.out"
    SNAPSHOT_SEQ=0
    ip netns exec "$G" "$DRIVER" "$@" >"$WORK/driver.out" 2>"$WORK/driver.err" &
    DRIVER_PID=$!
    for _ in $(seq 100); do
        grep -q '^listening ' "$WORK/driver.out" && break
        kill -0 "$DRIVER_PID" 2>/dev/null || fail "driver exited"
        sleep 0.05
    done
    grep -q '^listening ' "$WORK/driver.out" || fail "driver did not start"
}

stop_driver() {
    kill "$DRIVER_PID"
    wait "$DRIVER_PID" || fail "driver exited with an error"
    DRIVER_PID=
}

start_driver --mark "$MARK" --udp-idle-ms 3000 \
    --listener tcp,0.0.0.0,$PORT,transparent --listener udp,0.0.0.0,$PORT,transparent \
    --listener tcp,::,$PORT,transparent --listener udp,::,$PORT,transparent \
    --allow 198.51.100.1/32 --allow fd00:1::/64
[ "$(grep -c '^listener ' "$WORK/driver.out")" = 4 ] || fail "expected four listeners"

for ipt in iptables-legacy ip6tables-legacy; do
    if [ "$ipt" = iptables-legacy ]; then dst=203.0.113.0/24; v=-4; else dst=2001:db8:5::/64; v=-6; fi
    for proto in tcp udp; do
        in_g "$ipt" -t mangle -A PREROUTING -i wg0 -p "$proto" -d "$dst" \
            -j TPROXY --on-port "$PORT" --tproxy-mark "$TMARK"
    done
    ip -n "$G" "$v" rule add fwmark "$TMARK" lookup 100
    ip -n "$G" "$v" route add local default dev lo table 100
done
# REDIRECT on the gateway itself (its own IPv6 connections to port 8081); the core's own are marked.
in_g ip6tables-legacy -t nat -A OUTPUT -p tcp -d "$SERVER6" --dport 8081 -m mark --mark "$MARK" -j RETURN
in_g ip6tables-legacy -t nat -A OUTPUT -p tcp -d "$SERVER6" --dport 8081 -j REDIRECT --to-ports "$PORT"

# Asks the driver for a snapshot; leaves its records in $WORK/records.
snapshot() { driver_snapshot "$WORK/driver.out"; }

# Snapshots until every pattern matches a record (up to ~5 s); leaves them in $WORK/records.
# wait_records PATTERN...
wait_records() {
    local pattern missing
    for _ in $(seq 50); do
        snapshot
        missing=
        for pattern in "$@"; do
            grep -Eq "$pattern" "$WORK/records" || { missing=$pattern; break; }
        done
        [ -z "$missing" ] && return 0
        sleep 0.1
    done
    fail "no record matching '$missing' in: $(cat "$WORK/records")"
}

expect() { # what got pattern
    grep -Eq "$3" <<<"$2" || fail "$1: expected /$3/, got: $2"
    echo "ok: $1: $2"
}

# --- through the gateway: TCP and UDP over TPROXY, and sources outside the filter ----------------
# One python process for all, answers in order (interpreter start-up is slow on a busy machine).
in_c python3 "$PEER" client "tcp,$SERVER4,8080" "tcp,$SERVER6,8080" "udp2,$SERVER4,5353" "udp2,$SERVER6,5353" \
    "tcp,$SERVER4,8080,198.51.100.9" "udp,$SERVER4,5353,198.51.100.9" >"$WORK/answers"
mapfile -t answers <"$WORK/answers"
expect "tcp v4 answer" "${answers[0]}" "^ok tcp $SERVER4:8080 192\.0\.2\.1:[0-9]+$"
expect "tcp v6 answer" "${answers[1]}" "^ok tcp \[$SERVER6\]:8080 \[fd00:2::1\]:[0-9]+$"
# UDP answers come from the original destination (the second datagram of each flow reaches the
# core on the session's reply socket, which TPROXY's established-socket lookup finds).
expect "udp v4 answer" "${answers[2]}" "^ok udp $SERVER4:5353 192\.0\.2\.1:[0-9]+ 5 from $SERVER4:5353$"
expect "udp v6 answer" "${answers[3]}" "^ok udp \[$SERVER6\]:5353 \[fd00:2::1\]:[0-9]+ 5 from \[$SERVER6\]:5353$"
expect "tcp refused" "${answers[4]}" "^error "
expect "udp refused" "${answers[5]}" "^error "

TCP4="proto=tcp mode=tproxy src=198\.51\.100\.1:[0-9]+ dst=$SERVER4:8080 state=closed .* reason=eof$"
TCP6="proto=tcp mode=tproxy src=\[fd00:1::1\]:[0-9]+ dst=\[$SERVER6\]:8080 state=closed .* reason=eof$"
UDP4="proto=udp mode=tproxy src=198\.51\.100\.1:[0-9]+ dst=$SERVER4:5353 state=established sent=10 received=[1-9]"
UDP6="proto=udp mode=tproxy src=\[fd00:1::1\]:[0-9]+ dst=\[$SERVER6\]:5353 state=established sent=10 received=[1-9]"
NOTCP="proto=tcp mode=tproxy src=198\.51\.100\.9:[0-9]+ dst=$SERVER4:8080 state=failed .* reason=source not allowed: 198\.51\.100\.9$"
NOUDP="proto=udp .* src=198\.51\.100\.9:[0-9]+ .* state=failed .* reason=source not allowed: 198\.51\.100\.9$"
wait_records "$TCP4" "$TCP6" "$UDP4" "$UDP6" "$NOTCP" "$NOUDP"
cat "$WORK/records"
[ "$(wc -l <"$WORK/records")" = 6 ] || fail "expected six records"
echo "ok: records show original destinations, protocols, modes and refusals"

# --- REDIRECT (IPv6, nat OUTPUT) into the same transparent listener: mode per connection -----------
in_g python3 "$PEER" client "tcp,$SERVER6,8081" >"$WORK/answers"
expect "redirect v6 answer" "$(cat "$WORK/answers")" "^ok tcp \[$SERVER6\]:8081 "
wait_records "proto=tcp mode=redirect src=\[[0-9a-f:]+\]:[0-9]+ dst=\[$SERVER6\]:8081 state=closed .* reason=eof$"
echo "ok: redirected IPv6 connection recorded with mode redirect"

# --- the gateway's own traffic (scope "local"): marked in mangle OUTPUT, rerouted through lo -------
# The core's own sockets carry $MARK and are let through first.
for ipt in iptables-legacy ip6tables-legacy; do
    if [ "$ipt" = iptables-legacy ]; then dst=203.0.113.0/24; else dst=2001:db8:5::/64; fi
    in_g "$ipt" -t mangle -A OUTPUT -m mark --mark "$MARK" -j RETURN
    in_g "$ipt" -t mangle -A OUTPUT -p tcp -d "$dst" --dport 8080 -j MARK --set-mark "$TMARK"
    in_g "$ipt" -t mangle -A OUTPUT -p udp -d "$dst" --dport 5353 -j MARK --set-mark "$TMARK"
    for proto in tcp udp; do
        in_g "$ipt" -t mangle -A PREROUTING -i lo -p "$proto" -d "$dst" \
            -j TPROXY --on-port "$PORT" --tproxy-mark "$TMARK"
    done
done
in_g python3 "$PEER" client "tcp,$SERVER4,8080" "tcp,$SERVER6,8080" "udp2,$SERVER4,5353" "udp2,$SERVER6,5353" \
    >"$WORK/answers"
mapfile -t answers <"$WORK/answers"
expect "local tcp v4 answer" "${answers[0]}" "^ok tcp $SERVER4:8080 192\.0\.2\.1:[0-9]+$"
expect "local tcp v6 answer" "${answers[1]}" "^ok tcp \[$SERVER6\]:8080 \[fd00:2::1\]:[0-9]+$"
expect "local udp v4 answer" "${answers[2]}" "^ok udp $SERVER4:5353 192\.0\.2\.1:[0-9]+ 5 from $SERVER4:5353$"
expect "local udp v6 answer" "${answers[3]}" "^ok udp \[$SERVER6\]:5353 \[fd00:2::1\]:[0-9]+ 5 from \[$SERVER6\]:5353$"
wait_records "proto=tcp mode=tproxy src=192\.0\.2\.1:[0-9]+ dst=$SERVER4:8080 state=closed .* reason=eof$" \
    "proto=tcp mode=tproxy src=\[fd00:2::1\]:[0-9]+ dst=\[$SERVER6\]:8080 state=closed .* reason=eof$" \
    "proto=udp mode=tproxy src=192\.0\.2\.1:[0-9]+ dst=$SERVER4:5353 state=established sent=10 received=[1-9]" \
    "proto=udp mode=tproxy src=\[fd00:2::1\]:[0-9]+ dst=\[$SERVER6\]:5353 state=established sent=10 received=[1-9]"
echo "ok: the gateway's own TCP and UDP (IPv4, IPv6) through TPROXY, allowed as local sources"

# --- idle UDP sessions close (--udp-idle-ms 3000) -------------------------------------------------
wait_records "proto=udp .* dst=$SERVER4:5353 state=closed .* reason=idle timeout$" \
    "proto=udp .* dst=\[$SERVER6\]:5353 state=closed .* reason=idle timeout$"
echo "ok: udp sessions closed after the idle timeout"

stop_driver

# --- loops: without the mark the core's own sockets are intercepted again, and refused -------------
start_driver --mark 0 --listener tcp,0.0.0.0,$PORT,transparent --listener udp,0.0.0.0,$PORT,transparent
in_g python3 "$PEER" client "tcp,$SERVER4,8080,192.0.2.1" "udp,$SERVER4,5353,192.0.2.1" >"$WORK/answers"
mapfile -t answers <"$WORK/answers"
expect "looped tcp" "${answers[0]}" "^error "
expect "looped udp" "${answers[1]}" "^error "
wait_records "^id=1 proto=tcp .* dst=$SERVER4:8080 state=failed .* reason=loop: own connection intercepted again$" \
    "^id=2 proto=tcp .* dst=$SERVER4:8080 state=failed .* reason=loop: connection from the proxy itself$" \
    "^id=3 proto=udp .* dst=$SERVER4:5353 state=failed .* reason=loop: own connection intercepted again$" \
    "^id=4 proto=udp .* dst=$SERVER4:5353 state=failed .* reason=loop: connection from the proxy itself$"
cat "$WORK/records"
[ "$(wc -l <"$WORK/records")" = 4 ] || fail "expected four records (no further hops)"
echo "ok: looped TCP and UDP refused, no further hops"
stop_driver

# --- session cap: with --max-udp 1 a second flow closes the least recently active one -------------
start_driver --mark "$MARK" --max-udp 1 --listener udp,0.0.0.0,$PORT,transparent \
    --listener udp,::,$PORT,transparent --allow 198.51.100.1/32 --allow fd00:1::/64
in_c python3 "$PEER" client "udp,$SERVER4,5353" "udp,$SERVER6,5353" >"$WORK/answers"
grep -q '^error' "$WORK/answers" && fail "UDP with a session cap failed: $(cat "$WORK/answers")"
wait_records "^id=1 proto=udp .* dst=$SERVER4:5353 state=closed .* reason=session limit$" \
    "^id=2 proto=udp .* dst=\[$SERVER6\]:5353 state=established "
echo "ok: the session cap closes the least recently active flow"
stop_driver
echo "PASS"
