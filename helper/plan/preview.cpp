// Preview text of an install plan. The rule and route lines are what iproute2 prints for what the
// routing code installs (checked against the real tools in tests/service/engine_netns.sh).
#include "plan/installplan.h"

#include <cstdio>

namespace weir::plan {

namespace {

std::string hex(std::uint32_t v) {
    char text[16];
    std::snprintf(text, sizeof text, "0x%x", v);
    return text;
}

std::string tableName(std::uint32_t table) {
    return std::to_string(table);
}

const char* ipFlag(Family f) {
    return f == Family::V4 ? "ip" : "ip -6";
}

std::string listenerLine(const core::ListenerConfig& l) {
    const std::string host = l.family == Family::V6 ? "[" + l.address + "]" : l.address;
    return std::string(toString(l.protocol)) + " " + host + ":" + std::to_string(l.port) +
           (l.transparent ? " transparent" : "") + "\n";
}

void appendRouting(const InstallPlan& plan, Family f, std::string* out) {
    std::string rules, routes;
    std::uint32_t table = 0;
    for (const auto& r : plan.routes) {
        if (r.family != f)
            continue;
        rules += renderRuleLine(r);
        routes += renderRouteLine(r);
        table = r.route.table;
    }
    if (rules.empty())
        return;
    *out += std::string("# ") + ipFlag(f) + " rule\n" + rules;
    *out += std::string("# ") + ipFlag(f) + " route show table " + tableName(table) + "\n" + routes;
}

} // namespace

std::string renderRuleLine(const RouteSpec& r) {
    // iproute2 leaves the mask out when it is the full one.
    std::string mark = hex(r.route.fwmark);
    if (r.route.mask != 0xffffffff)
        mark += "/" + hex(r.route.mask);
    return std::to_string(r.route.priority) + ":\tfrom all fwmark " + mark + " lookup " +
           tableName(r.route.table) + "\n";
}

std::string renderRouteLine(const RouteSpec& r) {
    if (r.family == Family::V4)
        return "local default dev lo scope host\n";
    return "local default dev lo metric 1024 pref medium\n";
}

std::string renderPreview(const InstallPlan& plan) {
    std::string out = "# mode " + std::string(toString(plan.settings.mode)) + ", scope " +
                      toString(plan.settings.scope) + "\n";
    out += "# iptables-save\n" + firewall::renderIptablesSave(plan.rules, Family::V4);
    if (plan.settings.ipv6)
        out += "# ip6tables-save\n" + firewall::renderIptablesSave(plan.rules, Family::V6);
    appendRouting(plan, Family::V4, &out);
    appendRouting(plan, Family::V6, &out);
    if (!plan.sysctls.empty())
        out += "# sysctl\n";
    for (const auto& s : plan.sysctls)
        out += s.path + " = " + s.value + "\n";
    out += "# listeners\n";
    for (const auto& l : plan.listeners)
        out += listenerLine(l);
    if (includesGateway(plan.settings.scope)) {
        out += "# accepted sources:";
        out += plan.sourceFilter.allowLocal ? " this machine" : "";
        for (const auto& c : plan.sourceFilter.allowed)
            out += " " + c.normalized();
        out += "\n";
    }
    return out;
}

} // namespace weir::plan
