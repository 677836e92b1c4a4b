// INTERIM, until wip-core lands: the listener set types the proxy core will take
// (core::ListenerConfig, core::SourceFilter). Delete this file when the core defines them.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "config/cidr.h"
#include "config/types.h"

namespace weir::core {

struct ListenerConfig {
    weir::Family family = weir::Family::V4;
    weir::Protocol protocol = weir::Protocol::Tcp;
    std::string address;
    std::uint16_t port = 0;
    bool transparent = false;
    bool operator==(const ListenerConfig&) const = default;
};

struct SourceFilter {
    bool allowLocal = true;
    std::vector<weir::Cidr> allowed;
    bool operator==(const SourceFilter&) const = default;
};

} // namespace weir::core
