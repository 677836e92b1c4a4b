// Settings cases shared by the plan and install record golden tests (one golden file per case).
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "config/settings.h"

namespace weir::testing {

inline std::vector<std::pair<std::string, Settings>> sampleSettings() {
    std::vector<std::pair<std::string, Settings>> out;
    Settings redirect; // the defaults: REDIRECT, this machine, IPv4 and IPv6
    out.emplace_back("redirect-local", redirect);

    Settings tproxy;
    tproxy.mode = Mode::Tproxy;
    tproxy.udp = true;
    out.emplace_back("tproxy-local-udp", tproxy);

    Settings gateway;
    gateway.mode = Mode::Tproxy;
    gateway.scope = Scope::Both;
    gateway.gatewayInterfaces = {"eth1"};
    gateway.gatewaySources = {*Cidr::parse("192.168.7.0/24"), *Cidr::parse("fd00:7::/64")};
    gateway.ipForward = true;
    gateway.udp = true;
    gateway.proxyPort = 12345;
    gateway.fwmark = 0x10;
    gateway.routeTable = 300;
    out.emplace_back("tproxy-both-forward", gateway);

    Settings v4gateway;
    v4gateway.scope = Scope::Gateway;
    v4gateway.ipv6 = false;
    v4gateway.ipForward = true;
    v4gateway.gatewayInterfaces = {"br-lan"};
    v4gateway.gatewaySources = {*Cidr::parse("10.9.0.0/16")};
    out.emplace_back("redirect-gateway-v4", v4gateway);
    return out;
}

} // namespace weir::testing
