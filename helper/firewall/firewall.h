// Interception rules as data (a plan), and the backend that applies a plan to the kernel.
// Planning is pure and golden-file tested; applying is behind FirewallBackend (libiptc first).
// No Qt here.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "config/types.h"

namespace weir::firewall {

using weir::Mode;

// The chains and rules to install, as plain data so a plan can be rendered, compared and undone.
// Defined in firewall/ruleplan.h, with planRules() that makes one from weir::Settings.
struct RulePlan;

class FirewallBackend {
public:
    virtual ~FirewallBackend() = default;
    virtual std::string name() const = 0; // e.g. "iptables-legacy"
    // Installs the plan all-or-nothing, replacing whatever Weir had installed: on failure nothing of
    // it stays installed, Weir's previous rules are as they were, and *error says why.
    virtual bool apply(const RulePlan& plan, std::string* error) = 0;
    // Removes exactly what apply(plan) installed. Removing rules that are not there is not an error.
    virtual bool remove(const RulePlan& plan, std::string* error) = 0;
    // Removes every WEIR_ chain and every rule jumping to one or tagged "weir", whatever plan made it.
    // *removed (if given) gets how many chains and rules outside them were deleted (0: nothing found).
    virtual bool removeAll(std::string* error, std::size_t* removed = nullptr) = 0;
    // Drift check, changing nothing: true when every chain and rule of the plan is installed exactly
    // and Weir's chains hold nothing else. Otherwise false with *difference saying what differs,
    // e.g. "chain WEIR_OUTPUT missing in ipv4 nat" or "rule `-A OUTPUT ...` missing in ipv4 nat".
    // (Not yet pure virtual only so that backends outside this folder that predate it keep building;
    // the default says the check is unsupported.)
    virtual bool verify(const RulePlan& plan, std::string* difference) = 0;
};

} // namespace weir::firewall
