#include "core/socketaddress.h"

#include <arpa/inet.h>
#include <net/if.h>

#include <charconv>
#include <cstddef>
#include <cstring>

namespace weir::core {

namespace {

static_assert(sizeof(sockaddr_in) <= sizeof(sockaddr_in6) &&
              offsetof(sockaddr_in, sin_family) == offsetof(sockaddr_in6, sin6_family));

const sockaddr_in& asV4(const sockaddr_in6& s) {
    return reinterpret_cast<const sockaddr_in&>(s);
}
const sockaddr_in6& asV6(const sockaddr_in6& s) {
    return s;
}

std::optional<std::uint16_t> parsePort(std::string_view text) {
    if (text.empty() || text.size() > 5)
        return std::nullopt;
    unsigned value = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc() || end != text.data() + text.size() || value > 65535)
        return std::nullopt;
    return static_cast<std::uint16_t>(value);
}

// "fe80::1%eth0" / "fe80::1%2": the zone is an interface name or index.
std::optional<std::uint32_t> parseScope(std::string_view zone) {
    if (zone.empty() || zone.size() >= IF_NAMESIZE)
        return std::nullopt;
    std::uint32_t index = 0;
    auto [end, ec] = std::from_chars(zone.data(), zone.data() + zone.size(), index);
    if (ec == std::errc() && end == zone.data() + zone.size())
        return index;
    const std::string name(zone);
    index = if_nametoindex(name.c_str());
    if (index == 0)
        return std::nullopt;
    return index;
}

} // namespace

std::optional<SocketAddress> SocketAddress::fromSockaddr(const sockaddr* sa, socklen_t len) {
    if (!sa || len < static_cast<socklen_t>(sizeof(sa_family_t)))
        return std::nullopt;
    SocketAddress result;
    if (sa->sa_family == AF_INET) {
        if (len < static_cast<socklen_t>(sizeof(sockaddr_in)))
            return std::nullopt;
        const auto* in = reinterpret_cast<const sockaddr_in*>(sa);
        auto& out = reinterpret_cast<sockaddr_in&>(result.storage_);
        out.sin_family = AF_INET;
        out.sin_port = in->sin_port;
        out.sin_addr = in->sin_addr;
        return result;
    }
    if (sa->sa_family == AF_INET6) {
        if (len < static_cast<socklen_t>(sizeof(sockaddr_in6)))
            return std::nullopt;
        const auto* in6 = reinterpret_cast<const sockaddr_in6*>(sa);
        if (IN6_IS_ADDR_V4MAPPED(&in6->sin6_addr)) {
            // A dual-stack socket reports IPv4 peers as ::ffff:a.b.c.d; show and compare them as IPv4.
            auto& out = reinterpret_cast<sockaddr_in&>(result.storage_);
            out.sin_family = AF_INET;
            out.sin_port = in6->sin6_port;
            std::memcpy(&out.sin_addr, in6->sin6_addr.s6_addr + 12, 4);
            return result;
        }
        auto& out = result.storage_;
        out.sin6_family = AF_INET6;
        out.sin6_port = in6->sin6_port;
        out.sin6_addr = in6->sin6_addr;
        out.sin6_scope_id = in6->sin6_scope_id; // flow info is per packet, not part of the address
        return result;
    }
    return std::nullopt;
}

std::optional<SocketAddress> SocketAddress::parse(std::string_view text) {
    if (text.empty())
        return std::nullopt;
    if (text.front() == '[') {
        const auto close = text.find(']');
        if (close == std::string_view::npos || close + 1 >= text.size() || text[close + 1] != ':')
            return std::nullopt;
        std::string_view host = text.substr(1, close - 1);
        const auto port = parsePort(text.substr(close + 2));
        if (!port)
            return std::nullopt;
        std::uint32_t scope = 0;
        if (const auto percent = host.find('%'); percent != std::string_view::npos) {
            const auto parsed = parseScope(host.substr(percent + 1));
            if (!parsed)
                return std::nullopt;
            scope = *parsed;
            host = host.substr(0, percent);
        }
        sockaddr_in6 in6{};
        in6.sin6_family = AF_INET6;
        in6.sin6_port = htons(*port);
        in6.sin6_scope_id = scope;
        const std::string hostText(host);
        if (inet_pton(AF_INET6, hostText.c_str(), &in6.sin6_addr) != 1)
            return std::nullopt;
        return fromSockaddr(reinterpret_cast<const sockaddr*>(&in6), sizeof in6);
    }
    const auto colon = text.rfind(':');
    if (colon == std::string_view::npos)
        return std::nullopt;
    const std::string_view host = text.substr(0, colon);
    const auto port = parsePort(text.substr(colon + 1));
    if (!port || host.find(':') != std::string_view::npos)
        return std::nullopt; // a bare IPv6 address needs brackets
    sockaddr_in in{};
    in.sin_family = AF_INET;
    in.sin_port = htons(*port);
    const std::string hostText(host);
    if (inet_pton(AF_INET, hostText.c_str(), &in.sin_addr) != 1)
        return std::nullopt;
    return fromSockaddr(reinterpret_cast<const sockaddr*>(&in), sizeof in);
}

std::uint16_t SocketAddress::port() const {
    if (storage_.sin6_family == AF_INET)
        return ntohs(asV4(storage_).sin_port);
    if (storage_.sin6_family == AF_INET6)
        return ntohs(asV6(storage_).sin6_port);
    return 0;
}

std::string SocketAddress::ip() const {
    char buf[INET6_ADDRSTRLEN] = {};
    if (storage_.sin6_family == AF_INET) {
        inet_ntop(AF_INET, &asV4(storage_).sin_addr, buf, sizeof buf);
        return buf;
    }
    if (storage_.sin6_family == AF_INET6) {
        inet_ntop(AF_INET6, &asV6(storage_).sin6_addr, buf, sizeof buf);
        std::string text = buf;
        if (const auto scope = asV6(storage_).sin6_scope_id; scope != 0) {
            char name[IF_NAMESIZE] = {};
            text += '%';
            text += if_indextoname(scope, name) ? std::string(name) : std::to_string(scope);
        }
        return text;
    }
    return {};
}

std::string SocketAddress::toString() const {
    if (storage_.sin6_family == AF_INET)
        return ip() + ':' + std::to_string(port());
    if (storage_.sin6_family == AF_INET6)
        return '[' + ip() + "]:" + std::to_string(port());
    return {};
}

socklen_t SocketAddress::sockaddrLen() const {
    if (storage_.sin6_family == AF_INET)
        return sizeof(sockaddr_in);
    if (storage_.sin6_family == AF_INET6)
        return sizeof(sockaddr_in6);
    return 0;
}

bool operator==(const SocketAddress& a, const SocketAddress& b) {
    if (a.family() != b.family())
        return false;
    if (a.family() == AF_INET) {
        const auto& x = asV4(a.storage_);
        const auto& y = asV4(b.storage_);
        return x.sin_port == y.sin_port && x.sin_addr.s_addr == y.sin_addr.s_addr;
    }
    if (a.family() == AF_INET6) {
        const auto& x = asV6(a.storage_);
        const auto& y = asV6(b.storage_);
        return x.sin6_port == y.sin6_port && x.sin6_scope_id == y.sin6_scope_id &&
               std::memcmp(&x.sin6_addr, &y.sin6_addr, sizeof x.sin6_addr) == 0;
    }
    return true; // two invalid addresses
}

} // namespace weir::core
