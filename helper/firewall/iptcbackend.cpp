#include "firewall/iptcbackend.h"
#include "firewall/iptcentry.h"
#include "firewall/iptcfamily.h"
#include "firewall/iptcsupport.h"
#include "firewall/ruleplan.h"

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdlib>
#include <functional>
#include <memory>

namespace weir::firewall {

using namespace iptc;

namespace {

// ---------------------------------------------------------------------------------------------
// Table transactions

template <class F> std::string failure(const std::string& what, const char* table, int err) {
    return what + " (" + F::label + " " + table + " table): " + F::strerror(err);
}

// Removes every rule of Weir in chains Weir does not own, then Weir's chains. Adds to *count.
template <class F>
bool cleanTable(xtc_handle* h, const char* table, bool* dirty, std::size_t* count, std::string* error) {
    std::vector<std::string> chains;
    for (const char* c = F::firstChain(h); c; c = F::nextChain(h))
        chains.emplace_back(c);

    for (const auto& chain : chains) {
        if (isWeirChain(chain))
            continue;
        std::vector<unsigned> doomed;
        unsigned index = 0;
        for (auto* e = F::firstRule(chain.c_str(), h); e; e = F::nextRule(e, h), ++index) {
            const char* target = F::target(e, h);
            if ((target && isWeirChain(target)) || hasWeirComment<F>(e))
                doomed.push_back(index);
        }
        // From the back, so the remaining indices stay valid.
        for (auto it = doomed.rbegin(); it != doomed.rend(); ++it) {
            if (!F::deleteNum(label(chain), *it, h)) {
                setError(error, failure<F>("cannot delete rule " + std::to_string(*it + 1) + " of " + chain,
                                           table, errno));
                return false;
            }
            *dirty = true;
            ++*count;
        }
    }
    // Flush all first: Weir's chains may jump to each other.
    for (const auto& chain : chains) {
        if (isWeirChain(chain) && !F::flush(label(chain), h)) {
            setError(error, failure<F>("cannot flush " + chain, table, errno));
            return false;
        }
    }
    for (const auto& chain : chains) {
        if (!isWeirChain(chain))
            continue;
        if (!F::deleteChain(label(chain), h)) {
            setError(error, failure<F>("cannot delete chain " + chain, table, errno));
            return false;
        }
        *dirty = true;
        ++*count;
    }
    return true;
}

// WEIR_FAULT_REJECT (see iptcbackend.h): whether to make the commit of this family's table fail.
bool faultRequested(Family family, Table table) {
    const char* env = std::getenv("WEIR_FAULT_REJECT");
    if (!env)
        return false;
    const std::string wanted = std::string(toString(family)) + " " + tableName(table);
    std::string list = env;
    for (std::size_t start = 0; start <= list.size();) {
        const auto comma = std::min(list.find(',', start), list.size());
        if (list.substr(start, comma - start) == wanted)
            return true;
        start = comma + 1;
    }
    return false;
}

// A rule the kernel accepts from libiptc but refuses at commit (EINVAL): a target that is only
// valid in the other table. It goes into its own chain, so the rest of the table is the real plan.
Rule faultRule(Family family, Table table) {
    Rule r;
    r.family = family;
    r.table = table;
    r.chain = std::string(kChainPrefix) + "FAULT";
    r.protocol = Protocol::Tcp;
    r.matches.emplace_back(CommentMatch{kRuleComment});
    if (table == Table::Nat)
        r.target = TproxyTarget{1, "", 1, 1}; // TPROXY: mangle only
    else
        r.target = RedirectTarget{1}; // REDIRECT: nat only
    return r;
}

// Creates the plan's chains and adds its rules of one table (plus the fault rule when asked for).
// *added gets every rule added, for naming them if the kernel refuses the table.
template <class F>
bool installTable(xtc_handle* h, const RulePlan& plan, Table table, std::vector<Rule>* added,
                  std::string* error) {
    const char* tname = tableName(table);
    auto chains = chainsOf<F>(plan, table);
    std::vector<const Rule*> rules = rulesOf<F>(plan, table);
    const Rule fault = faultRule(F::family, table);
    if (faultRequested(F::family, table)) {
        chains.push_back(fault.chain);
        rules.push_back(&fault);
    }
    for (const auto& chain : chains) {
        if (!isWeirChain(chain) || chain.size() >= XT_EXTENSION_MAXNAMELEN) {
            setError(error, "refusing to create chain " + chain + " (Weir's chains start with WEIR_)");
            return false;
        }
        if (!F::createChain(label(chain), h)) {
            setError(error, failure<F>("cannot create chain " + chain, tname, errno));
            return false;
        }
    }
    auto add = [&](const Rule& rule) {
        const auto entry = kernelEntry(rule, error);
        if (!entry)
            return false;
        const auto* e = reinterpret_cast<const typename F::Entry*>(entry->bytes.data());
        const int ok = rule.position == Rule::Position::InsertTop ? F::insert(label(rule.chain), e, 0, h)
                                                                  : F::append(label(rule.chain), e, h);
        if (!ok)
            setError(error, failure<F>("cannot add rule `" + renderRule(rule) + "`", tname, errno));
        added->push_back(rule);
        return ok != 0;
    };
    // Inserted at the top in reverse, so they end up in plan order.
    for (auto it = rules.rbegin(); it != rules.rend(); ++it)
        if ((*it)->position == Rule::Position::InsertTop && !add(**it))
            return false;
    for (const Rule* r : rules)
        if (r->position == Rule::Position::Append && !add(*r))
            return false;
    return true;
}

// Which of the rules the kernel refused, going by the extension its log names ("TPROXY target:
// only valid in mangle table", "xt_cgroup: invalid path"); all of them when it does not say.
std::string blameRules(const std::vector<Rule>& rules, const std::string& kernelLog) {
    std::vector<const Rule*> suspects;
    for (const auto& r : rules)
        for (const auto& name : extensionNames(r))
            if (kernelLog.find(name + " target") != std::string::npos ||
                kernelLog.find(name + " match") != std::string::npos ||
                kernelLog.find("xt_" + name + ":") != std::string::npos) {
                suspects.push_back(&r);
                break;
            }
    std::string out = suspects.empty() ? " Rules being added:" : " Refused rule(s):";
    if (suspects.empty())
        for (const auto& r : rules)
            suspects.push_back(&r);
    for (const Rule* r : suspects)
        out += "\n  " + renderRule(*r);
    return out;
}

template <class F>
bool removePlanFromTable(xtc_handle* h, const RulePlan& plan, Table table, bool* dirty, std::string* error) {
    const char* tname = tableName(table);
    const auto chains = chainsOf<F>(plan, table);
    auto planChain = [&chains](const std::string& c) {
        return std::find(chains.begin(), chains.end(), c) != chains.end();
    };
    // Rules the plan put into chains it does not own (the jumps from built-in chains): exact matches only.
    for (const Rule* rule : rulesOf<F>(plan, table)) {
        if (planChain(rule->chain) || !F::isChain(label(rule->chain), h))
            continue;
        auto entry = kernelEntry(*rule, error);
        if (!entry)
            return false;
        const auto* e = reinterpret_cast<const typename F::Entry*>(entry->bytes.data());
        while (F::deleteEntry(label(rule->chain), e, entry->mask.data(), h))
            *dirty = true;
    }
    for (const auto& chain : chains)
        if (F::isChain(label(chain), h) && !F::flush(label(chain), h)) {
            setError(error, failure<F>("cannot flush " + chain, tname, errno));
            return false;
        }
    for (const auto& chain : chains) {
        if (!F::isChain(label(chain), h))
            continue;
        if (!F::deleteChain(label(chain), h)) {
            setError(error,
                     failure<F>("cannot delete chain " + chain + " (still referenced?)", tname, errno));
            return false;
        }
        *dirty = true;
    }
    return true;
}

// init, mutate, commit; the whole thing again when commit says another writer got in between (EAGAIN).
// The handle is always freed. mutate sets *dirty when there is something to commit.
template <class F>
bool transaction(const char* table, int attempts, const std::function<bool(xtc_handle*, bool*)>& mutate,
                 std::string* error, const std::function<std::string(const std::string&)>& blame = {}) {
    for (int attempt = 1;; ++attempt) {
        xtc_handle* h = F::init(table);
        if (!h) {
            const int err = errno;
            setError(error, std::string("legacy ") + F::label + " " + table +
                                " table unavailable: " + F::strerror(err));
            return false;
        }
        std::unique_ptr<xtc_handle, void (*)(xtc_handle*)> guard(h, F::free);
        bool dirty = false;
        if (!mutate(h, &dirty))
            return false;
        if (!dirty)
            return true;
        const KernelLogTail kernelLog;
        if (F::commit(h))
            return true;
        const int err = errno;
        if (err == EAGAIN && attempt < attempts)
            continue;
        std::string text = std::string("the kernel rejected the ") + F::label + " " + table +
                           " table (iptc_commit: " + F::strerror(err) + ")";
        if (err == EAGAIN) {
            text += " after " + std::to_string(attempts) + " attempts: other programs keep changing it";
        } else {
            const std::string reason = kernelLog.newLines();
            if (!reason.empty())
                text += "; the table is unchanged. Kernel log (dmesg): " + reason + ".";
            else
                text += "; the table is unchanged. The reason is in the kernel log (dmesg).";
            if (blame)
                text += blame(reason);
        }
        setError(error, text);
        return false;
    }
}

constexpr std::array<Table, 2> kTables = {Table::Nat, Table::Mangle};

// Weir's part of one table as the kernel held it before apply() changed the table, so that a table
// failing later in the same apply() can have the earlier ones put back exactly (a previous plan
// keeps working instead of being half replaced).
struct WeirSnapshot {
    struct Entry {
        std::string chain;
        unsigned index = 0; // position in the chain, for rules in chains Weir does not own
        std::vector<unsigned char> bytes;
    };
    std::vector<std::string> chains;
    std::vector<Entry> rules; // chain by chain, each in order
};

template <class F> WeirSnapshot snapshotWeir(xtc_handle* h) {
    WeirSnapshot snapshot;
    std::vector<std::string> chains;
    for (const char* c = F::firstChain(h); c; c = F::nextChain(h))
        chains.emplace_back(c);
    for (const auto& chain : chains) {
        const bool own = isWeirChain(chain);
        if (own)
            snapshot.chains.push_back(chain);
        unsigned index = 0;
        for (auto* e = F::firstRule(chain.c_str(), h); e; e = F::nextRule(e, h), ++index) {
            const char* target = F::target(e, h);
            if (!own && !(target && isWeirChain(target)) && !hasWeirComment<F>(e))
                continue;
            const auto* raw = reinterpret_cast<const unsigned char*>(e);
            std::vector<unsigned char> bytes(raw, raw + e->next_offset);
            // libiptc holds jumps and verdicts as standard targets; by name they are mapped again.
            auto* t = reinterpret_cast<xt_entry_target*>(bytes.data() + e->target_offset);
            std::memset(t->u.user.name, 0, sizeof(t->u.user.name));
            std::strncpy(t->u.user.name, target ? target : "", sizeof(t->u.user.name) - 1);
            snapshot.rules.push_back({chain, index, std::move(bytes)});
        }
    }
    return snapshot;
}

template <class F>
bool restoreWeir(xtc_handle* h, const WeirSnapshot& snapshot, const char* table, std::string* error) {
    for (const auto& chain : snapshot.chains)
        if (!F::isChain(label(chain), h) && !F::createChain(label(chain), h)) {
            setError(error, failure<F>("cannot create chain " + chain, table, errno));
            return false;
        }
    for (const auto& rule : snapshot.rules) {
        const auto* e = reinterpret_cast<const typename F::Entry*>(rule.bytes.data());
        unsigned length = 0; // others may have changed the chain since: never insert past its end
        for (auto* r = F::firstRule(rule.chain.c_str(), h); r; r = F::nextRule(r, h))
            ++length;
        const int ok = isWeirChain(rule.chain)
                           ? F::append(label(rule.chain), e, h)
                           : F::insert(label(rule.chain), e, std::min(rule.index, length), h);
        if (!ok) {
            setError(error, failure<F>("cannot put back a rule of " + rule.chain, table, errno));
            return false;
        }
    }
    return true;
}

// One table's part of apply(): Weir's leftovers removed and, with a plan, the plan's chains and rules
// installed, in one commit. *before gets Weir's part of the table as it was.
template <class F>
bool replaceTable(int attempts, const RulePlan* plan, Table table, WeirSnapshot* before, std::string* error) {
    const char* name = tableName(table);
    std::vector<Rule> added;
    auto mutate = [&](xtc_handle* h, bool* dirty) {
        std::size_t ignored = 0;
        added.clear(); // all again on an EAGAIN retry
        *before = snapshotWeir<F>(h);
        if (!cleanTable<F>(h, name, dirty, &ignored, error))
            return false;
        if (!plan)
            return true;
        *dirty = true;
        return installTable<F>(h, *plan, table, &added, error);
    };
    auto blame = [&added](const std::string& kernelLog) { return blameRules(added, kernelLog); };
    return transaction<F>(name, attempts, mutate, error, blame);
}

template <class F>
bool restoreTable(int attempts, Table table, const WeirSnapshot& before, std::string* error) {
    const char* name = tableName(table);
    auto mutate = [&](xtc_handle* h, bool* dirty) {
        std::size_t ignored = 0;
        *dirty = true;
        return cleanTable<F>(h, name, dirty, &ignored, error) && restoreWeir<F>(h, before, name, error);
    };
    return transaction<F>(name, attempts, mutate, error);
}

template <class F> bool cleanExisting(int attempts, std::size_t* count, std::string* error) {
    for (Table t : kTables) {
        const char* name = tableName(t);
        if (!tableExists(F::namesFile, name))
            continue;
        std::size_t n = 0;
        auto clean = [&](xtc_handle* h, bool* dirty) {
            n = 0; // counted again on an EAGAIN retry
            return cleanTable<F>(h, name, dirty, &n, error);
        };
        if (!transaction<F>(name, attempts, clean, error))
            return false;
        *count += n;
    }
    return true;
}

// The tables apply() commits, in order: first those the plan does not use but that exist (Weir's
// leftovers there, e.g. a previous REDIRECT plan's nat rules, are removed), then the plan's own.
struct ApplyStep {
    Family family;
    Table table;
    bool install;
    WeirSnapshot before;
};

std::vector<ApplyStep> applySteps(const RulePlan& plan) {
    const auto planned = plan.tables();
    std::vector<ApplyStep> steps;
    for (Family f : {Family::V4, Family::V6})
        for (Table t : kTables)
            if (std::find(planned.begin(), planned.end(), std::pair{f, t}) == planned.end() &&
                tableExists(f == Family::V4 ? V4::namesFile : V6::namesFile, tableName(t)))
                steps.push_back({f, t, false, {}});
    for (const auto& [f, t] : planned)
        steps.push_back({f, t, true, {}});
    return steps;
}

} // namespace

IptcBackend::IptcBackend() = default;

int IptcBackend::defaultLockTimeoutMs() {
    const char* env = std::getenv("WEIR_TEST_LOCK_TIMEOUT_MS");
    char* end = nullptr;
    const long ms = env ? std::strtol(env, &end, 10) : 0;
    return env && *env && *end == '\0' && ms > 0 && ms <= 600'000 ? static_cast<int>(ms) : 10000;
}

IptcBackend::IptcBackend(Options options)
    : m_options(std::move(options)) {}

bool IptcBackend::apply(const RulePlan& plan, std::string* error) {
    XtablesLock lock;
    if (!lock.acquire(m_options.lockFile, m_options.lockTimeoutMs, error))
        return false;
    const int attempts = m_options.commitAttempts;
    auto steps = applySteps(plan);
    for (std::size_t i = 0; i < steps.size(); ++i) {
        ApplyStep& step = steps[i];
        const RulePlan* install = step.install ? &plan : nullptr;
        const bool ok = step.family == Family::V4
                            ? replaceTable<V4>(attempts, install, step.table, &step.before, error)
                            : replaceTable<V6>(attempts, install, step.table, &step.before, error);
        if (ok)
            continue;
        // The failed table was not changed; put Weir's part of the ones committed before it back.
        for (std::size_t j = i; j-- > 0;) {
            std::string ignored;
            const ApplyStep& done = steps[j];
            if (done.family == Family::V4)
                restoreTable<V4>(attempts, done.table, done.before, &ignored);
            else
                restoreTable<V6>(attempts, done.table, done.before, &ignored);
        }
        return false;
    }
    return true;
}

bool IptcBackend::remove(const RulePlan& plan, std::string* error) {
    XtablesLock lock;
    if (!lock.acquire(m_options.lockFile, m_options.lockTimeoutMs, error))
        return false;
    for (const auto& [family, planTable] : plan.tables()) {
        // A copy the lambdas can capture (clang 14 cannot capture structured bindings).
        const Table table = planTable;
        const char* name = tableName(table);
        const char* namesFile = family == Family::V4 ? V4::namesFile : V6::namesFile;
        if (!tableExists(namesFile, name))
            continue; // nothing can be installed in a table that does not exist
        const bool ok = family == Family::V4
                            ? transaction<V4>(
                                  name, m_options.commitAttempts,
                                  [&](xtc_handle* h, bool* dirty) {
                                      return removePlanFromTable<V4>(h, plan, table, dirty, error);
                                  },
                                  error)
                            : transaction<V6>(
                                  name, m_options.commitAttempts,
                                  [&](xtc_handle* h, bool* dirty) {
                                      return removePlanFromTable<V6>(h, plan, table, dirty, error);
                                  },
                                  error);
        if (!ok)
            return false;
    }
    return true;
}

bool IptcBackend::removeAll(std::string* error, std::size_t* removed) {
    XtablesLock lock;
    if (!lock.acquire(m_options.lockFile, m_options.lockTimeoutMs, error))
        return false;
    std::size_t count = 0;
    const bool ok = cleanExisting<V4>(m_options.commitAttempts, &count, error) &&
                    cleanExisting<V6>(m_options.commitAttempts, &count, error);
    if (removed)
        *removed = count;
    return ok;
}

} // namespace weir::firewall
