// How the core reaches a destination. A Connector opens the outgoing socket of one intercepted
// connection: straight to the destination (DirectConnector), or to an upstream SOCKS5 or HTTP
// CONNECT proxy, which then needs a handshake before relaying can start.
//
// The handshake is sans I/O: it never touches a socket. The relay writes what output() holds,
// feeds what it reads from the socket to input(), and starts relaying once it says Done. So the
// protocols can be unit-tested and fuzzed byte by byte, and the relay stays one loop for all kinds.
//
// Threads: a Connector is shared by every relay thread (startConnect() and the health reports
// must be thread-safe); a Handshake belongs to one connection and one thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "core/socketaddress.h"

namespace weir::core {

class Handshake {
public:
    enum class Status { NeedInput, Done, Failed };
    virtual ~Handshake() = default;

    // Bytes to send to the upstream now (empty: nothing until more input). After sending n of
    // them, call consumeOutput(n).
    virtual std::string_view output() const = 0;
    virtual void consumeOutput(std::size_t n) = 0;
    // Bytes read from the upstream. *used is set to how many belong to the handshake: after Done,
    // the rest of `data` is already payload from the destination, for the client. Every byte is
    // treated as hostile: a malformed or oversized answer is Failed, never a crash or a hang.
    virtual Status input(const char* data, std::size_t size, std::size_t* used) = 0;
    // The upstream closed before the handshake was done.
    virtual Status endOfInput() = 0;
    // After Failed: the close reason, e.g. "upstream refused: host unreachable",
    // "upstream authentication failed", "upstream answered garbage".
    virtual const std::string& failure() const = 0;
};

// One outgoing connection being set up.
struct OutgoingConnection {
    int fd = -1; // non-blocking, close-on-exec, connect in progress or done (wait for EPOLLOUT)
    // Null for a direct connection: relaying starts once connected.
    std::unique_ptr<Handshake> handshake;
    // True when fd leads to an upstream proxy rather than to the destination, so a failed connect
    // reads "upstream refused" / "upstream timeout" rather than "connect: ...".
    bool viaUpstream = false;
    // Where fd connects when that is not the destination (the upstream proxy): the loop guard keys
    // the connection on it. Invalid: the destination.
    SocketAddress peer;
};

// How UDP flows go with a connector: straight to the destination, through the SOCKS5 proxy's UDP
// ASSOCIATE (RFC 1928 section 7), or not at all (an HTTP CONNECT upstream with
// udp_without_upstream = block).
enum class UdpRoute { Direct, Socks5Associate, Blocked };

// One UDP flow through the upstream's UDP ASSOCIATE. `control` is the TCP connection to the proxy
// with the handshake that asks for the association; the association lives while it stays open.
// Relay thread only.
class UdpAssociation {
public:
    virtual ~UdpAssociation() = default;
    OutgoingConnection control;
    // After the handshake is Done: where datagrams go (the proxy's relay address; the proxy's own
    // address when it answered with an unspecified one). Nullopt: unusable (e.g. a domain name).
    virtual std::optional<SocketAddress> relayAddress() const = 0;
    // Appends the datagram for `destination`, with the header the proxy needs, to `out`.
    virtual bool wrap(const SocketAddress& destination, const char* data, std::size_t size,
                      std::string& out) const = 0;
    // Where a datagram from the relay begins its payload and who sent it; nullopt: drop it
    // (fragmented, malformed).
    virtual std::optional<std::size_t> unwrap(const char* data, std::size_t size,
                                              SocketAddress* source) const = 0;
};

// Per-upstream health, as the status shows it. Direct connections are never "failing".
struct UpstreamHealth {
    bool failing = false;
    std::string reason; // when failing: "socks5 10.0.0.1:1080: upstream refused" (the last failure)
};

class Connector {
public:
    virtual ~Connector() = default;
    // Opens a non-blocking socket and starts connecting it towards `destination` (or the upstream
    // that leads there). On failure fd is -1 and *error holds the close reason. Must not block.
    virtual OutgoingConnection startConnect(const SocketAddress& destination, std::string* error) = 0;
    // "direct", "socks5 10.0.0.1:1080": which way connections go (never credentials).
    virtual std::string describe() const = 0;
    // How each connection through this connector ended its setup: ok once relaying starts, or the
    // failure reason. Feeds health(). Any thread.
    virtual void report(bool ok, const std::string& reason) {
        (void)ok;
        (void)reason;
    }
    virtual UpstreamHealth health() const { return {}; }
    virtual UdpRoute udpRoute() const { return UdpRoute::Direct; }
    // For UdpRoute::Socks5Associate: opens the control connection (like startConnect). Null with
    // *error set on failure.
    virtual std::unique_ptr<UdpAssociation> startUdpAssociate(std::string* error) {
        if (error)
            *error = "udp: " + describe() + " cannot carry UDP";
        return nullptr;
    }
};

// Connects straight to the destination. Every socket carries `mark` (SO_MARK) when it is non-zero,
// so the firewall's mark RETURN rule lets it out instead of intercepting it again.
class DirectConnector final : public Connector {
public:
    explicit DirectConnector(std::uint32_t mark)
        : mark_(mark) {}
    OutgoingConnection startConnect(const SocketAddress& destination, std::string* error) override;
    std::string describe() const override { return "direct"; }

private:
    std::uint32_t mark_;
};

namespace detail {
// A non-blocking TCP socket carrying `mark`, connecting to `to`; -1 with *error set on failure.
// What every connector starts with.
int openMarkedConnect(const SocketAddress& to, std::uint32_t mark, std::string* error);
} // namespace detail

} // namespace weir::core
