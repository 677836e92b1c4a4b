// Runs policy routing operations in the current network namespace, for netns_policyrouting.sh
// (which starts it under `ip netns exec`). Never run it in the host namespace.
//   weir-routing-driver add|remove|add-route|add-rule|has-rule|has-route 4|6 MARK TABLE PREF
// has-*: exit 0 when present, 3 when absent, 1 on errors.
//   weir-routing-driver route-get ADDRESS    prints the interface ("" for a local address)
#include "routing/policyrouting.h"
#include "routing/routelookup.h"

#include <arpa/inet.h>

#include <cstdlib>
#include <iostream>
#include <string>

using namespace weir::routing;

int main(int argc, char** argv) {
    if (argc == 3 && std::string(argv[1]) == "route-get") {
        unsigned char raw[16];
        const bool v4 = inet_pton(AF_INET, argv[2], raw) == 1;
        if (!v4 && inet_pton(AF_INET6, argv[2], raw) != 1) {
            std::cerr << "route-get: not an address: " << argv[2] << "\n";
            return 2;
        }
        std::string error;
        const auto name = interfaceTowards(v4 ? Family::V4 : Family::V6, raw, &error);
        if (!name) {
            std::cerr << "route-get: " << error << "\n";
            return 1;
        }
        std::cout << "[" << *name << "]\n";
        return 0;
    }
    if (argc != 6) {
        std::cerr << "usage: weir-routing-driver add|remove|add-route|add-rule|has-rule|has-route 4|6 MARK "
                     "TABLE PREF\n";
        return 2;
    }
    const std::string cmd = argv[1];
    const Family family = std::string(argv[2]) == "6" ? Family::V6 : Family::V4;
    PolicyRoute r;
    r.fwmark = r.mask = static_cast<std::uint32_t>(std::strtoul(argv[3], nullptr, 0));
    r.table = static_cast<std::uint32_t>(std::strtoul(argv[4], nullptr, 0));
    r.priority = static_cast<std::uint32_t>(std::strtoul(argv[5], nullptr, 0));

    std::string error;
    bool ok = false;
    if (cmd == "add")
        ok = addPolicyRouting(family, r, &error);
    else if (cmd == "remove")
        ok = removePolicyRouting(family, r, &error);
    else if (cmd == "add-route")
        ok = addLocalRoute(family, r, &error);
    else if (cmd == "add-rule")
        ok = addFwmarkRule(family, r, &error);
    else if (cmd == "has-rule" || cmd == "has-route") {
        const bool present =
            cmd == "has-rule" ? hasFwmarkRule(family, r, &error) : hasLocalRoute(family, r, &error);
        if (present)
            return 0;
        if (error.empty())
            return 3;
    } else
        error = "unknown command " + cmd;
    if (!ok) {
        std::cerr << cmd << ": " << error << "\n";
        return 1;
    }
    return 0;
}
