// TCP: accepting intercepted connections and relaying each through two 64 KiB buffers.
// Relay thread only (constructed and destroyed by ProxyCore around the thread's life).
#pragma once

#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/listener.h"
#include "core/relaycontext.h"

namespace weir::core::detail {

struct TcpConnection;
struct TcpPipe;

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

private:
    // Records the connection, finds its destination and refuses what must not be relayed.
    void onAccepted(int fd, const SocketAddress& source, const ListenerSlot& listener);
    void startConnect(int clientFd, TableEntry* entry, const SocketAddress& destination);
    void failEarly(int clientFd, TableEntry* entry, std::string reason);
    void finishConnect(TcpConnection* c, std::uint32_t events);
    void startRelaying(TcpConnection* c);
    void failSetup(TcpConnection* c, std::string reason);
    // An upstream proxy's handshake (outgoing.handshake), between connect and relaying.
    void beginHandshake(TcpConnection* c);
    void continueHandshake(TcpConnection* c, std::uint32_t events);
    bool readInto(TcpConnection* c, Endpoint& from, TcpPipe& pipe);
    bool flush(TcpConnection* c, TcpPipe& pipe, Endpoint& to);
    void updateInterest(TcpConnection* c);
    void fail(TcpConnection* c, Endpoint& at, int err);
    void close(TcpConnection* c, ConnectionState state, std::string reason, bool reset);

    RelayContext& ctx_;
    std::unordered_map<std::uint64_t, std::unique_ptr<TcpConnection>> connections_;
    std::vector<std::unique_ptr<TcpConnection>> closedInBatch_;
    // Deadlines in the order they were set; with a fixed timeout that is deadline order.
    std::deque<std::pair<Clock::time_point, std::uint64_t>> connectDeadlines_;
};

} // namespace weir::core::detail
