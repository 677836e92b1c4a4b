// Coexistence with nftables: Weir's rules are legacy iptables (libiptc), but a machine may also have
// nf_tables base chains (nft rulesets, firewalld, iptables-nft, Docker) at the same netfilter hooks.
// Both run, in priority order, and a DROP, an accept-and-mark or a NAT there changes what reaches
// Weir's rules; iptables-nft's view does not even show Weir's rules. The helper cannot know whether
// such a chain matters, so it only says that it is there (a GetStatus warning), naming it.
//
// The probe is one NFT_MSG_GETCHAIN dump over nfnetlink (libmnl), read-only. Plain C++.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace weir::service {

struct NftChain {
    std::string family; // "ip" | "ip6" | "inet"
    std::string table;
    std::string name;
    std::string hook; // "prerouting" | "output"
    int priority = 0;
    bool operator==(const NftChain&) const = default;
};

// Base chains in the ip, ip6 and inet families hooked at prerouting or output (where Weir's nat and
// mangle rules are), in the kernel's order. nullopt with *error when nf_tables cannot be asked.
std::optional<std::vector<NftChain>> listNftChainsAtWeirHooks(std::string* error);

// The GetStatus warning for these chains ("" when there are none).
std::string nftCoexistenceWarning(const std::vector<NftChain>& chains, const std::string& backendName);

} // namespace weir::service
