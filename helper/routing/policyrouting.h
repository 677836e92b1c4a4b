// Policy routing for TPROXY, over rtnetlink with libmnl:
//   ip [-6] rule add fwmark M/M lookup T pref P
//   ip [-6] route add local default dev lo table T
// Packets marked M are then delivered locally, where the TPROXY socket picks them up. No Qt.
#pragma once

#include <cstdint>
#include <string>

#include "config/types.h"

namespace weir::routing {

using weir::Family;

struct PolicyRoute {
    std::uint32_t fwmark = 0x1;
    std::uint32_t mask = 0x1;
    std::uint32_t table = 100;    // not 0, 253 (default), 254 (main), 255 (local)
    std::uint32_t priority = 100; // the rule's "pref"
};

// Each call is one request acknowledged by the kernel (NLM_F_ACK). Adding what already exists and
// removing what is not there succeed, so every call is idempotent. On failure *error has the
// kernel's reason (the extended ACK message when it sends one).
bool addFwmarkRule(Family family, const PolicyRoute& route, std::string* error);
bool removeFwmarkRule(Family family, const PolicyRoute& route, std::string* error);
bool addLocalRoute(Family family, const PolicyRoute& route, std::string* error);
bool removeLocalRoute(Family family, const PolicyRoute& route, std::string* error);

// Read-back, for drift checks: whether the kernel holds exactly this rule (fwmark/mask, table,
// pref, action lookup) or this route (local default via lo in that table), from a netlink dump.
// false with *error empty: not there; false with *error set: the dump failed.
bool hasFwmarkRule(Family family, const PolicyRoute& route, std::string* error);
bool hasLocalRoute(Family family, const PolicyRoute& route, std::string* error);

// Rule and route together; add undoes its own half on failure.
bool addPolicyRouting(Family family, const PolicyRoute& route, std::string* error);
bool removePolicyRouting(Family family, const PolicyRoute& route, std::string* error);

} // namespace weir::routing
