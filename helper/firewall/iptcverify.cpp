#include "firewall/iptcbackend.h"
#include "firewall/iptcentry.h"
#include "firewall/iptcfamily.h"

#include <algorithm>
#include <cerrno>
#include <memory>

namespace weir::firewall {

using namespace iptc;

namespace {

// What remains after verifyTable() deleted the plan's rules on its private handle: anything of Weir's.
template <class F>
bool leftoversMatch(xtc_handle* h, const std::vector<std::string>& planChains, const std::string& where,
                    std::string* difference) {
    std::vector<std::string> chains;
    for (const char* c = F::firstChain(h); c; c = F::nextChain(h))
        chains.emplace_back(c);
    for (const auto& chain : chains) {
        const bool planned = std::find(planChains.begin(), planChains.end(), chain) != planChains.end();
        if (isWeirChain(chain) && !planned) {
            setError(difference, "chain " + chain + where + " is not in the plan");
            return false;
        }
        std::size_t extra = 0;
        for (auto* e = F::firstRule(chain.c_str(), h); e; e = F::nextRule(e, h)) {
            const char* target = F::target(e, h);
            if (planned || (target && isWeirChain(target)) || hasWeirComment<F>(e))
                ++extra;
        }
        if (extra > 0) {
            setError(difference, "chain " + chain + where + " has " + std::to_string(extra) +
                                     " rule(s) of Weir that are not in the plan (changed or added)");
            return false;
        }
    }
    return true;
}

template <class F> bool verifyTable(const RulePlan& plan, Table table, std::string* difference) {
    const char* name = tableName(table);
    const std::string where = std::string(" in ") + toString(F::family) + " " + name;
    if (!tableExists(F::namesFile, name)) {
        setError(difference, std::string("table") + where.substr(3) + " missing");
        return false;
    }
    xtc_handle* h = F::init(name);
    if (!h) {
        setError(difference, std::string("cannot read") + where.substr(3) + ": " + F::strerror(errno));
        return false;
    }
    // Never committed: every change below stays in this handle.
    std::unique_ptr<xtc_handle, void (*)(xtc_handle*)> guard(h, F::free);
    const auto chains = chainsOf<F>(plan, table);
    for (const auto& chain : chains)
        if (!F::isChain(label(chain), h)) {
            setError(difference, "chain " + chain + " missing" + where);
            return false;
        }
    for (const Rule* rule : rulesOf<F>(plan, table)) {
        std::string error;
        auto entry = kernelEntry(*rule, &error);
        if (!entry) {
            setError(difference, "rule `" + renderRule(*rule) + "` cannot be built: " + error);
            return false;
        }
        const auto* e = reinterpret_cast<const typename F::Entry*>(entry->bytes.data());
        if (!F::isChain(label(rule->chain), h) ||
            !F::deleteEntry(label(rule->chain), e, entry->mask.data(), h)) {
            setError(difference, "rule `" + renderRule(*rule) + "` missing" + where);
            return false;
        }
    }
    return leftoversMatch<F>(h, chains, where, difference);
}

} // namespace

bool IptcBackend::verify(const RulePlan& plan, std::string* difference) {
    for (const auto& [family, table] : plan.tables()) {
        const bool ok = family == Family::V4 ? verifyTable<V4>(plan, table, difference)
                                             : verifyTable<V6>(plan, table, difference);
        if (!ok)
            return false;
    }
    return true;
}

} // namespace weir::firewall
