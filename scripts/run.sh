#!/usr/bin/env bash
# The README's run command: installs the dependencies, builds the programs (not the tests and
# benchmarks: WEIR_BUILD_TESTS=OFF), installs Weir and the helper's system files, makes sure a system
# bus runs, and starts Weir for the desktop user (tray + connections window). Interception stays off
# until the user turns it on. Without a display it runs the terminal demo in throwaway network
# namespaces instead.
# Works from a desktop user's shell (it asks sudo, else pkexec, for root) and from a root shell.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/asroot.sh
source scripts/lib/progress.sh
weir_become_root "it installs packages and system files" scripts/run.sh "$@"
PREFIX=${WEIR_PREFIX:-/usr/local}

# A Weir installed from the Debian packages owns the same D-Bus, Polkit and systemd files; a build
# from source in /usr/local would overwrite them and shadow its programs.
if dpkg-query -W -f='${db:Status-Abbrev}' weir-helper 2>/dev/null | grep -q '^ii'; then
    cat >&2 <<MESSAGE
Weir is already installed from its Debian packages (weir-helper $(dpkg-query -W -f='${Version}' weir-helper)).
scripts/run.sh builds Weir from source and installs it into $PREFIX, over the same D-Bus, Polkit
and systemd files, so it stops here and changes nothing.
- To use the installed Weir: run 'weir --show-connections' (package weir) or 'weirctl status'.
- To run this source tree instead: apt-get remove weir weir-helper, then scripts/run.sh again.
MESSAGE
    exit 1
fi

# The desktop user to start the GUI for: who asked sudo or pkexec; in a root shell opened with su
# from a desktop session, the owner of that session's runtime directory; otherwise root itself.
desktop_user() {
    if [[ -n ${SUDO_USER:-} && $SUDO_USER != root ]]; then
        echo "$SUDO_USER"
    elif [[ -n ${PKEXEC_UID:-} ]]; then
        id -nu "$PKEXEC_UID"
    elif [[ ${XDG_RUNTIME_DIR:-} =~ ^/run/user/([1-9][0-9]*)$ ]] && id -nu "${BASH_REMATCH[1]}" >/dev/null 2>&1; then
        id -nu "${BASH_REMATCH[1]}"
    else
        echo root
    fi
}

# start_gui USER: starts weir --show-connections in USER's session, detached, its output in a log
# that is shown when it does not keep running.
start_gui() {
    local user=$1 log pid
    log=$(mktemp /tmp/weir-run.XXXXXX.log)
    local session=()
    mapfile -t session < <(weir_session_assignments)
    if [[ $user != root ]]; then
        local uid
        uid=$(id -u "$user")
        # The user's own runtime directory and session bus unless the caller's were handed on.
        [[ -n ${XDG_RUNTIME_DIR:-} ]] || session+=("XDG_RUNTIME_DIR=/run/user/$uid")
        [[ -n ${DBUS_SESSION_BUS_ADDRESS:-} ]] || session+=("DBUS_SESSION_BUS_ADDRESS=unix:path=/run/user/$uid/bus")
        runuser -u "$user" -- env "${session[@]}" setsid "$PREFIX/bin/weir" --show-connections >"$log" 2>&1 &
    else
        setsid "$PREFIX/bin/weir" --show-connections >"$log" 2>&1 &
    fi
    pid=$!
    sleep 2
    if ! kill -0 "$pid" 2>/dev/null; then
        echo "Weir did not start for $user. What it said ($log):" >&2
        cat "$log" >&2
        exit 1
    fi
    echo "Weir is running for $user (its messages go to $log)."
}

configure() {
    cmake -S . -B build -G "Unix Makefiles" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_INSTALL_PREFIX="$PREFIX" \
        -DWEIR_BUILD_TESTS=OFF
}

system_bus() {
    # Reload it so it reads the new policy and activation file, or start one (containers).
    if [ -d /run/systemd/system ]; then
        systemctl daemon-reload
    fi
    if dbus-send --system --print-reply --dest=org.freedesktop.DBus /org/freedesktop/DBus \
        org.freedesktop.DBus.ReloadConfig >/dev/null 2>&1; then
        echo "System bus running; configuration reloaded."
    else
        echo "No system bus is running: starting one."
        mkdir -p /run/dbus
        rm -f /run/dbus/system_bus_socket /run/dbus/pid
        dbus-daemon --system --fork
    fi
}

phase "dependencies" scripts/install-deps.sh
phase "configure (programs only; scripts/test.sh builds the tests)" configure
# The Makefile generator prints the build's own percentage on every line.
phase "build" cmake --build build -j"$(nproc)"
phase "install into $PREFIX" cmake --install build
echo "Installed: $PREFIX/bin/weir, $PREFIX/bin/weirctl, $PREFIX/libexec/weir-helper and the D-Bus, Polkit and systemd files."
phase "system bus" system_bus

if [ -n "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ]; then
    user=$(desktop_user)
    echo "Starting Weir (tray icon and connections window) for $user."
    start_gui "$user"
    echo "Turn interception on or off from the tray menu or with 'weirctl enable' / 'weirctl disable'."
    echo "The helper remembers that choice across restarts and reboots (setting restore_enabled)."
else
    echo "No display (DISPLAY and WAYLAND_DISPLAY are unset): running the terminal demo instead."
    echo "It works entirely inside throwaway network namespaces and leaves this machine's network alone."
    echo
    WEIR_HELPER="$PREFIX/libexec/weir-helper" WEIRCTL="$PREFIX/bin/weirctl" exec scripts/demo.sh
fi
