#!/usr/bin/env bash
# The upstream and limit settings against the real helper on a private system bus with a real
# polkitd, in a network namespace: an upstream with credentials is stored in the root-only file but
# never shown (GetSettings, weirctl config get, status); the masked URL sent back keeps the stored
# password, and never carries it to another host; bad URLs are refused with InvalidSettings naming
# the key and saying what is wrong; while enabled, an upstream that cannot be set up changes nothing;
# limits and timeouts are applied to the running core, which keeps relaying; status names the
# upstream and its health. (Connections through a SOCKS5 or HTTP upstream are tested in tests/upstream.)
set -euo pipefail
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh" "$@"
trap weir_it_cleanup EXIT

weir_it_make_netns
weir_it_start_bus
weir_it_start_server
weir_it_start_helper

BUSCTL=(busctl --address="$DBUS_SYSTEM_BUS_ADDRESS")
call() { "${BUSCTL[@]}" call -- io.github.weir.Helper1 /io/github/weir/Helper1 io.github.weir.Helper1 "$@"; }
# set_raw ARGS...: SetSettings with these a{sv} arguments; busctl's stderr in RAW_ERR, exit code in RAW_RC.
set_raw() {
    set +e
    RAW_ERR=$(call SetSettings 'a{sv}' "$@" 2>&1 >/dev/null)
    RAW_RC=$?
    set -e
}
settings() { "$WEIRCTL" config get; }
file() { cat "$WEIR_STATE_DIR/settings.conf"; }
SECRET='s3cr@t pa:ss'
SECRET_URL='s3cr%40t%20pa%3Ass'

# --- Defaults: direct, UDP direct, no limit, a thread per core, 10 s to connect, never idle.
defaults=$(settings)
for want in upstream=direct udp_without_upstream=direct max_connections=0 worker_threads=0 \
    connect_timeout=10 tcp_idle_timeout=0; do
    echo "$defaults" | grep -qx "$want" || fail "default $want missing: $defaults"
done
typed=$(call GetSettings)
for want in '"upstream" s "direct"' '"udp_without_upstream" s "direct"' '"max_connections" u 0' \
    '"worker_threads" q 0' '"connect_timeout" q 10' '"tcp_idle_timeout" u 0'; do
    echo "$typed" | grep -qF "$want" || fail "GetSettings lacks $want: $typed"
done
pass "defaults: upstream direct, typed values on the bus"

# --- Credentials: stored root-only, never shown.
"$WEIRCTL" config set "upstream=socks5://alice:$SECRET_URL@192.0.2.10:1080" udp_without_upstream=block >/dev/null
[ "$(stat -c %a "$WEIR_STATE_DIR/settings.conf")" = 600 ] || fail "settings.conf is not 0600"
file | grep -qx "upstream=socks5://alice:$SECRET_URL@192.0.2.10:1080" || fail "the file lacks the password: $(file)"
settings | grep -qx 'upstream=socks5://alice:\*\*\*\*\*\*\*\*@192.0.2.10:1080' || fail "config get: $(settings)"
for shown in "$(settings)" "$(call GetSettings)" "$("$WEIRCTL" config get --json)" "$("$WEIRCTL" status)" \
    "$("$WEIRCTL" status --json)" "$(call GetStatus)"; do
    case "$shown" in
    *s3cr* | *"$SECRET_URL"* | *pa:ss* | *pa%3Ass*) fail "the password is shown: $shown" ;;
    esac
done
"$WEIRCTL" status | grep -qx "Upstream:     socks5 192.0.2.10:1080" || fail "status: $("$WEIRCTL" status)"
[ "$("$WEIRCTL" status --json | json_get 'd["upstream"]')" = "socks5 192.0.2.10:1080" ] || fail "status --json upstream"
[ "$("$WEIRCTL" status --json | json_get 'd["upstream_failing"]')" = False ] || fail "status --json upstream_failing"
pass "credentials: in the 0600 file only; GetSettings, config get, status show ******** / no credentials"

# --- The masked URL sent back keeps the stored password (what the settings dialog does).
masked=$(settings | sed -n 's/^upstream=//p')
call SetSettings 'a{sv}' 2 upstream s "$masked" connect_timeout q 7 >/dev/null
file | grep -qx "upstream=socks5://alice:$SECRET_URL@192.0.2.10:1080" || fail "the masked URL replaced the password: $(file)"
file | grep -qx "connect_timeout=7" || fail "connect_timeout not saved: $(file)"
# ... but never goes with the masked text to another host or user.
call SetSettings 'a{sv}' 1 upstream s "http://alice:********@192.0.2.11:3128" >/dev/null
file | grep -q "s3cr" && fail "the stored password went to another host: $(file)"
file | grep -qx "upstream=http://alice:%2A%2A%2A%2A%2A%2A%2A%2A@192.0.2.11:3128" || fail "another host: $(file)"
weir_it_stop_helper
weir_it_start_helper
settings | grep -qx 'upstream=http://alice:\*\*\*\*\*\*\*\*@192.0.2.11:3128' || fail "after a restart: $(settings)"
pass "masked URL back: the stored password kept; another host does not get it; kept across a restart"

# --- Bad values: InvalidSettings, one line per key saying what is wrong, nothing changed.
before=$(settings)
file_before=$(file)
expect_invalid() { # expect_invalid TEXT ARGS...: refused, and the message holds TEXT
    local text=$1
    shift
    set_raw "$@"
    [ "$RAW_RC" != 0 ] || fail "accepted: $*"
    echo "$RAW_ERR" | grep -qF -- "$text" || fail "no \"$text\" for $*: $RAW_ERR"
}
expect_invalid "upstream: port missing (like socks5://host:1080)" 1 upstream s "socks5://192.0.2.10"
expect_invalid 'upstream: unknown scheme "ftp" (direct, socks5:// or http://)' 1 upstream s "ftp://h:21"
expect_invalid "upstream: port 70000 is out of range (1-65535)" 1 upstream s "http://h:70000"
expect_invalid "upstream: an IPv6 address must be in brackets" 1 upstream s "socks5://2001:db8::1:1080"
expect_invalid "upstream: user name longer than 255 bytes (RFC 1929)" 1 upstream s "socks5://$(head -c 256 /dev/zero | tr '\0' u):p@h:1"
expect_invalid "upstream: must be a string" 1 upstream b true
expect_invalid 'udp_without_upstream: "drop" is not direct or block' 1 udp_without_upstream s drop
expect_invalid "connect_timeout: must be at least 1 second" 1 connect_timeout q 0
expect_invalid "connect_timeout: 301 is too large (at most 300)" 1 connect_timeout q 301
expect_invalid "worker_threads: 1000 is too large (at most 256)" 1 worker_threads q 1000
ctl_as "" config set upstream=socks5://h: tcp_idle_timeout=9999999
[ "$CTL_RC" = 1 ] || fail "config set with a bad upstream exited $CTL_RC"
grep -q "^weirctl: upstream: port missing" "$WEIR_IT_DIR/ctl.err" || fail "weirctl: $(cat "$WEIR_IT_DIR/ctl.err")"
grep -q "^weirctl: tcp_idle_timeout: " "$WEIR_IT_DIR/ctl.err" || fail "weirctl: $(cat "$WEIR_IT_DIR/ctl.err")"
[ "$(settings)" = "$before" ] || fail "a refused SetSettings changed the settings: $(settings)"
[ "$(file)" = "$file_before" ] || fail "a refused SetSettings changed the file"
pass "bad upstream URLs and limits: InvalidSettings with the reason per key, nothing changed"

# --- While enabled: limits reach the running core, which keeps relaying; an upstream that cannot be
# set up is refused at its key and changes nothing.
"$WEIRCTL" config set upstream=direct udp_without_upstream=direct >/dev/null
"$WEIRCTL" enable >/dev/null
fetch() { ip netns exec "$NS_CLIENT" curl -sS --max-time 10 -o "$WEIR_IT_DIR/got" "http://$SERVER_IP:8080/blob"; }
fetch || fail "no transfer through the interception"
"$WEIRCTL" config set worker_threads=1 max_connections=100 connect_timeout=3 tcp_idle_timeout=60 >/dev/null
fetch || fail "no transfer after the limits changed"
cmp -s "$WEIR_IT_DIR/got" "$WEIR_IT_DIR/www/blob" || fail "the transfer after the limits changed is corrupt"
[ "$("$WEIRCTL" connections --json | json_get 'd[-1]["via"]')" = direct ] || fail "connections: via is not direct"
tables=$(netfilter_tables)
before=$(settings)
set_raw 1 upstream s "socks5://no-such-host.invalid:1080"
[ "$RAW_RC" != 0 ] || fail "an upstream that cannot be set up was accepted while enabled"
echo "$RAW_ERR" | grep -q "upstream: upstream socks5 no-such-host.invalid:1080" || fail "unclear: $RAW_ERR"
[ "$(settings)" = "$before" ] || fail "the refused upstream changed the settings"
[ "$(netfilter_tables)" = "$tables" ] || fail "the refused upstream changed the rules"
fetch || fail "no transfer after the refused upstream"
status=$("$WEIRCTL" status)
echo "$status" | grep -qx "Upstream:     direct" || fail "status: $status"
echo "$status" | grep -qx "Health:       ok" || fail "status: $status"

# --- Through a real SOCKS5 upstream with a password (microsocks beside the server), switched while
# enabled; then the upstream goes away: clients are refused at once and the health says why.
MS_PASS='micro pass'
ip netns exec "$NS_SERVER" microsocks -i "$SERVER_IP" -p 1080 -u weir -P "$MS_PASS" \
    >"$WEIR_IT_DIR/microsocks.log" 2>&1 &
MS_PID=$!
weir_it_track "$MS_PID"
for _ in $(seq 100); do
    ip netns exec "$NS_SERVER" bash -c "exec 3<>/dev/tcp/$SERVER_IP/1080" 2>/dev/null && break
    sleep 0.05
done
"$WEIRCTL" config set "upstream=socks5://weir:micro%20pass@$SERVER_IP:1080" >/dev/null
: >"$WEIR_IT_DIR/server.log"
fetch || fail "no transfer through the SOCKS5 upstream"
cmp -s "$WEIR_IT_DIR/got" "$WEIR_IT_DIR/www/blob" || fail "the transfer through SOCKS5 is corrupt"
via=$("$WEIRCTL" connections --json | json_get 'd[-1]["via"]')
[ "$via" = "socks5 $SERVER_IP:1080" ] || fail "connections: via is '$via'"
# The server saw microsocks (its own address), not the client: the bytes went through the proxy.
grep -q "^$SERVER_IP - .*GET /blob" "$WEIR_IT_DIR/server.log" || fail "server did not see the proxy: $(cat "$WEIR_IT_DIR/server.log")"
grep -q "^$CLIENT_IP - " "$WEIR_IT_DIR/server.log" && fail "server saw the client directly: $(cat "$WEIR_IT_DIR/server.log")"
kill "$MS_PID" && wait "$MS_PID" 2>/dev/null || true
start=$(date +%s%N)
fetch 2>/dev/null && fail "a transfer succeeded with the upstream down"
elapsed_ms=$((($(date +%s%N) - start) / 1000000))
[ "$elapsed_ms" -lt 2000 ] || fail "with the upstream down the client waited ${elapsed_ms} ms"
fetch 2>/dev/null || true # a second failure marks the upstream failing
reason=$("$WEIRCTL" connections --json | json_get 'd[-1]["close_reason"] if "close_reason" in d[-1] else d[-1]')
for _ in $(seq 40); do
    "$WEIRCTL" status | grep -q "^Health:       degraded" && break
    sleep 0.1
done
status=$("$WEIRCTL" status)
echo "$status" | grep -q "^Health:       degraded" || fail "status with the upstream down: $status"
echo "$status" | grep -q "failing" || fail "status does not say the upstream is failing: $status"
pass "socks5 upstream: relayed and via=$via; upstream down: refused in ${elapsed_ms} ms ($reason), health degraded"
"$WEIRCTL" config set upstream=direct >/dev/null
fetch || fail "no transfer after going back to direct"

"$WEIRCTL" disable >/dev/null
pass "enabled: limits applied and relaying ($(stat -c %s "$WEIR_IT_DIR/got") bytes), refused upstream: $(echo "$RAW_ERR" | cut -c1-100)"
echo "upstream_settings: all checks passed"
