// Who may use the proxy. The core must never be an open proxy: a connection or datagram is relayed
// only when its source is an address of this machine (allowLocal) or lies in one of `allowed`
// (the LAN behind a gateway). Everything else is refused and recorded.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <vector>

#include "config/cidr.h"
#include "core/socketaddress.h"

namespace weir::core {

struct SourceFilter {
    bool allowLocal = true;
    std::vector<weir::Cidr> allowed;
    bool operator==(const SourceFilter&) const = default;
};

namespace detail {

// Raw address bytes (4 or 16, network order) and family of `address`, as Cidr::contains takes them.
const unsigned char* addressBytes(const SocketAddress& address, weir::Family* family);

// The addresses of this machine. TPROXYed local traffic arrives through lo with the machine's own
// source address (any interface's), so "local" means: loopback (127/8, ::1) or an address of any
// interface. getifaddrs() is cached; a miss refreshes it at most every kRefresh, so a new address
// is noticed within seconds while a flood of foreign sources costs no more than a hash lookup.
// Relay thread only.
class LocalAddresses {
public:
    bool contains(const SocketAddress& address);

private:
    using Key = std::array<unsigned char, 17>; // family byte + 16 address bytes
    static constexpr auto kRefresh = std::chrono::seconds(2);
    static Key keyOf(weir::Family family, const unsigned char* bytes);
    bool lookup(const Key& key) const;
    void refresh();

    std::vector<Key> addresses_; // sorted
    std::chrono::steady_clock::time_point refreshedAt_{};
    bool loaded_ = false;
};

// Relay thread only.
class SourceGate {
public:
    void setFilter(SourceFilter filter) { filter_ = std::move(filter); }
    bool allows(const SocketAddress& source);
    LocalAddresses& localAddresses() { return local_; }

private:
    SourceFilter filter_;
    LocalAddresses local_;
};

} // namespace detail
} // namespace weir::core
