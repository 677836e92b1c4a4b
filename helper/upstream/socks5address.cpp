#include "upstream/socks5address.h"

#include <arpa/inet.h>

#include <cstring>

namespace weir::upstream {

namespace {

constexpr std::uint8_t kAtypIpv4 = 1;
constexpr std::uint8_t kAtypDomain = 3;
constexpr std::uint8_t kAtypIpv6 = 4;
constexpr std::size_t kMaxDomain = 255;

void appendPort(std::string& out, std::uint16_t port) {
    out.push_back(static_cast<char>(port >> 8));
    out.push_back(static_cast<char>(port & 0xff));
}

std::uint16_t portAt(const unsigned char* p) {
    return static_cast<std::uint16_t>((p[0] << 8) | p[1]);
}

} // namespace

std::string Socks5Address::toString() const {
    if (isDomain())
        return domain + ":" + std::to_string(port);
    return ip.toString();
}

bool appendSocks5Address(std::string& out, const Socks5Address& address) {
    if (address.isDomain()) {
        if (address.domain.size() > kMaxDomain)
            return false;
        out.push_back(static_cast<char>(kAtypDomain));
        out.push_back(static_cast<char>(address.domain.size()));
        out += address.domain;
    } else if (address.ip.family() == AF_INET) {
        const auto* sin = reinterpret_cast<const sockaddr_in*>(address.ip.sockaddrPtr());
        out.push_back(static_cast<char>(kAtypIpv4));
        out.append(reinterpret_cast<const char*>(&sin->sin_addr), 4);
    } else if (address.ip.family() == AF_INET6) {
        const auto* sin6 = reinterpret_cast<const sockaddr_in6*>(address.ip.sockaddrPtr());
        out.push_back(static_cast<char>(kAtypIpv6));
        out.append(reinterpret_cast<const char*>(&sin6->sin6_addr), 16);
    } else {
        return false;
    }
    appendPort(out, address.port);
    return true;
}

Socks5AddressParse parseSocks5Address(const unsigned char* data, std::size_t size, Socks5Address* address,
                                      std::size_t* consumed, std::size_t* needed) {
    auto shortBy = [needed](std::size_t total) {
        if (needed)
            *needed = total;
        return Socks5AddressParse::Short;
    };
    if (size < 1)
        return shortBy(1);
    Socks5Address a;
    std::size_t total = 0;
    switch (data[0]) {
    case kAtypIpv4: {
        total = 1 + 4 + 2;
        if (size < total)
            return shortBy(total);
        sockaddr_in sin{};
        sin.sin_family = AF_INET;
        std::memcpy(&sin.sin_addr, data + 1, 4);
        a.ip = *core::SocketAddress::fromSockaddr(reinterpret_cast<const sockaddr*>(&sin), sizeof sin);
        break;
    }
    case kAtypIpv6: {
        total = 1 + 16 + 2;
        if (size < total)
            return shortBy(total);
        sockaddr_in6 sin6{};
        sin6.sin6_family = AF_INET6;
        std::memcpy(&sin6.sin6_addr, data + 1, 16);
        a.ip = *core::SocketAddress::fromSockaddr(reinterpret_cast<const sockaddr*>(&sin6), sizeof sin6);
        break;
    }
    case kAtypDomain: {
        if (size < 2)
            return shortBy(2);
        const std::size_t len = data[1];
        total = 2 + len + 2;
        if (size < total)
            return shortBy(total);
        if (len == 0)
            return Socks5AddressParse::EmptyDomain;
        a.domain.assign(reinterpret_cast<const char*>(data + 2), len);
        break;
    }
    default:
        return Socks5AddressParse::BadType;
    }
    a.port = portAt(data + total - 2);
    if (!a.isDomain()) {
        // SocketAddress keeps the port in the sockaddr; rebuild it with the port set.
        sockaddr_storage ss{};
        std::memcpy(&ss, a.ip.sockaddrPtr(), a.ip.sockaddrLen());
        if (ss.ss_family == AF_INET)
            reinterpret_cast<sockaddr_in*>(&ss)->sin_port = htons(a.port);
        else
            reinterpret_cast<sockaddr_in6*>(&ss)->sin6_port = htons(a.port);
        a.ip = *core::SocketAddress::fromSockaddr(reinterpret_cast<const sockaddr*>(&ss), a.ip.sockaddrLen());
    }
    if (address)
        *address = std::move(a);
    if (consumed)
        *consumed = total;
    return Socks5AddressParse::Ok;
}

} // namespace weir::upstream
