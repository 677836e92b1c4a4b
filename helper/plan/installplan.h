// The install plan: everything one enable puts into the kernel and the proxy core, made from the
// settings by one pure function. Ports, marks, tables and listen addresses appear in Settings once
// and flow from there into the rules, the routes and the listeners, so the pieces cannot disagree.
// The engine installs a plan, records it, checks it for drift and removes exactly it.
// Plain C++, no Qt, no kernel calls.
#pragma once

#include <algorithm>
#include <optional>
#include <string>
#include <vector>

#include "config/settings.h"
#include "firewall/ruleplan.h"
#include "core/listener.h"
#include "core/sourcefilter.h"
#include "routing/policyrouting.h"

namespace weir::plan {

// One fwmark rule plus its `local default dev lo` route, in one family.
struct RouteSpec {
    Family family = Family::V4;
    routing::PolicyRoute route;
    bool operator==(const RouteSpec& o) const {
        return family == o.family && route.fwmark == o.route.fwmark && route.mask == o.route.mask &&
               route.table == o.route.table && route.priority == o.route.priority;
    }
};

// A /proc/sys value to hold while enabled, e.g. /proc/sys/net/ipv4/ip_forward = "1".
struct SysctlSpec {
    std::string path;
    std::string value;
    bool operator==(const SysctlSpec&) const = default;
};

struct InstallPlan {
    Settings settings;
    firewall::RulePlan rules;
    std::vector<RouteSpec> routes;
    std::vector<SysctlSpec> sysctls;
    std::vector<core::ListenerConfig> listeners;
    core::SourceFilter sourceFilter;
    bool operator==(const InstallPlan&) const = default;
};

// Settings -> plan. nullopt with *error when the settings are invalid (every bad key named).
std::optional<InstallPlan> makePlan(const Settings& settings, std::string* error = nullptr);

// What a plan installs, as the tools print it: iptables-save / ip6tables-save sections, `ip rule`
// and `ip route show table T` lines per family, sysctls and listeners. For previews and golden tests.
std::string renderPreview(const InstallPlan& plan);

// `ip rule` / `ip route show table T` lines for one route, exactly as iproute2 prints them.
std::string renderRuleLine(const RouteSpec& route);
std::string renderRouteLine(const RouteSpec& route);

// Set helpers for transactions (old plan -> new plan): union without duplicates, and difference.
firewall::RulePlan unionRules(const firewall::RulePlan& a, const firewall::RulePlan& b);
// The part of `plan` in tables `other` does not touch (what apply(other) would not replace).
firewall::RulePlan rulesOutsideTables(const firewall::RulePlan& plan, const firewall::RulePlan& other);
template <typename T> std::vector<T> unionOf(const std::vector<T>& a, const std::vector<T>& b) {
    std::vector<T> out = a;
    for (const T& x : b)
        if (std::find(out.begin(), out.end(), x) == out.end())
            out.push_back(x);
    return out;
}
template <typename T> std::vector<T> minus(const std::vector<T>& a, const std::vector<T>& b) {
    std::vector<T> out;
    for (const T& x : a)
        if (std::find(b.begin(), b.end(), x) == b.end())
            out.push_back(x);
    return out;
}
core::SourceFilter unionFilter(const core::SourceFilter& a, const core::SourceFilter& b);

// Whether an open connection intercepted under `from` in `mode` and `family` keeps working once `to`
// is installed instead (null: nothing, i.e. disabled). A connection that does not is cut off anyway
// (its packets go straight to the destination, which resets them, or nowhere), so the engine closes
// it at once rather than leave the relay waiting for it (carried.cpp).
bool stillCarries(const InstallPlan& from, const InstallPlan* to, Mode mode, Family family);
// Whether `rules` send some traffic of `family` to a TPROXY socket.
bool divertsToTproxy(const firewall::RulePlan& rules, Family family);

} // namespace weir::plan
