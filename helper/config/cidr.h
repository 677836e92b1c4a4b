// An IP prefix ("10.0.0.0/8", "fd00::/8", a bare address meaning /32 or /128). Shared by the
// settings, the rule planner and the proxy core's source filter. Plain C++, no Qt.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "config/types.h"

namespace weir {

struct Cidr {
    std::string address; // as the planner or the user wrote it; see normalized()
    int prefixLength = 32;
    bool operator==(const Cidr&) const = default;

    // "a.b.c.d[/n]" or "x:y::z[/n]"; nullopt with *error for anything else (no host names, no
    // brackets, no leading zeros in the length, length within the family's size).
    static std::optional<Cidr> parse(std::string_view text, std::string* error = nullptr);

    // V6 when the address contains ':'.
    Family family() const;
    // The prefix with host bits cleared, as the kernel keeps it: "10.1.2.3/8" -> "10.0.0.0/8".
    std::string normalized() const;
    // Whether the address (raw bytes in network order, 4 or 16 of them) lies inside this prefix.
    bool contains(Family family, const unsigned char* addressBytes) const;
};

} // namespace weir
