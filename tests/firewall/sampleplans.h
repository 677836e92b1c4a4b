// Plans shared by the unit test, the netns test and its driver.
#pragma once

#include "firewall/ruleplan.h"

#include <optional>
#include <string>
#include <vector>

namespace weir::firewall::test {

using weir::Mode;
using weir::Settings;

// One settings case per golden file (golden/<name>.rules). The netns test applies each of them, so
// interfaces need not exist but cgroup paths must ("/" always does).
struct PlanCase {
    const char* name;
    Settings settings;
};

inline Cidr cidr(const char* text) {
    return *Cidr::parse(text);
}

inline std::vector<PlanCase> planCases() {
    std::vector<PlanCase> cases;
    auto add = [&cases](const char* name, auto change) {
        Settings s;
        change(s);
        cases.push_back({name, s});
    };
    auto gateway = [](Settings& s, Scope scope) {
        s.scope = scope;
        s.gatewayInterfaces = {"eth1", "wlan+"};
        s.gatewaySources = {cidr("192.168.50.0/24"), cidr("fd00:50::/64")};
    };
    add("redirect-local-v4", [](Settings& s) { s.ipv6 = false; });
    add("redirect-local", [](Settings&) {});
    add("redirect-gateway", [&](Settings& s) { gateway(s, Scope::Gateway); });
    add("redirect-both-v4-sources", [](Settings& s) {
        s.scope = Scope::Both;
        s.gatewayInterfaces = {"eth1"};
        s.gatewaySources = {cidr("10.8.0.0/16"), cidr("10.9.0.0/16")}; // no IPv6 LAN: v6 local only
    });
    add("redirect-ports-port12345-mark1", [](Settings& s) {
        s.ports = {{80, 80}, {443, 443}, {8000, 8100}};
        s.proxyPort = 12345;
        s.outgoingMark = 0x1;
    });
    add("redirect-exclusions", [](Settings& s) {
        s.excludeUids = {0, 1000};
        s.excludeGids = {100};
        s.excludeCgroups = {"/"};
    });
    add("redirect-bypass-no-private", [](Settings& s) {
        s.bypassPrivate = false;
        s.bypass = {cidr("203.0.113.0/24"), cidr("198.51.100.7"), cidr("2001:db8:1:2::/64")};
    });
    add("tproxy-local-v4", [](Settings& s) {
        s.mode = Mode::Tproxy;
        s.ipv6 = false;
    });
    add("tproxy-local-udp", [](Settings& s) {
        s.mode = Mode::Tproxy;
        s.udp = true;
    });
    add("tproxy-gateway-udp", [&](Settings& s) {
        s.mode = Mode::Tproxy;
        s.udp = true;
        gateway(s, Scope::Gateway);
    });
    add("tproxy-both-ports-exclusions", [&](Settings& s) {
        s.mode = Mode::Tproxy;
        s.udp = true;
        gateway(s, Scope::Both);
        s.ports = {{53, 53}, {443, 443}};
        s.excludeUids = {1000};
        s.excludeCgroups = {"/"};
    });
    add("tproxy-both-no-private-bypass", [&](Settings& s) {
        s.mode = Mode::Tproxy;
        gateway(s, Scope::Both);
        s.bypassPrivate = false;
        s.bypass = {cidr("10.0.0.0/8"), cidr("fd12::/16")};
        s.fwmark = 0x1;
        s.outgoingMark = 0x2;
        s.proxyPort = 7893;
    });
    return cases;
}

inline std::optional<Settings> caseSettings(const std::string& name) {
    for (const auto& c : planCases())
        if (name == c.name)
            return c.settings;
    return std::nullopt;
}

// A plan touching ipv4 nat, ipv4 mangle and ipv6 mangle (in that order), for the rollback test.
inline RulePlan threeTablePlan() {
    RulePlan p = *planRules(*caseSettings("redirect-local-v4"));
    const RulePlan tproxy = *planRules(*caseSettings("tproxy-local-udp"));
    p.chains.insert(p.chains.end(), tproxy.chains.begin(), tproxy.chains.end());
    p.rules.insert(p.rules.end(), tproxy.rules.begin(), tproxy.rules.end());
    return p;
}

inline Rule taggedRule(Family family, Table table, std::string chain, Target target) {
    Rule r;
    r.family = family;
    r.table = table;
    r.chain = std::move(chain);
    r.target = std::move(target);
    return r;
}

inline void tag(Rule& r) {
    r.matches.emplace_back(CommentMatch{kRuleComment});
}

// Every match, target, header field and family the data model has, in shapes the kernel accepts,
// so the renderer can be checked against what iptables-legacy-save prints (the TPROXY/IPv6 steps
// build on this).
inline RulePlan extendedSamplePlan() {
    using F = Family;
    using T = Table;
    RulePlan p;
    p.chains = {{F::V4, T::Mangle, "WEIR_PREROUTING"},
                {F::V4, T::Mangle, "WEIR_OUTPUT"},
                {F::V6, T::Nat, "WEIR_OUTPUT"},
                {F::V6, T::Mangle, "WEIR_PREROUTING"}};

    Rule r = taggedRule(F::V4, T::Mangle, "PREROUTING", JumpTarget{"WEIR_PREROUTING"});
    r.position = Rule::Position::InsertTop;
    tag(r);
    p.rules.push_back(r);

    r = taggedRule(F::V4, T::Mangle, "OUTPUT", JumpTarget{"WEIR_OUTPUT"});
    r.position = Rule::Position::InsertTop;
    r.protocol = Protocol::Udp;
    tag(r);
    p.rules.push_back(r);

    r = taggedRule(F::V4, T::Mangle, "WEIR_PREROUTING", TproxyTarget{12345, "127.0.0.1", 0x1, 0x1});
    r.destination = Cidr{"10.1.2.3", 8}; // host bits are cleared on the way in
    r.invertDestination = true;
    r.protocol = Protocol::Tcp;
    r.matches.emplace_back(MarkMatch{0x1, 0xff, true});
    r.matches.emplace_back(AddrTypeMatch{AddrTypeMatch::Type::Local, true});
    tag(r);
    p.rules.push_back(r);

    r = taggedRule(F::V4, T::Mangle, "WEIR_OUTPUT", ReturnTarget{});
    r.destination = Cidr{"192.0.2.0", 24};
    tag(r);
    p.rules.push_back(r);

    r = taggedRule(F::V4, T::Mangle, "WEIR_OUTPUT", MarkTarget{0x1, 0xffffffff});
    r.outInterface = "lo";
    r.invertOutInterface = true;
    r.protocol = Protocol::Udp;
    tag(r);
    p.rules.push_back(r);

    r = taggedRule(F::V6, T::Nat, "OUTPUT", JumpTarget{"WEIR_OUTPUT"});
    r.position = Rule::Position::InsertTop;
    r.protocol = Protocol::Tcp;
    tag(r);
    p.rules.push_back(r);

    r = taggedRule(F::V6, T::Nat, "WEIR_OUTPUT", ReturnTarget{});
    r.matches.emplace_back(MarkMatch{0x5745, 0xffffffff, false});
    tag(r);
    p.rules.push_back(r);

    r = taggedRule(F::V6, T::Nat, "WEIR_OUTPUT", ReturnTarget{});
    r.destination = Cidr{"::1", 128};
    tag(r);
    p.rules.push_back(r);

    r = taggedRule(F::V6, T::Nat, "WEIR_OUTPUT", RedirectTarget{41080});
    r.protocol = Protocol::Tcp;
    r.outInterface = "wv+";
    tag(r);
    p.rules.push_back(r);

    r = taggedRule(F::V6, T::Mangle, "PREROUTING", JumpTarget{"WEIR_PREROUTING"});
    r.position = Rule::Position::InsertTop;
    tag(r);
    p.rules.push_back(r);

    r = taggedRule(F::V6, T::Mangle, "WEIR_PREROUTING", TproxyTarget{12345, "::1", 0x1, 0x1});
    r.protocol = Protocol::Udp;
    r.destination = Cidr{"2001:db8::", 32};
    tag(r);
    p.rules.push_back(r);
    return p;
}

// The REDIRECT plan plus a REDIRECT in mangle, which the kernel refuses ("only valid in nat table").
inline RulePlan rejectedPlan() {
    RulePlan p = *planRules(*caseSettings("redirect-local-v4"));
    p.chains.push_back({Family::V4, Table::Mangle, "WEIR_BAD"});
    Rule r = taggedRule(Family::V4, Table::Mangle, "WEIR_BAD", RedirectTarget{41080});
    r.protocol = Protocol::Tcp;
    tag(r);
    p.rules.push_back(r);
    Rule jump = taggedRule(Family::V4, Table::Mangle, "OUTPUT", JumpTarget{"WEIR_BAD"});
    jump.position = Rule::Position::InsertTop;
    tag(jump);
    p.rules.push_back(jump);
    return p;
}

} // namespace weir::firewall::test
