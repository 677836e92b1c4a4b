#!/usr/bin/env bash
# End to end, REDIRECT: weirctl enable in a network namespace, a real curl to a real HTTP server in a
# second namespace is intercepted, relayed and listed with its recovered destination; weirctl disable
# restores the nat table byte for byte; a killed helper's rules are removed at the next start.
set -euo pipefail
source "$(dirname "$0")/lib.sh" "$@"
trap weir_it_cleanup EXIT
TOOLS=$(cd "$(dirname "$0")/tools" && pwd)
if [ -x /usr/bin/python3 ]; then PY=/usr/bin/python3; else PY=$(command -v python3); fi

weir_it_make_netns
weir_it_start_server
# A body sent at a fixed pace, so the connection lasts long enough for the helper to find its
# program (curl's --limit-rate does not: socket buffers take a small body at once, and a sanitized
# helper then misses a connection that ended 14 ms after it began).
ip netns exec "$NS_SERVER" "$PY" "$TOOLS/paced_server.py" "$SERVER_IP" 8081 >"$WEIR_IT_DIR/paced.out" 2>"$WEIR_IT_DIR/paced.log" &
weir_it_track $!
for _ in $(seq 50); do
    grep -q ready "$WEIR_IT_DIR/paced.out" 2>/dev/null && break
    sleep 0.1
done
grep -q ready "$WEIR_IT_DIR/paced.out" || fail "the paced server did not start: $(cat "$WEIR_IT_DIR/paced.log")"
weir_it_start_bus

# No helper yet: a clear message and exit code 3.
ctl_as "" status && true
[ "$CTL_RC" = 3 ] || fail "weirctl status without a helper exited $CTL_RC, expected 3"
grep -q "helper is not available" "$WEIR_IT_DIR/ctl.err" || fail "unclear message: $(cat "$WEIR_IT_DIR/ctl.err")"
pass "weirctl without a helper: exit 3, '$(head -c 80 "$WEIR_IT_DIR/ctl.err")...'"

before=$(nat_rules)
weir_it_start_helper
status=$("$WEIRCTL" status --json)
[ "$(echo "$status" | json_get 'd["enabled"]')" = False ] || fail "interception is on at start: $status"
[ "$(echo "$status" | json_get 'd["mode"]')" = redirect ] || fail "mode: $status"
pass "helper up, interception off at start"

"$WEIRCTL" enable
[ "$("$WEIRCTL" status --json | json_get 'd["enabled"]')" = True ] || fail "status does not say enabled"
nat_rules | grep -q -- '-A OUTPUT -p tcp -m comment --comment weir -j WEIR_OUTPUT' || fail "no jump rule: $(nat_rules)"
nat_rules | grep -q -- '-j REDIRECT --to-ports 41080' || fail "no REDIRECT rule: $(nat_rules)"
pass "enable installed the WEIR_OUTPUT chain"

# A real client through the interception: 256 KiB sent at 512 KiB/s, so it lasts half a second.
ip netns exec "$NS_CLIENT" curl -sS --max-time 10 -o "$WEIR_IT_DIR/got" "http://$SERVER_IP:8081/?bytes=262144&rate=524288"
[ "$(stat -c %s "$WEIR_IT_DIR/got")" = 262144 ] && cmp -s -n 262144 "$WEIR_IT_DIR/got" /dev/zero ||
    fail "the body relayed through Weir differs"
pass "curl through the interception got all 262144 bytes intact"

conns=
for _ in $(seq 50); do
    conns=$("$WEIRCTL" connections --json)
    [ "$(echo "$conns" | json_get '[c["state"] for c in d]')" = "['closed']" ] && break
    sleep 0.1
done
echo "$conns"
[ "$(echo "$conns" | json_get 'len(d)')" = 1 ] || fail "expected exactly one connection (a second one means the core's own connection was intercepted again)"
[ "$(echo "$conns" | json_get 'd[0]["destination"]')" = "$SERVER_IP:8081" ] || fail "wrong recovered destination"
[ "$(echo "$conns" | json_get 'd[0]["source"].split(":")[0]')" = "$CLIENT_IP" ] || fail "wrong source"
[ "$(echo "$conns" | json_get 'd[0]["protocol"]')" = tcp ] || fail "wrong protocol"
[ "$(echo "$conns" | json_get 'd[0]["mode"]')" = redirect ] || fail "wrong mode"
[ "$(echo "$conns" | json_get 'd[0]["state"]')" = closed ] || fail "the connection is not closed after curl ended"
[ "$(echo "$conns" | json_get 'd[0]["bytes_received"] > 262144')" = True ] || fail "bytes_received too small"
[ "$(echo "$conns" | json_get 'd[0]["bytes_sent"] > 50')" = True ] || fail "bytes_sent too small"
pass "connection listed: destination $SERVER_IP:8081, bytes counted, state closed"
[ "$(echo "$conns" | json_get 'd[0]["host"]')" = "$SERVER_IP" ] || fail "host: $(echo "$conns" | json_get 'd[0]["host"]')"
[ "$(echo "$conns" | json_get '(d[0]["process"], d[0]["user"], d[0]["uid"], d[0]["pid"] > 1, d[0]["exe"].endswith("/curl"))')" \
    = "('curl', 'root', 0, True, True)" ] || fail "the program is not curl: $conns"
pass "connection shows its host ($SERVER_IP) and its program (curl, root)"
status=$("$WEIRCTL" status --json)
[ "$(echo "$status" | json_get '(d["active_connections"], d["total_connections"])')" = "(0, 1)" ] \
    || fail "GetStatus counts (open, listed) are not (0, 1): $status"
pass "GetStatus counts the table: 0 open, 1 listed"

# The core's own upstream connection went out marked and hit the RETURN rule, not the REDIRECT.
counters=$(ip netns exec "$NS_CLIENT" iptables-legacy -t nat -L WEIR_OUTPUT -v -n -x)
echo "$counters"
mark_hits=$(echo "$counters" | awk '/RETURN/ && /mark match/ {print $1}')
redirect_hits=$(echo "$counters" | awk '/REDIRECT/ {print $1}')
[ "${mark_hits:-0}" -ge 1 ] || fail "the core's own connection did not hit the mark RETURN rule"
[ "${redirect_hits:-0}" -eq 1 ] || fail "REDIRECT matched $redirect_hits packets, expected exactly the one SYN of curl"
grep -q "^$CLIENT_IP .*GET /?bytes=262144" "$WEIR_IT_DIR/paced.log" || fail "the server did not see the request from $CLIENT_IP: $(cat "$WEIR_IT_DIR/paced.log")"
pass "no loop: mark RETURN hit $mark_hits time(s), REDIRECT exactly once"

# The host each client asked for, through the real helper: a TLS server name and an HTTP Host.
openssl req -x509 -newkey rsa:2048 -nodes -subj /CN=tls.weir.test -days 1 \
    -keyout "$WEIR_IT_DIR/key.pem" -out "$WEIR_IT_DIR/cert.pem" >/dev/null 2>&1 || fail "cannot make a test certificate"
ip netns exec "$NS_SERVER" openssl s_server -accept "$SERVER_IP:8443" -cert "$WEIR_IT_DIR/cert.pem" \
    -key "$WEIR_IT_DIR/key.pem" -naccept 1 -quiet >/dev/null 2>&1 </dev/null &
TLS_PID=$!
for _ in $(seq 100); do
    [ -n "$(ip netns exec "$NS_SERVER" ss -Hltn "sport = :8443")" ] && break # a probe would use its one accept
    sleep 0.1
done
echo Q | ip netns exec "$NS_CLIENT" timeout 10 openssl s_client -connect "$SERVER_IP:8443" \
    -servername tls.weir.test >/dev/null 2>&1 || true
wait "$TLS_PID" 2>/dev/null || true
ip netns exec "$NS_CLIENT" curl -sS --max-time 10 -o /dev/null -H "Host: Web.Weir.Test:8080" \
    "http://$SERVER_IP:8080/blob" || fail "curl with a Host header failed"
hosts=
for _ in $(seq 50); do
    hosts=$("$WEIRCTL" connections --json | json_get 'sorted((c["destination"].rsplit(":", 1)[1], c["host"]) for c in d[1:])')
    [ "$hosts" = "[('8080', 'web.weir.test'), ('8443', 'tls.weir.test')]" ] && break
    sleep 0.1
done
[ "$hosts" = "[('8080', 'web.weir.test'), ('8443', 'tls.weir.test')]" ] || fail "hosts (port, host): $hosts"
pass "the host column: tls.weir.test from the TLS client hello, web.weir.test from the HTTP Host"

"$WEIRCTL" disable
[ "$(nat_rules)" = "$before" ] || fail "disable did not restore the nat table: $(diff <(echo "$before") <(nat_rules))"
! ip netns exec "$NS_CLIENT" iptables-legacy-save | grep -q WEIR_ || fail "WEIR_ left after disable"
ip netns exec "$NS_CLIENT" curl -sS --max-time 10 -o /dev/null "http://$SERVER_IP:8080/blob"
[ "$("$WEIRCTL" connections --json | json_get 'len(d)')" = 3 ] || fail "traffic was intercepted after disable"
pass "disable restored the nat table byte for byte; traffic goes direct"

# One helper per namespace: a second one refuses to start and leaves the first one's rules alone.
"$WEIRCTL" enable
rules_on=$(nat_rules)
set +e
second=$(ip netns exec "$NS_CLIENT" timeout 20 "$WEIR_HELPER" 2>&1)
second_rc=$?
set -e
[ "$second_rc" = 1 ] || fail "a second helper exited $second_rc: $second"
echo "$second" | grep -q "another weir-helper (pid $HELPER_PID) is running" || fail "unclear refusal: $second"
[ "$(nat_rules)" = "$rules_on" ] || fail "the second helper touched the first one's rules"
pass "second helper refused: $second"

# A helper killed with -9 cannot remove its rules; its guardian does, so nothing stays blackholed.
kill -9 "$HELPER_PID"
wait "$HELPER_PID" 2>/dev/null || true
HELPER_PID=
for _ in $(seq 50); do
    [ "$(nat_rules)" = "$before" ] && break
    sleep 0.1
done
[ "$(nat_rules)" = "$before" ] || fail "rules outlived the killed helper: $(nat_rules)"
ip netns exec "$NS_CLIENT" curl -sS --max-time 10 -o /dev/null "http://$SERVER_IP:8080/blob" ||
    fail "traffic blackholed after the helper was killed"
pass "kill -9: the guardian removed the rules, traffic flows directly"

# Leftovers found at start (e.g. the guardian was killed too) are removed before serving.
ip netns exec "$NS_CLIENT" iptables-legacy -t nat -N WEIR_OUTPUT
ip netns exec "$NS_CLIENT" iptables-legacy -t nat -A WEIR_OUTPUT -p tcp -j REDIRECT --to-ports 41080
ip netns exec "$NS_CLIENT" iptables-legacy -t nat -A OUTPUT -p tcp -m comment --comment weir -j WEIR_OUTPUT
# Only the cleanup here: without this the helper would turn interception back on, as it was last
# enabled (integration_restore tests that).
rm -f "$WEIR_STATE_DIR/last-choice"
weir_it_start_helper
[ "$(nat_rules)" = "$before" ] || fail "the starting helper did not remove the leftovers"
grep -q "removed .* leftover" "$WEIR_IT_DIR/helper.log" || fail "the helper did not say it removed leftovers"
pass "leftovers removed at start"

# And weir-helper --cleanup on its own.
"$WEIRCTL" enable
weir_it_stop_helper
[ "$(nat_rules)" = "$before" ] || fail "SIGTERM did not remove the rules"
ip netns exec "$NS_CLIENT" iptables-legacy -t nat -N WEIR_STRAY
ip netns exec "$NS_CLIENT" iptables-legacy -t nat -A OUTPUT -p tcp -j WEIR_STRAY
out=$(ip netns exec "$NS_CLIENT" "$WEIR_HELPER" --cleanup)
echo "$out"
[ "$(nat_rules)" = "$before" ] || fail "--cleanup left rules: $(nat_rules)"
pass "SIGTERM removes the rules; --cleanup removes stray WEIR_ chains"
echo "e2e_redirect: all checks passed"
