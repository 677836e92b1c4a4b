// An IPv4 or IPv6 socket address with the text form Weir shows everywhere: "ip:port" and "[ip]:port".
#pragma once

#include <netinet/in.h>
#include <sys/socket.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace weir::core {

class SocketAddress {
public:
    SocketAddress() = default;
    // Copies a kernel sockaddr; IPv4-mapped IPv6 addresses (::ffff:a.b.c.d) become plain IPv4.
    static std::optional<SocketAddress> fromSockaddr(const sockaddr* sa, socklen_t len);
    // Parses "1.2.3.4:80" or "[::1]:80".
    static std::optional<SocketAddress> parse(std::string_view text);

    bool isValid() const { return storage_.sin6_family == AF_INET || storage_.sin6_family == AF_INET6; }
    int family() const { return storage_.sin6_family; }
    std::uint16_t port() const;
    std::string ip() const;
    std::string toString() const; // "" when invalid

    const sockaddr* sockaddrPtr() const { return reinterpret_cast<const sockaddr*>(&storage_); }
    socklen_t sockaddrLen() const;

    friend bool operator==(const SocketAddress& a, const SocketAddress& b);

private:
    // Room for either family (a sockaddr_in is a prefix of the same layout): 28 bytes instead of
    // sockaddr_storage's 128, which counts in a table of tens of thousands of records.
    sockaddr_in6 storage_{};
};

} // namespace weir::core
