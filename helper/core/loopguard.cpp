#include "core/loopguard.h"

#include <netinet/in.h>

#include <algorithm>
#include <chrono>

namespace weir::core::detail {

namespace {
// Longest wait for another worker's connect to register its flow: normally microseconds, more when
// that worker is preempted in between (on a busy 2-core machine, 2 ms proved too short). Only local
// clients to a destination we are connecting to at that moment ever wait.
constexpr auto kConnectWait = std::chrono::milliseconds(20);
} // namespace

bool isWildcard(const SocketAddress& a) {
    if (a.family() == AF_INET)
        return reinterpret_cast<const sockaddr_in*>(a.sockaddrPtr())->sin_addr.s_addr == htonl(INADDR_ANY);
    if (a.family() == AF_INET6)
        return IN6_IS_ADDR_UNSPECIFIED(&reinterpret_cast<const sockaddr_in6*>(a.sockaddrPtr())->sin6_addr);
    return false;
}

bool LoopGuard::isProxyItself(weir::Protocol protocol, const SocketAddress& destination) {
    std::lock_guard lock(mutex_);
    for (const auto& l : listeners_) {
        if (l.protocol != protocol)
            continue;
        if (destination == l.bound)
            return true;
        // A wildcard listener is reachable under every local address of its family.
        if (isWildcard(l.bound) && l.bound.family() == destination.family() &&
            l.bound.port() == destination.port() && local_.contains(destination))
            return true;
    }
    return false;
}

// Canonical bytes of (protocol, from, to), usable as a hash key (SocketAddress zero-fills and
// normalizes).
std::string LoopGuard::key(weir::Protocol protocol, const SocketAddress& from, const SocketAddress& to) {
    std::string k(1, protocol == weir::Protocol::Tcp ? 't' : 'u');
    k.append(reinterpret_cast<const char*>(from.sockaddrPtr()), from.sockaddrLen());
    k.append(reinterpret_cast<const char*>(to.sockaddrPtr()), to.sockaddrLen());
    return k;
}

std::string LoopGuard::addOwnFlow(weir::Protocol protocol, const SocketAddress& local,
                                  const SocketAddress& destination, std::uint64_t id) {
    std::string k = key(protocol, local, destination);
    std::lock_guard lock(mutex_);
    ownFlows_.emplace(k, id);
    registered_.notify_all();
    return k;
}

void LoopGuard::beginOwnConnect(weir::Protocol protocol, const SocketAddress& destination) {
    std::string k = key(protocol, SocketAddress(), destination);
    std::lock_guard lock(mutex_);
    connecting_.push_back(std::move(k));
}

void LoopGuard::endOwnConnect(weir::Protocol protocol, const SocketAddress& destination) {
    const std::string k = key(protocol, SocketAddress(), destination);
    std::lock_guard lock(mutex_);
    if (auto it = std::find(connecting_.begin(), connecting_.end(), k); it != connecting_.end())
        connecting_.erase(it);
    registered_.notify_all();
}

void LoopGuard::removeOwnFlow(const std::string& k) {
    if (k.empty())
        return;
    std::lock_guard lock(mutex_);
    ownFlows_.erase(k);
}

std::optional<std::uint64_t> LoopGuard::ownFlow(weir::Protocol protocol, const SocketAddress& source,
                                                const SocketAddress& destination) const {
    const std::string k = key(protocol, source, destination);
    const std::string pending = key(protocol, SocketAddress(), destination);
    std::unique_lock lock(mutex_);
    const auto deadline = std::chrono::steady_clock::now() + kConnectWait;
    for (;;) {
        if (auto it = ownFlows_.find(k); it != ownFlows_.end())
            return it->second;
        // Only a socket of this machine can be ours; a LAN client never waits.
        if (std::find(connecting_.begin(), connecting_.end(), pending) == connecting_.end() ||
            !local_.contains(source) || registered_.wait_until(lock, deadline) == std::cv_status::timeout)
            return std::nullopt;
    }
}

std::optional<LoopGuard::OwnFlowMatch> LoopGuard::ownFlowBack(const SocketAddress& local,
                                                              const SocketAddress& source,
                                                              const SocketAddress& destination,
                                                              ConntrackLookup& conntrack) const {
    // The fast path: no address match, no lookup. (A looped socket of ours whose port NAT rewrote
    // slips through here once; its next round through the rules is caught.)
    const auto candidate = ownFlow(weir::Protocol::Tcp, source, destination);
    if (!candidate)
        return std::nullopt;
    bool noEntry = false;
    std::string error;
    const auto original = conntrack.originalOf(weir::Protocol::Tcp, local, source, &error, &noEntry);
    if (!original) {
        // No entry means no NAT (NOTRACK, or TPROXY without tracking): the peer address is the
        // client socket's own, and two sockets here cannot share (source, destination).
        return OwnFlowMatch{*candidate, noEntry, source};
    }
    if (original->source == source)
        return OwnFlowMatch{*candidate, true, source, true};
    // NAT rewrote the source: the client is whoever has the original address.
    if (const auto own = ownFlow(weir::Protocol::Tcp, original->source, original->destination))
        return OwnFlowMatch{*own, true, original->source, true};
    return std::nullopt;
}

} // namespace weir::core::detail
