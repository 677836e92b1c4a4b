// The embedded proxy core: accepts intercepted TCP connections and UDP flows, recovers their
// original destination, connects there and relays both ways. Worker threads, each with its own epoll
// set and SO_REUSEPORT listeners (UDP on the first only); TCP relayed with splice(); non-blocking
// sockets, no Qt. The parts: worker.h, listener.h (listening sockets), tcprelay.h, pipepool.h,
// udprelay.h, connectiontable.h (one shard per worker), loopguard.h, sourcefilter.h; this file holds
// the public API.
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
#include "core/listener.h"
#include "core/sourcefilter.h"

namespace weir::core {

struct CoreConfig {
    // The listener set. When empty, listenAddress/listenPort/mode below make the one TCP listener
    // older callers expect (transparent when mode is Tproxy).
    std::vector<ListenerConfig> listeners;
    std::string listenAddress = "127.0.0.1";
    std::uint16_t listenPort = 41080;
    InterceptMode mode = InterceptMode::Redirect;
    // Who may use the proxy; anything else is refused ("source not allowed: ADDR").
    SourceFilter sourceFilter;

    // SO_MARK put on every outgoing socket of the core, so the firewall's mark RETURN rule lets it
    // through instead of intercepting it again (a loop). 0 disables marking.
    std::uint32_t outgoingMark = 0x5745;
    // Closed connections stay in the table this long, so short-lived ones can be seen. 0: until
    // maxClosedRecords newer ones push them out (the helper's history_limit).
    std::chrono::milliseconds closedRetention{60'000};
    // ... but at most this many closed records (the oldest go first under heavy churn).
    std::size_t maxClosedRecords = 50'000;
    std::chrono::milliseconds connectTimeout{10'000};
    // An established TCP connection with no byte either way for this long is closed ("idle
    // timeout"). 0: never.
    std::chrono::milliseconds tcpIdleTimeout{0};
    // Probes a silent client of a relayed connection (see TcpKeepalive): one that is gone for good
    // (no answer, or a reset) ends the connection instead of holding it for ever.
    TcpKeepalive tcpKeepalive;
    // Relay threads, each with its own epoll set and its own SO_REUSEPORT listeners. 0: one per core.
    unsigned workers = 0;
    // Open TCP connections and UDP flows at most; further ones are refused ("connection limit").
    // 0: no limit beyond the descriptors.
    std::size_t maxConnections = 0;
    // A UDP flow without a datagram either way for this long is closed ("idle timeout").
    std::chrono::milliseconds udpIdleTimeout{60'000};
    // At most this many UDP flows at once; a new one closes the least recently active ("session limit").
    std::size_t maxUdpSessions = 4096;

    // How outgoing TCP connections are made. Null: a DirectConnector carrying outgoingMark.
    // (UDP flows always go direct, with outgoingMark.)
    std::shared_ptr<Connector> connector;

    // Test and diagnostic seam: when set, replaces the kernel lookup of the original destination
    // of TCP connections (recoverArrivedDestination). Called on the relay thread with the accepted
    // client socket; return nullopt and set *error to make the connection fail. The record's mode is
    // then the listener's (Tproxy when transparent). Leave empty in production.
    // Note: loop detection compares (client source, destination) with (local address, destination)
    // of the core's own outgoing sockets; an override that reports one fixed destination for
    // clients on the core's own source address can make a client look like such a loop.
    std::function<std::optional<SocketAddress>(int clientFd, std::string* error)> originalDestinationOverride;
    // Called on a relay thread for each connection (TCP) or flow (UDP) whose client is on this machine (its
    // source is a local address), with what the client's own socket sees: its address and the original
    // destination. It runs on the data path: it must only hand the question on (a queue), and the
    // answer comes back through setProcess().
    std::function<void(std::uint64_t id, Protocol protocol, const SocketAddress& source,
                       const SocketAddress& destination)>
        onLocalConnection;
};

class ProxyCore {
public:
    ProxyCore();
    ~ProxyCore(); // stops
    ProxyCore(const ProxyCore&) = delete;
    ProxyCore& operator=(const ProxyCore&) = delete;

    // Opens the listeners and starts the relay thread. Returns false with *error set when a
    // listener cannot be set up (port in use, ...). Starting a running core is an error.
    bool start(const CoreConfig& config, std::string* error);
    // Replaces the listener set and the source filter, all or nothing: opens every listener not
    // already open (one equal to an open one, as asked or with its real port, is kept as it is),
    // and only when all of them opened closes those no longer listed. On failure nothing changes
    // and *error says which listener failed. Returns once the relay thread uses the new set.
    // Between stopAccepting() and resumeAccepting() the new set is checked by opening it, then kept
    // closed for resumeAccepting(). An empty set accepts nothing (isAccepting() is false) but is not
    // stopAccepting(): the next non-empty set opens at once. Fails when the core is not running.
    bool setListeners(const std::vector<ListenerConfig>& listeners, const SourceFilter& filter,
                      std::string* error);
    // Stops accepting new connections and flows on every listener; open ones keep relaying until
    // they end. Synchronous: when this returns the ports are free.
    void stopAccepting();
    // Opens the listener set again (same addresses and real ports) after stopAccepting(); true at
    // once when not stopped. Returns false with *error set when a port cannot be had again or the
    // core is not running.
    bool resumeAccepting(std::string* error);
    // New connections go through `connector` from now on (null: direct with outgoingMark); open
    // ones keep the way they were set up with. (start() sets it from CoreConfig::connector.)
    void setConnector(std::shared_ptr<Connector> connector);
    // The connector new connections use (its health() is the upstream's health).
    std::shared_ptr<Connector> connector() const;
    // Stops everything: closes the listeners and every connection, joins the thread.
    void stop();

    bool isRunning() const;
    bool isAccepting() const;
    // The first listener's bound address (the real port when 0 was asked); invalid when there is none.
    SocketAddress listenAddress() const;
    // The listener set with real ports: open while accepting, to be reopened by resumeAccepting().
    std::vector<ListenerConfig> listeners() const;

    // A consistent copy of the table: open connections and those closed within closedRetention.
    std::vector<ConnectionRecord> snapshot() const;
    // The same, with the table's generation: it changes whenever a record is added, changes state
    // or is removed (byte counters aside), so an unchanged value means only counters moved.
    std::vector<ConnectionRecord> snapshot(std::uint64_t* generation) const;
    // How many rows snapshot() would hold, and how many of them are open, without copying any.
    struct ConnectionCounts {
        std::size_t total = 0;
        std::size_t open = 0;
    };
    ConnectionCounts connectionCounts() const;
    // Sets the program of connection `id` (see CoreConfig::onLocalConnection), if the table still
    // holds it. Any thread.
    void setProcess(std::uint64_t id, ProcessOwner owner);

    // The user's hand on the table. Any thread but a relay thread; each returns once every relay
    // thread has done it.
    // Ends the open connections among `ids` with `reason`: TCP ones with a reset on both sides,
    // UDP flows by closing their sockets. Returns the ids it ended (unknown and closed ones are not).
    std::vector<std::uint64_t> closeConnections(const std::vector<std::uint64_t>& ids,
                                                const std::string& reason);
    // Ends the open connections for which `which(record)` is true, as closeConnections() does. `which`
    // runs on the relay threads, for open records only. Returns the ids it ended.
    std::vector<std::uint64_t>
    closeConnectionsWhere(const std::function<bool(const ConnectionRecord&)>& which,
                          const std::string& reason);
    // Forgets every closed record.
    void clearHistory();
    // Keeps at most `n` closed records from now on (CoreConfig::maxClosedRecords).
    void setHistoryLimit(std::size_t n);

private:
    struct Impl;
    std::unique_ptr<Impl> d;
};

} // namespace weir::core
