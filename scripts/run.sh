#!/usr/bin/env bash
# The README's run command: installs the dependencies, builds, installs Weir and the helper's system
# files, makes sure a system bus runs, and starts Weir for the desktop user (tray + connections window).
# Interception stays off until the user turns it on. Without a display it runs the terminal demo in
# throwaway network namespaces instead.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "$(id -u)" != 0 ]; then
    echo "scripts/run.sh must run as root (it installs packages and system files): sudo $0" >&2
    exit 1
fi
PREFIX=${WEIR_PREFIX:-/usr/local}

scripts/install-deps.sh
cmake -S . -B build -G "Unix Makefiles" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_INSTALL_PREFIX="$PREFIX"
cmake --build build -j"$(nproc)"
cmake --install build
echo "Installed: $PREFIX/bin/weir, $PREFIX/bin/weirctl, $PREFIX/libexec/weir-helper and the D-Bus, Polkit and systemd files."

# The system bus: reload it so it reads the new policy and activation file, or start one (containers).
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

desktop_user=${SUDO_USER:-}
if [ -z "$desktop_user" ] && [ -n "${PKEXEC_UID:-}" ]; then
    desktop_user=$(id -nu "$PKEXEC_UID")
fi
if [ -n "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ]; then
    echo "Starting Weir (tray icon and connections window) for ${desktop_user:-root}."
    if [ -n "$desktop_user" ] && [ "$desktop_user" != root ]; then
        runuser -u "$desktop_user" -- env DISPLAY="${DISPLAY:-}" WAYLAND_DISPLAY="${WAYLAND_DISPLAY:-}" \
            XAUTHORITY="${XAUTHORITY:-}" XDG_RUNTIME_DIR="/run/user/$(id -u "$desktop_user")" \
            DBUS_SESSION_BUS_ADDRESS="${DBUS_SESSION_BUS_ADDRESS:-unix:path=/run/user/$(id -u "$desktop_user")/bus}" \
            setsid "$PREFIX/bin/weir" --show-connections >/dev/null 2>&1 &
    else
        setsid "$PREFIX/bin/weir" --show-connections >/dev/null 2>&1 &
    fi
    echo "Weir is running. Interception is off: turn it on from the tray menu or with 'weirctl enable'."
else
    echo "No display (DISPLAY and WAYLAND_DISPLAY are unset): running the terminal demo instead."
    echo "It works entirely inside throwaway network namespaces and leaves this machine's network alone."
    echo
    WEIR_HELPER="$PREFIX/libexec/weir-helper" WEIRCTL="$PREFIX/bin/weirctl" exec scripts/demo.sh
fi
