// Refuses connections that would loop back into the core. Shared by all workers (a looped connection
// may be accepted by any of them): every method takes the guard's lock, once per connection or flow,
// never per packet.
// Two ways a loop shows up:
// - the destination is the proxy itself: one of our listeners (or, for a wildcard listener, any
//   local address on its port). Relaying it would connect the core to itself, forever.
// - one of the core's own outgoing sockets was intercepted again (no SO_MARK, or rules that ignore
//   it): a new flow whose (source, destination) equals (local address, destination) of an outgoing
//   socket of ours. The source alone is not enough: Linux shares an ephemeral port between
//   connections to different destinations, so a genuine local client may have it too. And for TCP
//   through REDIRECT even both are not enough: NAT may rewrite a client's source port to keep its
//   conntrack reply tuple unique, and the new port can equal the local port of one of our sockets
//   to the same destination. So an address match is only a candidate; ownFlowBack() confirms it
//   with the conntrack entry's original tuple, the client socket's real address.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "config/types.h"
#include "core/conntracklookup.h"
#include "core/socketaddress.h"
#include "core/sourcefilter.h"

namespace weir::core::detail {

class LoopGuard {
public:
    explicit LoopGuard(LocalAddresses& local)
        : local_(local) {}

    struct Listening {
        weir::Protocol protocol;
        SocketAddress bound;
    };
    void setListeners(std::vector<Listening> listeners) {
        std::lock_guard lock(mutex_);
        listeners_ = std::move(listeners);
    }
    bool isProxyItself(weir::Protocol protocol, const SocketAddress& destination);

    // Registers an outgoing socket of the flow `id`; returns the key to forget it with.
    std::string addOwnFlow(weir::Protocol protocol, const SocketAddress& local,
                           const SocketAddress& destination, std::uint64_t id);
    void removeOwnFlow(const std::string& key);
    // Around opening an outgoing socket (connect() to addOwnFlow()): its SYN may be intercepted and
    // accepted by another worker before the flow is registered, so ownFlow() for that destination
    // waits for the registration (a few microseconds) instead of missing it.
    void beginOwnConnect(weir::Protocol protocol, const SocketAddress& destination);
    void endOwnConnect(weir::Protocol protocol, const SocketAddress& destination);
    // The id of our flow whose outgoing socket has exactly this (local, destination), if any.
    std::optional<std::uint64_t> ownFlow(weir::Protocol protocol, const SocketAddress& source,
                                         const SocketAddress& destination) const;

    // ownFlow() for an accepted TCP connection, made exact: `local` is the accepted socket's own
    // address, `source` its peer. nullopt: not ours. `confirmed`: conntrack (or the absence of any
    // NAT) shows it is our socket, so the outgoing connection `id` never got out and may be closed;
    // unconfirmed (conntrack could not be asked): refuse the new connection but leave ours alone.
    struct OwnFlowMatch {
        std::uint64_t id = 0;
        bool confirmed = false;
        SocketAddress ownLocal;  // the local address of our socket that came back
        bool throughNat = false; // NAT sent it back (a conntrack entry with another reply source)
    };
    std::optional<OwnFlowMatch> ownFlowBack(const SocketAddress& local, const SocketAddress& source,
                                            const SocketAddress& destination,
                                            ConntrackLookup& conntrack) const;

private:
    static std::string key(weir::Protocol protocol, const SocketAddress& from, const SocketAddress& to);

    mutable std::mutex mutex_;
    LocalAddresses& local_;
    std::vector<Listening> listeners_;
    std::unordered_map<std::string, std::uint64_t> ownFlows_;
    std::vector<std::string> connecting_; // destinations of sockets between connect and addOwnFlow
    mutable std::condition_variable registered_;
};

bool isWildcard(const SocketAddress& a);

} // namespace weir::core::detail
