// What the core's unit tests share about a core under test: a config whose original destination is
// fixed (no NAT needed), clients that connect to it, an echo peer, and reading its table.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

#include "core/proxycore.h"
#include "testutil.h"

namespace weir::test {

// One TCP listener on 127.0.0.1 (a free port) that takes every connection to `target`.
inline core::CoreConfig configTo(const SocketAddress& target) {
    core::CoreConfig config;
    config.listenAddress = "127.0.0.1";
    config.listenPort = 0;
    config.originalDestinationOverride = [target](int, std::string*) { return std::optional(target); };
    return config;
}

// Echoes what it reads until EOF or an error, then closes.
inline void echo(int fd) {
    char buf[16384];
    for (;;) {
        const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
        if (n <= 0 || !writeAll(fd, buf, static_cast<std::size_t>(n)))
            break;
    }
    ::close(fd);
}

// A client of the core. IPv4 clients come from 127.0.0.2: the override reports the same destination
// for every client, and a client sharing source address and port with one of the core's own outgoing
// sockets (Linux shares ephemeral ports across destinations) would then look exactly like that socket
// intercepted again, i.e. a loop. With real NAT the (source, original destination) pair is unique.
inline int clientOf(const core::ProxyCore& core) {
    const SocketAddress at = core.listenAddress();
    return connectTo(at, at.family() == AF_INET ? *SocketAddress::parse("127.0.0.2:0") : SocketAddress());
}

inline std::optional<core::ConnectionRecord> findRecord(const core::ProxyCore& core, std::uint64_t id) {
    for (const auto& r : core.snapshot())
        if (r.id == id)
            return r;
    return std::nullopt;
}

inline bool isFinal(core::ConnectionState s) {
    return s == core::ConnectionState::Closed || s == core::ConnectionState::Failed;
}

inline bool allFinal(const core::ProxyCore& core, std::size_t expected) {
    const auto records = core.snapshot();
    if (records.size() != expected)
        return false;
    for (const auto& r : records)
        if (!isFinal(r.state))
            return false;
    return true;
}

inline std::int64_t unixNowMs() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

// A port on 127.0.0.1 where nothing listens (bound, so nobody else takes it meanwhile).
struct ClosedPort {
    int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    SocketAddress address;
    ClosedPort() {
        const auto any = SocketAddress::parse("127.0.0.1:0");
        ::bind(fd, any->sockaddrPtr(), any->sockaddrLen());
        address = localAddress(fd);
    }
    ~ClosedPort() { ::close(fd); }
};

} // namespace weir::test
