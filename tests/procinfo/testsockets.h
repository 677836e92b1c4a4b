// Loopback sockets for the procinfo tests and benchmark: TCP pairs, UDP senders, their addresses.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>
#include <optional>
#include <string>

#include "core/socketaddress.h"
#include "core/syserror.h"
#include "procinfo/processinfo.h"

namespace procinfotest {

using weir::core::SocketAddress;
using weir::core::detail::UniqueFd;

inline SocketAddress localOf(int fd) {
    sockaddr_in6 ss{};
    socklen_t len = sizeof ss;
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&ss), &len);
    return SocketAddress::fromSockaddr(reinterpret_cast<sockaddr*>(&ss), len).value_or(SocketAddress{});
}

// "127.0.0.1:0", "[::1]:0", "[::ffff:127.0.0.1]:0" as a sockaddr of the given family (the last one
// keeps the IPv4-mapped form: SocketAddress would turn it into plain IPv4).
inline sockaddr_in6 rawAddress(int family, const char* ip, std::uint16_t port) {
    sockaddr_in6 ss{};
    if (family == AF_INET) {
        auto* in = reinterpret_cast<sockaddr_in*>(&ss);
        in->sin_family = AF_INET;
        in->sin_port = htons(port);
        ::inet_pton(AF_INET, ip, &in->sin_addr);
    } else {
        ss.sin6_family = AF_INET6;
        ss.sin6_port = htons(port);
        ::inet_pton(AF_INET6, ip, &ss.sin6_addr);
    }
    return ss;
}

inline socklen_t lengthOf(int family) {
    return family == AF_INET ? sizeof(sockaddr_in) : sizeof(sockaddr_in6);
}

inline UniqueFd boundSocket(int family, int type, const char* ip) {
    UniqueFd fd(::socket(family, type | SOCK_CLOEXEC, 0));
    if (family == AF_INET6) {
        const int off = 0; // dual-stack, so IPv4-mapped addresses work
        ::setsockopt(fd.get(), IPPROTO_IPV6, IPV6_V6ONLY, &off, sizeof off);
    }
    const auto address = rawAddress(family, ip, 0);
    if (::bind(fd.get(), reinterpret_cast<const sockaddr*>(&address), lengthOf(family)) != 0)
        return {};
    return fd;
}

inline bool haveIpv6Loopback() {
    return boundSocket(AF_INET6, SOCK_DGRAM, "::1").isValid();
}

// A TCP connection over loopback: the client's socket and the accepted one.
struct TcpPair {
    UniqueFd client;
    UniqueFd server;
    weir::procinfo::SocketQuery query() const {
        return {weir::Protocol::Tcp, localOf(client.get()), localOf(server.get())};
    }
};

// The client socket has `clientFamily` and connects to `connectIp` (an IPv4-mapped address when an
// IPv6 socket reaches an IPv4 listener).
inline std::optional<TcpPair> tcpPair(int listenFamily, const char* listenIp, int clientFamily,
                                      const char* connectIp) {
    UniqueFd listener = boundSocket(listenFamily, SOCK_STREAM, listenIp);
    if (!listener.isValid() || ::listen(listener.get(), 16) != 0)
        return std::nullopt;
    TcpPair pair;
    pair.client = UniqueFd(::socket(clientFamily, SOCK_STREAM | SOCK_CLOEXEC, 0));
    const auto to = rawAddress(clientFamily, connectIp, localOf(listener.get()).port());
    if (::connect(pair.client.get(), reinterpret_cast<const sockaddr*>(&to), lengthOf(clientFamily)) != 0)
        return std::nullopt;
    pair.server = UniqueFd(::accept4(listener.get(), nullptr, nullptr, SOCK_CLOEXEC));
    if (!pair.server.isValid())
        return std::nullopt;
    return pair;
}

inline std::string readLink(const std::string& path) {
    char buf[4096];
    const ssize_t n = ::readlink(path.c_str(), buf, sizeof buf);
    return n > 0 ? std::string(buf, static_cast<std::size_t>(n)) : std::string();
}

inline std::string commOf(pid_t pid) {
    FILE* f = std::fopen(("/proc/" + std::to_string(pid) + "/comm").c_str(), "r");
    char buf[64] = {};
    if (f) {
        if (!std::fgets(buf, sizeof buf, f))
            buf[0] = 0;
        std::fclose(f);
    }
    std::string name(buf);
    if (!name.empty() && name.back() == '\n')
        name.pop_back();
    return name;
}

inline std::uint64_t inodeOf(int fd) {
    const std::string link = readLink("/proc/self/fd/" + std::to_string(fd));
    return std::stoull(link.substr(8, link.size() - 9)); // socket:[N]
}

} // namespace procinfotest
