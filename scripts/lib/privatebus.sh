# shellcheck shell=bash
# A private "system" D-Bus with a real polkitd on it, for Weir's integration tests and demos.
# Source this file (bash), then, as root:
#
#   dir=$(mktemp -d)
#   trap 'weir_bus_stop "$dir"' EXIT
#   weir_bus_start "$dir" "$src"        # exports DBUS_SYSTEM_BUS_ADDRESS
#   weir_polkit_start "$dir" "$src"
#   weir_test_user weirtest-deny
#   weir_polkit_add_rules "$dir" 50-weirtest.rules 'polkit.addRule(function(action, subject) { ... });'
#   weir_polkit_wait_rule io.github.weir.control weirtest-deny 1
#
# The machine's own /run/dbus is never touched. Polkit itself has no private mode, so the action
# file and rules files go to the real /usr/share/polkit-1/actions and /etc/polkit-1/rules.d; every
# file placed there (and every user created) is recorded in DIR and undone by weir_bus_stop, which
# restores a file that was there before byte for byte. Only what is still as the harness left it is
# undone: a file someone else replaced or removed meanwhile (a package install, another test run) and
# a user someone else re-created are left alone, and the log says so. Tests using this share that
# state: run them one at a time (ctest RESOURCE_LOCK weir_polkit).
#
# Polkit facts that shape tests (see research/feasibility.md section 4): uid 0 is always
# authorized, so denials need a non-root caller; without logind every subject is inactive and
# non-local, so the implicit answer is allow_any; rules files must be readable by user polkitd.

WEIR_PB_POLKITD=${WEIR_PB_POLKITD:-/usr/lib/polkit-1/polkitd}
WEIR_PB_ACTIONS_DIR=${WEIR_PB_ACTIONS_DIR:-/usr/share/polkit-1/actions}
WEIR_PB_RULES_DIR=${WEIR_PB_RULES_DIR:-/etc/polkit-1/rules.d}

_weir_log() { echo "privatebus: $*" >&2; }

# _weir_wait SECONDS COMMAND...: polls COMMAND every 0.1 s until it succeeds.
_weir_wait() {
    local tries=$(($1 * 10))
    shift
    while ((tries-- > 0)); do
        "$@" && return 0
        sleep 0.1
    done
    return 1
}

# _weir_alive PID NAME: PID runs and is NAME (guards against a recycled pid); zombies count as gone.
_weir_alive() {
    local stat
    [[ -r /proc/$1/stat ]] || return 1
    stat=$(<"/proc/$1/stat") || return 1
    [[ $(<"/proc/$1/comm") == "$2" ]] || return 1
    stat=${stat##*) }
    [[ ${stat:0:1} != Z ]]
}

# _weir_kill DIR PIDFILE NAME: TERM, then KILL after 5 s, the process recorded in DIR/PIDFILE.
_weir_kill() {
    local pidfile=$1/$2 name=$3 pid
    [[ -s $pidfile ]] || return 0
    pid=$(<"$pidfile")
    if _weir_alive "$pid" "$name"; then
        kill -TERM "$pid" 2>/dev/null || true
        if ! _weir_wait 5 eval "! _weir_alive $pid $name"; then
            _weir_log "$name ($pid) ignored SIGTERM, killing it"
            kill -KILL "$pid" 2>/dev/null || true
            _weir_wait 5 eval "! _weir_alive $pid $name" || _weir_log "$name ($pid) is still running"
        fi
    fi
    # Reap it if it is our child; harmless otherwise.
    wait "$pid" 2>/dev/null || true
    rm -f "$pidfile"
}

# _weir_fingerprint FILE: one version of FILE: the sha256 of its content and the device, inode and
# change time of the file itself (a package manager installing the very same bytes still makes a new
# file, which is not ours to remove); "absent" when there is none.
_weir_fingerprint() {
    local sum
    if [[ ! -e $1 && ! -L $1 ]]; then
        echo absent
        return 0
    fi
    sum=$(sha256sum <"$1" 2>/dev/null) || sum=unreadable
    echo "${sum%% *} $(stat -c '%d:%i %z' -- "$1")"
}

# _weir_place_file DIR TARGET SOURCE: installs SOURCE as TARGET (mode 0644, atomically) and records
# it in DIR/placed-files so weir_bus_stop can undo it, with the fingerprint of what was written in
# DIR/placed-prints. A file that was there before, and is not ours, is backed up into DIR/backup first.
_weir_place_file() {
    local dir=$1 target=$2 source=$3 backup=- tmp
    # Record TARGET once; writing it again (another rule under the same name) keeps the first backup.
    if ! cut -f1 "$dir/placed-files" 2>/dev/null | grep -qxF -- "$target"; then
        if [[ -e $target ]]; then
            backup=$dir/backup/${target//\//%}
            mkdir -p "$dir/backup"
            cp -p "$target" "$backup"
        fi
        printf '%s\t%s\n' "$target" "$backup" >>"$dir/placed-files"
    fi
    # Write beside the target, then rename: polkitd watches these directories with inotify and
    # must never read half a file. The temporary name does not end in .rules/.policy, so polkitd
    # ignores it.
    tmp=$(mktemp "${target%/*}/.weir-XXXXXX")
    cat "$source" >"$tmp"
    chmod 0644 "$tmp"
    mv -f "$tmp" "$target"
    printf '%s\t%s\n' "$target" "$(_weir_fingerprint "$target")" >>"$dir/placed-prints"
}

# _weir_still_ours DIR TARGET: TARGET is still the version _weir_place_file last wrote.
_weir_still_ours() {
    local ours
    ours=$(awk -F '\t' -v t="$2" '$1 == t { p = $2 } END { print p }' "$1/placed-prints" 2>/dev/null)
    [[ -n $ours && $(_weir_fingerprint "$2") == "$ours" ]]
}

# _weir_unplace_files DIR: undoes every _weir_place_file, newest first, where the file is still ours.
_weir_unplace_files() {
    local dir=$1 target backup tmp
    [[ -f $dir/placed-files ]] || return 0
    while IFS=$'\t' read -r target backup; do
        if ! _weir_still_ours "$dir" "$target"; then
            if [[ -e $target ]]; then
                _weir_log "$target was replaced by someone else meanwhile; left as it is"
            else
                _weir_log "$target was removed by someone else meanwhile; left absent"
            fi
        elif [[ $backup == - ]]; then
            rm -f "$target"
        elif [[ -f $backup ]]; then
            tmp=$(mktemp "${target%/*}/.weir-XXXXXX")
            cp -p "$backup" "$tmp"
            mv -f "$tmp" "$target"
        fi
    done < <(tac "$dir/placed-files")
    rm -f "$dir/placed-files" "$dir/placed-prints"
}

# _weir_name_owned NAME: NAME has an owner on the bus in DBUS_SYSTEM_BUS_ADDRESS.
_weir_name_owned() {
    dbus-send --system --print-reply --reply-timeout=2000 --dest=org.freedesktop.DBus \
        /org/freedesktop/DBus org.freedesktop.DBus.NameHasOwner "string:$1" 2>/dev/null |
        grep -q 'boolean true'
}

# _weir_bus_ready PID DIR: the daemon answers on DIR/system_bus_socket.
_weir_bus_ready() {
    _weir_alive "$1" dbus-daemon || return 1
    [[ -S $2/system_bus_socket ]] &&
        dbus-send --system --print-reply --reply-timeout=2000 --dest=org.freedesktop.DBus \
            /org/freedesktop/DBus org.freedesktop.DBus.GetId >/dev/null 2>&1
}

# _weir_polkit_ready PID: polkitd owns its name.
_weir_polkit_ready() {
    _weir_alive "$1" polkitd || return 1
    _weir_name_owned org.freedesktop.PolicyKit1
}

# weir_bus_start DIR PROJECT_SRC_DIR
# Starts a dbus-daemon of type system listening on DIR/system_bus_socket with the stock system
# bus default-deny policy, polkit's own policy and the project's packaging/dbus policy, and
# exports DBUS_SYSTEM_BUS_ADDRESS. DIR must exist (mktemp -d); it is made world-searchable so
# that polkitd and non-root test users can reach the socket.
weir_bus_start() {
    local dir=$1 src=$2 pid
    if [[ $# -ne 2 || ! -d $dir ]]; then
        _weir_log "usage: weir_bus_start EXISTING_DIR PROJECT_SRC_DIR"
        return 2
    fi
    if [[ $(id -u) -ne 0 ]]; then
        _weir_log "must run as root (polkitd, useradd, /etc/polkit-1/rules.d)"
        return 2
    fi
    dir=$(cd "$dir" && pwd)
    chmod 0755 "$dir"
    mkdir -p "$dir/system.d"
    cp "$src/packaging/dbus/io.github.weir.Helper1.conf" "$dir/system.d/"

    # Only polkit's policy file rather than the whole /usr/share/dbus-1/system.d: a Weir installed
    # on this machine has its own (maybe older) copy of our policy there, and policies add up.
    # No <servicedir>: nothing may be activated from this bus, least of all the real helper.
    cat >"$dir/bus.conf" <<EOF
<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>system</type>
  <listen>unix:path=$dir/system_bus_socket</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow user="*"/>
    <deny own="*"/>
    <deny send_type="method_call"/>
    <allow send_type="signal"/>
    <allow send_requested_reply="true" send_type="method_return"/>
    <allow send_requested_reply="true" send_type="error"/>
    <allow receive_type="method_call"/>
    <allow receive_type="method_return"/>
    <allow receive_type="error"/>
    <allow receive_type="signal"/>
    <allow send_destination="org.freedesktop.DBus" send_interface="org.freedesktop.DBus"/>
    <allow send_destination="org.freedesktop.DBus" send_interface="org.freedesktop.DBus.Introspectable"/>
    <allow send_destination="org.freedesktop.DBus" send_interface="org.freedesktop.DBus.Properties"/>
    <deny send_destination="org.freedesktop.DBus" send_interface="org.freedesktop.DBus"
          send_member="UpdateActivationEnvironment"/>
  </policy>
  <include ignore_missing="yes">/usr/share/dbus-1/system.d/org.freedesktop.PolicyKit1.conf</include>
  <include ignore_missing="yes">/etc/dbus-1/system.d/org.freedesktop.PolicyKit1.conf</include>
  <includedir>$dir/system.d</includedir>
</busconfig>
EOF

    # stdout/stderr go to files: a background process holding the test's pipes would keep ctest
    # waiting after the test is done.
    dbus-daemon --config-file="$dir/bus.conf" --nofork --nopidfile --print-address=1 \
        </dev/null >"$dir/bus.address" 2>"$dir/bus.log" &
    pid=$!
    echo "$pid" >"$dir/dbus-daemon.pid"
    export DBUS_SYSTEM_BUS_ADDRESS="unix:path=$dir/system_bus_socket"
    export WEIR_BUS_DIR=$dir

    if ! _weir_wait 10 _weir_bus_ready "$pid" "$dir"; then
        _weir_log "dbus-daemon did not come up; its log:"
        cat "$dir/bus.log" >&2
        return 1
    fi
    _weir_log "system bus $DBUS_SYSTEM_BUS_ADDRESS (dbus-daemon pid $pid)"
}

# weir_polkit_start DIR PROJECT_SRC_DIR
# Makes packaging/polkit/io.github.weir.policy known to polkitd and starts polkitd on the private
# bus (it drops to user polkitd by itself). Returns once it owns org.freedesktop.PolicyKit1.
weir_polkit_start() {
    local dir=$1 src=$2 pid policy target
    if [[ $# -ne 2 || ! -f $dir/dbus-daemon.pid ]]; then
        _weir_log "usage: weir_polkit_start DIR PROJECT_SRC_DIR (after weir_bus_start DIR ...)"
        return 2
    fi
    policy=$src/packaging/polkit/io.github.weir.policy
    target=$WEIR_PB_ACTIONS_DIR/io.github.weir.policy
    if ! cmp -s "$policy" "$target"; then
        _weir_place_file "$dir" "$target" "$policy"
    fi

    DBUS_SYSTEM_BUS_ADDRESS="unix:path=$dir/system_bus_socket" "$WEIR_PB_POLKITD" --no-debug \
        </dev/null >"$dir/polkitd.log" 2>&1 &
    pid=$!
    echo "$pid" >"$dir/polkitd.pid"

    if ! _weir_wait 15 _weir_polkit_ready "$pid"; then
        _weir_log "polkitd did not take org.freedesktop.PolicyKit1; its log:"
        cat "$dir/polkitd.log" >&2
        return 1
    fi
    # Owning its name is not enough: polkitd reads the action files a little later, and a check for
    # an action it has not loaded yet fails ("Action ... is not registered").
    if ! _weir_wait 15 _weir_polkit_knows "$dir" io.github.weir.monitor ||
        ! _weir_wait 15 _weir_polkit_knows "$dir" io.github.weir.control; then
        _weir_log "polkitd did not load Weir's actions; its log:"
        cat "$dir/polkitd.log" >&2
        return 1
    fi
    _weir_log "polkitd pid $pid"
}

# _weir_polkit_knows DIR ACTION: polkitd on DIR's bus has loaded ACTION.
_weir_polkit_knows() {
    DBUS_SYSTEM_BUS_ADDRESS="unix:path=$1/system_bus_socket" pkaction --action-id "$2" >/dev/null 2>&1
}

# weir_polkit_add_rules DIR NAME CONTENT
# Writes CONTENT to /etc/polkit-1/rules.d/NAME (NAME must end in .rules), to be removed at stop.
# Writing the same NAME again replaces it. polkitd reloads on its own within about a second; use
# weir_polkit_wait_rule to know when the new rule answers.
weir_polkit_add_rules() {
    local dir=$1 name=$2 content=$3
    if [[ $# -ne 3 || ! -d $dir || ! $name =~ ^[A-Za-z0-9][A-Za-z0-9._-]*\.rules$ ]]; then
        _weir_log "usage: weir_polkit_add_rules DIR NAME.rules CONTENT"
        return 2
    fi
    printf '%s\n' "$content" >"$dir/rules.tmp"
    _weir_place_file "$dir" "$WEIR_PB_RULES_DIR/$name" "$dir/rules.tmp"
    rm -f "$dir/rules.tmp"
}

# weir_polkit_check ACTION USER: pkcheck's exit code for a process of USER asking for ACTION
# (0 authorized, 1 not authorized, 2 would need authentication, 127 error).
weir_polkit_check() {
    local rc=0
    # The process asks about itself ($$ of the sh that execs pkcheck). HOME=/ keeps GLib away from
    # root's home.
    # shellcheck disable=SC2016 # $$ and $1 belong to the inner shell
    HOME=/ setpriv --reuid="$2" --regid="$2" --init-groups -- \
        sh -c 'exec pkcheck --action-id "$1" --process $$' sh "$1" >/dev/null 2>&1 || rc=$?
    return "$rc"
}

# weir_polkit_wait_rule ACTION USER EXPECT_RC
# Waits (up to 15 s) until pkcheck for ACTION as USER exits with EXPECT_RC, e.g. after
# weir_polkit_add_rules. Prints the last answer and fails if it never comes.
weir_polkit_wait_rule() {
    local action=$1 user=$2 expect=$3 rc tries=150
    while ((tries-- > 0)); do
        rc=0
        weir_polkit_check "$action" "$user" || rc=$?
        [[ $rc -eq $expect ]] && return 0
        sleep 0.1
    done
    _weir_log "pkcheck $action as $user: exit $rc, expected $expect"
    return 1
}

# weir_test_user NAME [DIR]
# Creates a system user NAME without home (and its group) if missing. Only a user created here is
# deleted by weir_bus_stop DIR. DIR defaults to the one of the last weir_bus_start.
weir_test_user() {
    local name=$1 dir=${2:-${WEIR_BUS_DIR:-}} tries=50
    if [[ -z $name || ! -d $dir ]]; then
        _weir_log "usage: weir_test_user NAME [DIR] (after weir_bus_start)"
        return 2
    fi
    id -u "$name" >/dev/null 2>&1 && return 0
    # useradd fails while another process holds /etc/passwd's lock; retry for a while.
    until useradd -M -r -U -s /usr/sbin/nologin "$name" 2>"$dir/useradd.err"; do
        # Somebody else made it meanwhile: fine, but not ours to delete.
        id -u "$name" >/dev/null 2>&1 && return 0
        if ((--tries <= 0)); then
            cat "$dir/useradd.err" >&2
            return 1
        fi
        sleep 0.2
    done
    rm -f "$dir/useradd.err"
    # With its passwd entry: weir_bus_stop deletes only that very user, not one re-created meanwhile.
    printf '%s\t%s\n' "$name" "$(getent passwd "$name")" >>"$dir/created-users"
}

# weir_bus_stop DIR
# Stops polkitd and dbus-daemon, removes or restores the files placed into polkit's directories
# (those still as it left them), deletes the users weir_test_user created (those still as it made
# them), and removes DIR. Safe to call twice, and with a DIR that was only partly set up.
weir_bus_stop() {
    local dir=$1 user entry tries
    [[ -n $dir && -d $dir ]] || return 0
    _weir_kill "$dir" polkitd.pid polkitd
    _weir_kill "$dir" dbus-daemon.pid dbus-daemon
    _weir_unplace_files "$dir"
    if [[ -f $dir/created-users ]]; then
        while IFS=$'\t' read -r user entry; do
            if [[ $(getent passwd "$user") != "$entry" ]]; then
                getent passwd "$user" >/dev/null &&
                    _weir_log "user $user was re-created or changed by someone else meanwhile; left as it is"
                continue
            fi
            tries=50
            until userdel "$user" 2>/dev/null || ! id -u "$user" >/dev/null 2>&1; do
                ((--tries > 0)) || {
                    _weir_log "could not delete user $user"
                    break
                }
                sleep 0.2
            done
        done <"$dir/created-users"
    fi
    if [[ ${DBUS_SYSTEM_BUS_ADDRESS:-} == "unix:path=$dir/system_bus_socket" ]]; then
        unset DBUS_SYSTEM_BUS_ADDRESS
    fi
    [[ ${WEIR_BUS_DIR:-} == "$dir" ]] && unset WEIR_BUS_DIR
    rm -rf "$dir"
}
