#!/usr/bin/env bash
# The Debian packages on this machine, as CI runs them: `apt-get install` of weir-helper and weir,
# the INSTALLED helper reached through real D-Bus activation (`weirctl status` as an allowed
# non-root user), enable, a real download through Weir, disable, enable again, then
# `apt-get remove --purge`. Afterwards no file, process, chain, rule, ip rule or route of Weir is
# left, and the machine's own firewall and routes are exactly as before.
#
#   tests/packaging/deb_install.sh DEB_DIR      (as root; DEB_DIR from scripts/build-debs.sh)
#
# The helper only ever runs inside a throwaway network namespace: the system bus it is activated
# from is a real `dbus-daemon --system` (the real /usr/share/dbus-1/system.conf, the real setuid
# dbus-daemon-launch-helper, the installed policy and activation file) started inside that
# namespace, in a private mount namespace with a tmpfs over /run/dbus. The machine's own system
# bus, if one runs, is never used. polkitd runs on that bus; one rules file (for the test user
# only) goes to /etc/polkit-1/rules.d for the test's duration.
#
# Weir files that were on the machine before without a package (an older `make install`) are
# overwritten by dpkg, then put back byte for byte after the purge.
set -euo pipefail
src=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=../../scripts/lib/privatebus.sh
source "$src/scripts/lib/privatebus.sh"

if [[ $# -ne 1 || ! -d $1 ]]; then
    echo "usage: $0 DEB_DIR (the folder scripts/build-debs.sh wrote)" >&2
    exit 2
fi
if [[ $(id -u) -ne 0 ]]; then
    echo "$0: must run as root (apt-get, network namespaces, polkitd)" >&2
    exit 2
fi
deb_dir=$(cd "$1" && pwd)
shopt -s nullglob
helper_debs=("$deb_dir"/weir-helper_*.deb)
gui_debs=("$deb_dir"/weir_*.deb)
shopt -u nullglob
if [[ ${#helper_debs[@]} -ne 1 || ${#gui_debs[@]} -ne 1 ]]; then
    echo "$0: expected one weir-helper_*.deb and one weir_*.deb in $deb_dir" >&2
    exit 2
fi
for pkg in weir-helper weir; do
    if dpkg-query -W -f='${db:Status-Abbrev}' "$pkg" 2>/dev/null | grep -q '^[ihuHU][^n]'; then
        echo "$0: $pkg is installed on this machine already; this test installs and purges it: remove it first" >&2
        exit 2
    fi
done

HELPER=/usr/libexec/weir-helper
TAG="wdeb$$"
NS_C="$TAG-c"
NS_S="$TAG-s"
CLIENT_IP=198.51.100.1
SERVER_IP=198.51.100.2
USER_NAME="$TAG"
WORK=$(mktemp -d /tmp/weir-deb-test.XXXXXX)
chmod 0755 "$WORK"
BUS_DIR=$WORK/bus # privatebus.sh's bookkeeping: pids, placed rules file, created user
mkdir -p "$BUS_DIR" "$WORK/backup"
BUS_PID=
SERVER_PID=
INSTALLED=0
RESTORED=0
start=$SECONDS

say() { printf '[%3ds] %s\n' $((SECONDS - start)) "$*"; }
fail() {
    echo "FAIL: $*" >&2
    exit 1
}
pass() { say "ok: $*"; }

# in_bus CMD...: runs CMD in the client namespace with the test's system bus at the standard
# address (the network and mount namespaces of that bus's dbus-daemon).
in_bus() { env -u DBUS_SYSTEM_BUS_ADDRESS nsenter --target "$BUS_PID" --mount --net -- "$@"; }

# ctl ARGS...: weirctl, installed, as the test user, on the test bus.
ctl() { in_bus setpriv --reuid="$USER_NAME" --regid="$USER_NAME" --init-groups env HOME=/ /usr/bin/weirctl "$@"; }

json_get() { python3 -c "import json,sys; d=json.load(sys.stdin); print($1)"; }

# host_state: what Weir may never change on the machine itself.
host_state() {
    {
        echo "## iptables"
        iptables-legacy-save | sed '/^#/d'
        echo "## ip6tables"
        ip6tables-legacy-save | sed '/^#/d'
        echo "## rules"
        ip -4 rule
        ip -6 rule
        echo "## routes"
        ip -4 route show table all
        ip -6 route show table all
        echo "## sysctl"
        sysctl net.ipv4.ip_forward net.ipv6.conf.all.forwarding
    } 2>&1 | sed 's/\[[0-9]*:[0-9]*\]/[0:0]/g'
}

# ns_weir: Weir's chains, rules, ip rules and routes in the client namespace (empty when clean).
ns_weir() {
    {
        ip netns exec "$NS_C" iptables-legacy-save
        ip netns exec "$NS_C" ip6tables-legacy-save
    } | grep -E 'WEIR_|comment weir|^-A' || true
    ip -n "$NS_C" -4 rule | grep -vE '^(0|32766|32767):' || true
    ip -n "$NS_C" -6 rule | grep -vE '^(0|32766|32767):' || true
    ip -n "$NS_C" route show table all | grep -E '^local default|table [0-9]' || true
}

# helper_pids: every process running the installed helper (anywhere on the machine): the helper
# and its guardian (a child that removes the rules if the helper dies, named weir-guardian).
# One find, not a readlink per process: fast on a busy machine. " (deleted)" counts too.
helper_pids() {
    find /proc -mindepth 2 -maxdepth 2 -name exe -lname "$HELPER*" 2>/dev/null | cut -d/ -f3 || true
}

# weir_paths: every path the two packages ship, as absolute paths.
weir_paths() {
    dpkg-deb --fsys-tarfile "${helper_debs[0]}" | tar -t
    dpkg-deb --fsys-tarfile "${gui_debs[0]}" | tar -t
}

# Files of the packages that are already here without a package (an older make install): backed
# up now, restored after the purge (restore_files).
backup_files() {
    local path
    while read -r path; do
        path=/${path#./}
        path=${path%/}
        [[ -n $path && $path != / ]] || continue
        # -d follows symlinks: /lib is one on a merged-/usr system, and dpkg goes through it.
        if [[ -d $path ]]; then
            echo "$path" >>"$WORK/dirs-before"
        elif [[ -e $path || -L $path ]]; then
            if dpkg -S "$path" >/dev/null 2>&1; then
                fail "$path belongs to another package ($(dpkg -S "$path" 2>&1 | head -1))"
            fi
            mkdir -p "$WORK/backup$(dirname "$path")"
            cp -a "$path" "$WORK/backup$path"
            echo "$path" >>"$WORK/files-before"
        fi
    done < <(weir_paths | sort -u)
    touch "$WORK/dirs-before" "$WORK/files-before"
}

restore_files() {
    local path
    [[ $RESTORED == 0 && -f $WORK/files-before ]] || return 0
    while read -r path; do
        mkdir -p "$(dirname "$path")"
        cp -a "$WORK/backup$path" "$path"
    done <"$WORK/files-before"
    RESTORED=1
}

# Everything named after Weir where the packages, dpkg and deb-systemd-helper write (not all of
# /usr: too slow). Polkit's rules and actions folders are left out: other tests on this machine
# place files there.
weir_named_files() {
    find /etc /var/lib /run/weir /usr/bin /usr/libexec /usr/lib/systemd /lib/systemd /usr/share/doc \
        /usr/share/man/man1 /usr/share/applications /usr/share/metainfo /usr/share/icons/hicolor \
        /usr/share/dbus-1 \( -path /etc/polkit-1/rules.d -o -path /usr/share/polkit-1/actions \) -prune \
        -o -name '*weir*' -print 2>/dev/null | sort || true # /run/weir is usually missing
}

stop_helpers_in_netns() {
    local pid ns
    ns=$(stat -L -c %i "/run/netns/$NS_C" 2>/dev/null) || return 0
    for pid in $(helper_pids); do
        [[ $(stat -L -c %i "/proc/$pid/ns/net" 2>/dev/null) == "$ns" ]] || continue
        kill -TERM "$pid" 2>/dev/null || true
        for _ in $(seq 50); do
            [[ -e /proc/$pid ]] || break
            sleep 0.1
        done
        kill -KILL "$pid" 2>/dev/null || true
    done
}

cleanup() {
    local rc=$?
    set +e
    trap '' INT TERM # a second Ctrl-C must not cut the cleanup short
    stop_helpers_in_netns
    if [[ $INSTALLED == 1 ]]; then
        say "cleanup: purging the packages"
        DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 remove --purge -y weir weir-helper \
            >>"$WORK/apt.log" 2>&1
    fi
    restore_files
    [[ -n $SERVER_PID ]] && kill "$SERVER_PID" 2>/dev/null && wait "$SERVER_PID" 2>/dev/null
    if [[ $rc -ne 0 ]]; then
        for log in apt.log bus.log polkitd.log server.log; do
            [[ -s $WORK/$log ]] && { echo "--- $log (end) ---" >&2; tail -n 30 "$WORK/$log" >&2; }
        done
    fi
    # polkitd, dbus-daemon (pids in BUS_DIR), the rules file and the user.
    weir_bus_stop "$BUS_DIR"
    ip netns del "$NS_C" 2>/dev/null
    ip netns del "$NS_S" 2>/dev/null
    rm -rf "$WORK"
    exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# --- before: the machine as it is ---------------------------------------------------------------
host_state >"$WORK/host-before"
weir_named_files >"$WORK/named-before"
backup_files
[[ -z $(helper_pids) ]] || fail "$HELPER already runs (pids $(helper_pids | tr '\n' ' ')): stop it first"
pass "host state recorded; $(wc -l <"$WORK/files-before") Weir file(s) here without a package, backed up"

# --- install --------------------------------------------------------------------------------------
INSTALLED=1
say "apt-get install ./$(basename "${helper_debs[0]}") ./$(basename "${gui_debs[0]}")"
(cd "$deb_dir" && DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y \
    "./$(basename "${helper_debs[0]}")" "./$(basename "${gui_debs[0]}")") >"$WORK/apt.log" 2>&1 ||
    fail "apt-get install failed"
for pkg in weir-helper weir; do
    [[ $(dpkg-query -W -f='${db:Status-Abbrev}' "$pkg") == "ii " ]] || fail "$pkg is not installed"
done
dpkg -L weir-helper weir | grep -vxF /. | sort -u >"$WORK/owned"
grep -qxF "$HELPER" "$WORK/owned" || fail "weir-helper does not own $HELPER"
grep -qxF "Exec=$HELPER" /usr/share/dbus-1/system-services/io.github.weir.Helper1.service ||
    fail "the installed activation file does not run $HELPER"
grep -qxF "ExecStart=$HELPER" /lib/systemd/system/weir-helper.service || fail "the installed unit does not run $HELPER"
pass "installed: $(wc -l <"$WORK/owned") paths, activation file and unit run $HELPER"

# --- a system bus in a throwaway network namespace ------------------------------------------------
ip netns add "$NS_C"
ip netns add "$NS_S"
ip link add "dc$$" netns "$NS_C" type veth peer name "ds$$" netns "$NS_S"
ip -n "$NS_C" addr add "$CLIENT_IP/24" dev "dc$$"
ip -n "$NS_S" addr add "$SERVER_IP/24" dev "ds$$"
for ns in "$NS_C" "$NS_S"; do ip -n "$ns" link set lo up; done
ip -n "$NS_C" link set "dc$$" up
ip -n "$NS_S" link set "ds$$" up
ns_before=$(ns_weir)

mkdir -p "$WORK/www"
head -c 1048576 /dev/urandom >"$WORK/www/blob"
ip netns exec "$NS_S" python3 -m http.server 8080 --bind "$SERVER_IP" --directory "$WORK/www" \
    </dev/null >"$WORK/server.log" 2>&1 &
SERVER_PID=$!

# ip netns exec and unshare both exec, so $! is the dbus-daemon itself. The tmpfs hides the
# machine's /run/dbus (and any bus there) from everything in this mount namespace only.
ip netns exec "$NS_C" unshare --mount --propagation private -- sh -c \
    'mount -t tmpfs -o mode=0755,size=1m weir-deb-test-bus /run/dbus &&
     exec dbus-daemon --system --nofork --nosyslog' </dev/null >"$WORK/bus.log" 2>&1 &
BUS_PID=$!
echo "$BUS_PID" >"$BUS_DIR/dbus-daemon.pid"
bus_up() {
    _weir_alive "$BUS_PID" dbus-daemon &&
        in_bus dbus-send --system --print-reply --reply-timeout=2000 --dest=org.freedesktop.DBus \
            /org/freedesktop/DBus org.freedesktop.DBus.GetId >/dev/null 2>&1
}
_weir_wait 10 bus_up || fail "dbus-daemon --system did not come up in $NS_C"
[[ $(stat -L -c %i /proc/$BUS_PID/ns/net) == $(stat -L -c %i "/run/netns/$NS_C") ]] ||
    fail "the test bus is not in $NS_C"

# The test user, allowed both Weir actions by a rules file that names only that user.
weir_test_user "$USER_NAME" "$BUS_DIR"
weir_polkit_add_rules "$BUS_DIR" "50-$TAG.rules" "polkit.addRule(function(action, subject) {
    if (action.id.indexOf(\"io.github.weir.\") == 0 && subject.user == \"$USER_NAME\")
        return polkit.Result.YES;
});"
# Not through in_bus: env and nsenter exec, so $! is polkitd itself (a function would fork a shell).
env -u DBUS_SYSTEM_BUS_ADDRESS nsenter --target "$BUS_PID" --mount --net -- "$WEIR_PB_POLKITD" --no-debug \
    </dev/null >"$WORK/polkitd.log" 2>&1 &
echo "$!" >"$BUS_DIR/polkitd.pid"
# First its name (asking NameHasOwner activates nothing; pkaction before that would make the bus
# start a second polkitd), then Weir's actions loaded.
polkit_up() {
    in_bus dbus-send --system --print-reply --reply-timeout=2000 --dest=org.freedesktop.DBus /org/freedesktop/DBus \
        org.freedesktop.DBus.NameHasOwner string:org.freedesktop.PolicyKit1 2>/dev/null | grep -q 'boolean true' &&
        in_bus pkaction --action-id io.github.weir.control >/dev/null 2>&1
}
_weir_wait 15 polkit_up || fail "polkitd on the test bus does not know io.github.weir.control"
pass "system bus (pid $BUS_PID) and polkitd in namespace $NS_C; user $USER_NAME allowed by rules file"

# --- the installed helper through D-Bus activation ------------------------------------------------
[[ -z $(helper_pids) ]] || fail "a helper runs before anything asked for it"
out=$(ctl status --json) || fail "weirctl status as $USER_NAME failed: $out"
[[ $(json_get 'd["enabled"]' <<<"$out") == False ]] || fail "interception is on at first start: $out"
pids=$(for pid in $(helper_pids); do [[ $(cat "/proc/$pid/comm") != weir-helper ]] || echo "$pid"; done)
[[ $(wc -w <<<"$pids") == 1 ]] || fail "expected one weir-helper after activation, found: ${pids:-none}"
[[ $(stat -L -c %i "/proc/$pids/ns/net") == $(stat -L -c %i "/run/netns/$NS_C") ]] ||
    fail "the activated helper (pid $pids) is not in namespace $NS_C"
[[ $(awk '/^Uid:/ {print $2}' "/proc/$pids/status") == 0 ]] || fail "the activated helper does not run as root"
pass "weirctl status as $USER_NAME activated $HELPER (pid $pids, root, in $NS_C): interception off"

# A settings change, so that the helper writes its state folder (which the purge must remove).
ctl config set mode=redirect >/dev/null || fail "weirctl config set as $USER_NAME failed"
[[ -f /var/lib/weir/settings.conf ]] || fail "the helper did not write /var/lib/weir/settings.conf"
[[ $(stat -c %a /var/lib/weir) == 700 ]] || fail "/var/lib/weir is $(stat -c %a /var/lib/weir), expected 700"
pass "weirctl config set: the helper keeps its settings in /var/lib/weir (0700)"

ctl enable >/dev/null || fail "weirctl enable as $USER_NAME failed"
[[ $(ctl status --json | json_get 'd["enabled"]') == True ]] || fail "status does not say enabled"
ip netns exec "$NS_C" iptables-legacy-save -t nat | grep -q -- '-j WEIR_' || fail "no WEIR_ jump in $NS_C after enable"
pass "weirctl enable: WEIR_ rules in $NS_C"

ip netns exec "$NS_C" curl -sS --max-time 20 --limit-rate 2m -o "$WORK/got" "http://$SERVER_IP:8080/blob" ||
    fail "curl through Weir failed"
cmp -s "$WORK/got" "$WORK/www/blob" || fail "the body relayed through Weir differs"
conns=
for _ in $(seq 50); do
    conns=$(ctl connections --json)
    [[ $(json_get '[c["state"] for c in d if c["destination"] == "'$SERVER_IP':8080"]' <<<"$conns") == "['closed']" ]] && break
    sleep 0.1
done
[[ $(json_get '[(c["destination"], c["state"], c["bytes_received"] > 1048576) for c in d]' <<<"$conns") == \
    "[('$SERVER_IP:8080', 'closed', True)]" ]] || fail "the download is not listed as one closed connection: $conns"
pass "curl got 1 MiB from $SERVER_IP through Weir; weirctl connections lists it"

ctl disable >/dev/null || fail "weirctl disable as $USER_NAME failed"
[[ -z $(ns_weir) || $(ns_weir) == "$ns_before" ]] || fail "disable left in $NS_C: $(ns_weir)"
pass "weirctl disable: $NS_C clean"

# On again, so that removing the package has to stop a helper that is intercepting.
ctl enable >/dev/null || fail "the second weirctl enable failed"
[[ -n $(ns_weir) ]] || fail "no rules after the second enable"
pass "enabled again before the purge"

# --- remove --purge -------------------------------------------------------------------------------
say "apt-get remove --purge weir weir-helper"
DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 remove --purge -y weir weir-helper \
    >>"$WORK/apt.log" 2>&1 || fail "apt-get remove --purge failed"
INSTALLED=0
for pkg in weir-helper weir; do
    ! dpkg-query -W -f='${db:Status-Abbrev}' "$pkg" 2>/dev/null | grep -q '^[ihuHU][^n]' || fail "$pkg is still installed"
done
[[ -z $(helper_pids) ]] || fail "weir-helper still runs after the purge: $(helper_pids)"
[[ -z $(ns_weir) || $(ns_weir) == "$ns_before" ]] || fail "the purge left in $NS_C: $(ns_weir)"
pass "purged: no helper runs (prerm stopped it), no WEIR_ chain, rule, ip rule or route in $NS_C"

left=()
while read -r path; do
    grep -qxF "$path" "$WORK/dirs-before" "$WORK/files-before" && continue
    [[ -e $path || -L $path ]] && left+=("$path")
done <"$WORK/owned"
[[ ${#left[@]} -eq 0 ]] || fail "left after the purge: ${left[*]}"
missing=()
while read -r path; do
    [[ -d $path ]] || missing+=("$path")
done <"$WORK/dirs-before"
[[ ${#missing[@]} -eq 0 ]] || fail "the purge removed folders that were there before: ${missing[*]}"
[[ ! -e /var/lib/weir && ! -e /run/weir ]] || fail "/var/lib/weir or /run/weir is still there"
pass "every path dpkg listed is gone (folders that were there before stay); /var/lib/weir, /run/weir gone"

restore_files
while read -r path; do
    if ! cmp -s "$WORK/backup$path" "$path" ||
        [[ $(stat -c '%a %u %g' "$path") != $(stat -c '%a %u %g' "$WORK/backup$path") ]]; then
        fail "$path was not restored exactly"
    fi
done <"$WORK/files-before"
weir_named_files >"$WORK/named-after"
diff -u "$WORK/named-before" "$WORK/named-after" || fail "files named after Weir differ from before (above)"
pass "$(wc -l <"$WORK/files-before") earlier Weir file(s) restored byte for byte; nothing else named after Weir"

host_state >"$WORK/host-after"
diff -u "$WORK/host-before" "$WORK/host-after" || fail "the machine's own firewall or routes changed (above)"
pass "the machine's own iptables, ip6tables, ip rules, routes and forwarding switches are as before"
say "deb_install: all checks passed"
