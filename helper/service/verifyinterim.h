// INTERIM, until wip-firewall's FirewallBackend::verify(plan, difference) lands: backends that can
// verify implement RuleVerifier too. Delete this file then and call backend.verify() directly.
#pragma once

#include <string>

#include "firewall/ruleplan.h"

namespace weir::service {

class RuleVerifier {
public:
    virtual ~RuleVerifier() = default;
    virtual bool verify(const firewall::RulePlan& plan, std::string* difference) = 0;
};

inline bool verifyRules(firewall::FirewallBackend& backend, const firewall::RulePlan& plan,
                        std::string* difference) {
    if (auto* v = dynamic_cast<RuleVerifier*>(&backend))
        return v->verify(plan, difference);
    return true; // cannot tell yet
}

} // namespace weir::service
