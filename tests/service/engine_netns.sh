#!/bin/bash
# The Engine against the real kernel (libiptc, rtnetlink, /proc/sys), in a network namespace created
# here and deleted on every exit path. Checks that enable + disable, mode switches, a rejected commit
# mid-change and a kill -9 followed by the guardian's cleanup all leave the namespace's tables,
# rules, routes and sysctls exactly as they were; prints how long apply, switch and remove take.
# usage: engine_netns.sh /path/to/weir-engine-driver
set -u
DRIVER=$1
NS=weir-test-eng-$$
RUN=$(mktemp -d /tmp/weir-engine-netns.XXXXXX)
FAILED=0
DRV_PID=
TPROXY="mode=tproxy scope=both gateway_interfaces=dummy0 gateway_sources=10.77.0.0/16 ip_forward=true udp=true ipv6=true"

# Namespaces of earlier runs that were killed (their script's pid is gone).
for old in $(ip netns list | sed -n 's/^\(weir-test-eng-\([0-9]*\)\).*/\1 \2/p' | while read -r n p; do
    [ -d /proc/$p ] || echo "$n"; done); do
    ip netns pids "$old" 2>/dev/null | xargs -r kill -9
    ip netns del "$old"
done

cleanup() {
    [ -n "$DRV_PID" ] && kill -9 "$DRV_PID" 2>/dev/null
    ip netns pids "$NS" 2>/dev/null | xargs -r kill -9 # only processes inside our own namespace
    ip netns del "$NS" 2>/dev/null
    rm -rf "$RUN"
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

in_ns() { ip netns exec "$NS" "$@"; }
fail() { echo "FAIL: $*"; FAILED=1; }
check() { # check DESCRIPTION EXPECTED ACTUAL
    if [ "$2" = "$3" ]; then echo "ok: $1"; else
        fail "$1"; diff <(echo "$2") <(echo "$3") | head -40; fi
}
contains() { # contains DESCRIPTION NEEDLE HAYSTACK
    case $3 in *"$2"*) echo "ok: $1" ;; *) fail "$1: no \"$2\" in: $3" ;; esac
}
lacks() {
    case $3 in *"$2"*) fail "$1: \"$2\" still in: $3" ;; *) echo "ok: $1" ;; esac
}

# Everything Weir may touch, as the standard tools print it. Counters and the save tools' time
# stamps are the only parts masked: they change with any packet and any second.
snapshot() {
    for save in iptables-legacy-save ip6tables-legacy-save; do
        in_ns $save | grep -v '^#' | sed 's/\[[0-9]*:[0-9]*\]/[0:0]/'
    done
    in_ns ip rule; in_ns ip -6 rule
    in_ns ip route show table all; in_ns ip -6 route show table all
    in_ns sysctl net.ipv4.ip_forward net.ipv6.conf.all.forwarding
}

start_driver() {
    coproc DRV { exec ip netns exec "$NS" env WEIR_RUNTIME_DIR="$RUN" "$DRIVER"; }
    DRV_PID=$DRV_PID
}
send() { echo "$*" >&"${DRV[1]}"; }
reply() { IFS= read -r -t 30 REPLY_LINE <&"${DRV[0]}" || REPLY_LINE="error timeout (no answer in 30 s)"; }
cmd() { send "$@"; reply; }
ms() { echo "$REPLY_LINE" | cut -d' ' -f2; }
expect_ok() { cmd "$@"; case $REPLY_LINE in ok*) echo "ok: $* ($(ms) ms)" ;; *) fail "$* -> $REPLY_LINE" ;; esac; }
expect_error() { cmd "$@"; case $REPLY_LINE in error*) echo "ok: refused: $* -> $REPLY_LINE" ;; *) fail "$* succeeded" ;; esac; }
# A TCP connect to an address nobody answers: it only completes when the proxy core, reached
# through Weir's rules, accepts it.
probe() { in_ns timeout ${2:-3} bash -c "exec 3<>/dev/tcp/$1/80" 2>/dev/null; }
expect_intercepted() {
    probe 198.51.100.1 && probe 2001:db8:5::1 && echo "ok: $1: v4 and v6 connections intercepted" ||
        fail "$1: connections not intercepted"
}
expect_not_intercepted() {
    probe 198.51.100.1 1 || probe 2001:db8:5::1 1 && fail "$1: connection completed without Weir" ||
        echo "ok: $1: no connection without Weir"
}
record() { cat "$RUN"/installed-net*.record 2>/dev/null; }
weir_save() { in_ns iptables-legacy-save | grep -E 'WEIR|^\*'; in_ns ip6tables-legacy-save | grep -E 'WEIR|^\*'; }

HOST_FORWARD=$(sysctl -n net.ipv4.ip_forward)
ip netns add "$NS" || exit 1
in_ns ip link set lo up
# A veth pair whose far end has no address: connections to 198.51.100.1 / 2001:db8:5::1 never get
# an answer, so a connect only completes when Weir's rules deliver it to the proxy core.
# No link-local addresses: they would appear some time after the link comes up, in the middle of
# the snapshots.
in_ns ip link add dummy0 type veth peer name dummy1
in_ns ip link set dummy0 addrgenmode none
in_ns ip link set dummy1 addrgenmode none
in_ns ip link set dummy1 up
in_ns ip addr add 198.51.100.2/24 dev dummy0
in_ns ip addr add 2001:db8:5::2/64 dev dummy0 nodad
in_ns ip link set dummy0 up
# Somebody else's rules, rule and route: they must stay exactly as they are.
for ipt in iptables-legacy ip6tables-legacy; do
    in_ns $ipt -t nat -A OUTPUT -p udp --dport 9 -j RETURN
    in_ns $ipt -t mangle -A PREROUTING -i dummy0 -p udp --dport 9 -j RETURN
done
in_ns ip rule add fwmark 0x99 lookup 99 pref 99
in_ns ip route add local default dev lo table 99
BEFORE=$(snapshot)
expect_not_intercepted "before enable"

start_driver
expect_ok set "$TPROXY"
expect_ok enable
T_ENABLE=$(ms)
SAVE=$(weir_save)
contains "v4 TPROXY rule" "-j TPROXY --on-port 41080 --on-ip 127.0.0.1" "$SAVE"
contains "v6 TPROXY rule" "-j TPROXY --on-port 41080 --on-ip ::1" "$SAVE"
check "ip rule as the preview prints it" "22341:	from all fwmark 0x5746 lookup 22341" "$(in_ns ip rule | grep 22341)"
check "ip -6 rule as the preview prints it" "22341:	from all fwmark 0x5746 lookup 22341" "$(in_ns ip -6 rule | grep 22341)"
check "route table 22341" "local default dev lo scope host" "$(in_ns ip route show table 22341 | sed 's/ *$//')"
check "v6 route table 22341" "local default dev lo metric 1024 pref medium" "$(in_ns ip -6 route show table 22341)"
check "ip_forward on" "1 1" "$(in_ns sysctl -n net.ipv4.ip_forward net.ipv6.conf.all.forwarding | xargs)"
contains "record lists the route" "route ipv6 fwmark 0x5746/0xffffffff table 22341 pref 22341" "$(record)"
contains "record keeps the previous ip_forward" "sysctl /proc/sys/net/ipv4/ip_forward value 1 previous 0" "$(record)"
expect_intercepted "tproxy"
expect_ok health
T_HEALTH=$(ms)

# Drift: repaired when reapply_on_drift (the default), reported otherwise.
in_ns ip rule del pref 22341
in_ns iptables-legacy -t mangle -F WEIR_PREROUTING
expect_ok health
T_REAPPLY=$(ms)
contains "reapply noted" "Z: " "$REPLY_LINE"
check "rule back after reapply" "22341:	from all fwmark 0x5746 lookup 22341" "$(in_ns ip rule | grep 22341)"
check "rules back after reapply" "$SAVE" "$(weir_save)"
expect_ok set reapply_on_drift=false
in_ns ip6tables-legacy -t mangle -D PREROUTING -m comment --comment weir -j WEIR_PREROUTING
expect_error health
contains "drift reason names the table" "ipv6 mangle" "$REPLY_LINE"
in_ns ip -6 route flush table 22341
expect_ok set reapply_on_drift=true
expect_ok health
check "all back" "$SAVE" "$(weir_save)"

# Mode switches while enabled: nat gains Weir's rules and mangle loses them, and back.
expect_ok set mode=redirect udp=false
T_TO_REDIRECT=$(ms)
SAVE_R=$(weir_save)
contains "nat REDIRECT" "-j REDIRECT --to-ports 41080" "$SAVE_R"
lacks "no TPROXY left" "TPROXY" "$SAVE_R"
check "no fwmark rule in redirect mode" "" "$(in_ns ip rule | grep 22341; in_ns ip -6 rule | grep 22341)"
check "table 22341 empty" "" "$(in_ns ip route show table 22341 2>/dev/null)"
expect_intercepted "redirect after the switch"
expect_ok set mode=tproxy udp=true
T_TO_TPROXY=$(ms)
check "tproxy again" "$SAVE" "$(weir_save)"
expect_intercepted "tproxy after switching back"

# The kernel rejects the IPv6 mangle commit in the middle of REDIRECT -> TPROXY: the REDIRECT
# plan must still be installed, exactly, and working.
expect_ok set mode=redirect udp=false
SNAP_R=$(snapshot)
expect_ok fault ipv6 mangle
expect_error set mode=tproxy udp=true
T_FAILED=$(ms)
expect_ok fault -
check "old plan installed after the rejected change" "$SNAP_R" "$(snapshot)"
expect_intercepted "redirect after the rejected change"
expect_ok health
contains "record is the old plan again" "-j REDIRECT" "$(record)"
lacks "record has no TPROXY" "TPROXY" "$(record)"

expect_ok disable
T_DISABLE=$(ms)
check "disable leaves everything as before" "$BEFORE" "$(snapshot)"
check "no record after disable" "" "$(record)"

# Enable TPROXY, disable: byte for byte as before (the main check of the brief).
expect_ok set mode=tproxy udp=true
expect_ok enable
T_ENABLE2=$(ms)
expect_ok disable
T_DISABLE2=$(ms)
check "tproxy enable + disable leaves everything as before" "$BEFORE" "$(snapshot)"
expect_not_intercepted "after disable"

# kill -9 in the middle of TPROXY -> REDIRECT (after the nat commit, before the old mangle rules,
# routes and sysctls go): the guardian's cleanup from the record restores everything.
expect_ok enable
expect_ok hang-after-apply
send set mode=redirect udp=false
reply
check "driver hangs inside the change" "hanging" "$REPLY_LINE"
contains "record covers the new plan" "-j REDIRECT" "$(record)"
contains "record still covers the old plan" "-j TPROXY" "$(record)"
kill -9 "$DRV_PID"
wait "$DRV_PID" 2>/dev/null
DRV_PID=
contains "both plans half-installed" "REDIRECT" "$(weir_save)"
START=$(date +%s%N)
OUT=$(in_ns env WEIR_RUNTIME_DIR="$RUN" "$DRIVER" cleanup)
T_CLEANUP=$((($(date +%s%N) - START) / 1000000))
contains "cleanup after the crash" "ok removed" "$OUT"
check "crash + cleanup leaves everything as before" "$BEFORE" "$(snapshot)"
check "record removed by the cleanup" "" "$(record)"
# kill -9 in the middle of enable (rules committed, routes and sysctls not yet): the same.
start_driver
expect_ok set "$TPROXY"
expect_ok hang-after-apply
send enable
reply
check "driver hangs inside enable" "hanging" "$REPLY_LINE"
kill -9 "$DRV_PID"
wait "$DRV_PID" 2>/dev/null
DRV_PID=
contains "rules installed when killed" "TPROXY" "$(weir_save)"
OUT=$(in_ns env WEIR_RUNTIME_DIR="$RUN" "$DRIVER" cleanup)
contains "cleanup after the crash in enable" "ok removed" "$OUT"
check "crash in enable + cleanup leaves everything as before" "$BEFORE" "$(snapshot)"
OUT=$(in_ns env WEIR_RUNTIME_DIR="$RUN" "$DRIVER" cleanup)
check "a second cleanup finds nothing" "ok removed 0" "$OUT"

check "host ip_forward untouched" "$HOST_FORWARD" "$(sysctl -n net.ipv4.ip_forward)"
check "host has no rule of ours" "" "$(ip rule | grep 22341)"

echo "TIMING enable_tproxy_ms=$T_ENABLE enable_again_ms=$T_ENABLE2 switch_to_redirect_ms=$T_TO_REDIRECT" \
    "switch_to_tproxy_ms=$T_TO_TPROXY failed_switch_with_rollback_ms=$T_FAILED disable_ms=$T_DISABLE" \
    "disable_tproxy_ms=$T_DISABLE2 health_check_ms=$T_HEALTH health_with_reapply_ms=$T_REAPPLY" \
    "crash_cleanup_process_ms=$T_CLEANUP"
[ $FAILED = 0 ] && echo "PASS" || echo "FAILED"
exit $FAILED
