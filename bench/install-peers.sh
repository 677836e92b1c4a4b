#!/usr/bin/env bash
# Installs what bench/netns/run.sh needs besides Weir's own build dependencies
# (scripts/install-deps.sh), on Debian 12 (bookworm), with apt. The benchmark runs these programs
# itself, inside its namespaces; the packages' own services are not started here.
# Run as root: sudo bench/install-peers.sh. Returns at once when nothing is missing.
set -euo pipefail

packages=(
    # the namespaces, the rules inside them, the sanity request, the figures and the report
    iproute2 iptables curl jq python3 util-linux
    # traffic: TCP/UDP throughput, HTTP requests/s and latency, the HTTP server
    iperf3 wrk nginx-light
    # the upstreams: SOCKS5 (dante) and HTTP CONNECT (tinyproxy)
    dante-server tinyproxy
    # the peers measured next to Weir
    haproxy v2ray redsocks
)

if [[ $(id -u) -ne 0 ]]; then
    echo "install-peers.sh: must be run as root (try: sudo $0)" >&2
    exit 1
fi
if ! command -v apt-get >/dev/null; then
    echo "install-peers.sh: needs apt-get (Debian 12 or a close relative)" >&2
    exit 1
fi

missing=()
for pkg in "${packages[@]}"; do
    status=$(dpkg-query -W -f='${db:Status-Abbrev}' "$pkg" 2>/dev/null || true)
    [[ $status == ii* ]] || missing+=("$pkg")
done
if [[ ${#missing[@]} -eq 0 ]]; then
    echo "install-peers.sh: all ${#packages[@]} packages are already installed"
    exit 0
fi

echo "install-peers.sh: missing: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt_opts=(-o DPkg::Lock::Timeout=600)
# nginx, haproxy, danted and tinyproxy would start as system services on install, listening in this
# machine's namespace. A policy-rc.d that refuses keeps them stopped (only if none is there already).
policy=/usr/sbin/policy-rc.d
if [[ ! -e $policy ]]; then
    printf '#!/bin/sh\nexit 101\n' >"$policy"
    chmod 755 "$policy"
    trap 'rm -f "$policy"' EXIT
fi
echo "+ apt-get update"
apt-get "${apt_opts[@]}" update
# Only what is missing: naming an installed package would also upgrade it, on a machine others use.
echo "+ apt-get install -y --no-install-recommends ${missing[*]}"
apt-get "${apt_opts[@]}" install -y --no-install-recommends "${missing[@]}"
echo "install-peers.sh: done (the packages' services were not started; the benchmark runs its own copies)"
