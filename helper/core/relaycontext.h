// What the relay thread's parts share: the epoll set, the table, the guards and the settings from
// CoreConfig. Owned by ProxyCore; everything here is used by the relay thread only, except the
// table (see connectiontable.h) and the settings, which are written before the thread starts.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "core/connectiontable.h"
#include "core/connector.h"
#include "core/loopguard.h"
#include "core/poller.h"
#include "core/sourcefilter.h"

namespace weir::core::detail {

using Clock = std::chrono::steady_clock;

struct RelaySettings {
    // Replaced by ProxyCore::setConnector() while running: each new connection loads it once.
    std::atomic<std::shared_ptr<Connector>> connector;
    std::chrono::milliseconds connectTimeout{10'000};
    std::chrono::milliseconds tcpIdleTimeout{0}; // 0: never
    std::uint32_t outgoingMark = 0;
    std::chrono::milliseconds udpIdleTimeout{60'000};
    std::size_t maxUdpSessions = 4096;
    std::function<std::optional<SocketAddress>(int clientFd, std::string* error)> originalDestinationOverride;
};

struct RelayContext {
    Poller poller;
    ConnectionTable table;
    SourceGate sourceGate;
    LoopGuard loopGuard{sourceGate.localAddresses()};
    RelaySettings settings;
    // The time of the current epoll batch: one clock read per batch, not one per packet.
    Clock::time_point now = Clock::now();
};

// Closing with SO_LINGER 0 sends RST: the peer learns the stream was cut, not that it ended.
void closeWithReset(int fd);
std::optional<SocketAddress> localAddressOf(int fd);
int socketError(int fd);

// Keeps the soonest of several optional deadlines.
inline void earliest(std::optional<Clock::time_point>& next, std::optional<Clock::time_point> t) {
    if (t && (!next || *t < *next))
        next = t;
}

} // namespace weir::core::detail
