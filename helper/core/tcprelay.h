// TCP: accepting intercepted connections and relaying each with splice(): socket -> pipe -> socket,
// the bytes never copied through user space. Pipes come from the thread's PipePool and are held only
// while bytes are in them. Per direction: read only while its pipe is empty (so a full destination
// stops the source: backpressure), write only while bytes wait; the FIN is passed on once the pipe
// has drained (half-close). When no pipe can be had (out of descriptors), a direction copies
// through user space for that read instead. Relay thread only (constructed and destroyed by its worker).
// tcprelay.cpp: accepting, timers, relaying; tcpsetup.cpp: from accept to relaying (connect, an
// upstream's handshake, our own socket come back); tcpconnection.h: a connection's state.
#pragma once

#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/listener.h"
#include "core/pipepool.h"
#include "core/relaycontext.h"

namespace weir::core::detail {

struct TcpConnection;
struct TcpDirection;

class TcpRelay {
public:
    explicit TcpRelay(RelayContext& context);
    ~TcpRelay();

    // Accepts a batch from `listener`. Returns false when out of descriptors (or memory): the
    // caller stops watching the listener for a moment instead of spinning on the same error.
    bool acceptFrom(ListenerSlot& listener);
    void onEvent(Endpoint* endpoint, std::uint32_t events);
    std::optional<Clock::time_point> nextDeadline();
    void handleTimers(Clock::time_point now);
    // Frees connections closed during the epoll batch (later events of the batch may point at them).
    void endBatch();
    void closeAll(const std::string& reason);
    // Resets connection `id` (both sides) with `reason`; false when this relay has no open one.
    bool resetById(std::uint64_t id, const std::string& reason);
    // Our outgoing socket of connection `own.id` (if this relay has it) was intercepted and accepted
    // by the core itself: nothing of it got out. When NAT sent it back and no byte went into it,
    // connect again: the new socket gets another source port and so misses whatever captured this
    // one (typically the conntrack entry of an earlier, dead client that had the same address and
    // port). A few times at most; otherwise the connection fails as the loop it is. `copy` is the
    // looped copy's socket (reset when the last reference goes), kept while the connection lives.
    bool ownConnectionLooped(const LoopGuard::OwnFlowMatch& own, std::shared_ptr<void> copy);

private:
    // Records the connection, finds its destination and refuses what must not be relayed.
    void onAccepted(int fd, const SocketAddress& source, const ListenerSlot& listener);
    void startConnect(int clientFd, TableEntry* entry, const SocketAddress& destination);
    bool openOutgoing(TcpConnection* c, const SocketAddress& destination, std::string* error);
    void failEarly(int clientFd, TableEntry* entry, std::string reason);
    void finishConnect(TcpConnection* c, std::uint32_t events);
    // Connected (and, via an upstream proxy, its handshake done): relaying starts. pendingToClient:
    // bytes already read from the upstream that belong to the client; they are sent first.
    void startRelaying(TcpConnection* c, std::string pendingToClient = {});
    void failSetup(TcpConnection* c, std::string reason);
    // An upstream proxy's handshake (outgoing.handshake), between connect and relaying.
    void beginHandshake(TcpConnection* c);
    void continueHandshake(TcpConnection* c, std::uint32_t events);
    bool readInto(TcpConnection* c, TcpDirection& d, Endpoint& from);
    bool flush(TcpConnection* c, TcpDirection& d, Endpoint& to);
    void releasePipe(TcpDirection& d);
    void publishCounters(TcpConnection* c);
    void sniff(TcpConnection* c, const char* data, std::size_t size);
    void refreshCounters();
    bool readCopy(TcpConnection* c, TcpDirection& d, Endpoint& from);
    void closeIdle(Clock::time_point now);
    void updateInterest(TcpConnection* c);
    void releaseLooped(TcpConnection* c);
    void connectAgainOrFail(TcpConnection* c, bool throughNat);
    bool connectedToItself(TcpConnection* c);
    void fail(TcpConnection* c, Endpoint& at, int err);
    void close(TcpConnection* c, ConnectionState state, std::string reason, bool reset);

    RelayContext& ctx_;
    std::unordered_map<std::uint64_t, std::unique_ptr<TcpConnection>> connections_;
    std::vector<std::unique_ptr<TcpConnection>> closedInBatch_;
    // Deadlines in the order they were set; with a fixed timeout that is deadline order.
    std::deque<std::pair<Clock::time_point, std::uint64_t>> connectDeadlines_;
    // Looped attempts of closed connections, with when to let them go (releaseLooped()).
    std::deque<std::pair<Clock::time_point, std::vector<std::shared_ptr<void>>>> loopedGrace_;
    PipePool pipes_;
    std::unique_ptr<char[]> copyBuffer_;                // readCopy(): when no pipe can be had
    std::optional<Clock::time_point> nextIdleSweep_;    // with tcpIdleTimeout: coarse, not per packet
    std::optional<Clock::time_point> poolTrimAt_;       // while the pool holds idle pipes
    std::optional<Clock::time_point> counterRefreshAt_; // while there are connections
};

} // namespace weir::core::detail
