// The one place that turns an Upstream (the `upstream` setting) into the core's Connector.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "config/upstream.h"
#include "core/connector.h"

namespace weir::upstream {

struct ConnectorOptions {
    std::uint32_t outgoingMark = 0; // SO_MARK on every socket to the upstream or the destination
    // UDP flows when the upstream cannot carry them (HTTP CONNECT): the `udp_without_upstream` setting.
    weir::UdpWithoutUpstream udpWithoutUpstream = weir::UdpWithoutUpstream::Direct;
};

// A connector for `upstream`, or null with *error set (e.g. the upstream's host name cannot be
// resolved: "cannot resolve proxy.lan: ..."). Direct never fails.
std::shared_ptr<core::Connector> makeConnector(const weir::Upstream& upstream,
                                               const ConnectorOptions& options, std::string* error);

} // namespace weir::upstream
