#!/bin/bash
# End-to-end: how the core fails through a broken upstream. Nothing listening (refused at once,
# then marked failing and failing fast, then recovering when a real proxy appears), a silent one
# (timeouts, then fast failure within a second), one that closes mid-handshake and one that
# answers garbage (python3 fake proxies). Topology: upstreamlib.sh.
#
# Usage: netns_failures.sh /path/to/weir-core-testdriver
set -euo pipefail

DRIVER=${1:-}
WORK_PREFIX=weir-test-upfail
# shellcheck source=upstreamlib.sh
source "$(dirname "$0")/upstreamlib.sh"
require_tools ip iptables-legacy ip6tables-legacy python3 microsocks
setup_topology

health_is() { # failing-0-or-1 [reason regex]
    snapshot
    grep -q "failing=$1" "$WORK/health" || fail "expected failing=$1: $(cat "$WORK/health")"
    [ -z "${2:-}" ] || grep -Eq "reason=$2" "$WORK/health" || fail "health reason: $(cat "$WORK/health")"
}

# --- 1. Nothing listening: refused, then failing (fast), then back -----------------------------
start_driver down --upstream "socks5://$PROXY4:1090"
expect_refused "$SERVER4" 1
expect_refused "$SERVER4" 1
health_is 1 "socks5 198\.51\.100\.2:1090: upstream refused$"
# A burst within the probe interval: at most one of them is the probe, the rest fail fast.
in_ns python3 "$PEER" burst "$SERVER4" "$SERVER_PORT" 4 >"$WORK/burst"
cat "$WORK/burst"
[ "$(grep -c '^error ' "$WORK/burst")" = 4 ] || fail "a connection got through a dead upstream"
settled_snapshot
cat "$WORK/records"
grep -q "^id=1 .* state=failed .* reason=upstream refused$" "$WORK/records" || fail "first refusal: $(record 1)"
[ "$(grep -c "state=failed .* reason=upstream down: upstream refused$" "$WORK/records")" -ge 3 ] \
    || fail "no fast failure while down"
start_proxy microsocks microsocks -i "$PROXY4" -p 1090
wait_listening "$PX" "$PROXY4" 1090 "$PROXY_PID" microsocks
sleep 1.1 # the next probe is due
expect_ping "$SERVER4" '192\.0\.2\.1:[0-9]+'
health_is 0
expect_ping "$SERVER4" '192\.0\.2\.1:[0-9]+'
stop_driver
stop_proxy

# --- 2. A proxy that accepts and never answers: timeouts, then fast failure ----------------------
start_proxy silent python3 "$PEER" fakeproxy silent "$PROXY4" 1091
wait_listening "$PX" "$PROXY4" 1091 "$PROXY_PID" "silent proxy"
start_driver silent --upstream "socks5://$PROXY4:1091" --connect-timeout-ms 1500
in_ns python3 "$PEER" ping "$SERVER4" "$SERVER_PORT" 10 >"$WORK/ping-a" &
pa=$!
in_ns python3 "$PEER" ping "$SERVER4" "$SERVER_PORT" 10 >"$WORK/ping-b" &
pb=$!
wait $pa $pb || true
cat "$WORK/ping-a" "$WORK/ping-b"
grep -q '^error ' "$WORK/ping-a" && grep -q '^error ' "$WORK/ping-b" || fail "a silent proxy let a connection through"
health_is 1 "socks5 198\.51\.100\.2:1091: upstream timeout$"
in_ns python3 "$PEER" burst "$SERVER4" "$SERVER_PORT" 3 >"$WORK/burst"
cat "$WORK/burst"
[ "$(grep -c '^error ' "$WORK/burst")" = 3 ] || fail "a connection got through a silent upstream"
settled_snapshot
cat "$WORK/records"
[ "$(grep -c 'state=failed .* reason=upstream down: upstream timeout$' "$WORK/records")" -ge 2 ] \
    || fail "no fast failure while the upstream times out"
stop_driver
stop_proxy

# --- 3. A proxy that closes during the handshake -------------------------------------------------
start_proxy close python3 "$PEER" fakeproxy close "$PROXY4" 1092
wait_listening "$PX" "$PROXY4" 1092 "$PROXY_PID" "closing proxy"
for url in "socks5://$PROXY4:1092" "http://$PROXY4:1092"; do
    start_driver close --upstream "$url"
    expect_refused "$SERVER4" 2
    settled_snapshot
    grep -q "^id=1 .* state=failed .* reason=upstream closed during handshake$" "$WORK/records" \
        || fail "$url: $(cat "$WORK/records")"
    stop_driver
done
stop_proxy

# --- 4. A proxy that answers garbage -----------------------------------------------------------
start_proxy garbage python3 "$PEER" fakeproxy garbage "$PROXY4" 1093
wait_listening "$PX" "$PROXY4" 1093 "$PROXY_PID" "garbage proxy"
start_driver garbage --upstream "socks5://$PROXY4:1093"
expect_refused "$SERVER4" 2
settled_snapshot
grep -q "^id=1 .* state=failed .* reason=upstream answered garbage: not a SOCKS5 reply (version 72)$" \
    "$WORK/records" || fail "garbage: $(cat "$WORK/records")"
stop_driver
stop_proxy

echo "PASS"
