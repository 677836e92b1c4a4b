#!/usr/bin/env bash
# The settings API against the real helper on a private system bus with a real polkitd, in a network
# namespace: GetSettings defaults and types; weirctl config set persisted across a restart; malformed
# SetSettings calls (busctl) refused with InvalidSettings naming the key, settings and nat/mangle
# tables unchanged; PreviewRules changes nothing; a denied user gets AccessDenied; Mode announced with
# PropertiesChanged; a save that cannot be written changes nothing; a corrupt settings file means
# defaults and a warning; nftables chains at Weir's hooks are reported.
set -euo pipefail
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh" "$@"
trap weir_it_cleanup EXIT

DENY=weirtestdeny
weir_it_make_netns
weir_it_start_bus
weir_test_user "$DENY"
weir_polkit_add_rules "$WEIR_IT_DIR/bus" "50-weir-test.rules" "
polkit.addRule(function(action, subject) {
    if (action.id.indexOf('io.github.weir.') == 0 && subject.user == '$DENY') return polkit.Result.NO;
});"
weir_polkit_wait_rule io.github.weir.control "$DENY" 1
weir_it_start_helper

BUSCTL=(busctl --address="$DBUS_SYSTEM_BUS_ADDRESS")
# set_raw SIGNATURE-AND-ARGS...: SetSettings with exactly these a{sv} arguments (busctl syntax);
# stores busctl's stderr in RAW_ERR and its exit code in RAW_RC.
set_raw() {
    set +e
    RAW_ERR=$("${BUSCTL[@]}" call -- io.github.weir.Helper1 /io/github/weir/Helper1 io.github.weir.Helper1 \
        SetSettings 'a{sv}' "$@" 2>&1 >/dev/null)
    RAW_RC=$?
    set -e
}
settings() { "$WEIRCTL" config get; }

# --- GetSettings: defaults, each key with its documented D-Bus type.
[ ! -e "$WEIR_STATE_DIR/settings.conf" ] || fail "a settings file exists before anything was set"
defaults=$(settings)
echo "$defaults" | grep -qx "mode=redirect" || fail "default mode: $defaults"
echo "$defaults" | grep -qx "proxy_port=41080" || fail "default proxy_port: $defaults"
echo "$defaults" | grep -qx "exclude_uids=" || fail "default exclude_uids: $defaults"
[ "$(echo "$defaults" | wc -l)" = 26 ] || fail "expected 26 keys: $defaults"
typed=$("${BUSCTL[@]}" call io.github.weir.Helper1 /io/github/weir/Helper1 io.github.weir.Helper1 GetSettings)
for want in '"proxy_port" q 41080' '"outgoing_mark" u 22341' '"route_table" u 22341' '"exclude_uids" au 0' \
    '"bypass" as 0' '"udp" b false' '"mode" s "redirect"' '"history_limit" u 1000' \
    '"restore_enabled" b true'; do
    echo "$typed" | grep -qF "$want" || fail "GetSettings lacks $want: $typed"
done
pass "GetSettings: defaults with typed values"

# --- weirctl config set: several keys at once, persisted root-only, kept across a restart.
"$WEIRCTL" config set proxy_port=41234 bypass=192.0.2.0/24,203.0.113.7/32 exclude_uids=1000,1001 >/dev/null
changed=$(settings)
for want in proxy_port=41234 bypass=192.0.2.0/24,203.0.113.7/32 exclude_uids=1000,1001; do
    echo "$changed" | grep -qx "$want" || fail "after config set: no $want in $changed"
done
[ "$(stat -c %a "$WEIR_STATE_DIR/settings.conf")" = 600 ] || fail "settings.conf is not 0600"
[ "$(stat -c %a "$WEIR_STATE_DIR")" = 700 ] || fail "the state directory is not 0700"
[ -z "$(find "$WEIR_STATE_DIR" -name 'settings.conf.*')" ] || fail "a temporary file was left: $(ls -a "$WEIR_STATE_DIR")"
weir_it_stop_helper
weir_it_start_helper
[ "$(settings)" = "$changed" ] || fail "settings lost across a restart: $(settings)"
pass "config set: persisted (0600 file, 0700 directory) and kept across a restart"

# --- Malformed SetSettings while enabled: each refused with InvalidSettings naming the key, and
# neither the settings nor the installed rules change.
"$WEIRCTL" enable >/dev/null
tables=$(netfilter_tables)
echo "$tables" | grep -q WEIR_ || fail "enable installed no rules: $tables"
mapfile -t long_cidrs < <(for i in $(seq 300); do echo "10.$((i / 256)).$((i % 256)).0/24"; done)
mapfile -t long_ids < <(seq 300)
calls=0
# expect_invalid KEY... -- ARGS...: the call fails and every KEY has its own "KEY: why" line.
expect_invalid() {
    local keys=() key
    while [ "$1" != -- ]; do keys+=("$1"); shift; done
    shift
    set_raw "$@"
    calls=$((calls + 1))
    [ "$RAW_RC" != 0 ] || fail "accepted: $*"
    for key in "${keys[@]}"; do
        echo "$RAW_ERR" | grep -Eq "(^|Call failed: )$key: " || fail "no line for $key ($*): $RAW_ERR"
    done
}
expect_invalid proxy_port -- 1 proxy_port s 80
expect_invalid proxy_port -- 1 proxy_port i -1
expect_invalid proxy_port -- 1 proxy_port q 0
expect_invalid proxy_port -- 1 proxy_port u 70000
expect_invalid udp -- 1 udp u 1
expect_invalid udp -- 1 udp b true
expect_invalid frobnicate -- 1 frobnicate b true
expect_invalid bypass -- 1 bypass as 1 10.0.0.0/33
expect_invalid bypass -- 1 bypass as 1 not-a-cidr
expect_invalid bypass -- 1 bypass v s 10.0.0.0/8
expect_invalid bypass -- 1 bypass as 300 "${long_cidrs[@]}"
expect_invalid exclude_uids -- 1 exclude_uids au 300 "${long_ids[@]}"
expect_invalid exclude_uids -- 1 exclude_uids as 1 1000
expect_invalid exclude_uids -- 1 exclude_uids ai 2 1000 -5
expect_invalid mode -- 1 mode s ""
expect_invalid mode -- 1 mode s bogus
expect_invalid gateway_interfaces -- 1 gateway_interfaces as 1 ""
expect_invalid ports -- 1 ports as 1 0
expect_invalid proxy_port udp frobnicate bypass -- 4 proxy_port x -7 udp b true frobnicate s x bypass as 1 1.2.3.4/40
# busctl prints only the message; the error's name is what clients act on. The private bus allows no
# monitor, so gdbus (which prints the name) checks it when it is installed.
if command -v gdbus >/dev/null; then
    for arg in "{'proxy_port': <'80'>}" "{'proxy_port': <int32 -1>}" "{'udp': <uint32 1>}" \
        "{'bypass': <<'10.0.0.0/8'>>}" "{'exclude_uids': <['1000']>}" "{'exclude_uids': <[int32 1000, -5]>}" \
        "{'frobnicate': <true>}" "{'udp': <true>}"; do
        key=$(echo "$arg" | cut -d"'" -f2)
        err=$(gdbus call --address "$DBUS_SYSTEM_BUS_ADDRESS" --dest io.github.weir.Helper1 \
            --object-path /io/github/weir/Helper1 --method io.github.weir.Helper1.SetSettings "$arg" 2>&1 || true)
        echo "$err" | grep -q "GDBus.Error:io.github.weir.Error.InvalidSettings: $key: " || fail "$arg: $err"
        calls=$((calls + 1))
    done
else
    echo "skip: gdbus is not installed, error names of type errors not checked"
fi
[ "$(settings)" = "$changed" ] || fail "a refused SetSettings changed the settings: $(settings)"
[ "$(netfilter_tables)" = "$tables" ] || fail "a refused SetSettings changed the nat/mangle tables"
pass "$calls malformed SetSettings calls: InvalidSettings naming each key, nothing changed"

# weirctl: a value the helper refuses is printed one line per key (exit 1); an unknown key or a value
# that does not parse is refused before the bus (exit 2).
ctl_as "" config set proxy_port=70000 udp=true
[ "$CTL_RC" = 1 ] || fail "config set with bad values exited $CTL_RC"
grep -q "^weirctl: proxy_port: " "$WEIR_IT_DIR/ctl.err" || fail "no proxy_port line: $(cat "$WEIR_IT_DIR/ctl.err")"
grep -q "^weirctl: udp: " "$WEIR_IT_DIR/ctl.err" || fail "no udp line: $(cat "$WEIR_IT_DIR/ctl.err")"
ctl_as "" config set nosuchkey=1
[ "$CTL_RC" = 2 ] || fail "config set with an unknown key exited $CTL_RC"
ctl_as "" config set udp=yes
[ "$CTL_RC" = 2 ] || fail "config set udp=yes exited $CTL_RC"
pass "weirctl config set: per-key errors (exit 1), unknown keys refused locally (exit 2)"

# --- PreviewRules: the rules for changed settings, nothing applied.
preview=$("$WEIRCTL" config preview proxy_port=41999)
echo "$preview" | grep -q 41999 || fail "the preview does not use the changed port: $preview"
ctl_as "" config preview udp=true
if [ "$CTL_RC" != 1 ] || ! grep -q "^weirctl: udp: " "$WEIR_IT_DIR/ctl.err"; then
    fail "invalid preview: $CTL_RC $(cat "$WEIR_IT_DIR/ctl.err")"
fi
[ "$(settings)" = "$changed" ] || fail "PreviewRules changed the settings"
[ "$(netfilter_tables)" = "$tables" ] || fail "PreviewRules changed the tables"
pass "PreviewRules: shows the changed rules, changes nothing"

# --- A user Polkit denies: AccessDenied, nothing changed.
ctl_as "$DENY" config set proxy_port=41235
[ "$CTL_RC" = 4 ] || fail "denied user: config set exited $CTL_RC, expected 4"
# busctl turns the well-known org.freedesktop.DBus.Error.AccessDenied into "Access denied" (EACCES).
err=$(setpriv --reuid="$DENY" --regid="$DENY" --init-groups "${BUSCTL[@]}" call io.github.weir.Helper1 \
    /io/github/weir/Helper1 io.github.weir.Helper1 SetSettings 'a{sv}' 1 mode s tproxy 2>&1 || true)
[ "$err" = "Call failed: Access denied" ] || fail "denied user: $err"
[ "$(settings)" = "$changed" ] || fail "a denied SetSettings changed the settings"
pass "denied user: SetSettings refused with AccessDenied"

# --- While enabled, a change is applied to the running rules; one the engine cannot apply (the new
# port is taken) fails with Failed and its reason, and the old rules, settings and file stay.
"$WEIRCTL" config set proxy_port=41300 >/dev/null
nat_rules | grep -q -- "--to-ports 41300" || fail "the new port is not in the rules: $(nat_rules)"
"$WEIRCTL" config set proxy_port=41234 >/dev/null
[ "$(netfilter_tables)" = "$tables" ] || fail "changing the port back did not restore the rules"
ip netns exec "$NS_CLIENT" python3 -c 'import socket,time; s=socket.socket(); s.bind(("0.0.0.0", 41400)); s.listen(); time.sleep(60)' &
SQUAT=$!
weir_it_track $SQUAT
wait_port=0
while ! ip netns exec "$NS_CLIENT" ss -ltn | grep -q ':41400 '; do
    wait_port=$((wait_port + 1))
    [ $wait_port -lt 50 ] || fail "the port squatter did not start"
    sleep 0.1
done
file_before=$(cat "$WEIR_STATE_DIR/settings.conf")
ctl_as "" config set proxy_port=41400
kill $SQUAT
wait $SQUAT 2>/dev/null || true
[ "$CTL_RC" = 1 ] || fail "an unappliable config set exited $CTL_RC"
grep -q "cannot apply the settings, the old ones are still in use" "$WEIR_IT_DIR/ctl.err" || fail "unclear: $(cat "$WEIR_IT_DIR/ctl.err")"
[ "$(settings)" = "$changed" ] || fail "a failed SetSettings changed the settings"
[ "$(cat "$WEIR_STATE_DIR/settings.conf")" = "$file_before" ] || fail "a failed SetSettings changed the file"
[ "$(netfilter_tables)" = "$tables" ] || fail "a failed SetSettings changed the rules"
[ -z "$(find "$WEIR_STATE_DIR" -name 'settings.conf.*')" ] || fail "a temporary file was left: $(ls -a "$WEIR_STATE_DIR")"
pass "applied while enabled; engine refusal: $(head -1 "$WEIR_IT_DIR/ctl.err" | cut -c1-120)"

# --- Drift: another tool flushes nat OUTPUT. Without reapply_on_drift the helper reports it
# (Health "degraded" with a reason, announced); with it, the rules come back.
health() { "${BUSCTL[@]}" get-property io.github.weir.Helper1 /io/github/weir/Helper1 io.github.weir.Helper1 "$1"; }
wait_for() { # wait_for SECONDS COMMAND...
    local tries=$(($1 * 10))
    shift
    until "$@"; do
        tries=$((tries - 1))
        [ $tries -gt 0 ] || return 1
        sleep 0.1
    done
}
[ "$(health Health)" = 's "ok"' ] || fail "Health while enabled: $(health Health)"
"$WEIRCTL" disable >/dev/null
"$WEIRCTL" config set reapply_on_drift=false >/dev/null
"$WEIRCTL" enable >/dev/null
dbus-monitor --system "type='signal',interface='org.freedesktop.DBus.Properties',member='PropertiesChanged',path='/io/github/weir/Helper1'" \
    >"$WEIR_IT_DIR/health.log" 2>&1 &
MON=$!
weir_it_track $MON
sleep 0.3
ip netns exec "$NS_CLIENT" iptables-legacy -t nat -F OUTPUT
degraded() { [ "$(health Health)" = 's "degraded"' ]; }
wait_for 6 degraded || fail "no degraded Health after a flush: $(health Health)"
reason=$(health HealthReason)
[ "$reason" != 's ""' ] || fail "degraded without a reason"
"$WEIRCTL" status | grep -q "^Health:       degraded (" || fail "status: $("$WEIRCTL" status)"
kill $MON
wait $MON 2>/dev/null || true
grep -A8 PropertiesChanged "$WEIR_IT_DIR/health.log" | grep -q '"degraded"' || fail "Health change not announced: $(cat "$WEIR_IT_DIR/health.log")"
"$WEIRCTL" disable >/dev/null
[ "$(health Health)" = 's "ok"' ] || fail "Health after disable: $(health Health)"
pass "drift reported: Health degraded, $reason"
"$WEIRCTL" config set reapply_on_drift=true >/dev/null
"$WEIRCTL" enable >/dev/null
ip netns exec "$NS_CLIENT" iptables-legacy -t nat -F OUTPUT
rules_back() { nat_rules | grep -q "^-A OUTPUT .*WEIR_"; }
wait_for 6 rules_back || fail "the flushed rules were not re-applied: $(nat_rules)"
[ "$(health Health)" = 's "ok"' ] || fail "Health after re-applying: $(health Health)"
"$WEIRCTL" status | grep -q "^Warning: .*re-applied (last: " || fail "no re-apply warning: $("$WEIRCTL" status)"
"$WEIRCTL" disable >/dev/null
pass "drift repaired with reapply_on_drift"

# --- Mode changes are announced.
dbus-monitor --system "type='signal',interface='org.freedesktop.DBus.Properties',member='PropertiesChanged',path='/io/github/weir/Helper1'" \
    >"$WEIR_IT_DIR/props.log" 2>&1 &
MON=$!
weir_it_track $MON
sleep 0.3
"$WEIRCTL" config set mode=tproxy >/dev/null
"$WEIRCTL" config set mode=redirect >/dev/null
sleep 0.3
kill $MON
wait $MON 2>/dev/null || true
grep -A6 PropertiesChanged "$WEIR_IT_DIR/props.log" | grep -q '"tproxy"' || fail "no Mode=tproxy signal: $(cat "$WEIR_IT_DIR/props.log")"
pass "Mode changes announced with PropertiesChanged"

# --- A settings file that cannot be written: Failed, nothing changed, no stray file.
mv "$WEIR_STATE_DIR" "$WEIR_STATE_DIR.away"
touch "$WEIR_STATE_DIR" # a file where the directory should be: root cannot write into it either
ctl_as "" config set proxy_port=41777
[ "$CTL_RC" = 1 ] || fail "an unsavable config set exited $CTL_RC"
grep -q "cannot save the settings" "$WEIR_IT_DIR/ctl.err" || fail "unclear: $(cat "$WEIR_IT_DIR/ctl.err")"
rm "$WEIR_STATE_DIR"
mv "$WEIR_STATE_DIR.away" "$WEIR_STATE_DIR"
[ "$(settings)" = "$changed" ] || fail "an unsaved SetSettings changed the settings"
pass "save failure: $(head -1 "$WEIR_IT_DIR/ctl.err")"

# --- nftables chains at Weir's hooks are reported (when nft is installed).
if command -v nft >/dev/null; then
    ip netns exec "$NS_CLIENT" nft add table inet weirtest
    ip netns exec "$NS_CLIENT" nft add chain inet weirtest out '{ type filter hook output priority 0; }'
    status=$("$WEIRCTL" status)
    echo "$status" | grep -q "nftables chains also hook output (table inet weirtest chain out)" ||
        fail "no nftables warning: $status"
    ip netns exec "$NS_CLIENT" nft delete table inet weirtest
    "$WEIRCTL" status | grep -q nftables && fail "the nftables warning stayed"
    pass "nftables coexistence warning"
else
    echo "skip: nft is not installed (scripts/install-deps.sh)"
fi

# --- A corrupt settings file: defaults, a warning in status, the file kept aside.
weir_it_stop_helper
printf 'mode=redirect\nproxy_port=banana\n' >"$WEIR_STATE_DIR/settings.conf"
weir_it_start_helper
[ "$(settings)" = "$defaults" ] || fail "corrupt file: not the defaults: $(settings)"
status=$("$WEIRCTL" status)
echo "$status" | grep -q "^Warning: .*settings file.*defaults are in use" || fail "no warning: $status"
[ "$("$WEIRCTL" status --json | json_get 'len(d["warnings"])')" = 1 ] || fail "status --json: no warning"
grep -q banana "$WEIR_STATE_DIR/settings.conf.corrupt" || fail "the corrupt file was not kept aside"
"$WEIRCTL" config set proxy_port=41080 >/dev/null
"$WEIRCTL" status | grep -q "^Warning:" && fail "the warning stayed after a successful save"
pass "corrupt settings file: defaults, a warning ($(echo "$status" | grep ^Warning | cut -c1-80)...), kept aside"
echo "settings_api: all checks passed"
