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

    bool isValid() const { return storage_.ss_family == AF_INET || storage_.ss_family == AF_INET6; }
    int family() const { return storage_.ss_family; }
    std::uint16_t port() const;
    std::string ip() const;
    std::string toString() const; // "" when invalid

    const sockaddr* sockaddrPtr() const { return reinterpret_cast<const sockaddr*>(&storage_); }
    socklen_t sockaddrLen() const;

    friend bool operator==(const SocketAddress& a, const SocketAddress& b);

private:
    sockaddr_storage storage_{};
};

} // namespace weir::core
