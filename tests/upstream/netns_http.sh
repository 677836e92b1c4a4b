#!/bin/bash
# End-to-end: intercepted connections go on through a real HTTP CONNECT proxy (tinyproxy), without
# and with Basic authentication, a wrong password (407) and a refused destination (HTTP error), and
# a bulk transfer both ways checked by SHA-256. Topology: upstreamlib.sh.
#
# Usage: netns_http.sh /path/to/weir-core-testdriver [MiB per transfer, default 16]
set -euo pipefail

DRIVER=${1:-}
MIB=${2:-16}
WORK_PREFIX=weir-test-http
# shellcheck source=upstreamlib.sh
source "$(dirname "$0")/upstreamlib.sh"
require_tools ip iptables-legacy ip6tables-legacy python3 tinyproxy
setup_topology

# tinyproxy_conf PORT [BasicAuth line]
tinyproxy_conf() {
    cat <<CONF
Port $1
Listen $PROXY4
Timeout 60
MaxClients 50
Allow 198.51.100.0/24
ConnectPort $SERVER_PORT
ConnectPort 9001
LogLevel Info
$2
CONF
}

# --- 1. no authentication ---------------------------------------------------------------------
tinyproxy_conf 3128 "" >"$WORK/tinyproxy.conf"
start_proxy tinyproxy tinyproxy -d -c "$WORK/tinyproxy.conf"
wait_listening "$PX" "$PROXY4" 3128 "$PROXY_PID" tinyproxy
start_driver plain --upstream "http://$PROXY4:3128"
expect_ping "$SERVER4" '192\.0\.2\.1:[0-9]+'
expect_ping "$SERVER6" '\[fd00:52::1\]:[0-9]+'
transfer down "$SERVER4" "$MIB"
transfer up "$SERVER4" "$MIB"
SERVER_PORT=9001 expect_refused "$SERVER4" 5
settled_snapshot
cat "$WORK/records"
[ "$(wc -l <"$WORK/records")" = 5 ] || fail "expected 5 records"
[ "$(grep -c ' via=http_198\.51\.100\.2:3128 reason=eof$' "$WORK/records")" = 4 ] \
    || fail "not every relayed connection went via http and ended with eof"
grep -q "^id=5 .* dst=$SERVER4:9001 state=failed .* reason=upstream refused: HTTP 5[0-9][0-9] .*" \
    "$WORK/records" || fail "refused destination not reported: $(record 5)"
grep -q 'failing=0' "$WORK/health" || fail "a refused destination marked the proxy failing: $(cat "$WORK/health")"
stop_driver
stop_proxy

# --- 2. Basic authentication --------------------------------------------------------------------
tinyproxy_conf 3129 "BasicAuth weir s3cret" >"$WORK/tinyproxy-auth.conf"
start_proxy tinyproxy-auth tinyproxy -d -c "$WORK/tinyproxy-auth.conf"
wait_listening "$PX" "$PROXY4" 3129 "$PROXY_PID" tinyproxy
start_driver auth --upstream "http://weir:s3cret@$PROXY4:3129"
expect_ping "$SERVER4" '192\.0\.2\.1:[0-9]+'
transfer down "$SERVER4" "$MIB"
stop_driver
start_driver wrongpass --upstream "http://weir:wrong@$PROXY4:3129"
expect_refused "$SERVER4" 2
settled_snapshot
cat "$WORK/records"
grep -q "^id=1 .* state=failed .* via=http_198\.51\.100\.2:3129 reason=upstream authentication failed$" \
    "$WORK/records" || fail "wrong password not reported: $(cat "$WORK/records")"
stop_driver
stop_proxy

echo "PASS"
