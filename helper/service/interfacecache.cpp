#include "service/interfacecache.h"

#include <netinet/in.h>

#include "routing/routelookup.h"

namespace weir::service {

namespace {
constexpr auto kLifetime = std::chrono::seconds(60);
constexpr std::size_t kMaxEntries = 4096; // a gateway's LAN; beyond that, start again
} // namespace

const std::string& InterfaceCache::interfaceOf(const core::SocketAddress& address, Clock::time_point now) {
    static const std::string none;
    if (!address.isValid())
        return none;
    std::string key = address.ip();
    if (auto it = entries_.find(key); it != entries_.end() && it->second.expires > now)
        return it->second.name;
    if (entries_.size() >= kMaxEntries)
        entries_.clear();
    const sockaddr* sa = address.sockaddrPtr();
    const bool v4 = address.family() == AF_INET;
    const void* raw = v4 ? static_cast<const void*>(&reinterpret_cast<const sockaddr_in*>(sa)->sin_addr)
                         : static_cast<const void*>(&reinterpret_cast<const sockaddr_in6*>(sa)->sin6_addr);
    std::string error;
    // No route: shown as unknown, and asked again after the lifetime rather than on every tick.
    const auto name = routing::interfaceTowards(v4 ? Family::V4 : Family::V6, raw, &error);
    Entry& entry = entries_[std::move(key)];
    entry.name = name.value_or(std::string());
    entry.expires = now + kLifetime;
    return entry.name;
}

} // namespace weir::service
