#include "firewall/firewall.h"

namespace weir::firewall {

bool FirewallBackend::verify(const RulePlan&, std::string* difference) {
    if (difference)
        *difference = "the " + name() + " backend cannot check installed rules";
    return false;
}

} // namespace weir::firewall
