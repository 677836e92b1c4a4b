#include <algorithm>
#include <variant>

#include "plan/installplan.h"

namespace weir::plan {

namespace {

// NAT bindings of open REDIRECT connections are applied only while conntrack runs in their family,
// and since Linux 4.10 it runs in a namespace only while some rule needs it (REDIRECT, -m conntrack).
bool usesConntrack(const firewall::Rule& r) {
    return std::holds_alternative<firewall::RedirectTarget>(r.target) ||
           std::any_of(r.matches.begin(), r.matches.end(), [](const firewall::Match& m) {
               return std::holds_alternative<firewall::ConntrackDnatMatch>(m);
           });
}

std::vector<firewall::Rule> mangleRules(const InstallPlan& plan, Family family) {
    std::vector<firewall::Rule> out;
    for (const auto& r : plan.rules.rules)
        if (r.family == family && r.table == firewall::Table::Mangle)
            out.push_back(r);
    return out;
}

std::vector<RouteSpec> routesOf(const InstallPlan& plan, Family family) {
    std::vector<RouteSpec> out;
    for (const auto& r : plan.routes)
        if (r.family == family)
            out.push_back(r);
    return out;
}

} // namespace

bool divertsToTproxy(const firewall::RulePlan& rules, Family family) {
    return std::any_of(rules.rules.begin(), rules.rules.end(), [family](const firewall::Rule& r) {
        return r.family == family && std::holds_alternative<firewall::TproxyTarget>(r.target);
    });
}

bool stillCarries(const InstallPlan& from, const InstallPlan* to, Mode mode, Family family) {
    if (!to)
        return false;
    if (mode == Mode::Redirect)
        return std::any_of(to->rules.rules.begin(), to->rules.rules.end(), [family](const firewall::Rule& r) {
            return r.family == family && usesConntrack(r);
        });
    // A TPROXY connection where `from` diverts nothing to TPROXY came through `to`'s rules: the engine
    // asks again after a switch, for what was accepted meanwhile, and those are `to`'s own.
    if (!divertsToTproxy(from.rules, family))
        return divertsToTproxy(to->rules, family);
    // Otherwise every packet is diverted by the mangle rules and the fwmark route; any change to them
    // may drop some of the open connections, and which ones is not worth guessing.
    return mangleRules(from, family) == mangleRules(*to, family) &&
           routesOf(from, family) == routesOf(*to, family);
}

} // namespace weir::plan
