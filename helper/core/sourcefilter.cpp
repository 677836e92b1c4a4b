#include "core/sourcefilter.h"

#include <ifaddrs.h>
#include <netinet/in.h>

#include <algorithm>
#include <cstring>

namespace weir::core::detail {

const unsigned char* addressBytes(const SocketAddress& address, weir::Family* family) {
    if (address.family() == AF_INET) {
        *family = weir::Family::V4;
        return reinterpret_cast<const unsigned char*>(
            &reinterpret_cast<const sockaddr_in*>(address.sockaddrPtr())->sin_addr);
    }
    if (address.family() == AF_INET6) {
        *family = weir::Family::V6;
        return reinterpret_cast<const sockaddr_in6*>(address.sockaddrPtr())->sin6_addr.s6_addr;
    }
    return nullptr;
}

LocalAddresses::Key LocalAddresses::keyOf(weir::Family family, const unsigned char* bytes) {
    Key key{};
    key[0] = family == weir::Family::V4 ? 4 : 6;
    std::memcpy(key.data() + 1, bytes, family == weir::Family::V4 ? 4 : 16);
    return key;
}

bool LocalAddresses::lookup(const Key& key) const {
    return std::binary_search(addresses_.begin(), addresses_.end(), key);
}

void LocalAddresses::refresh() {
    refreshedAt_ = std::chrono::steady_clock::now();
    loaded_ = true;
    ifaddrs* list = nullptr;
    if (::getifaddrs(&list) != 0)
        return; // keep what we had
    std::vector<Key> found;
    for (const ifaddrs* it = list; it; it = it->ifa_next) {
        if (!it->ifa_addr)
            continue;
        if (it->ifa_addr->sa_family == AF_INET)
            found.push_back(
                keyOf(weir::Family::V4, reinterpret_cast<const unsigned char*>(
                                            &reinterpret_cast<const sockaddr_in*>(it->ifa_addr)->sin_addr)));
        else if (it->ifa_addr->sa_family == AF_INET6)
            found.push_back(keyOf(weir::Family::V6,
                                  reinterpret_cast<const sockaddr_in6*>(it->ifa_addr)->sin6_addr.s6_addr));
    }
    ::freeifaddrs(list);
    std::sort(found.begin(), found.end());
    addresses_ = std::move(found);
}

bool LocalAddresses::contains(const SocketAddress& address) {
    weir::Family family;
    const unsigned char* bytes = addressBytes(address, &family);
    if (!bytes)
        return false;
    // The whole loopback range is local (the kernel's local route covers 127/8), not only 127.0.0.1.
    if (family == weir::Family::V4 && bytes[0] == 127)
        return true;
    if (family == weir::Family::V6 && IN6_IS_ADDR_LOOPBACK(reinterpret_cast<const in6_addr*>(bytes)))
        return true;
    const Key key = keyOf(family, bytes);
    if (loaded_ && lookup(key))
        return true;
    if (loaded_ && std::chrono::steady_clock::now() - refreshedAt_ < kRefresh)
        return false;
    refresh();
    return lookup(key);
}

bool SourceGate::allows(const SocketAddress& source) {
    weir::Family family;
    const unsigned char* bytes = addressBytes(source, &family);
    if (!bytes)
        return false;
    if (filter_.allowLocal && local_.contains(source))
        return true;
    for (const auto& cidr : filter_.allowed)
        if (cidr.contains(family, bytes))
            return true;
    return false;
}

} // namespace weir::core::detail
