#include "firewall/iptcbackend.h"
#include "firewall/iptcentry.h"
#include "firewall/iptcsupport.h"
#include "firewall/ruleplan.h"

// <netinet/in.h> must come before any <linux/netfilter*.h> (struct in_addr is defined by both).
#include <netinet/in.h>
#include <libiptc/libiptc.h>
extern "C" { // libip6tc.h (iptables 1.8.9) has no extern "C" guard of its own
#include <libiptc/libip6tc.h>
}
#include <linux/netfilter/xt_comment.h>

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <functional>
#include <memory>
#include <thread>
#include <type_traits>

namespace weir::firewall {

namespace {

// ---------------------------------------------------------------------------------------------
// Small helpers

// libiptc takes chain names as char[32] (xt_chainlabel); GCC warns when a shorter buffer is passed.
using Label = std::array<char, sizeof(xt_chainlabel)>;

Label label(const std::string& name) {
    Label l{};
    std::strncpy(l.data(), name.c_str(), l.size() - 1);
    return l;
}

void setError(std::string* error, const std::string& text) {
    if (error)
        *error = text;
}

// ---------------------------------------------------------------------------------------------
// Family traits: the libiptc / libip6tc entry points and what differs in the entries.

struct V4 {
    using Entry = ipt_entry;
    static constexpr Family family = Family::V4;
    static constexpr int af = AF_INET;
    static constexpr const char* namesFile = "/proc/net/ip_tables_names";
    static constexpr const char* label = "iptables";

    static xtc_handle* init(const char* table) { return iptc_init(table); }
    static void free(xtc_handle* h) { iptc_free(h); }
    static int commit(xtc_handle* h) { return iptc_commit(h); }
    static const char* strerror(int err) { return iptc_strerror(err); }
    static const char* firstChain(xtc_handle* h) { return iptc_first_chain(h); }
    static const char* nextChain(xtc_handle* h) { return iptc_next_chain(h); }
    static const Entry* firstRule(const char* c, xtc_handle* h) { return iptc_first_rule(c, h); }
    static const Entry* nextRule(const Entry* e, xtc_handle* h) { return iptc_next_rule(e, h); }
    static const char* target(const Entry* e, xtc_handle* h) { return iptc_get_target(e, h); }
    static int isChain(const Label& c, xtc_handle* h) { return iptc_is_chain(c.data(), h); }
    static int createChain(const Label& c, xtc_handle* h) { return iptc_create_chain(c.data(), h); }
    static int flush(const Label& c, xtc_handle* h) { return iptc_flush_entries(c.data(), h); }
    static int deleteChain(const Label& c, xtc_handle* h) { return iptc_delete_chain(c.data(), h); }
    static int append(const Label& c, const Entry* e, xtc_handle* h) {
        return iptc_append_entry(c.data(), e, h);
    }
    static int insert(const Label& c, const Entry* e, unsigned n, xtc_handle* h) {
        return iptc_insert_entry(c.data(), e, n, h);
    }
    static int deleteNum(const Label& c, unsigned n, xtc_handle* h) {
        return iptc_delete_num_entry(c.data(), n, h);
    }
    static int deleteEntry(const Label& c, const Entry* e, unsigned char* mask, xtc_handle* h) {
        return iptc_delete_entry(c.data(), e, mask, h);
    }
};

struct V6 {
    using Entry = ip6t_entry;
    static constexpr Family family = Family::V6;
    static constexpr int af = AF_INET6;
    static constexpr const char* namesFile = "/proc/net/ip6_tables_names";
    static constexpr const char* label = "ip6tables";

    static xtc_handle* init(const char* table) { return ip6tc_init(table); }
    static void free(xtc_handle* h) { ip6tc_free(h); }
    static int commit(xtc_handle* h) { return ip6tc_commit(h); }
    static const char* strerror(int err) { return ip6tc_strerror(err); }
    static const char* firstChain(xtc_handle* h) { return ip6tc_first_chain(h); }
    static const char* nextChain(xtc_handle* h) { return ip6tc_next_chain(h); }
    static const Entry* firstRule(const char* c, xtc_handle* h) { return ip6tc_first_rule(c, h); }
    static const Entry* nextRule(const Entry* e, xtc_handle* h) { return ip6tc_next_rule(e, h); }
    static const char* target(const Entry* e, xtc_handle* h) { return ip6tc_get_target(e, h); }
    static int isChain(const Label& c, xtc_handle* h) { return ip6tc_is_chain(c.data(), h); }
    static int createChain(const Label& c, xtc_handle* h) { return ip6tc_create_chain(c.data(), h); }
    static int flush(const Label& c, xtc_handle* h) { return ip6tc_flush_entries(c.data(), h); }
    static int deleteChain(const Label& c, xtc_handle* h) { return ip6tc_delete_chain(c.data(), h); }
    static int append(const Label& c, const Entry* e, xtc_handle* h) {
        return ip6tc_append_entry(c.data(), e, h);
    }
    static int insert(const Label& c, const Entry* e, unsigned n, xtc_handle* h) {
        return ip6tc_insert_entry(c.data(), e, n, h);
    }
    static int deleteNum(const Label& c, unsigned n, xtc_handle* h) {
        return ip6tc_delete_num_entry(c.data(), n, h);
    }
    static int deleteEntry(const Label& c, const Entry* e, unsigned char* mask, xtc_handle* h) {
        return ip6tc_delete_entry(c.data(), e, mask, h);
    }
};

// ---------------------------------------------------------------------------------------------
// Table transactions

template <class F> bool hasWeirComment(const typename F::Entry* e) {
    const auto* base = reinterpret_cast<const unsigned char*>(e);
    for (std::size_t off = sizeof(typename F::Entry); off + sizeof(xt_entry_match) <= e->target_offset;) {
        const auto* m = reinterpret_cast<const xt_entry_match*>(base + off);
        if (m->u.match_size == 0)
            break;
        if (std::strcmp(m->u.user.name, "comment") == 0) {
            const auto* c = reinterpret_cast<const xt_comment_info*>(m->data);
            if (std::strncmp(c->comment, kRuleComment, sizeof(c->comment)) == 0)
                return true;
        }
        off += m->u.match_size;
    }
    return false;
}

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

template <class F> std::vector<const Rule*> rulesOf(const RulePlan& plan, Table table) {
    std::vector<const Rule*> out;
    for (const auto& r : plan.rules)
        if (r.family == F::family && r.table == table)
            out.push_back(&r);
    return out;
}

template <class F> std::vector<std::string> chainsOf(const RulePlan& plan, Table table) {
    std::vector<std::string> out;
    for (const auto& c : plan.chains)
        if (c.family == F::family && c.table == table)
            out.push_back(c.name);
    return out;
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

bool tableExists(const char* namesFile, const char* table) {
    std::ifstream in(namesFile);
    std::string line;
    while (std::getline(in, line))
        if (line == table)
            return true;
    return false;
}

constexpr std::array<Table, 2> kTables = {Table::Nat, Table::Mangle};

template <class F>
bool cleanExisting(int attempts, std::size_t* count, std::string* error, const RulePlan* except = nullptr) {
    for (Table t : kTables) {
        if (except) {
            const auto planned = except->tables();
            if (std::find(planned.begin(), planned.end(), std::pair{F::family, t}) != planned.end())
                continue;
        }
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

template <class F> bool applyTable(int attempts, const RulePlan& plan, Table table, std::string* error) {
    const char* name = tableName(table);
    std::vector<Rule> added;
    auto mutate = [&](xtc_handle* h, bool* dirty) {
        std::size_t ignored = 0;
        added.clear(); // filled again on an EAGAIN retry
        if (!cleanTable<F>(h, name, dirty, &ignored, error))
            return false;
        *dirty = true;
        return installTable<F>(h, plan, table, &added, error);
    };
    auto blame = [&added](const std::string& kernelLog) { return blameRules(added, kernelLog); };
    return transaction<F>(name, attempts, mutate, error, blame);
}

template <class F> bool cleanOne(int attempts, Table table, std::string* error) {
    const char* name = tableName(table);
    auto clean = [&](xtc_handle* h, bool* dirty) {
        std::size_t ignored = 0;
        return cleanTable<F>(h, name, dirty, &ignored, error);
    };
    return transaction<F>(name, attempts, clean, error);
}

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

IptcBackend::IptcBackend() = default;

IptcBackend::IptcBackend(Options options)
    : m_options(std::move(options)) {}

bool IptcBackend::apply(const RulePlan& plan, std::string* error) {
    XtablesLock lock;
    if (!lock.acquire(m_options.lockFile, m_options.lockTimeoutMs, error))
        return false;
    const int attempts = m_options.commitAttempts;

    // Leftovers in tables this plan does not use (e.g. a TPROXY plan's mangle rules) go first.
    std::size_t ignored = 0;
    if (!cleanExisting<V4>(attempts, &ignored, error, &plan) ||
        !cleanExisting<V6>(attempts, &ignored, error, &plan))
        return false;

    const auto tables = plan.tables();
    for (std::size_t i = 0; i < tables.size(); ++i) {
        const auto [family, table] = tables[i];
        const bool ok = family == Family::V4 ? applyTable<V4>(attempts, plan, table, error)
                                             : applyTable<V6>(attempts, plan, table, error);
        if (ok)
            continue;
        // Undo the tables already committed; the failed one was not changed.
        for (std::size_t j = 0; j < i; ++j) {
            std::string ignoredError;
            const auto [f, t] = tables[j];
            if (f == Family::V4)
                cleanOne<V4>(attempts, t, &ignoredError);
            else
                cleanOne<V6>(attempts, t, &ignoredError);
        }
        return false;
    }
    return true;
}

bool IptcBackend::remove(const RulePlan& plan, std::string* error) {
    XtablesLock lock;
    if (!lock.acquire(m_options.lockFile, m_options.lockTimeoutMs, error))
        return false;
    for (const auto& [family, table] : plan.tables()) {
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
