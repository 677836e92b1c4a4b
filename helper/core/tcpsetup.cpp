// From an accepted connection to relaying: the outgoing connection (through the connector of the
// moment), its completion, an upstream proxy's handshake, and what to do when our own outgoing
// socket comes back to the core (connect again from another port, or fail as the loop it is).
#include <netinet/in.h>
#include <sys/socket.h>

#include <cstring>

#include "core/tcpconnection.h"
#include "core/tcprelay.h"

namespace weir::core::detail {

namespace {

constexpr int kLoopRetries = 3; // connecting again after our own connection came back to us
constexpr auto kLoopedGrace = std::chrono::seconds(2); // see releaseLooped()

bool sameHost(const SocketAddress& a, const SocketAddress& b) {
    if (a.family() != b.family())
        return false;
    if (a.family() == AF_INET)
        return reinterpret_cast<const sockaddr_in*>(a.sockaddrPtr())->sin_addr.s_addr ==
               reinterpret_cast<const sockaddr_in*>(b.sockaddrPtr())->sin_addr.s_addr;
    return a.family() == AF_INET6 &&
           std::memcmp(&reinterpret_cast<const sockaddr_in6*>(a.sockaddrPtr())->sin6_addr,
                       &reinterpret_cast<const sockaddr_in6*>(b.sockaddrPtr())->sin6_addr,
                       sizeof(in6_addr)) == 0;
}

} // namespace

void TcpRelay::startConnect(int clientFd, TableEntry* entry, const SocketAddress& destination) {
    if (!ctx_.budget.tryAdmit()) {
        failEarly(clientFd, entry, "connection limit");
        return;
    }
    // The client socket has TCP_NODELAY from its listener (openListener).
    auto c = std::make_unique<TcpConnection>();
    c->id = entry->record.id;
    c->entry = entry;
    c->client.owner = c.get();
    c->client.fd = clientFd;
    c->upstream.owner = c.get();
    std::string error;
    if (!openOutgoing(c.get(), destination, &error)) {
        ctx_.budget.release();
        failEarly(clientFd, entry, error);
        return;
    }
    connections_.emplace(c->id, std::move(c));
}

// The outgoing socket, connecting (through the connector of the moment); completion shows as
// EPOLLOUT. The client is not read until then.
bool TcpRelay::openOutgoing(TcpConnection* c, const SocketAddress& destination, std::string* error) {
    auto connector = ctx_.settings.connector.load();
    ctx_.table.setVia(c->entry, connector->describe());
    ctx_.loopGuard.beginOwnConnect(Protocol::Tcp, destination);
    auto outgoing = connector->startConnect(destination, error);
    if (outgoing.fd < 0) {
        ctx_.loopGuard.endOwnConnect(Protocol::Tcp, destination);
        return false;
    }
    c->upstream.fd = outgoing.fd;
    c->connector = std::move(connector);
    c->handshake = std::move(outgoing.handshake);
    c->viaUpstream = outgoing.viaUpstream;
    c->connecting = true;
    c->handshakeStarted = false;
    // connect() has bound the local address already. Keyed on where this socket connects: the
    // destination, or the upstream proxy.
    c->connectsTo = outgoing.peer.isValid() ? outgoing.peer : destination;
    c->upstreamLocal = localAddressOf(outgoing.fd).value_or(SocketAddress());
    if (c->upstreamLocal.isValid())
        c->ownFlowKey = ctx_.loopGuard.addOwnFlow(Protocol::Tcp, c->upstreamLocal, c->connectsTo, c->id);
    ctx_.loopGuard.endOwnConnect(Protocol::Tcp, destination);
    c->checkLoopOnConnect = sameHost(c->upstreamLocal, c->entry->record.source);
    ctx_.poller.update(c->upstream, EPOLLOUT);
    c->connectDeadline = Clock::now() + ctx_.settings.connectTimeout;
    connectDeadlines_.emplace_back(c->connectDeadline, c->id);
    return true;
}

bool TcpRelay::ownConnectionLooped(const LoopGuard::OwnFlowMatch& own, std::shared_ptr<void> copy) {
    auto it = connections_.find(own.id);
    if (it == connections_.end())
        return false;
    TcpConnection* c = it->second.get();
    c->looped.push_back(std::move(copy));
    if (!(own.ownLocal == c->upstreamLocal))
        return true; // the copy of an earlier attempt, which finishConnect() already caught
    connectAgainOrFail(c, own.throughNat);
    return true;
}

// Our outgoing socket reached the core itself instead of where it was going.
void TcpRelay::connectAgainOrFail(TcpConnection* c, bool throughNat) {
    // Safe only while nothing has gone into the looped socket and no FIN was passed on to it.
    const bool untouched = c->toUpstream.written == 0 && !c->toUpstream.shutDown && !c->toClient.eof;
    // The looped socket (and its copy, once accepted) stay open, out of the epoll set.
    ctx_.poller.update(c->upstream, 0);
    c->looped.push_back(
        std::make_shared<LoopedAttempt>(ctx_.loopGuard, std::move(c->ownFlowKey), c->upstream.fd));
    c->ownFlowKey.clear();
    c->upstream.fd = -1;
    // Without NAT (rules that catch our own sockets, no stale entry) another port loops the same way.
    if (!throughNat || c->loopRetries >= kLoopRetries || !untouched) {
        close(c, ConnectionState::Failed, "loop: own connection intercepted again", true);
        return;
    }
    ++c->loopRetries;
    c->handshake.reset();
    ctx_.poller.update(c->client, 0); // bytes already read wait in the pipe; the rest in the socket
    ctx_.table.setState(c->entry, ConnectionState::Connecting);
    std::string error;
    if (!openOutgoing(c, c->entry->record.destination, &error))
        close(c, ConnectionState::Failed, std::move(error), true);
}

void TcpRelay::finishConnect(TcpConnection* c, std::uint32_t events) {
    int err = socketError(c->upstream.fd);
    if (err == 0 && !(events & EPOLLOUT))
        err = ENOTCONN; // hung up without ever becoming writable
    if (err != 0) {
        if (!c->viaUpstream)
            failSetup(c, "connect: " + errnoText(err));
        else if (err == ECONNREFUSED)
            failSetup(c, "upstream refused");
        else if (err == ETIMEDOUT)
            failSetup(c, "upstream timeout");
        else
            failSetup(c, "upstream connect: " + errnoText(err));
        return;
    }
    if (c->checkLoopOnConnect && connectedToItself(c)) {
        connectAgainOrFail(c, true);
        return;
    }
    if (c->handshake) {
        beginHandshake(c);
        return;
    }
    startRelaying(c);
}

// Conntrack's reply direction of our connection comes from elsewhere than where it connects: NAT
// sent it on (to the core itself, through a stale entry). Found before any byte goes in.
bool TcpRelay::connectedToItself(TcpConnection* c) {
    const auto reply = ctx_.conntrack.replyOf(Protocol::Tcp, c->upstreamLocal, c->connectsTo, nullptr);
    return reply && !(reply->source == c->connectsTo);
}

// A connection that never reached relaying; the connector learns how it ended (its health).
void TcpRelay::failSetup(TcpConnection* c, std::string reason) {
    c->connector->report(false, reason);
    close(c, ConnectionState::Failed, std::move(reason), true);
}

void TcpRelay::beginHandshake(TcpConnection* c) {
    c->handshakeStarted = true;
    std::size_t used = 0;
    if (c->handshake->input(nullptr, 0, &used) == Handshake::Status::Failed) {
        failSetup(c, c->handshake->failure());
        return;
    }
    continueHandshake(c, EPOLLOUT);
}

void TcpRelay::continueHandshake(TcpConnection* c, std::uint32_t events) {
    Handshake& h = *c->handshake;
    auto ioFailure = [](int err) {
        return err == ECONNRESET || err == EPIPE || err == 0 ? std::string("upstream closed during handshake")
                                                             : "upstream: " + errnoText(err);
    };
    if (events & EPOLLERR) {
        failSetup(c, ioFailure(socketError(c->upstream.fd)));
        return;
    }
    while (!h.output().empty()) {
        const ssize_t n = ::send(c->upstream.fd, h.output().data(), h.output().size(), MSG_NOSIGNAL);
        if (n < 0) {
            if (errno == EAGAIN || errno == EINTR)
                break;
            failSetup(c, ioFailure(errno));
            return;
        }
        h.consumeOutput(static_cast<std::size_t>(n));
        c->handshakeSent += static_cast<std::uint64_t>(n);
    }
    if (events & (EPOLLIN | EPOLLHUP)) {
        char buffer[4096];
        const ssize_t n = ::recv(c->upstream.fd, buffer, sizeof buffer, 0);
        if (n < 0 && errno != EAGAIN && errno != EINTR) {
            failSetup(c, ioFailure(errno));
            return;
        }
        Handshake::Status status = Handshake::Status::NeedInput;
        std::size_t used = 0;
        if (n == 0)
            status = h.endOfInput();
        else if (n > 0)
            status = h.input(buffer, static_cast<std::size_t>(n), &used);
        if (status == Handshake::Status::Failed) {
            failSetup(c, h.failure());
            return;
        }
        if (status == Handshake::Status::Done) {
            // What the destination sent along with the proxy's answer goes to the client first.
            std::string early;
            if (n > 0)
                early.assign(buffer + used, static_cast<std::size_t>(n) - used);
            c->handshake.reset();
            startRelaying(c, std::move(early));
            return;
        }
        if (!h.output().empty()) { // an answer that asks for more (authentication, the request)
            continueHandshake(c, EPOLLOUT);
            return;
        }
    }
    ctx_.poller.update(c->upstream, h.output().empty() ? EPOLLIN : EPOLLOUT);
}

// A copy of a looped attempt can still be waiting to be accepted (by any worker): the attempts stay
// known for a moment after their connection is gone, so such a copy is refused as the loop it is
// instead of being relayed as a new client.
void TcpRelay::releaseLooped(TcpConnection* c) {
    if (!c->looped.empty())
        loopedGrace_.emplace_back(ctx_.now + kLoopedGrace, std::move(c->looped));
    c->looped.clear();
}

} // namespace weir::core::detail
