#include "firewall/iptcbackend.h"
#include "firewall/iptcentry.h"
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

// The lock `iptables -w` and other xtables users serialise on. libiptc does not take it.
class XtablesLock {
public:
    ~XtablesLock() {
        if (m_fd >= 0)
            ::close(m_fd); // closing releases the flock
    }

    bool acquire(std::string path, int timeoutMs, std::string* error) {
        if (path.empty()) {
            const char* env = std::getenv("XTABLES_LOCKFILE");
            path = env && *env ? env : "/run/xtables.lock";
        }
        m_fd = ::open(path.c_str(), O_CREAT | O_RDWR | O_CLOEXEC, 0600);
        if (m_fd < 0) {
            setError(error, "cannot open the xtables lock " + path + ": " + std::strerror(errno));
            return false;
        }
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeoutMs);
        while (::flock(m_fd, LOCK_EX | LOCK_NB) != 0) {
            if (errno != EWOULDBLOCK && errno != EINTR) {
                setError(error, "cannot lock " + path + ": " + std::strerror(errno));
                return false;
            }
            if (std::chrono::steady_clock::now() >= deadline) {
                setError(error, "another program (iptables -w, firewalld, ...) held the xtables lock " +
                                    path + " for more than " + std::to_string(timeoutMs) +
                                    " ms; try again later");
                return false;
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
        }
        return true;
    }

private:
    int m_fd = -1;
};

// iptc_commit only says EINVAL; the kernel logs why. Remembers where the log ends before a commit
// and reads what was added after it failed. Best effort: needs root, and the log is shared by all
// namespaces, so a line from elsewhere may slip in.
class KernelLogTail {
public:
    KernelLogTail() {
        m_fd = ::open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);
        if (m_fd >= 0)
            ::lseek(m_fd, 0, SEEK_END);
    }
    ~KernelLogTail() {
        if (m_fd >= 0)
            ::close(m_fd);
    }
    KernelLogTail(const KernelLogTail&) = delete;
    KernelLogTail& operator=(const KernelLogTail&) = delete;

    // New records that look like xtables messages, joined with "; ".
    std::string newLines() const {
        std::string out;
        char record[2048];
        for (int i = 0; m_fd >= 0 && i < 64; ++i) {
            const ssize_t n = ::read(m_fd, record, sizeof record - 1);
            if (n < 0 && errno == EPIPE)
                continue; // overwritten records: go on with the next one
            if (n <= 0)
                break;
            const std::string text(record, static_cast<std::size_t>(n));
            const auto start = text.find(';');
            if (start == std::string::npos)
                continue;
            std::string message = text.substr(start + 1, text.find('\n', start) - start - 1);
            if (message.find("tables") == std::string::npos && message.find("target") == std::string::npos &&
                message.find("match") == std::string::npos)
                continue;
            out += (out.empty() ? "" : "; ") + message;
        }
        return out;
    }

private:
    int m_fd = -1;
};

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

template <class F> bool installTable(xtc_handle* h, const RulePlan& plan, Table table, std::string* error) {
    const char* tname = tableName(table);
    for (const auto& chain : chainsOf<F>(plan, table)) {
        if (!isWeirChain(chain) || chain.size() >= XT_EXTENSION_MAXNAMELEN) {
            setError(error, "refusing to create chain " + chain + " (Weir's chains start with WEIR_)");
            return false;
        }
        if (!F::createChain(label(chain), h)) {
            setError(error, failure<F>("cannot create chain " + chain, tname, errno));
            return false;
        }
    }
    const auto rules = rulesOf<F>(plan, table);
    auto add = [&](const Rule& rule) {
        const auto entry = kernelEntry(rule, error);
        if (!entry)
            return false;
        const auto* e = reinterpret_cast<const typename F::Entry*>(entry->bytes.data());
        const int ok = rule.position == Rule::Position::InsertTop ? F::insert(label(rule.chain), e, 0, h)
                                                                  : F::append(label(rule.chain), e, h);
        if (!ok)
            setError(error, failure<F>("cannot add rule `" + renderRule(rule) + "`", tname, errno));
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
                 std::string* error) {
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
        if (err == EAGAIN)
            text += " after " + std::to_string(attempts) + " attempts: other programs keep changing it";
        else if (const std::string reason = kernelLog.newLines(); !reason.empty())
            text += "; the table is unchanged. Kernel log (dmesg): " + reason;
        else
            text += "; the table is unchanged. The reason is in the kernel log (dmesg)";
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
    auto mutate = [&](xtc_handle* h, bool* dirty) {
        std::size_t ignored = 0;
        if (!cleanTable<F>(h, name, dirty, &ignored, error))
            return false;
        *dirty = true;
        return installTable<F>(h, plan, table, error);
    };
    return transaction<F>(name, attempts, mutate, error);
}

template <class F> bool cleanOne(int attempts, Table table, std::string* error) {
    const char* name = tableName(table);
    auto clean = [&](xtc_handle* h, bool* dirty) {
        std::size_t ignored = 0;
        return cleanTable<F>(h, name, dirty, &ignored, error);
    };
    return transaction<F>(name, attempts, clean, error);
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

} // namespace weir::firewall
