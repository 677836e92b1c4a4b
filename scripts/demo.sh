#!/usr/bin/env bash
# Terminal demo of Weir, entirely inside throwaway network namespaces and a private system bus:
# the helper turns REDIRECT interception on in a "client" namespace, curl makes real connections to a
# real HTTP server in a "server" namespace, and the live connection table shows the destinations the
# kernel took away and Weir recovered. Then everything is turned off and removed.
# Usage (as root): scripts/demo.sh   (WEIR_HELPER / WEIRCTL override the binaries' paths)
set -euo pipefail
SRC=$(cd "$(dirname "$0")/.." && pwd)
WEIR_HELPER=${WEIR_HELPER:-/usr/local/libexec/weir-helper}
WEIRCTL=${WEIRCTL:-/usr/local/bin/weirctl}
# shellcheck source=lib/privatebus.sh
source "$SRC/scripts/lib/privatebus.sh"

[ "$(id -u)" = 0 ] || { echo "the demo needs root (network namespaces): sudo $0" >&2; exit 1; }
for f in "$WEIR_HELPER" "$WEIRCTL"; do
    [ -x "$f" ] || { echo "missing $f: build and install first (scripts/run.sh does both)" >&2; exit 1; }
done

TAG="weir-demo-$$"
NS_C="$TAG-client"
NS_S="$TAG-server"
DIR=$(mktemp -d /tmp/weir-demo.XXXXXX)
chmod 755 "$DIR" # polkitd (user polkitd) and the bus must reach the socket inside
export WEIR_RUNTIME_DIR="$DIR/run" # the demo helper's instance lock and install record
export WEIR_STATE_DIR="$DIR/state"  # its settings file: the machine's own /var/lib/weir stays untouched
PIDS=()
cleanup() {
    set +e
    for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
    ip netns del "$NS_C" 2>/dev/null
    ip netns del "$NS_S" 2>/dev/null
    weir_bus_stop "$DIR/bus"
    rm -rf "$DIR"
}
trap cleanup EXIT
if [ -t 1 ]; then bold=$'\033[1m' plain=$'\033[0m'; else bold= plain=; fi
step() { printf '\n%s== %s%s\n' "$bold" "$*" "$plain"; }
show() { printf '$ %s\n' "$*"; "$@"; }

step "Two throwaway network namespaces: $NS_C (198.51.100.1) and $NS_S (198.51.100.2)"
ip netns add "$NS_C"
ip netns add "$NS_S"
ip link add "wdc$$" netns "$NS_C" type veth peer name "wds$$" netns "$NS_S"
ip -n "$NS_C" addr add 198.51.100.1/24 dev "wdc$$"
ip -n "$NS_S" addr add 198.51.100.2/24 dev "wds$$"
for ns in "$NS_C" "$NS_S"; do ip -n "$ns" link set lo up; done
ip -n "$NS_C" link set "wdc$$" up
ip -n "$NS_S" link set "wds$$" up
mkdir -p "$DIR/www"
echo "hello from the server namespace" >"$DIR/www/index.html"
head -c 2000000 /dev/urandom >"$DIR/www/big.bin"
head -c 50000000 /dev/zero >"$DIR/www/slow.bin"
ip netns exec "$NS_S" python3 -m http.server 80 --bind 198.51.100.2 --directory "$DIR/www" >"$DIR/server.log" 2>&1 &
PIDS+=($!)
echo "HTTP server listening on 198.51.100.2:80"

step "A private system bus with polkitd, and weir-helper in $NS_C"
mkdir -p "$DIR/bus"
weir_bus_start "$DIR/bus" "$SRC"
weir_polkit_start "$DIR/bus" "$SRC"
ip netns exec "$NS_C" "$WEIR_HELPER" >"$DIR/helper.log" 2>&1 &
PIDS+=($!)
for _ in $(seq 100); do
    "$WEIRCTL" status >/dev/null 2>&1 && break
    sleep 0.1
done
show "$WEIRCTL" status

step "Turn REDIRECT interception on"
show "$WEIRCTL" enable
show ip netns exec "$NS_C" iptables-legacy-save -t nat

step "Real connections from $NS_C; no program is configured to use a proxy"
show ip netns exec "$NS_C" curl -sS http://198.51.100.2/
show ip netns exec "$NS_C" curl -sS -o /dev/null -w 'downloaded %{size_download} bytes\n' http://198.51.100.2/big.bin
show ip netns exec "$NS_C" curl -sS -o /dev/null -w 'status %{http_code}\n' http://198.51.100.2/missing
# One slow download stays open, so the table shows a live connection too.
ip netns exec "$NS_C" curl -sS -o /dev/null --limit-rate 200k http://198.51.100.2/slow.bin &
PIDS+=($!)
sleep 1.5

step "The live connection table: original destinations recovered from the kernel"
show "$WEIRCTL" connections
echo
echo "The same as JSON (first entry):"
"$WEIRCTL" connections --json | python3 -c 'import json,sys; print(json.dumps(json.load(sys.stdin)[0], indent=2))'

step "Switch to TPROXY while interception is on (one transaction: new rules in, old ones out)"
show "$WEIRCTL" config set mode=tproxy udp=true
show ip netns exec "$NS_C" iptables-legacy-save -t mangle
show ip netns exec "$NS_C" ip rule
show ip netns exec "$NS_C" curl -sS http://198.51.100.2/
"$WEIRCTL" connections | head -1
"$WEIRCTL" connections | grep ' tproxy ' | tail -n 1
echo "The slow download started under REDIRECT is still running:"
"$WEIRCTL" connections | grep ' established ' | head -n 2

step "Turn interception off and remove everything"
show "$WEIRCTL" disable
show ip netns exec "$NS_C" iptables-legacy-save -t nat
show ip netns exec "$NS_C" iptables-legacy-save -t mangle
show ip netns exec "$NS_C" ip rule
echo "Removing the namespaces and the private bus."
