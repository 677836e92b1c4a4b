// The embedded proxy core: accepts intercepted connections, recovers their original destination,
// connects there and relays both ways. One epoll thread, non-blocking sockets, no Qt.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/connection.h"
#include "core/connector.h"

namespace weir::core {

struct CoreConfig {
    std::string listenAddress = "127.0.0.1";
    std::uint16_t listenPort = 41080;
    // SO_MARK put on every outgoing socket of the core, so the firewall's mark RETURN rule lets it
    // through instead of intercepting it again (a loop). 0 disables marking.
    std::uint32_t outgoingMark = 0x5745;
    InterceptMode mode = InterceptMode::Redirect;
    // Closed connections stay in the table this long, so short-lived ones can be seen.
    std::chrono::milliseconds closedRetention{60'000};
    // ... but at most this many closed records (the oldest go first under heavy churn).
    std::size_t maxClosedRecords = 50'000;
    std::chrono::milliseconds connectTimeout{10'000};

    // How outgoing connections are made. Null: a DirectConnector carrying outgoingMark.
    std::shared_ptr<Connector> connector;

    // Test and diagnostic seam: when set, replaces the kernel lookup of the original destination
    // (recoverOriginalDestination). Called on the relay thread with the accepted client socket;
    // return nullopt and set *error to make the connection fail. Leave empty in production.
    // Note: loop detection compares (client source, destination) with (local address, destination)
    // of the core's own outgoing sockets; an override that reports one fixed destination for
    // clients on the core's own source address can make a client look like such a loop.
    std::function<std::optional<SocketAddress>(int clientFd, std::string* error)> originalDestinationOverride;
};

class ProxyCore {
public:
    ProxyCore();
    ~ProxyCore(); // stops
    ProxyCore(const ProxyCore&) = delete;
    ProxyCore& operator=(const ProxyCore&) = delete;

    // Binds the listener and starts the relay thread. Returns false with *error set when the
    // listener cannot be set up (port in use, ...). Starting a running core is an error.
    bool start(const CoreConfig& config, std::string* error);
    // Stops accepting new connections; open connections keep relaying until they end.
    void stopAccepting();
    // Opens the listener again on the same address and port after stopAccepting(). Returns false
    // with *error set when the port cannot be had again or the core is not running.
    bool resumeAccepting(std::string* error);
    // Stops everything: closes the listener and every connection, joins the thread.
    void stop();

    bool isRunning() const;
    bool isAccepting() const;
    // The bound listener address (the real port when listenPort was 0).
    SocketAddress listenAddress() const;

    // A consistent copy of the table: open connections and those closed within closedRetention.
    std::vector<ConnectionRecord> snapshot() const;

private:
    struct Impl;
    std::unique_ptr<Impl> d;
};

} // namespace weir::core
