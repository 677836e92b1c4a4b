# shellcheck shell=bash
# shellcheck disable=SC2034 # the constants below are used by the files run.sh sources after this one
# The benchmark's namespaces, sourced by run.sh.
#
#   client C                gateway G (fresh for every row)                    server S
#   c0 10.9.0.2/24, .3 <->  g-c 10.9.0.1/24        g-s 192.0.2.1/24  <--->  s0 192.0.2.2/24
#   default via G          g-u 198.51.100.1/24                               lo 203.0.113.5/32
#                           routes to 203.0.113.5 and 198.18.0.2             nginx :80, iperf3 :5201,
#                                                                            idle holder :9000
#                                  |                                         default via G
#                          upstream U: u0 198.51.100.2/24, lo 198.18.0.2/32
#                          dante :1080, tinyproxy :8888, default via G
#
# The server's address and the upstream's service address sit on loopback, so they survive the
# gateway being rebuilt. None of them is in the ranges Weir's rules leave alone (10/8, 172.16/12,
# 192.168/16, 100.64/10, ...), except the client's own, which is where a LAN would be.
# Everything happens inside namespaces this script creates; the caller's own is never touched.

CLIENT_IP=10.9.0.2
IDLE_CLIENT_IP=10.9.0.3 # the idle connections' source (measure.sh says why)
CLIENT_NET=10.9.0.0/16
GATEWAY_LAN_IP=10.9.0.1
GATEWAY_WAN_IP=192.0.2.1
SERVER_IP=203.0.113.5
UPSTREAM_LINK_GW=198.51.100.1
UPSTREAM_LINK_IP=198.51.100.2
UPSTREAM_IP=198.18.0.2
LAN_IF=g-c

in_c() { ip netns exec "$C" "$@"; }
in_g() { ip netns exec "$G" "$@"; }
in_s() { ip netns exec "$S" "$@"; }
in_u() { ip netns exec "$U" "$@"; }

# Sysctls for many short connections: wide port range, TIME-WAIT reuse on the connecting side.
tune_ns() { # ns
    ip netns exec "$1" sysctl -qw net.ipv4.ip_local_port_range="1024 65000" net.ipv4.tcp_tw_reuse=1 \
        net.core.somaxconn=8192 net.ipv4.tcp_max_syn_backlog=8192
}

# The namespaces that live for the whole run.
ends_up() {
    local ns
    for ns in "$C" "$S" "$U"; do
        ip netns add "$ns" || die "ip netns add $ns"
        ip -n "$ns" link set lo up
        tune_ns "$ns"
    done
    ip -n "$S" addr add "$SERVER_IP/32" dev lo
    ip -n "$U" addr add "$UPSTREAM_IP/32" dev lo
}

# A fresh gateway and its three links; returns non-zero when something cannot be set up.
gateway_up() {
    ip netns add "$G" || return 1
    ip -n "$G" link set lo up
    tune_ns "$G"
    ip link add c0 netns "$C" type veth peer name "$LAN_IF" netns "$G" || return 1
    ip link add g-s netns "$G" type veth peer name s0 netns "$S" || return 1
    ip link add g-u netns "$G" type veth peer name u0 netns "$U" || return 1
    ip -n "$C" addr add "$CLIENT_IP/24" dev c0
    ip -n "$C" addr add "$IDLE_CLIENT_IP/24" dev c0
    ip -n "$G" addr add "$GATEWAY_LAN_IP/24" dev "$LAN_IF"
    ip -n "$G" addr add "$GATEWAY_WAN_IP/24" dev g-s
    ip -n "$S" addr add 192.0.2.2/24 dev s0
    ip -n "$G" addr add "$UPSTREAM_LINK_GW/24" dev g-u
    ip -n "$U" addr add "$UPSTREAM_LINK_IP/24" dev u0
    ip -n "$C" link set c0 up
    ip -n "$S" link set s0 up
    ip -n "$U" link set u0 up
    local dev
    for dev in "$LAN_IF" g-s g-u; do ip -n "$G" link set "$dev" up; done
    ip -n "$C" route add default via "$GATEWAY_LAN_IP" || return 1
    ip -n "$S" route add default via "$GATEWAY_WAN_IP" || return 1
    ip -n "$U" route add default via "$UPSTREAM_LINK_GW" || return 1
    ip -n "$G" route add "$SERVER_IP/32" via 192.0.2.2 || return 1
    ip -n "$G" route add "$UPSTREAM_IP/32" via "$UPSTREAM_LINK_IP" || return 1
    in_g sysctl -qw net.ipv4.ip_forward=1 net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.default.rp_filter=0 \
        net.ipv4.conf."$LAN_IF".rp_filter=0
}

# Ends everything in the gateway (the row's proxy), then deletes it with its links.
gateway_down() {
    ip netns pids "$G" 2>/dev/null | xargs -r kill -9 2>/dev/null || true
    ip netns del "$G" 2>/dev/null || true
    # Deleting a namespace is asynchronous; wait until the links are gone before making new ones.
    local _
    for _ in $(seq 50); do
        ip -n "$C" link show c0 >/dev/null 2>&1 || return 0
        sleep 0.1
    done
}
