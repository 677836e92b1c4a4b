#!/usr/bin/env bash
# The settings file under faults ($WEIR_STATE_DIR/settings.conf, see helper/service/settingsstore.h),
# on the gateway topology of lib.sh with a private bus and a real polkitd. Every case ends with
# fault_end_checks (G byte for byte clean, C and G reach S, the helper serves again).
#
#  corrupt     garbage in place of the file (random bytes; NULs and bytes that are no UTF-8; 2 MiB):
#              the helper starts with defaults and a warning that weirctl status shows, the user's
#              bytes are kept as settings.conf.corrupt, the next save works and clears the warning.
#  truncated   a file the helper wrote, cut inside a value ("proxy_port=41"), inside a key, at a line
#              end, to nothing: the same as corrupt (a cut file must never be read as valid settings);
#              the whole file still loads. (tests/config checks every other cut, the header's too.)
#  disk-full   the state directory on a 64 KiB tmpfs in the helper's own mount namespace (no real disk
#              is filled), filled up while interception is on and a download runs through it: a
#              change fails with a clear error and changes nothing (rules, settings, the file byte for
#              byte, no temporary file), the download finishes intact; with room again the same helper
#              saves.
#  read-only   the state directory a read-only bind mount (root writes through mode 0500, not through
#              a read-only mount): a change fails and changes nothing; a corrupt file there gives
#              defaults and a warning and is never replaced before it is kept aside, which happens
#              at the first save once the directory is writable again.
#  kill-saves  kill -9 of the helper in the middle of repeated saves, at random moments and held (by
#              strace delaying the syscall) after the temporary file is written, before its fsync or
#              its rename: the file always parses and is the last version acknowledged or the one in
#              flight, and the next helper removes the temporary file of an interrupted save.
#
# Usage: settings.sh SRC_DIR WEIR_HELPER WEIRCTL   (root; ctest runs it as fault_settings)
set -euo pipefail
source "$(dirname "$0")/lib.sh" "$@"
source "$(dirname "$0")/traffic.sh"

SETTINGS=$WEIR_STATE_DIR/settings.conf
KILL_ROUNDS=${FAULT_SETTINGS_KILL_ROUNDS:-3} # one of each kill moment

fault_setup

# fresh_state: no helper of an earlier (failed) case left, an empty state directory.
fresh_state() {
    mx_kill_section
    rm -rf "$WEIR_STATE_DIR"
    mkdir -p "$WEIR_STATE_DIR"
    chmod 0700 "$WEIR_STATE_DIR"
}

# files_in DIR: its entries, one line, sorted.
files_in() { find "$1" -mindepth 1 -maxdepth 1 -printf '%f\n' | sort | tr '\n' ' '; }

# helper_alive WHAT: the helper of this case still runs (it must never crash).
helper_alive() {
    mx_alive "$HELPER_PID" || fail "$1: the helper is gone: $(tail -5 "$WEIR_IT_DIR/helper.log")"
}

# start_private_helper SETUP: the helper in G and in a mount namespace of its own, where the shell
# commands SETUP ran first (FS_STATE is the state directory). Mounts made there are seen by nobody
# else and go away with the helper; the test reaches them through /proc/$HELPER_PID/root.
start_private_helper() {
    # shellcheck disable=SC2016 # expanded by the helper's shell
    local script="$1"$'\n''exec ip netns exec "$FS_NS" "$FS_HELPER"'
    FS_STATE=$WEIR_STATE_DIR FS_NS=$NS_G FS_HELPER=$WEIR_HELPER \
        unshare -m --propagation private bash -ec "$script" >>"$WEIR_IT_DIR/helper.log" 2>&1 &
    HELPER_PID=$! # unshare, bash and ip netns exec all exec: this is the helper
    mx_track_section "$HELPER_PID"
    deadline_start
    while until_ms 10000; do
        fault_helper_running && return 0
        mx_alive "$HELPER_PID" || fail "the helper exited early: $(tail -5 "$WEIR_IT_DIR/helper.log")"
        sleep 0.1
    done
    fail "the helper did not take its bus name"
}

# The state directory as the helper sees it (in its own mount namespace, if it has one).
helper_state() { echo "/proc/$HELPER_PID/root$WEIR_STATE_DIR"; }

# expect_defaults_with_warning WHAT PATTERN: the helper runs with default settings and says why in a
# warning matching PATTERN (grep -E), both in status --json and in weirctl status's text.
expect_defaults_with_warning() {
    helper_alive "$1"
    [ "$(ctl config get)" = "$DEFAULTS" ] ||
        fail "$1: the settings are not the defaults: $(diff <(echo "$DEFAULTS") <(ctl config get))"
    local text
    text=$(wctl status) || fail "$1: weirctl status failed: $(ctl_err)"
    grep -E "^Warning: +.*$2" <<<"$text" >/dev/null ||
        fail "$1: weirctl status shows no warning matching \"$2\": $text"
    [ "$(wctl status --json | json_get "len(d['warnings'])")" -ge 1 ] || fail "$1: status --json has no warning"
}

# expect_refused WHAT PATTERN ARGS...: weirctl config set ARGS fails with exit 1 and an error
# matching PATTERN (kept in REFUSAL).
expect_refused() {
    local what=$1 pattern=$2 rc=0
    shift 2
    ctl config set "$@" >/dev/null || rc=$?
    REFUSAL=$(ctl_err)
    [ "$rc" = 1 ] || fail "$what: config set $* exited $rc, expected 1 (refused): $REFUSAL"
    grep -Eq "$pattern" <<<"$REFUSAL" || fail "$what: the error does not say \"$pattern\": $REFUSAL"
}

# conf KEY...: the values of KEYs in weirctl config get, space-separated.
conf() {
    local cfg key out=()
    cfg=$(ctl config get) || fail "config get failed: $(ctl_err)"
    for key in "$@"; do out+=("$(sed -n "s/^$key=//p" <<<"$cfg")"); done
    echo "${out[*]}"
}

# end_case WHAT: the three checks, then this case's helper and clients go.
end_case() {
    fault_end_checks "$FAULT_CLEAN" "$1"
    mx_kill_section
}

# ---------------------------------------------------------------------------------------------

case_corrupt() {
    local kind bad=$WEIR_IT_DIR/bad
    for kind in random-bytes nul-and-non-utf8 two-mib; do
        fresh_state
        case $kind in
        random-bytes) head -c 3000 /dev/urandom >"$bad" ;;
        nul-and-non-utf8) printf 'mode=tproxy\n\0\0proxy_port=4\0\n\377\376=\nudp=true\n' >"$bad" ;;
        two-mib) { echo "mode=tproxy"; head -c $((2 << 20)) /dev/zero | tr '\0' '#'; } >"$bad" ;;
        esac
        install -m 0600 "$bad" "$SETTINGS"
        mx_start_helper
        expect_defaults_with_warning "$kind" "not valid.*defaults are in use.*kept as $SETTINGS.corrupt"
        cmp -s "$bad" "$SETTINGS.corrupt" || fail "$kind: the user's bytes were not kept as settings.conf.corrupt"
        [ ! -e "$SETTINGS" ] || fail "$kind: settings.conf is still in place"
        # The next save works, clears the warning and leaves the kept file alone.
        ctl config set history_limit=777 >/dev/null || fail "$kind: a save after the warning failed: $(ctl_err)"
        [ "$(status_field warnings)" = "[]" ] || fail "$kind: the warning stays after a good save"
        grep -qx history_limit=777 "$SETTINGS" || fail "$kind: the save did not write settings.conf"
        cmp -s "$bad" "$SETTINGS.corrupt" || fail "$kind: the save touched settings.conf.corrupt"
        helper_alive "$kind"
        mx_kill_section
        pass "corrupt ($kind): defaults, a warning in weirctl status, the bytes kept aside, the next save works"
    done
    end_case corrupt
}

# byte_offset TEXT FILE: where TEXT first starts in FILE.
byte_offset() { grep -bo -- "$1" "$2" | head -n 1 | cut -d: -f1; }

case_truncated() {
    local good=$WEIR_IT_DIR/good cut=$WEIR_IT_DIR/cut name n
    fresh_state
    mx_start_helper
    ctl config set mode=tproxy udp=true proxy_port=41234 bypass=192.0.2.0/24,2001:db8:ff::/48 \
        history_limit=4321 >/dev/null || fail "config set failed: $(ctl_err)"
    cp "$SETTINGS" "$good"
    mx_kill_section
    local -A cuts=(
        [in-a-value]=$(($(byte_offset proxy_port=41234 "$good") + 13)) # "proxy_port=41": a valid number
        [in-a-key]=$(($(byte_offset history_limit "$good") + 10))
        [at-a-line-end]=$(byte_offset history_limit "$good") # the lines before are whole
        [to-nothing]=0
    )
    for name in in-a-value in-a-key at-a-line-end to-nothing; do
        n=${cuts[$name]}
        head -c "$n" "$good" >"$cut"
        install -m 0600 "$cut" "$SETTINGS"
        rm -f "$SETTINGS.corrupt"
        mx_start_helper
        expect_defaults_with_warning "cut $name" "not valid.*defaults are in use"
        cmp -s "$cut" "$SETTINGS.corrupt" || fail "cut $name: the cut file was not kept aside"
        mx_kill_section
        pass "truncated $name ($n of $(stat -c %s "$good") bytes): defaults, a warning, the text kept aside"
    done
    # The whole file loads: the cases above fail for the cut, not for the content.
    install -m 0600 "$good" "$SETTINGS"
    mx_start_helper
    [ "$(status_field warnings) $(conf proxy_port mode)" = "[] 41234 tproxy" ] ||
        fail "the whole file did not load: $(status_field warnings) $(conf proxy_port mode)"
    pass "truncated: the same file whole loads without a warning"
    end_case truncated
}

case_disk_full() {
    local dir before_snap before_file before_conf
    fresh_state
    # shellcheck disable=SC2016 # expanded by the helper's shell
    start_private_helper 'mount -t tmpfs -o size=64k,mode=0700 weir-fault-state "$FS_STATE"'
    dir=$(helper_state)
    [ "$(stat -f -c %T "$dir")" = tmpfs ] || fail "the state directory is not the helper's tmpfs"
    ctl config set mode=redirect scope=gateway ipv6=true udp=false bypass= "${FAULT_GW[@]}" >/dev/null ||
        fail "config set failed: $(ctl_err)"
    ctl enable >/dev/null || fail "enable failed: $(ctl_err)"
    fault_slow_download "$NS_C" full-dl
    wait_download_started full-dl
    dd if=/dev/zero of="$dir/filler" bs=4k status=none 2>/dev/null || true
    [ "$(stat -f -c %a "$dir")" = 0 ] || fail "the tmpfs is not full: $(stat -f -c %a "$dir") blocks free"
    before_snap=$(snapshot_g)
    before_file=$(sha256sum <"$dir/settings.conf")
    before_conf=$(ctl config get)
    expect_refused disk-full "No space left on device" history_limit=5
    expect_refused disk-full "cannot save the settings, nothing was changed.*No space left on device" \
        mode=tproxy udp=true
    helper_alive disk-full
    [ "$(snapshot_g)" = "$before_snap" ] || fail "disk full: the rules changed: $(diff <(echo "$before_snap") <(snapshot_g))"
    [ "$(ctl config get)" = "$before_conf" ] || fail "disk full: the settings changed"
    [ "$(sha256sum <"$dir/settings.conf")" = "$before_file" ] || fail "disk full: settings.conf changed"
    # last-choice: the enable above was the user's choice (restore_enabled), written before the disk filled.
    [ "$(files_in "$dir")" = "filler last-choice settings.conf " ] || fail "disk full: files left: $(files_in "$dir")"
    [ "$(status_fields enabled mode)" = "True redirect" ] || fail "disk full: status $(status_fields enabled mode)"
    finish_download "$FAULT_SLOW_PID" full-dl
    pass "disk full: the change failed with \"$REFUSAL\"; rules, settings and file as before, no temporary file, the download through Weir intact"
    rm "$dir/filler"
    ctl config set history_limit=555 >/dev/null || fail "with room again, the save failed: $(ctl_err)"
    grep -qx history_limit=555 "$dir/settings.conf" || fail "with room again, settings.conf was not written"
    ctl disable >/dev/null || fail "disable failed: $(ctl_err)"
    pass "disk full: with room again the same helper saves"
    end_case disk-full
}

case_read_only() {
    local bad=$WEIR_IT_DIR/bad before
    # shellcheck disable=SC2016 # expanded by the helper's shell (start_private_helper)
    local ro='mount --bind "$FS_STATE" "$FS_STATE"; mount -o remount,bind,ro "$FS_STATE"'
    fresh_state
    mx_start_helper
    ctl config set history_limit=321 >/dev/null || fail "config set failed: $(ctl_err)"
    mx_kill_section
    before=$(sha256sum <"$SETTINGS")
    start_private_helper "$ro"
    [ "$(status_field warnings) $(conf history_limit)" = "[] 321" ] || fail "read-only: the file did not load"
    expect_refused read-only "cannot save the settings, nothing was changed.*Read-only file system" \
        history_limit=999 mode=tproxy
    [ "$(conf history_limit mode)" = "321 redirect" ] || fail "read-only: the settings changed"
    [ "$(sha256sum <"$SETTINGS")" = "$before" ] || fail "read-only: settings.conf changed"
    [ "$(files_in "$WEIR_STATE_DIR")" = "settings.conf " ] || fail "read-only: files left: $(files_in "$WEIR_STATE_DIR")"
    helper_alive read-only
    mx_kill_section
    pass "read-only: a change fails with \"$REFUSAL\" and changes nothing"

    printf 'mode=tproxy\nproxy_port=banana\n' >"$bad"
    install -m 0600 "$bad" "$SETTINGS"
    start_private_helper "$ro"
    expect_defaults_with_warning "read-only, corrupt" "defaults are in use.*could not be renamed.*not replaced"
    expect_refused "read-only, corrupt" "Read-only file system" history_limit=999
    cmp -s "$bad" "$SETTINGS" || fail "read-only, corrupt: the user's file changed"
    nsenter -t "$HELPER_PID" -m mount -o remount,bind,rw "$WEIR_STATE_DIR" ||
        fail "cannot make the helper's state directory writable again"
    ctl config set history_limit=999 >/dev/null || fail "writable again: the save failed: $(ctl_err)"
    cmp -s "$bad" "$SETTINGS.corrupt" || fail "writable again: the user's file was not kept aside first"
    grep -qx history_limit=999 "$SETTINGS" || fail "writable again: settings.conf was not written"
    [ "$(status_field warnings)" = "[]" ] || fail "writable again: the warning stays"
    pass "read-only, corrupt: defaults and a warning, the file never replaced; writable again, it is kept aside and the save works"
    end_case read-only
}

# The value of KEY in the settings file FILE.
file_value() { sed -n "s/^$1=//p" "$2"; }
# The file with the two values that differ between versions blanked out.
file_shape() { sed 's/^history_limit=.*/history_limit=@/; s/^proxy_port=.*/proxy_port=@/' "$1"; }

# slow_syscalls PID SYSCALLS: strace holds each of these syscalls of PID (all threads) for 0.4 s
# before it runs, so a kill -9 lands inside a save at a known step. Pid in STRACE_PID.
slow_syscalls() {
    strace -f -qq -o /dev/null -p "$1" -e trace="$2" -e inject="$2":delay_enter=400000 &
    STRACE_PID=$!
    mx_track_section "$STRACE_PID"
    sleep 0.5 # attached
}

# kill_moment ROUND: where the kill -9 lands. Random rounds land wherever the saves are; the others
# are held inside a save: after the temporary file is written, before its fsync or before its rename.
kill_moment() {
    case $(($1 % 3)) in
    1) echo random ;;
    2) echo before-fsync ;;
    0) echo before-rename ;;
    esac
}

case_kill_saves() {
    local round base acked inflight k=100 template now moment saver left=0 hits=()
    fresh_state
    mx_start_helper
    ctl config set history_limit=100 proxy_port=40100 >/dev/null || fail "config set failed: $(ctl_err)"
    template=$(file_shape "$SETTINGS")
    for round in $(seq "$KILL_ROUNDS"); do
        base=$((round * 1000))
        moment=$(kill_moment "$round")
        rm -f "$WEIR_IT_DIR/acked" "$WEIR_IT_DIR/inflight"
        case $moment in
        before-fsync) slow_syscalls "$HELPER_PID" fsync ;;
        before-rename) slow_syscalls "$HELPER_PID" rename,renameat,renameat2 ;;
        esac
        # Saves one after another, each a new version; "inflight" is the one asked for, "acked" the
        # last one the helper confirmed (after its rename).
        # shellcheck disable=SC2016 # the inner script gets its values as arguments
        bash -c 'for i in $(seq "$2" $(($2 + 199))); do
                echo "$i" >"$1/inflight"
                "$3" config set history_limit="$i" proxy_port=$((40000 + i)) >/dev/null 2>&1 || exit 0
                echo "$i" >"$1/acked"
            done' saver "$WEIR_IT_DIR" "$base" "$WEIRCTL" &
        saver=$!
        mx_track_section "$saver"
        if [ "$moment" = random ]; then
            sleep "0.$((3 + RANDOM % 9))"
        else
            # After a few saves, as soon as one has written its temporary file (held by strace).
            sleep "0.$((3 + RANDOM % 9))"
            deadline_start
            while until_ms 5000 && ! compgen -G "$WEIR_STATE_DIR/settings.conf.??????" >/dev/null; do
                sleep 0.02
            done
        fi
        kill -9 "$HELPER_PID"
        wait "$saver" 2>/dev/null || true
        acked=$(cat "$WEIR_IT_DIR/acked" 2>/dev/null || echo "$k") # none this round: the last one kept
        inflight=$(cat "$WEIR_IT_DIR/inflight")
        now=$(files_in "$WEIR_STATE_DIR")
        [ "$now" = "settings.conf " ] || left=$((left + 1))
        [ "$moment" = random ] || [ "$now" != "settings.conf " ] ||
            fail "round $round ($moment): the kill did not land inside a save (no temporary file)"
        k=$(file_value history_limit "$SETTINGS")
        [ "$k" = "$acked" ] || [ "$k" = "$inflight" ] ||
            fail "round $round: settings.conf holds version $k; the last acknowledged was $acked, in flight $inflight"
        [ "$(file_shape "$SETTINGS")" = "$template" ] ||
            fail "round $round: settings.conf is not a whole saved version: $(cat "$SETTINGS")"
        [ "$(file_value proxy_port "$SETTINGS")" = $((40000 + k)) ] ||
            fail "round $round: settings.conf mixes two versions"
        hits+=("$moment: $((acked >= base ? acked - base + 1 : 0)) saves acknowledged, kept the $([ "$k" = "$acked" ] && echo acknowledged || echo in-flight) one$([ "$now" = "settings.conf " ] || echo ", a temporary file left");")
        # The next helper reads that version, without a warning, and removes an interrupted save.
        mx_start_helper
        [ "$(status_field warnings) $(conf history_limit)" = "[] $k" ] ||
            fail "round $round: the new helper did not load version $k: $(status_field warnings) $(conf history_limit)"
        [ "$(files_in "$WEIR_STATE_DIR")" = "settings.conf " ] ||
            fail "round $round: the new helper left $(files_in "$WEIR_STATE_DIR")"
    done
    pass "kill -9 during saves, $KILL_ROUNDS rounds: ${hits[*]} $left left a temporary file, each removed by the next helper"
    end_case kill-saves
}

# ---------------------------------------------------------------------------------------------

# What a helper without a settings file reports: the defaults every case compares with.
fresh_state
mx_start_helper
DEFAULTS=$(ctl config get) || fail "config get failed: $(ctl_err)"
mx_kill_section

run_case "corrupt: garbage, NULs, 2 MiB" case_corrupt
run_case "truncated: in a value, in a key, at a line end, to nothing" case_truncated
run_case "unwritable: disk full (tmpfs in the helper's mount namespace)" case_disk_full
run_case "unwritable: read-only directory, also with a corrupt file" case_read_only
run_case "kill -9 in the middle of repeated saves" case_kill_saves
print_results
[ "$MX_FAILED" = 0 ]
