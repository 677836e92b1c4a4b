#!/bin/sh
# weir_routing against the kernel, in a network namespace created here and deleted on every exit.
# usage: netns_policyrouting.sh /path/to/weir-routing-driver
set -u
DRIVER=$1
NS=weir-test-rt-$$
FAILED=0

# Namespaces of earlier runs that were killed.
for old in $(ip netns list | sed -n 's/^\(weir-test-rt-\([0-9]*\)\).*/\1 \2/p' | while read -r n p; do
    [ -d /proc/$p ] || echo "$n"; done); do
    ip netns del "$old"
done

ip netns add "$NS" || exit 1
trap 'ip netns del "$NS" 2>/dev/null' EXIT
trap 'exit 130' INT TERM HUP

in_ns() { ip netns exec "$NS" "$@"; }
fail() { echo "FAIL: $*"; FAILED=1; }
expect_ok() { out=$(in_ns "$DRIVER" "$@" 2>&1) || fail "$* -> $out"; }
check() { # check DESCRIPTION EXPECTED ACTUAL
    if [ "$2" = "$3" ]; then echo "ok: $1"; else fail "$1"; echo "  expected: [$2]"; echo "  actual:   [$3]"; fi
}
rules() { in_ns ip "$@" rule show | grep -v -E 'lookup (local|main|default)$'; }
has() { # has rule|route FAMILY MARK TABLE PREF EXPECTED_EXIT DESCRIPTION
    in_ns "$DRIVER" has-$1 $2 $3 $4 $5 >/dev/null 2>&1
    check "$7" "$6" "$?"
}
routes() { in_ns ip "$@" route show table 100 2>/dev/null | sed 's/ *$//'; }

# lo is down in a fresh namespace: the kernel refuses the IPv6 route and says why in the extended ACK.
out=$(in_ns "$DRIVER" add 6 0x1 100 100 2>&1) && fail "add with lo down succeeded"
case $out in
    *"failed: Network is down (Nexthop device is not up)"*) echo "ok: error carries the kernel's text: $out" ;;
    *) fail "error without the kernel's text: $out" ;;
esac
check "nothing left behind by the failed add" "" "$(rules -6; routes -6)"

# The host's own tables are never used.
out=$(in_ns "$DRIVER" add 4 0x1 254 100 2>&1) && fail "add to the main table succeeded"
case $out in *reserved*) echo "ok: main table refused" ;; *) fail "main table: $out" ;; esac

in_ns ip link set lo up || exit 1
for fam in 4 6; do
    expect_ok add $fam 0x1 100 100
    check "v$fam rule" "100:	from all fwmark 0x1/0x1 lookup 100" "$(rules -$fam)"
    case $fam in
        4) want="local default dev lo scope host" ;;
        6) want="local default dev lo metric 1024 pref medium" ;;
    esac
    check "v$fam route" "$want" "$(routes -$fam)"

    has rule $fam 0x1 100 100 0 "v$fam read-back finds the rule"
    has route $fam 0x1 100 100 0 "v$fam read-back finds the route"
    has rule $fam 0x1 100 101 3 "v$fam read-back: other pref is not ours"
    has rule $fam 0x2 100 100 3 "v$fam read-back: other mark is not ours"
    has route $fam 0x1 101 100 3 "v$fam read-back: other table is not ours"

    expect_ok add $fam 0x1 100 100
    check "v$fam add again: still one rule" "100:	from all fwmark 0x1/0x1 lookup 100" "$(rules -$fam)"
    check "v$fam add again: still one route" "$want" "$(routes -$fam)"

    # A table above 255 only fits the 32-bit attribute.
    expect_ok add $fam 0x80 1000 101
    check "v$fam big table" "101:	from all fwmark 0x80/0x80 lookup 1000" "$(rules -$fam | grep 0x80)"
    has rule $fam 0x80 1000 101 0 "v$fam read-back of a big table's rule"
    has route $fam 0x80 1000 101 0 "v$fam read-back of a big table's route"
    expect_ok remove $fam 0x80 1000 101

    expect_ok remove $fam 0x1 100 100
    check "v$fam removed" "" "$(rules -$fam; routes -$fam)"
    has rule $fam 0x1 100 100 3 "v$fam read-back: rule gone"
    has route $fam 0x1 100 100 3 "v$fam read-back: route gone"
    # Only the route deleted behind our back (drift): the rule alone is not enough.
    expect_ok add $fam 0x1 100 100
    in_ns ip -$fam route del local default dev lo table 100
    has rule $fam 0x1 100 100 0 "v$fam drift: rule still there"
    has route $fam 0x1 100 100 3 "v$fam drift: missing route seen"
    expect_ok remove $fam 0x1 100 100
    expect_ok remove $fam 0x1 100 100
    check "v$fam remove again" "" "$(rules -$fam; routes -$fam)"
done

# Which interface a client is reached through (the connection list's "interface").
in_ns ip link add wlan-lan type veth peer name wlan-peer || exit 1
in_ns ip addr add 192.0.2.1/24 dev wlan-lan
in_ns ip link set wlan-lan up
in_ns ip link set wlan-peer up
check "route-get: a LAN client" "[wlan-lan]" "$(in_ns "$DRIVER" route-get 192.0.2.77 2>&1)"
check "route-get: our own address" "[]" "$(in_ns "$DRIVER" route-get 192.0.2.1 2>&1)"
check "route-get: loopback" "[]" "$(in_ns "$DRIVER" route-get 127.0.0.1 2>&1)"
out=$(in_ns "$DRIVER" route-get 203.0.113.5 2>&1) && fail "route-get without a route succeeded: $out"
case $out in *"no route: Network is unreachable"*) echo "ok: no route: $out" ;; *) fail "route-get: $out" ;; esac

# The host namespace was not touched.
check "host has no fwmark rule of ours" "" "$(ip rule show | grep -E 'lookup (100|1000)$')"

[ $FAILED = 0 ] && echo "PASS" || echo "FAILED"
exit $FAILED
