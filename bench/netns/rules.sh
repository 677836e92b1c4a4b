# shellcheck shell=bash
# Netfilter rules and policy routes for the rows, installed in the gateway namespace only (sourced by
# run.sh). The REDIRECT and TPROXY sets are the ones Weir's planner makes for scope "gateway" (see
# tests/plan/golden/redirect-gateway-v4.preview and tproxy-both-forward.preview), with the LAN
# interface and source range of this topology, applied with iptables-legacy like Weir's libiptc
# backend. Every proxy row, Weir's or a peer's, gets the same rules, only the port differs.

TPROXY_MARK=0x10
TPROXY_TABLE=300

# Destinations the planner never intercepts.
weir_return_lines() { # chain
    local d
    echo "-A $1 -d 127.0.0.0/8 -m comment --comment weir -j RETURN"
    echo "-A $1 -m addrtype --dst-type LOCAL -m comment --comment weir -j RETURN"
    for d in 169.254.0.0/16 224.0.0.0/4 255.255.255.255/32 10.0.0.0/8 172.16.0.0/12 192.168.0.0/16 \
        100.64.0.0/10; do
        echo "-A $1 -d $d -m comment --comment weir -j RETURN"
    done
}

rules_redirect() { # port
    {
        echo "*nat"
        echo ":WEIR_PREROUTING - [0:0]"
        echo "-A PREROUTING -s $CLIENT_NET -i $LAN_IF -p tcp -m comment --comment weir -j WEIR_PREROUTING"
        weir_return_lines WEIR_PREROUTING
        echo "-A WEIR_PREROUTING -p tcp -m comment --comment weir -j REDIRECT --to-ports $1"
        echo "COMMIT"
    } | in_g iptables-legacy-restore
}

rules_tproxy() { # port
    local divert="-m comment --comment weir -j TPROXY --on-port $1 --on-ip 0.0.0.0"
    {
        echo "*mangle"
        echo ":WEIR_DIVERT - [0:0]"
        echo ":WEIR_PREROUTING - [0:0]"
        echo "-A PREROUTING -m comment --comment weir -j WEIR_PREROUTING"
        echo "-A WEIR_DIVERT -m comment --comment weir -j MARK --set-xmark $TPROXY_MARK/0xffffffff"
        echo "-A WEIR_DIVERT -m comment --comment weir -j ACCEPT"
        echo "-A WEIR_PREROUTING -p tcp -m socket --transparent -m tcp ! --tcp-flags FIN,SYN,RST,ACK SYN" \
            "-m comment --comment weir -j WEIR_DIVERT"
        echo "-A WEIR_PREROUTING -p tcp -m tcp ! --tcp-flags FIN,SYN,RST,ACK SYN -m comment --comment weir -j RETURN"
        weir_return_lines WEIR_PREROUTING
        echo "-A WEIR_PREROUTING -s $CLIENT_NET -i $LAN_IF -p tcp $divert --tproxy-mark $TPROXY_MARK/0xffffffff"
        echo "-A WEIR_PREROUTING -s $CLIENT_NET -i $LAN_IF -p udp $divert --tproxy-mark $TPROXY_MARK/0xffffffff"
        echo "COMMIT"
    } | in_g iptables-legacy-restore || return 1
    ip -n "$G" rule add fwmark "$TPROXY_MARK" lookup "$TPROXY_TABLE" pref "$TPROXY_TABLE" || return 1
    ip -n "$G" route add local default dev lo table "$TPROXY_TABLE"
}

rules_masquerade() {
    in_g iptables-legacy -t nat -A POSTROUTING -s "$CLIENT_NET" -o g-s -j MASQUERADE
}

# Packets that went through the row's interception rule (REDIRECT, TPROXY or MASQUERADE): proof
# that the row's traffic took the path it names.
intercepted_packets() {
    {
        in_g iptables-legacy -t nat -L -v -n -x 2>/dev/null
        in_g iptables-legacy -t mangle -L -v -n -x 2>/dev/null
    } | awk '$3 == "REDIRECT" || $3 == "TPROXY" || $3 == "MASQUERADE" { n += $1 } END { print n + 0 }'
}

# The gateway's rules for the report: tables with rules of their own, and the policy routing added.
save_rules() {
    in_g iptables-legacy-save | awk '
        /^\*/ { table = $0; body = ""; next }
        /^COMMIT/ { if (body != "") print table "\n" body "COMMIT"; next }
        /^-A/ || /^:WEIR/ { body = body $0 "\n" }'
    ip -n "$G" rule show | awk '$1 != "0:" && $1 != "32766:" && $1 != "32767:" { print "ip rule: " $0 }'
    ip -n "$G" route show table "$TPROXY_TABLE" 2>/dev/null | sed "s/^/ip route table $TPROXY_TABLE: /" || true
}
