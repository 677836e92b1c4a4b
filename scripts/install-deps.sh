#!/usr/bin/env bash
# Installs everything Weir needs to build, run and test on Debian 12 (bookworm), with apt.
# Run as root: sudo scripts/install-deps.sh. Repeated runs return at once when nothing is missing.
set -euo pipefail

packages=(
    # toolchain
    cmake g++ make pkg-config git ca-certificates
    # Qt 6 (qt6-base-dev already depends on libgl-dev, libvulkan-dev etc. that Qt6Gui's CMake config
    # looks for); lupdate/lrelease; the SVG plugins for the icons
    qt6-base-dev qt6-base-dev-tools qt6-tools-dev qt6-tools-dev-tools qt6-l10n-tools libqt6svg6
    # silences CMake's harmless "Could NOT find XKB"
    libxkbcommon-dev
    # netfilter and rtnetlink
    libiptc-dev libxtables-dev libmnl-dev
    # the helper's run-time world: system bus, Polkit, iptables-legacy-save for checks,
    # ip/ip netns for the namespace tests, setpriv and flock, pgrep/pkill
    dbus polkitd pkexec iptables iproute2 util-linux procps
    # tests and demos: traffic, screenshots on a virtual X server with a tray host
    curl python3 xvfb xauth imagemagick trayer xdotool fonts-dejavu-core
    # CJK glyphs for the Chinese screenshots (a small Simplified Chinese font; fc-list to find it)
    fonts-wqy-microhei fontconfig
    # Qt's own strings (standard buttons, --help) in German and Chinese: tests/i18n checks they load
    qt6-translations-l10n
    # packaging checks: xmllint, desktop-file-validate, appstreamcli, systemd-analyze verify
    libxml2-utils desktop-file-utils appstream systemd
    # nft, to test the helper's warning about nftables chains beside its iptables rules
    nftables
    # upstream proxies the netns tests go through: SOCKS5 (two servers) and HTTP CONNECT
    microsocks dante-server tinyproxy
    # conntrack -F between the phases of the relay's netns test
    conntrack
    # the fuzzers: clang with libFuzzer and its ASan/UBSan runtimes (GCC's come with g++)
    clang libclang-rt-14-dev
    # the live-feed test's D-Bus clients: a Python subscriber (Gio) and gdbus for raw calls
    python3-gi gir1.2-glib-2.0 libglib2.0-bin
    # the settings fault test holds the helper inside a save (strace's syscall delay) to kill it there
    strace
)

if [[ $(id -u) -ne 0 ]]; then
    echo "install-deps.sh: must be run as root (try: sudo $0)" >&2
    exit 1
fi
if ! command -v apt-get >/dev/null; then
    echo "install-deps.sh: needs apt-get (Debian 12 or a close relative)" >&2
    exit 1
fi

missing=()
for pkg in "${packages[@]}"; do
    status=$(dpkg-query -W -f='${db:Status-Abbrev}' "$pkg" 2>/dev/null || true)
    [[ $status == ii* ]] || missing+=("$pkg")
done

if [[ ${#missing[@]} -eq 0 ]]; then
    echo "install-deps.sh: all ${#packages[@]} packages are already installed"
    exit 0
fi

echo "install-deps.sh: missing: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
# Waits for a concurrent apt/dpkg instead of failing on its lock.
apt_opts=(-o DPkg::Lock::Timeout=600)
echo "+ apt-get update"
apt-get "${apt_opts[@]}" update
# Only what is missing: naming an installed package would also upgrade it, on a machine others use.
echo "+ apt-get install -y --no-install-recommends ${missing[*]}"
apt-get "${apt_opts[@]}" install -y --no-install-recommends "${missing[@]}"
echo "install-deps.sh: done"
