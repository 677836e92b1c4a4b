// Fakes for the engine's unit tests: a firewall backend that keeps Weir's rules per table the way
// the libiptc backend does (apply replaces Weir's rules in each table of the plan, one table at a
// time, and cleans the tables it already committed when a later one is rejected), and policy
// routing kept in a set. Faults can be injected into each.
#pragma once

#include <algorithm>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>

#include "firewall/ruleplan.h"
#include "service/routeops.h"

namespace weir::testing {

using TableKey = std::pair<Family, firewall::Table>;

inline firewall::RulePlan partOf(const firewall::RulePlan& plan, TableKey key) {
    firewall::RulePlan out;
    for (const auto& c : plan.chains)
        if (c.family == key.first && c.table == key.second)
            out.chains.push_back(c);
    for (const auto& r : plan.rules)
        if (r.family == key.first && r.table == key.second)
            out.rules.push_back(r);
    return out;
}

inline std::string keyName(TableKey key) {
    return std::string(toString(key.first)) + " " + firewall::tableName(key.second);
}

struct FirewallState {
    std::map<TableKey, firewall::RulePlan> tables; // Weir's chains and rules per table
    std::optional<TableKey> rejectTable;           // apply() of a plan touching it fails there
    int failRemoves = 0;                           // the next N remove() calls fail
    int applies = 0;
    std::function<void()> beforeApply; // runs at the start of apply(), e.g. to look at the record

    bool empty() const {
        return std::all_of(tables.begin(), tables.end(),
                           [](const auto& t) { return t.second.rules.empty(); });
    }
    // Exactly this plan installed, nothing else of Weir's anywhere.
    bool holds(const firewall::RulePlan& plan) const {
        for (const auto& [key, content] : tables)
            if (!(content == partOf(plan, key)))
                return false;
        for (const auto& key : plan.tables())
            if (!tables.count(key))
                return false;
        return true;
    }
};

class FakeBackend : public firewall::FirewallBackend {
public:
    explicit FakeBackend(FirewallState* s)
        : s_(s) {}
    std::string name() const override { return "fake"; }
    bool apply(const firewall::RulePlan& plan, std::string* error) override {
        if (s_->beforeApply)
            s_->beforeApply();
        ++s_->applies;
        std::vector<TableKey> done;
        for (const auto& key : plan.tables()) {
            if (s_->rejectTable == key) {
                for (const auto& d : done)
                    s_->tables[d] = {};
                *error = "the kernel rejected the " + keyName(key) + " table";
                return false;
            }
            s_->tables[key] = partOf(plan, key);
            done.push_back(key);
        }
        return true;
    }
    bool remove(const firewall::RulePlan& plan, std::string* error) override {
        if (s_->failRemoves > 0) {
            --s_->failRemoves;
            *error = "cannot remove";
            return false;
        }
        for (auto& [key, content] : s_->tables) {
            const auto gone = partOf(plan, key);
            std::erase_if(content.rules, [&](const auto& r) {
                return std::find(gone.rules.begin(), gone.rules.end(), r) != gone.rules.end();
            });
            std::erase_if(content.chains, [&](const auto& c) {
                return std::find(gone.chains.begin(), gone.chains.end(), c) != gone.chains.end();
            });
        }
        return true;
    }
    bool removeAll(std::string*, std::size_t* removed) override {
        std::size_t n = 0;
        for (auto& [key, content] : s_->tables)
            n += content.rules.size() + content.chains.size();
        s_->tables.clear();
        if (removed)
            *removed = n;
        return true;
    }
    bool verify(const firewall::RulePlan& plan, std::string* difference) override {
        for (const auto& key : plan.tables()) {
            const auto want = partOf(plan, key);
            const auto have = s_->tables.count(key) ? s_->tables.at(key) : firewall::RulePlan{};
            if (!(have == want)) {
                *difference = keyName(key) + ": chain " + want.chains.back().name + " changed";
                return false;
            }
        }
        return true;
    }

private:
    FirewallState* s_;
};

struct RouteState {
    std::vector<plan::RouteSpec> installed;
    int failAdds = 0;            // the next N add() calls fail
    std::vector<Family> dropped; // each dropDivertedSockets() call, in order
};

class FakeRoutes : public service::RouteOps {
public:
    explicit FakeRoutes(RouteState* s)
        : s_(s) {}
    bool add(const plan::RouteSpec& r, std::string* error) override {
        if (s_->failAdds > 0) {
            --s_->failAdds;
            *error = "adding the local default route failed: Network is down";
            return false;
        }
        if (std::find(s_->installed.begin(), s_->installed.end(), r) == s_->installed.end())
            s_->installed.push_back(r);
        return true;
    }
    bool remove(const plan::RouteSpec& r, std::string*) override {
        std::erase(s_->installed, r);
        return true;
    }
    bool check(const plan::RouteSpec& r, std::string* problem) override {
        if (std::find(s_->installed.begin(), s_->installed.end(), r) != s_->installed.end())
            return true;
        *problem = std::string(toString(r.family)) + " rule \"" + std::to_string(r.route.priority) +
                   ":\tfrom all fwmark ...\" is missing";
        return false;
    }
    bool dropDivertedSockets(Family family, std::size_t* dropped, std::string*) override {
        s_->dropped.push_back(family);
        *dropped = 0;
        return true;
    }

private:
    RouteState* s_;
};

} // namespace weir::testing
