#!/usr/bin/env bash
# The D-Bus and Polkit policy under packaging/ on a private system bus with a real polkitd
# (scripts/lib/privatebus.sh): polkitd accepts both actions with their defaults, only root may own
# io.github.weir.Helper1, anyone may reach our interface and the standard ones but nothing else,
# rules files are honoured, and the fixture leaves nothing behind. Needs root.
#
#   privatebus-test.sh SOURCE_DIR BUSOWNER_BINARY
set -euo pipefail

src=$1 busowner_bin=$2
# shellcheck source-path=SCRIPTDIR source=../../scripts/lib/privatebus.sh
source "$src/scripts/lib/privatebus.sh"

failures=0
ok() { echo "ok - $*"; }
fail() {
    echo "not ok - $*"
    failures=$((failures + 1))
}
# check DESCRIPTION COMMAND...: COMMAND succeeds.
check() {
    local what=$1
    shift
    if "$@"; then ok "$what"; else fail "$what"; fi
}
# expect_rc WANT DESCRIPTION COMMAND...: COMMAND exits with WANT; its output is kept in $dir/out.
expect_rc() {
    local want=$1 what=$2 rc=0
    shift 2
    "$@" >"$dir/out.new" 2>&1 || rc=$?
    mv -f "$dir/out.new" "$dir/out"
    if [[ $rc -eq $want ]]; then
        ok "$what"
    else
        fail "$what: exit $rc, expected $want"
        sed 's/^/    /' "$dir/out"
    fi
}
as_user() {
    local user=$1
    shift
    HOME=/ setpriv --reuid="$user" --regid="$user" --init-groups -- "$@"
}

dir=$(mktemp -d)
holder_pid=
cleanup() {
    if [[ -n $holder_pid ]]; then
        kill "$holder_pid" 2>/dev/null || true
        wait "$holder_pid" 2>/dev/null || true
    fi
    weir_bus_stop "$dir"
}
trap cleanup EXIT

actions_file=/usr/share/polkit-1/actions/io.github.weir.policy
before_sum=$(sha256sum "$actions_file" 2>/dev/null || echo absent)

weir_bus_start "$dir" "$src"
weir_polkit_start "$dir" "$src"
bus_pid=$(<"$dir/dbus-daemon.pid")
polkit_pid=$(<"$dir/polkitd.pid")

# --- the actions as polkitd parsed them (one bad value and the whole file would be gone) ---
check_action() {
    local id=$1 any=$2 inactive=$3 active=$4 out
    if ! out=$(pkaction --verbose --action-id "$id" 2>&1); then
        fail "pkaction knows $id: $out"
        return
    fi
    if grep -qx "  implicit any: *$any" <<<"$out" && grep -qx "  implicit inactive: *$inactive" <<<"$out" &&
        grep -qx "  implicit active: *$active" <<<"$out"; then
        ok "$id defaults are $any/$inactive/$active"
    else
        fail "$id defaults, expected $any/$inactive/$active"
        echo "${out//$'\n'/$'\n'    }"
    fi
}
check_action io.github.weir.monitor no no yes
check_action io.github.weir.control auth_admin auth_admin auth_admin_keep
if pkaction --verbose --action-id io.github.weir.control |
    grep -qx '  annotation: *org.freedesktop.policykit.imply -> io.github.weir.monitor'; then
    ok "control implies monitor"
else
    fail "control implies monitor"
fi

# --- bus policy ---
allowed=weirpkg-allow
denied=weirpkg-deny
weir_test_user "$allowed"
weir_test_user "$denied"
# The test user must be able to run the program: copy it out of a build tree it may not reach.
install -m 0755 "$busowner_bin" "$dir/busowner"

expect_rc 1 "a non-root user may not own io.github.weir.Helper1" \
    as_user "$denied" "$dir/busowner" io.github.weir.Helper1
expect_rc 0 "... refused with AccessDenied" grep -q 'org.freedesktop.DBus.Error.AccessDenied' "$dir/out"

"$dir/busowner" io.github.weir.Helper1 --hold </dev/null >"$dir/holder.out" 2>&1 &
holder_pid=$!
if _weir_wait 10 grep -q '^owned' "$dir/holder.out"; then
    ok "root may own io.github.weir.Helper1"
else
    fail "root may own io.github.weir.Helper1: $(<"$dir/holder.out")"
fi

# call USER INTERFACE.MEMBER: a method call to the helper's name as USER.
call() {
    as_user "$1" dbus-send --system --print-reply --reply-timeout=5000 --dest=io.github.weir.Helper1 \
        /io/github/weir/Helper1 "$2"
}
# reaches USER INTERFACE.MEMBER: the bus lets the call through (whatever the program answers).
reaches() {
    local out
    out=$(call "$@" 2>&1) && return 0
    echo "$out"
    ! grep -q 'AccessDenied' <<<"$out"
}
expect_rc 0 "a non-root user may ping the helper (org.freedesktop.DBus.Peer)" \
    call "$denied" org.freedesktop.DBus.Peer.Ping
expect_rc 0 "a non-root user reaches org.freedesktop.DBus.Introspectable" \
    reaches "$denied" org.freedesktop.DBus.Introspectable.Introspect
expect_rc 0 "a non-root user reaches org.freedesktop.DBus.Properties" \
    reaches "$denied" org.freedesktop.DBus.Properties.GetAll
expect_rc 0 "a non-root user reaches io.github.weir.Helper1" \
    reaches "$denied" io.github.weir.Helper1.GetStatus
expect_rc 1 "a non-root user may not call any other interface" \
    reaches "$denied" org.example.NotWeir.Method
expect_rc 0 "... refused by the bus with AccessDenied" grep -q 'AccessDenied' "$dir/out"

kill "$holder_pid"
wait "$holder_pid" 2>/dev/null || true
holder_pid=

# --- Polkit decisions ---
# Without logind nobody is in an active session: defaults fall to allow_any.
expect_rc 2 "by default control needs an administrator's password" \
    weir_polkit_check io.github.weir.control "$allowed"
expect_rc 1 "by default monitor is refused outside an active session" \
    weir_polkit_check io.github.weir.monitor "$allowed"
expect_rc 0 "root is always authorized" \
    pkcheck --action-id io.github.weir.control --process $$

weir_polkit_add_rules "$dir" 50-weirpkg-test.rules "$(
    cat <<JS
polkit.addRule(function(action, subject) {
    if (action.id == "io.github.weir.control") {
        if (subject.user == "$allowed") return polkit.Result.YES;
        if (subject.user == "$denied") return polkit.Result.NO;
    }
});
JS
)"
expect_rc 0 "polkitd picks up a rule that allows $allowed" \
    weir_polkit_wait_rule io.github.weir.control "$allowed" 0
expect_rc 1 "a rule that denies $denied makes pkcheck fail" \
    weir_polkit_check io.github.weir.control "$denied"
expect_rc 0 "whoever may control may monitor" \
    weir_polkit_check io.github.weir.monitor "$allowed"
expect_rc 1 "a denied user still may not monitor" \
    weir_polkit_check io.github.weir.monitor "$denied"

# The shipped example compiles (polkitd drops a whole file that does not) and, without logind,
# never matches: a rule after it in the same file still answers, and control is back to auth_admin
# for everybody else.
weir_polkit_add_rules "$dir" 50-weirpkg-test.rules "$(
    cat "$src/packaging/polkit/50-io.github.weir.rules.example"
    cat <<JS
polkit.addRule(function(action, subject) {
    if (action.id == "io.github.weir.control" && subject.user == "$denied") return polkit.Result.YES;
});
JS
)"
expect_rc 0 "the sample rules file compiles (a rule after it is honoured)" \
    weir_polkit_wait_rule io.github.weir.control "$denied" 0
expect_rc 2 "the sample rule does not match outside an active local session" \
    weir_polkit_check io.github.weir.control "$allowed"

# --- the fixture cleans up after itself ---
weir_bus_stop "$dir"
weir_bus_stop "$dir" # twice is fine
for pid in "$bus_pid" "$polkit_pid"; do
    if [[ -e /proc/$pid ]]; then
        fail "process $pid ($(cat "/proc/$pid/comm" 2>/dev/null)) still running after weir_bus_stop"
    else
        ok "process $pid is gone"
    fi
done
check "scratch directory removed" test ! -e "$dir"
check "rules file removed" test ! -e /etc/polkit-1/rules.d/50-weirpkg-test.rules
after_sum=$(sha256sum "$actions_file" 2>/dev/null || echo absent)
check "$actions_file as before ($before_sum)" test "$before_sum" = "$after_sum"
for user in "$allowed" "$denied"; do
    check "user $user removed" eval "! id -u $user >/dev/null 2>&1"
done
check "no dbus-daemon for $dir left" eval "! pgrep -f -- '--config-file=$dir/' >/dev/null"

# --- only what is still as the fixture left it is undone ---
# Files in a scratch directory standing for polkit's, and a user, changed behind the fixture's back
# the way a package install or another test run would: each is left as the other party left it.
own=$(mktemp -d)
scratch=$(mktemp -d)
other_user=weirpkg-other
cleanup_others() {
    weir_bus_stop "$own"
    rm -rf "$scratch"
    if getent passwd "$other_user" >/dev/null; then userdel "$other_user" 2>/dev/null || true; fi
}
trap 'cleanup; cleanup_others' EXIT
# someone_writes FILE TEXT: another program installs FILE (a new file, renamed into place).
someone_writes() {
    printf '%s\n' "$2" >"$1.new"
    mv -f "$1.new" "$1"
}
content_is() { [[ -f $1 && $(<"$1") == "$2" ]]; }
WEIR_PB_RULES_DIR=$scratch
printf 'before\n' >"$scratch/20-untouched.rules"
printf 'before\n' >"$scratch/21-replaced.rules"
printf 'before\n' >"$scratch/22-removed.rules"
for name in 10-untouched 11-replaced 12-same-bytes 13-removed 20-untouched 21-replaced 22-removed; do
    weir_polkit_add_rules "$own" "$name.rules" ours
done
someone_writes "$scratch/11-replaced.rules" package
someone_writes "$scratch/12-same-bytes.rules" ours
rm "$scratch/13-removed.rules"
someone_writes "$scratch/21-replaced.rules" package
rm "$scratch/22-removed.rules"
weir_test_user "$other_user" "$own"
userdel "$other_user"
useradd -M -r -U -s /usr/sbin/nologin -c "made by someone else" "$other_user"
weir_bus_stop "$own" 2>"$scratch/stop.log"
WEIR_PB_RULES_DIR=/etc/polkit-1/rules.d
check "a file the fixture made and nobody touched is removed" test ! -e "$scratch/10-untouched.rules"
check "a file the fixture replaced and nobody touched is restored" content_is "$scratch/20-untouched.rules" before
check "a file the fixture made, then someone else replaced, is left" content_is "$scratch/11-replaced.rules" package
check "... also when the other party wrote the very same bytes" content_is "$scratch/12-same-bytes.rules" ours
check "a file the fixture made, then someone else removed, stays absent" test ! -e "$scratch/13-removed.rules"
check "a file the fixture replaced, then someone else replaced, is left" content_is "$scratch/21-replaced.rules" package
check "a file the fixture replaced, then someone else removed, stays absent" test ! -e "$scratch/22-removed.rules"
check "a user someone else re-created meanwhile is left" eval "getent passwd $other_user >/dev/null"
check "the log says what was left alone" grep -q "21-replaced.rules was replaced by someone else" "$scratch/stop.log"
sed 's/^/    /' "$scratch/stop.log"

echo "$failures check(s) failed"
[[ $failures -eq 0 ]]
