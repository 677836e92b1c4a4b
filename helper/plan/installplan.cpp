#include "plan/installplan.h"

namespace weir::plan {

namespace {

std::vector<Family> families(const Settings& s) {
    if (s.ipv6)
        return {Family::V4, Family::V6};
    return {Family::V4};
}

// TPROXY needs `ip rule fwmark M lookup T` and `local default dev lo table T` per family. The
// rule's preference is the table number: unique to Weir's table, and easy to tell apart in `ip rule`.
std::vector<RouteSpec> planRoutes(const Settings& s) {
    std::vector<RouteSpec> out;
    if (s.mode != Mode::Tproxy)
        return out;
    for (Family f : families(s)) {
        RouteSpec r;
        r.family = f;
        r.route.fwmark = s.fwmark;
        r.route.mask = 0xffffffff; // the mark is matched exactly (see kDefaultFwmark)
        r.route.table = s.routeTable;
        r.route.priority = s.routeTable;
        out.push_back(r);
    }
    return out;
}

std::vector<SysctlSpec> planSysctls(const Settings& s) {
    std::vector<SysctlSpec> out;
    if (!s.ipForward)
        return out;
    out.push_back({"/proc/sys/net/ipv4/ip_forward", "1"});
    if (s.ipv6)
        out.push_back({"/proc/sys/net/ipv6/conf/all/forwarding", "1"});
    return out;
}

// Listeners are transparent in both modes: IP_TRANSPARENT does no harm to a REDIRECT listener, and
// identical listeners let a REDIRECT <-> TPROXY switch keep the same sockets open throughout.
std::vector<core::ListenerConfig> planListeners(const Settings& s) {
    std::vector<core::ListenerConfig> out;
    std::vector<Protocol> protocols{Protocol::Tcp};
    if (s.mode == Mode::Tproxy && s.udp)
        protocols.push_back(Protocol::Udp);
    for (Family f : families(s))
        for (Protocol p : protocols)
            out.push_back({f, p, firewall::tproxyListenAddress(f, s.scope), s.proxyPort, true});
    return out;
}

} // namespace

std::optional<InstallPlan> makePlan(const Settings& settings, std::string* error) {
    auto rules = firewall::planRules(settings, error);
    if (!rules)
        return std::nullopt;
    InstallPlan plan;
    plan.settings = settings;
    plan.rules = std::move(*rules);
    plan.routes = planRoutes(settings);
    plan.sysctls = planSysctls(settings);
    plan.listeners = planListeners(settings);
    plan.sourceFilter.allowLocal = includesLocal(settings.scope);
    plan.sourceFilter.allowed = settings.gatewaySources;
    return plan;
}

firewall::RulePlan unionRules(const firewall::RulePlan& a, const firewall::RulePlan& b) {
    firewall::RulePlan out;
    out.chains = unionOf(a.chains, b.chains);
    out.rules = unionOf(a.rules, b.rules);
    return out;
}

firewall::RulePlan rulesOutsideTables(const firewall::RulePlan& plan, const firewall::RulePlan& other) {
    const auto taken = other.tables();
    auto inTaken = [&](Family f, firewall::Table t) {
        return std::find(taken.begin(), taken.end(), std::make_pair(f, t)) != taken.end();
    };
    firewall::RulePlan out;
    for (const auto& c : plan.chains)
        if (!inTaken(c.family, c.table))
            out.chains.push_back(c);
    for (const auto& r : plan.rules)
        if (!inTaken(r.family, r.table))
            out.rules.push_back(r);
    return out;
}

core::SourceFilter unionFilter(const core::SourceFilter& a, const core::SourceFilter& b) {
    return {a.allowLocal || b.allowLocal, unionOf(a.allowed, b.allowed)};
}

} // namespace weir::plan
