// Plans shared by the unit test, the netns test and its driver.
#pragma once

#include "firewall/ruleplan.h"

namespace weir::firewall::test {

inline InterceptSettings nonDefaultSettings() {
    InterceptSettings s;
    s.proxyPort = 12345;
    s.bypassMark = 0x1;
    return s;
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
    RulePlan p = *planRules(InterceptSettings{});
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
