#!/bin/bash
# End-to-end: intercepted connections go on through real SOCKS5 proxies (microsocks without and
# with RFC 1929 authentication, a wrong password, a refused destination; dante to an IPv6
# destination), with a bulk transfer both ways checked by SHA-256. Topology: upstreamlib.sh.
#
# Usage: netns_socks5.sh /path/to/weir-core-testdriver [MiB per transfer, default 256]
set -euo pipefail

DRIVER=${1:-}
MIB=${2:-256}
WORK_PREFIX=weir-test-socks5
# shellcheck source=upstreamlib.sh
source "$(dirname "$0")/upstreamlib.sh"
require_tools ip iptables-legacy ip6tables-legacy python3 microsocks danted
setup_topology

# --- 1. microsocks, no authentication ---------------------------------------------------------
start_proxy microsocks microsocks -i "$PROXY4" -p 1080
wait_listening "$PX" "$PROXY4" 1080 "$PROXY_PID" microsocks
start_driver plain --upstream "socks5://$PROXY4:1080"
expect_ping "$SERVER4" '192\.0\.2\.1:[0-9]+'
transfer down "$SERVER4" "$MIB"
transfer up "$SERVER4" "$MIB"
SERVER_PORT=9001 expect_refused "$SERVER4" 5
settled_snapshot
cat "$WORK/records"
[ "$(wc -l <"$WORK/records")" = 4 ] || fail "expected 4 records"
[ "$(grep -c ' via=socks5_198\.51\.100\.2:1080 reason=eof$' "$WORK/records")" = 3 ] \
    || fail "not every relayed connection went via socks5 and ended with eof"
grep -q "^id=4 .* dst=$SERVER4:9001 state=failed .* reason=upstream refused: connection refused by destination$" \
    "$WORK/records" || fail "refused destination not reported: $(record 4)"
grep -q 'failing=0' "$WORK/health" || fail "a refused destination marked the proxy failing: $(cat "$WORK/health")"
stop_driver
stop_proxy

# --- 2. microsocks with a user name and password ------------------------------------------------
start_proxy microsocks-auth microsocks -i "$PROXY4" -p 1081 -u weir -P s3cret
wait_listening "$PX" "$PROXY4" 1081 "$PROXY_PID" microsocks
start_driver auth --upstream "socks5://weir:s3cret@$PROXY4:1081"
expect_ping "$SERVER4" '192\.0\.2\.1:[0-9]+'
stop_driver
start_driver noauth --upstream "socks5://$PROXY4:1081"
expect_refused "$SERVER4" 2
settled_snapshot
grep -q "reason=upstream authentication failed: proxy requires a user name and password$" "$WORK/records" \
    || fail "missing credentials not reported: $(cat "$WORK/records")"
stop_driver
start_driver wrongpass --upstream "socks5://weir:wrong@$PROXY4:1081"
expect_refused "$SERVER4" 2
settled_snapshot
cat "$WORK/records"
grep -q "^id=1 .* state=failed .* via=socks5_198\.51\.100\.2:1081 reason=upstream authentication failed$" \
    "$WORK/records" || fail "wrong password not reported: $(cat "$WORK/records")"
stop_driver
stop_proxy

# --- 3. dante, an IPv6 destination (ATYP 4) over an IPv4 link to the proxy ----------------------
cat >"$WORK/danted.conf" <<CONF
logoutput: stderr
internal: $PROXY4 port = 1082
external: wp0
clientmethod: none
socksmethod: none
user.privileged: root
user.unprivileged: nobody
client pass { from: 0/0 to: 0/0 }
socks pass { from: 0/0 to: 0/0 }
CONF
start_proxy danted danted -f "$WORK/danted.conf" -N 1
wait_listening "$PX" "$PROXY4" 1082 "$PROXY_PID" danted
start_driver dante --upstream "socks5://$PROXY4:1082"
expect_ping "$SERVER6" '\[fd00:52::1\]:[0-9]+'
transfer down "$SERVER6" "$MIB"
transfer up "$SERVER6" "$MIB"
settled_snapshot
cat "$WORK/records"
[ "$(grep -c "dst=\[$SERVER6\]:$SERVER_PORT .* via=socks5_198\.51\.100\.2:1082 reason=eof$" "$WORK/records")" = 3 ] \
    || fail "IPv6 connections via dante not all clean"
stop_driver

echo "PASS"
