// Kernel entries (ipt_entry / ip6t_entry with their matches and target) built by hand from a Rule,
// for libiptc. Internal to the libiptc backend.
#pragma once

#include "firewall/ruleplan.h"

#include <optional>
#include <string>
#include <vector>

namespace weir::firewall {

struct KernelEntry {
    std::vector<unsigned char> bytes; // the entry, XT_ALIGNed matches and target, padding zero
    // For iptc_delete_entry: 0xff where the bytes must match, 0 over kernel-private fields (the
    // cgroup match's pointer), laid out like the entry itself.
    std::vector<unsigned char> mask;
};

// nullopt and *error for a rule the kernel could never hold (bad address, name too long, ...).
std::optional<KernelEntry> kernelEntry(const Rule& rule, std::string* error);

// The xtables extensions a rule uses, as the kernel log names them ("TPROXY", "socket", ...);
// used to tell which rule the kernel refused. Jumps and RETURN/ACCEPT use none.
std::vector<std::string> extensionNames(const Rule& rule);

} // namespace weir::firewall
