#!/usr/bin/env bash
# Screenshots of the GUI with real parts: weir-helper in a network namespace on a private system bus
# with a real polkitd, interception on, real curl traffic through it (finished downloads and two slow
# downloads still running), and the tray application (shotdriver.cpp: what app/weir/main.cpp builds)
# on a virtual X server (Xvfb) with trayer as the tray host. For English and Simplified Chinese it
# writes OUT_DIR/<language>/{tray-menu,connections,settings}.png and checks that every picture has
# content (many distinct colours, not one flat area), that the window shows rows of the intercepted
# connections, and that the Chinese catalogue is loaded (titles and menu differ from the English ones).
# Before that, the real `weir` program is started once per language: its icon must land in trayer
# (the panel grows) and its Connections window must carry the language's title.
# Usage (as root): screenshots.sh SRC_DIR HELPER WEIRCTL SHOTDRIVER WEIR OUT_DIR
# Exit 77 (ctest: skipped) when not root or when Xvfb, trayer, xdotool, ImageMagick or a Chinese font
# is missing.
set -euo pipefail
DRIVER=$4
WEIR=$5
OUT_DIR=$6
LANGUAGES=(en zh_CN)
MIN_COLOURS=64 # a blank or flat picture has a handful; a drawn window has hundreds

skip() {
    echo "SKIP: $*"
    exit 77
}
[ "$(id -u)" = 0 ] || skip "needs root (network namespaces, polkitd): run ctest as root"
for tool in Xvfb:xvfb trayer:trayer xdotool:xdotool identify:imagemagick fc-list:fontconfig; do
    command -v "${tool%%:*}" >/dev/null ||
        skip "${tool%%:*} is missing: install ${tool#*:} (scripts/install-deps.sh does)"
done

# Without a font with Chinese glyphs the Chinese pictures would show empty boxes.
[ -n "$(fc-list :lang=zh-cn family 2>/dev/null)" ] ||
    skip "no font with Chinese glyphs: install fonts-wqy-microhei (scripts/install-deps.sh does)"

# shellcheck source=../integration/lib.sh
source "$(dirname "$0")/../integration/lib.sh" "$1" "$2" "$3"

# The X server and the tray host go first (after the helper and the namespaces, cleaned up by lib.sh).
X_PIDS=()
shots_cleanup() {
    local rc=$?
    set +e
    for pid in "${X_PIDS[@]}"; do
        kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
    done
    if [ $rc -ne 0 ]; then
        for log in xvfb trayer; do
            [ -s "$WEIR_IT_DIR/$log.log" ] && { echo "--- $log log ---" >&2; cat "$WEIR_IT_DIR/$log.log" >&2; }
        done
    fi
    (exit $rc) # weir_it_cleanup takes the exit status from $?
    weir_it_cleanup
}
trap shots_cleanup EXIT

# A virtual X server on a free display (Xvfb picks it and writes its number to fd 5), no TCP.
start_x() {
    local display_file=$WEIR_IT_DIR/display
    Xvfb -displayfd 5 -screen 0 1280x800x24 -nolisten tcp 5>"$display_file" >"$WEIR_IT_DIR/xvfb.log" 2>&1 &
    X_PIDS+=($!)
    for _ in $(seq 100); do
        [ -s "$display_file" ] && break
        sleep 0.1
    done
    [ -s "$display_file" ] || fail "Xvfb did not start"
    DISPLAY=:$(<"$display_file")
    export DISPLAY
    # trayer: an XEmbed system tray (freedesktop System Tray protocol) in a panel at the top right.
    trayer --edge top --align right --widthtype request --height 32 --transparent false --tint 0xd8d8d8 \
        --SetDockType true --SetPartialStrut false >"$WEIR_IT_DIR/trayer.log" 2>&1 &
    X_PIDS+=($!)
    for _ in $(seq 100); do
        xdotool search --class trayer >/dev/null 2>&1 && return 0
        sleep 0.1
    done
    fail "trayer did not open its panel"
}

# curl through the interception: finished downloads (closed rows) right before each language's run,
# since the helper forgets closed connections after a while.
curl_traffic() {
    local i
    for i in 1 2 3; do
        ip netns exec "$NS_CLIENT" curl -sS -o /dev/null "http://$SERVER_IP:8080/blob?$i" ||
            fail "curl through the interception failed"
    done
}

# tray_width: the width of trayer's panel, which grows by one icon per embedded icon.
tray_width() {
    xdotool search --class trayer getwindowgeometry %@ 2>/dev/null |
        sed -n 's/^ *Geometry: \([0-9]*\)x.*/\1/p' | sort -n | tail -n 1
}

# real_weir LANGUAGE: runs the real weir program with --show-connections, waits for its icon in the
# tray (trayer's panel grows) and its window, and sets WEIR_TITLE to the window's title as the X server
# has it.
real_weir() {
    local lang=$1 empty embedded=false pid w name
    empty=$(tray_width)
    LANG=$lang.UTF-8 LANGUAGE=$lang LC_ALL=$lang.UTF-8 "$WEIR" --show-connections --quit-after 20000 \
        >"$WEIR_IT_DIR/weir-$lang.log" 2>&1 &
    pid=$!
    weir_it_track $pid
    WEIR_TITLE=
    for _ in $(seq 100); do
        for w in $(xdotool search --onlyvisible --classname weir 2>/dev/null); do
            name=$(xdotool getwindowname "$w" 2>/dev/null) || continue
            [[ $name == Weir*—* ]] && WEIR_TITLE=$name
        done
        [[ $(tray_width) -gt $empty ]] && embedded=true
        [[ -n $WEIR_TITLE && $embedded == true ]] && break
        sleep 0.1
    done
    kill "$pid" 2>/dev/null || true # gone already if it quit on its own
    wait "$pid" 2>/dev/null || true
    $embedded || fail "$lang: weir's tray icon did not appear in trayer (panel $(tray_width) px wide)"
    [[ -n $WEIR_TITLE ]] || fail "$lang: weir --show-connections showed no window: $(cat "$WEIR_IT_DIR/weir-$lang.log")"
    pass "$lang: weir put its icon in trayer and shows '$WEIR_TITLE'"
}

# colours PNG: how many distinct colours the picture has.
colours() {
    identify -format '%k' "$1"
}

weir_it_make_netns
weir_it_start_server
truncate -s 100M "$WEIR_IT_DIR/www/slow.bin" # sparse: nothing is written
weir_it_start_bus
weir_it_start_helper
"$WEIRCTL" enable >/dev/null || fail "weirctl enable failed"
# Two downloads stay open for the whole test: live rows with a rate, shown even if the window hides
# closed connections.
for i in 1 2; do
    ip netns exec "$NS_CLIENT" curl -sS -o /dev/null --limit-rate 100k "http://$SERVER_IP:8080/slow.bin?$i" &
    weir_it_track $!
done
start_x
pass "Xvfb on $DISPLAY with trayer as the tray host"

# Nothing of the machine's user session: no session bus (Qt then uses XEmbed for the tray icon, not
# StatusNotifierItem), settings and runtime files in the test's directory.
export DBUS_SESSION_BUS_ADDRESS=disabled: QT_QPA_PLATFORM=xcb
export XDG_CONFIG_HOME=$WEIR_IT_DIR/config XDG_CACHE_HOME=$WEIR_IT_DIR/cache
export XDG_RUNTIME_DIR=$WEIR_IT_DIR/xdg-runtime
mkdir -p "$XDG_RUNTIME_DIR"
chmod 700 "$XDG_RUNTIME_DIR"

for lang in "${LANGUAGES[@]}"; do rm -rf "${OUT_DIR:?}/$lang"; done
declare -A TITLE MENU
declare -A WEIR_TITLES
for lang in "${LANGUAGES[@]}"; do
    real_weir "$lang"
    WEIR_TITLES[$lang]=$WEIR_TITLE
done
for lang in "${LANGUAGES[@]}"; do
    curl_traffic
    out=$OUT_DIR/$lang
    log=$WEIR_IT_DIR/driver-$lang.log
    # The two live rows and the three finished ones: at least two of them in view.
    if ! LANG=$lang.UTF-8 LANGUAGE=$lang LC_ALL=$lang.UTF-8 WEIR_SHOTS_DIR=$out WEIR_SHOTS_HOST=$SERVER_IP \
        WEIR_SHOTS_MIN_ROWS=2 timeout 60 "$DRIVER" >"$log" 2>&1; then
        cat "$log" >&2
        fail "the $lang run of the GUI failed (its output is above)"
    fi
    sed "s/^/  [$lang] /" "$log"
    grep -q '^tray-available: true$' "$log" || fail "$lang: no system tray under trayer"
    read -r total matching visible < <(sed -n 's/^rows: //p' "$log")
    [ "${visible:-0}" -ge 2 ] || fail "$lang: the window shows ${visible:-no} rows of the curl connections"
    pass "$lang: the Connections window shows $visible rows of the intercepted connections ($matching to $SERVER_IP, $total in all)"
    for name in tray-menu connections settings; do
        png=$out/$name.png
        [ -s "$png" ] || fail "$lang: $png was not written"
        n=$(colours "$png")
        [ "$n" -ge "$MIN_COLOURS" ] || fail "$lang: $png looks blank ($n colours)"
        pass "$lang: $png, $(identify -format '%wx%h' "$png"), $n colours"
    done
    TITLE[$lang]=$(sed -n 's/^title-connections: //p' "$log")
    MENU[$lang]=$(sed -n 's/^menu: //p' "$log")
done

# English: the window's own title (the issue fixes a doubled " — Weir" suffix; either is accepted).
[[ ${TITLE[en]} == "Weir — Connections"* ]] || fail "en: the window's title is '${TITLE[en]}'"
[[ ${WEIR_TITLES[en]} == "Weir — Connections"* ]] || fail "en: weir's window is titled '${WEIR_TITLES[en]}'"
# Chinese: the catalogue loads. Only that it differs is checked; the translation is completed elsewhere.
[[ ${TITLE[zh_CN]} != "${TITLE[en]}" ]] || fail "zh_CN: the window's title is the English one: '${TITLE[zh_CN]}'"
[[ ${MENU[zh_CN]} != "${MENU[en]}" ]] || fail "zh_CN: the tray menu is the English one: '${MENU[zh_CN]}'"
[[ ${WEIR_TITLES[zh_CN]} != "${WEIR_TITLES[en]}" ]] || fail "zh_CN: weir's window has the English title"
pass "zh_CN: translated (window '${TITLE[zh_CN]}', menu '${MENU[zh_CN]}')"
echo "screenshots: all checks passed; PNGs in $OUT_DIR"
