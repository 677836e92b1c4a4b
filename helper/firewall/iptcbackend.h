// FirewallBackend on the legacy xtables kernel interface, through libiptc (IPv4) and libip6tc (IPv6).
// Rules written here are seen by iptables-legacy-save, not by iptables-nft.
//
// Two hooks for the fault tests (tests/fault), read from the environment:
//   WEIR_FAULT_REJECT="ipv6 mangle"   (a comma-separated list of "ipv4|ipv6 nat|mangle")
// makes apply() add, to each listed table it commits, a chain WEIR_FAULT holding a rule the kernel
// really refuses (TPROXY in nat, REDIRECT in mangle), so that commit fails with EINVAL exactly as a
// bad plan would, and apply() takes its real rollback path.
//   WEIR_TEST_LOCK_TIMEOUT_MS=1500
// is how long a default-constructed backend (the helper's, the guardian's) waits for the xtables lock
// instead of 10 s, so that a test of a lock held by another program need not wait that long.
#pragma once

#include "firewall/firewall.h"

#include <string>

namespace weir::firewall {

class IptcBackend final : public FirewallBackend {
public:
    struct Options {
        // Empty: $XTABLES_LOCKFILE if set, else /run/xtables.lock (what iptables -w uses).
        std::string lockFile;
        int lockTimeoutMs = defaultLockTimeoutMs();
        // iptc_commit gives EAGAIN when another writer changed the table since iptc_init;
        // the whole init/mutate/commit is then repeated up to this many times in all.
        int commitAttempts = 5;
    };

    IptcBackend();
    explicit IptcBackend(Options options);
    // 10000, or $WEIR_TEST_LOCK_TIMEOUT_MS when that is a positive number.
    static int defaultLockTimeoutMs();

    std::string name() const override { return "iptables-legacy"; }

    // One commit per table, each removing Weir's leftovers and installing the plan's chains and rules
    // together, so a rejected table stays exactly as it was. If a later table fails, Weir's part of
    // the tables already committed is put back as it was before (a previous plan keeps working);
    // other programs' rules are never touched.
    bool apply(const RulePlan& plan, std::string* error) override;
    bool remove(const RulePlan& plan, std::string* error) override;
    // Only looks at tables that already exist (/proc/net/ip{,6}_tables_names), so it never
    // instantiates legacy tables on a host that does not use them.
    bool removeAll(std::string* error, std::size_t* removed = nullptr) override;
    // On a fresh libiptc handle per table: deletes each planned rule with an exact-match mask (all
    // must be found), then checks Weir's chains are left empty and no other rule of Weir remains;
    // the handle is freed without a commit. Reads only (no lock: iptc_init takes one snapshot).
    bool verify(const RulePlan& plan, std::string* difference) override;

private:
    Options m_options;
};

} // namespace weir::firewall
