// How the core reaches a destination. The relay only needs "a non-blocking socket that becomes
// writable once it leads to the destination"; a direct connection is one way, an upstream SOCKS5 or
// HTTP CONNECT proxy (later) is another, which will add a handshake stage after the TCP connect.
#pragma once

#include <cstdint>
#include <string>

#include "core/socketaddress.h"

namespace weir::core {

class Connector {
public:
    virtual ~Connector() = default;
    // Opens a non-blocking, close-on-exec socket and starts connecting it towards `destination`.
    // Returns the socket (connect in progress or already done; the caller waits for EPOLLOUT and
    // reads SO_ERROR), or -1 with *error set, e.g. "connect: Network is unreachable".
    // Called on the relay thread only; must not block.
    virtual int startConnect(const SocketAddress& destination, std::string* error) = 0;
};

// Connects straight to the destination. Every socket carries `mark` (SO_MARK) when it is non-zero,
// so the firewall's mark RETURN rule lets it out instead of intercepting it again.
class DirectConnector final : public Connector {
public:
    explicit DirectConnector(std::uint32_t mark)
        : mark_(mark) {}
    int startConnect(const SocketAddress& destination, std::string* error) override;

private:
    std::uint32_t mark_;
};

} // namespace weir::core
