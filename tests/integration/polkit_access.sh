#!/usr/bin/env bash
# Polkit decides every call: a non-root user whom a rules file denies gets AccessDenied for Enable
# (and for the reads) and the firewall is unchanged; an allowed non-root user can enable and disable.
# Malformed calls are refused without changing anything.
set -euo pipefail
source "$(dirname "$0")/lib.sh" "$@"
trap weir_it_cleanup EXIT

ALLOW=weirtestallow
DENY=weirtestdeny
weir_it_make_netns
weir_it_start_bus
weir_test_user "$ALLOW"
weir_test_user "$DENY"
NORULE=weirtestnorule
weir_test_user "$NORULE"
weir_polkit_add_rules "$WEIR_IT_DIR/bus" "50-weir-test.rules" "
polkit.addRule(function(action, subject) {
    if (action.id.indexOf('io.github.weir.') == 0) {
        if (subject.user == '$ALLOW') return polkit.Result.YES;
        if (subject.user == '$DENY') return polkit.Result.NO;
    }
});"
weir_polkit_wait_rule io.github.weir.control "$ALLOW" 0
weir_polkit_wait_rule io.github.weir.control "$DENY" 1
weir_it_start_helper
before=$(nat_rules)

ctl_as "$DENY" enable
[ "$CTL_RC" = 4 ] || fail "denied user: enable exited $CTL_RC, expected 4"
grep -q "Not authorized" "$WEIR_IT_DIR/ctl.err" || fail "denied user: unclear message $(cat "$WEIR_IT_DIR/ctl.err")"
[ "$(nat_rules)" = "$before" ] || fail "a refused Enable changed the firewall"
[ "$("$WEIRCTL" status --json | json_get 'd["enabled"]')" = False ] || fail "a refused Enable turned interception on"
pass "denied user: Enable refused ($(cat "$WEIR_IT_DIR/ctl.err")), firewall unchanged"

ctl_as "$DENY" connections --json
[ "$CTL_RC" = 4 ] || fail "denied user: connections exited $CTL_RC, expected 4"
ctl_as "$DENY" status
[ "$CTL_RC" = 4 ] || fail "denied user: status exited $CTL_RC, expected 4"
pass "denied user: status and connections refused"

# GetPermissions tells each caller what Polkit would answer it, without asking for anything: the
# padlocks a client shows before the user clicks. Needs no authorization itself.
perm_of() { # user -> "monitor control"
    ctl_as "$1" permissions --json >"$WEIR_IT_DIR/perm.json"
    [ "$CTL_RC" = 0 ] || fail "permissions as ${1:-root} exited $CTL_RC: $(cat "$WEIR_IT_DIR/ctl.err")"
    json_get 'd["io.github.weir.monitor"] + " " + d["io.github.weir.control"]' <"$WEIR_IT_DIR/perm.json"
}
[ "$(perm_of "$DENY")" = "no no" ] || fail "denied user's permissions: $(cat "$WEIR_IT_DIR/perm.json")"
[ "$(perm_of "$ALLOW")" = "yes yes" ] || fail "allowed user's permissions: $(cat "$WEIR_IT_DIR/perm.json")"
# No rule: the policy's defaults for a session that is not active (allow_any): monitor no, control
# after an administrator's password.
[ "$(perm_of "$NORULE")" = "no auth" ] || fail "user without a rule: $(cat "$WEIR_IT_DIR/perm.json")"
[ "$(perm_of "")" = "yes yes" ] || fail "root's permissions: $(cat "$WEIR_IT_DIR/perm.json")"
[ "$(nat_rules)" = "$before" ] || fail "GetPermissions changed the firewall"
pass "GetPermissions: denied no/no, allowed yes/yes, no rule no/auth, root yes/yes; no dialog asked"

# A user no rule covers falls to the action's defaults: control needs an administrator's password,
# and with no Polkit agent to ask it the call is refused with a hint at what to do instead.
ctl_as "$NORULE" enable
[ "$CTL_RC" = 4 ] || fail "user without a rule: enable exited $CTL_RC, expected 4"
grep -q "no Polkit authentication agent answered" "$WEIR_IT_DIR/ctl.err" || fail "unclear: $(cat "$WEIR_IT_DIR/ctl.err")"
grep -q "run it as root" "$WEIR_IT_DIR/ctl.err" || fail "no hint: $(cat "$WEIR_IT_DIR/ctl.err")"
[ "$(nat_rules)" = "$before" ] || fail "a refused Enable changed the firewall"
pass "user without a rule: $(head -1 "$WEIR_IT_DIR/ctl.err")"

# The denial comes back as the standard D-Bus error name.
err=$(setpriv --reuid="$DENY" --regid="$DENY" --init-groups dbus-send --system --print-reply \
    --dest=io.github.weir.Helper1 /io/github/weir/Helper1 io.github.weir.Helper1.Enable 2>&1 || true)
echo "$err" | grep -q "org.freedesktop.DBus.Error.AccessDenied" || fail "not AccessDenied: $err"
pass "dbus-send as the denied user: $err"

# Malformed calls: unknown method, wrong arguments. Refused, nothing changes.
err=$(dbus-send --system --print-reply --dest=io.github.weir.Helper1 /io/github/weir/Helper1 \
    io.github.weir.Helper1.Enable string:now 2>&1 || true)
echo "$err" | grep -q "Error" || fail "Enable with an argument was accepted: $err"
err2=$(dbus-send --system --print-reply --dest=io.github.weir.Helper1 /io/github/weir/Helper1 \
    io.github.weir.Helper1.Reboot 2>&1 || true)
echo "$err2" | grep -q "Error" || fail "an unknown method was accepted: $err2"
[ "$(nat_rules)" = "$before" ] || fail "a malformed call changed the firewall"
pass "malformed calls refused: $err | $err2"

ctl_as "$ALLOW" enable
[ "$CTL_RC" = 0 ] || fail "allowed user: enable exited $CTL_RC: $(cat "$WEIR_IT_DIR/ctl.err")"
nat_rules | grep -q WEIR_OUTPUT || fail "allowed user's Enable installed no rules"
status=$(ctl_as "$ALLOW" status --json)
[ "$(echo "$status" | json_get 'd["enabled"]')" = True ] || fail "allowed user: status not enabled: $status"
ctl_as "$ALLOW" disable
[ "$CTL_RC" = 0 ] || fail "allowed user: disable exited $CTL_RC"
[ "$(nat_rules)" = "$before" ] || fail "disable did not restore the firewall"
pass "allowed user: enable and disable work"

# Enable/Disable flip the Enabled property and announce it with PropertiesChanged.
prop=$(dbus-send --system --print-reply --dest=io.github.weir.Helper1 /io/github/weir/Helper1 \
    org.freedesktop.DBus.Properties.Get string:io.github.weir.Helper1 string:Enabled)
echo "$prop" | grep -q "boolean false" || fail "Enabled property: $prop"
dbus-monitor --system "type='signal',interface='org.freedesktop.DBus.Properties',member='PropertiesChanged',path='/io/github/weir/Helper1'" \
    >"$WEIR_IT_DIR/monitor.log" 2>&1 &
MON=$!
sleep 0.5
"$WEIRCTL" enable >/dev/null
"$WEIRCTL" disable >/dev/null
sleep 0.5
kill $MON
wait $MON 2>/dev/null || true
grep -A8 PropertiesChanged "$WEIR_IT_DIR/monitor.log" | grep -q "boolean true" || fail "no PropertiesChanged Enabled=true: $(cat "$WEIR_IT_DIR/monitor.log")"
grep -A8 PropertiesChanged "$WEIR_IT_DIR/monitor.log" | grep -q "boolean false" || fail "no PropertiesChanged Enabled=false"
pass "Enabled property and PropertiesChanged follow Enable/Disable"
# Without polkitd nobody is authorized, root included: fail closed, with a reason.
kill "$(cat "$WEIR_IT_DIR/bus/polkitd.pid")"
sleep 0.5
ctl_as "" enable
[ "$CTL_RC" = 4 ] || fail "enable without polkitd exited $CTL_RC, expected 4"
grep -q "Polkit could not be asked" "$WEIR_IT_DIR/ctl.err" || fail "unclear message: $(cat "$WEIR_IT_DIR/ctl.err")"
[ "$(nat_rules)" = "$before" ] || fail "an unauthorized Enable changed the firewall"
pass "no polkitd: refused ($(cat "$WEIR_IT_DIR/ctl.err"))"
echo "polkit_access: all checks passed"
