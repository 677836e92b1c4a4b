# shellcheck shell=bash
# Sourced by scripts/run.sh and scripts/test.sh: running them as root, whoever starts them.
#
# The README writes them as plain `scripts/run.sh` and `scripts/test.sh` so the same line works from a
# desktop user's shell (where sudo usually exists) and from a root shell on a fresh Debian, which has
# no sudo at all ("sudo: command not found").

# The variables run.sh needs to start the GUI in the desktop user's session after switching to root.
# sudo and pkexec drop them; they are handed on explicitly, and only those that are set (an empty
# XAUTHORITY would make Xlib read no cookie at all).
weir_session_env=(DISPLAY XAUTHORITY WAYLAND_DISPLAY XDG_RUNTIME_DIR DBUS_SESSION_BUS_ADDRESS)

# weir_session_assignments: prints NAME=VALUE, one per line, for each of weir_session_env that is set.
weir_session_assignments() {
    local name
    for name in "${weir_session_env[@]}"; do
        [[ -n ${!name:-} ]] && printf '%s=%s\n' "$name" "${!name}"
    done
    return 0
}

# weir_become_root WHAT SCRIPT [ARGS...]: returns when already root. Otherwise runs SCRIPT again as
# root, with sudo when it exists and lets this user in, else with pkexec (Polkit asks for the
# password), and exits with its status; when neither can, it says how to run it as root and exits 1.
# WHAT says why root is needed, for the messages.
weir_become_root() {
    [[ $(id -u) == 0 ]] && return 0
    local what=$1 script=$2
    shift 2
    local assignments=()
    mapfile -t assignments < <(weir_session_assignments)
    # `sudo -v` asks for the password once (and fails cleanly for a user sudo does not let in); the
    # second sudo then runs without asking. env hands on the session's variables; sudo sets SUDO_USER.
    if command -v sudo >/dev/null 2>&1; then
        echo "$script needs root ($what): asking sudo."
        if sudo -v; then
            exec sudo -- env "${assignments[@]}" "$script" "$@"
        fi
        echo "sudo did not let $(id -un) in." >&2
    fi
    # pkexec keeps nothing of the environment but sets PKEXEC_UID, which run.sh reads. It exits 126
    # when the password dialog was dismissed and 127 when it could not authorize (no polkitd, no
    # agent, not allowed): then su is the way left.
    if command -v pkexec >/dev/null 2>&1; then
        echo "$script needs root ($what): asking pkexec (Polkit)."
        local rc=0
        pkexec env "${assignments[@]}" "$(realpath "$script")" "$@" || rc=$?
        [[ $rc == 126 || $rc == 127 ]] || exit "$rc"
        echo "pkexec could not run it as root." >&2
    fi
    weir_root_advice "$what" "$script"
    exit 1
}

# weir_root_advice WHAT SCRIPT: how to run SCRIPT as root without sudo or pkexec.
weir_root_advice() {
    cat >&2 <<MESSAGE
$2 needs root ($1), and neither sudo nor pkexec could give it here.
Run it as root with su (it asks for the root password):

    su -c '$(realpath "$2")'

or from a root shell: cd $(pwd) && $2
MESSAGE
}
