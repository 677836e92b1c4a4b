// What a relay thread's parts use. RelayContext is one worker's own: its epoll set, its shard of the
// connection table, its source gate; used by that worker's thread only, except the table (see
// connectiontable.h). SharedRelayState is what all workers share: the settings (written before the
// threads start; the connector is atomic), the loop guard (locked per connection, never per packet),
// the connection budget and the id counter (atomics, per connection).
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
#include "core/conntracklookup.h"
#include "core/listener.h"
#include "core/loopguard.h"
#include "core/poller.h"
#include "core/sourcefilter.h"

namespace weir::core::detail {

using Clock = std::chrono::steady_clock;

struct RelaySettings {
    std::function<void(std::uint64_t id, Protocol protocol, const SocketAddress& source,
                       const SocketAddress& destination)>
        onLocalConnection;
    // Replaced by ProxyCore::setConnector() while running: each new connection loads it once.
    std::atomic<std::shared_ptr<Connector>> connector;
    std::chrono::milliseconds connectTimeout{10'000};
    std::chrono::milliseconds tcpIdleTimeout{0}; // 0: never
    TcpKeepalive tcpKeepalive;                   // the listeners carry it (openSet)
    std::uint32_t outgoingMark = 0;
    std::chrono::milliseconds udpIdleTimeout{60'000};
    std::size_t maxUdpSessions = 4096;
    std::function<std::optional<SocketAddress>(int clientFd, std::string* error)> originalDestinationOverride;
};

// Open TCP connections and UDP flows of all workers, against CoreConfig::maxConnections.
class ConnectionBudget {
public:
    void setLimit(std::size_t max) { max_ = max; } // before the threads start; 0: no limit
    // False when the limit is reached; otherwise the caller holds one unit until release().
    bool tryAdmit() {
        if (max_ == 0)
            return true; // nothing counted: no shared write per connection
        if (open_.fetch_add(1, std::memory_order_relaxed) < max_)
            return true;
        open_.fetch_sub(1, std::memory_order_relaxed);
        return false;
    }
    void release() {
        if (max_ != 0)
            open_.fetch_sub(1, std::memory_order_relaxed);
    }

private:
    std::atomic<std::size_t> open_{0};
    std::size_t max_ = 0;
};

struct SharedRelayState {
    RelaySettings settings;
    LocalAddresses loopLocal; // the loop guard's, used under its lock
    LoopGuard loopGuard{loopLocal};
    ConnectionBudget budget;
    std::atomic<std::uint64_t> nextId{1}; // connection ids, unique across the table's shards
    // TcpRelay::ownConnectionLooped(own, after) on whichever other worker has connection `own.id` (a loop
    // noticed by `fromWorker`); `after` holds the looped copy, reset when the last reference goes.
    std::function<void(LoopGuard::OwnFlowMatch own, unsigned fromWorker, std::shared_ptr<void> after)>
        ownLoopedElsewhere;
};

struct RelayContext {
    RelayContext(SharedRelayState& shared, ConnectionTable& shard, unsigned workerIndex)
        : table(shard)
        , settings(shared.settings)
        , loopGuard(shared.loopGuard)
        , budget(shared.budget)
        , shared(shared)
        , worker(workerIndex) {
        table.shareIds(&shared.nextId);
    }

    Poller poller;
    ConnectionTable& table; // this worker's shard (owned by ProxyCore: it outlives the worker)
    SourceGate sourceGate;
    RelaySettings& settings;
    LoopGuard& loopGuard;
    ConnectionBudget& budget;
    SharedRelayState& shared;
    unsigned worker;
    ConntrackLookup conntrack; // this worker's netlink socket (see LoopGuard::ownFlowBack)
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
