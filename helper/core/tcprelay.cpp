#include "core/tcprelay.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <cstring>

#include "core/originaldst.h"

namespace weir::core::detail {

namespace {

constexpr std::size_t kBufferSize = 64 * 1024; // per direction and connection
constexpr int kAcceptBatch = 64;               // accepts per wake-up, so a flood cannot starve relaying

} // namespace

// One direction of a relay: bytes read from one socket, waiting to be written to the other.
struct TcpPipe {
    std::unique_ptr<char[]> buffer;
    std::size_t start = 0;
    std::size_t end = 0;
    bool eof = false;      // the source sent FIN
    bool shutDown = false; // FIN passed on to the destination (shutdown SHUT_WR)

    std::size_t pending() const { return end - start; }
    bool canRead() const { return !eof && end < kBufferSize; }
    bool finished() const { return shutDown; }
};

struct TcpConnection {
    std::uint64_t id = 0;
    TableEntry* entry = nullptr;
    Endpoint client{Endpoint::Kind::TcpClient};
    Endpoint upstream{Endpoint::Kind::TcpUpstream};
    TcpPipe toUpstream;     // client -> destination
    TcpPipe toClient;       // destination -> client
    std::string ownFlowKey; // see LoopGuard
    // Set while an upstream proxy's handshake runs (after the TCP connect, still `connecting`).
    std::shared_ptr<Connector> connector;
    std::unique_ptr<Handshake> handshake;
    std::string early; // destination bytes that came with the handshake's last answer
    bool viaUpstream = false;
    bool handshakeStarted = false;
    bool connecting = true;
    bool closed = false; // events later in the same epoll batch must ignore it
};

TcpRelay::TcpRelay(RelayContext& context)
    : ctx_(context) {}

TcpRelay::~TcpRelay() = default;

void TcpRelay::endBatch() {
    closedInBatch_.clear();
}

// ---------------------------------------------------------------------------------------------
// Accepting

bool TcpRelay::acceptFrom(ListenerSlot& listener) {
    for (int i = 0; i < kAcceptBatch; ++i) {
        sockaddr_storage peer{};
        socklen_t peerLen = sizeof peer;
        const int fd = ::accept4(listener.fd.get(), reinterpret_cast<sockaddr*>(&peer), &peerLen,
                                 SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd >= 0) {
            const auto source =
                SocketAddress::fromSockaddr(reinterpret_cast<const sockaddr*>(&peer), peerLen);
            onAccepted(fd, source.value_or(SocketAddress()), listener);
            continue;
        }
        switch (errno) {
        case EAGAIN:
        case EINTR:
            return true;
        case EMFILE:
        case ENFILE:
        case ENOBUFS:
        case ENOMEM:
            return false; // the pending connection stays queued and the listener stays readable
        default:
            continue; // ECONNABORTED, EPERM (firewall), protocol errors: that one connection is gone
        }
    }
    return true;
}

void TcpRelay::failEarly(int clientFd, TableEntry* entry, std::string reason) {
    closeWithReset(clientFd);
    ctx_.table.finish(entry, ConnectionState::Failed, std::move(reason));
}

void TcpRelay::onAccepted(int fd, const SocketAddress& source, const ListenerSlot& listener) {
    const bool transparent = listener.actual.transparent;
    TableEntry* entry =
        ctx_.table.add(Protocol::Tcp, transparent ? InterceptMode::Tproxy : InterceptMode::Redirect, source);
    std::string error;
    std::optional<ArrivedDestination> arrived;
    if (ctx_.settings.originalDestinationOverride) {
        if (auto d = ctx_.settings.originalDestinationOverride(fd, &error))
            arrived = ArrivedDestination{*d, entry->record.mode};
    } else {
        arrived = recoverArrivedDestination(fd, transparent, &error);
    }
    if (arrived && arrived->address.isValid())
        ctx_.table.setDestination(entry, arrived->address, arrived->mode);
    // Never an open proxy. (The destination is still recorded: who tried to reach what.)
    if (!ctx_.sourceGate.allows(source)) {
        failEarly(fd, entry, "source not allowed: " + (source.isValid() ? source.ip() : std::string("?")));
        return;
    }
    if (!arrived || !arrived->address.isValid()) {
        failEarly(fd, entry, error.empty() ? std::string("original destination unknown") : error);
        return;
    }
    if (ctx_.loopGuard.isProxyItself(Protocol::Tcp, arrived->address)) {
        failEarly(fd, entry, "loop: destination is the proxy itself");
        return;
    }
    if (const auto own = ctx_.loopGuard.ownFlow(Protocol::Tcp, source, arrived->address)) {
        // Refuse both ends: the looped copy, and the connection of ours that never got out.
        if (auto it = connections_.find(*own); it != connections_.end())
            close(it->second.get(), ConnectionState::Failed, "loop: own connection intercepted again", true);
        failEarly(fd, entry, "loop: connection from the proxy itself");
        return;
    }
    startConnect(fd, entry, arrived->address);
}

void TcpRelay::startConnect(int clientFd, TableEntry* entry, const SocketAddress& destination) {
    std::string error;
    auto connector = ctx_.settings.connector.load();
    ctx_.table.setVia(entry, connector->describe());
    auto outgoing = connector->startConnect(destination, &error);
    const int upstreamFd = outgoing.fd;
    if (upstreamFd < 0) {
        failEarly(clientFd, entry, error);
        return;
    }
    const int one = 1;
    ::setsockopt(clientFd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);

    auto c = std::make_unique<TcpConnection>();
    c->id = entry->record.id;
    c->entry = entry;
    c->client.owner = c.get();
    c->client.fd = clientFd;
    c->upstream.owner = c.get();
    c->upstream.fd = upstreamFd;
    c->connector = std::move(connector);
    c->handshake = std::move(outgoing.handshake);
    c->viaUpstream = outgoing.viaUpstream;
    // connect() has bound the local address already. Keyed on where this socket connects: the
    // destination, or the upstream proxy.
    const SocketAddress& connectsTo = outgoing.peer.isValid() ? outgoing.peer : destination;
    if (const auto local = localAddressOf(upstreamFd))
        c->ownFlowKey = ctx_.loopGuard.addOwnFlow(Protocol::Tcp, *local, connectsTo, c->id);
    TcpConnection* raw = c.get();
    connections_.emplace(c->id, std::move(c));
    // The client is not read until the destination answers; completion shows as EPOLLOUT.
    ctx_.poller.update(raw->upstream, EPOLLOUT);
    connectDeadlines_.emplace_back(Clock::now() + ctx_.settings.connectTimeout, raw->id);
}

// ---------------------------------------------------------------------------------------------
// Timers

std::optional<Clock::time_point> TcpRelay::nextDeadline() {
    // Drop deadlines of connections that are no longer connecting.
    while (!connectDeadlines_.empty()) {
        auto it = connections_.find(connectDeadlines_.front().second);
        if (it != connections_.end() && it->second->connecting)
            return connectDeadlines_.front().first;
        connectDeadlines_.pop_front();
    }
    return std::nullopt;
}

void TcpRelay::handleTimers(Clock::time_point now) {
    while (!connectDeadlines_.empty() && connectDeadlines_.front().first <= now) {
        const auto id = connectDeadlines_.front().second;
        connectDeadlines_.pop_front();
        auto it = connections_.find(id);
        if (it != connections_.end() && it->second->connecting)
            failSetup(it->second.get(), it->second->viaUpstream ? "upstream timeout" : "connect: timed out");
    }
}

void TcpRelay::closeAll(const std::string& reason) {
    // Collect first: closing erases from the map.
    std::vector<TcpConnection*> open;
    open.reserve(connections_.size());
    for (auto& [id, c] : connections_)
        open.push_back(c.get());
    for (TcpConnection* c : open)
        close(c, ConnectionState::Closed, reason, true);
    closedInBatch_.clear();
    connectDeadlines_.clear();
}

// ---------------------------------------------------------------------------------------------
// Relaying

void TcpRelay::onEvent(Endpoint* endpoint, std::uint32_t events) {
    auto* c = static_cast<TcpConnection*>(endpoint->owner);
    if (c->closed)
        return;
    if (c->connecting) {
        if (endpoint->kind != Endpoint::Kind::TcpUpstream)
            return;
        if (c->handshakeStarted)
            continueHandshake(c, events);
        else
            finishConnect(c, events);
        return;
    }
    if (events & EPOLLERR) {
        fail(c, *endpoint, socketError(endpoint->fd));
        return;
    }

    const bool isClient = endpoint->kind == Endpoint::Kind::TcpClient;
    Endpoint& other = isClient ? c->upstream : c->client;
    TcpPipe& inbound = isClient ? c->toUpstream : c->toClient;  // read from this endpoint
    TcpPipe& outbound = isClient ? c->toClient : c->toUpstream; // written to this endpoint

    if (events & (EPOLLIN | EPOLLHUP)) {
        if (!readInto(c, *endpoint, inbound) || !flush(c, inbound, other))
            return;
    }
    if (events & EPOLLOUT) {
        if (!flush(c, outbound, *endpoint))
            return;
        // Room again: read what the other side has waiting, without another round through epoll.
        if (!readInto(c, other, outbound) || !flush(c, outbound, *endpoint))
            return;
    }

    if (c->toUpstream.finished() && c->toClient.finished()) {
        close(c, ConnectionState::Closed, "eof", false);
        return;
    }
    if (c->toUpstream.finished() || c->toClient.finished())
        ctx_.table.setState(c->entry, ConnectionState::Closing);
    updateInterest(c);
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
    if (c->handshake) {
        beginHandshake(c);
        return;
    }
    startRelaying(c);
}

void TcpRelay::startRelaying(TcpConnection* c) {
    c->connecting = false;
    c->connector->report(true, {});
    c->connector.reset();
    c->toUpstream.buffer = std::make_unique_for_overwrite<char[]>(kBufferSize);
    c->toClient.buffer = std::make_unique_for_overwrite<char[]>(kBufferSize);
    // What the destination sent along with the proxy's answer goes to the client first.
    if (!c->early.empty()) {
        std::memcpy(c->toClient.buffer.get(), c->early.data(), c->early.size());
        c->toClient.end = c->early.size();
        std::string().swap(c->early);
    }
    ctx_.table.setState(c->entry, ConnectionState::Established);
    updateInterest(c);
}

// A connection that never reached relaying; the connector learns how it ended (its health).
void TcpRelay::failSetup(TcpConnection* c, std::string reason) {
    c->connector->report(false, reason);
    close(c, ConnectionState::Failed, std::move(reason), true);
}

// ---------------------------------------------------------------------------------------------
// Upstream proxy handshake: after the TCP connect and before relaying, still under the connect
// deadline. Only the upstream socket is watched; the client waits in its receive queue.

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
            c->early.assign(buffer + used, static_cast<std::size_t>(n) - used);
            c->handshake.reset();
            startRelaying(c);
            return;
        }
        if (!h.output().empty()) { // an answer that asks for more (authentication, the request)
            continueHandshake(c, EPOLLOUT);
            return;
        }
    }
    ctx_.poller.update(c->upstream, h.output().empty() ? EPOLLIN : EPOLLOUT);
}

// One read per wake-up; level-triggered epoll reports the rest.
bool TcpRelay::readInto(TcpConnection* c, Endpoint& from, TcpPipe& pipe) {
    if (!pipe.canRead())
        return true;
    const ssize_t n = ::recv(from.fd, pipe.buffer.get() + pipe.end, kBufferSize - pipe.end, 0);
    if (n > 0) {
        pipe.end += static_cast<std::size_t>(n);
    } else if (n == 0) {
        pipe.eof = true;
    } else if (errno != EAGAIN && errno != EINTR) {
        fail(c, from, errno);
        return false;
    }
    return true;
}

// Writes what is pending; once the source's EOF has been delivered, passes the FIN on.
bool TcpRelay::flush(TcpConnection* c, TcpPipe& pipe, Endpoint& to) {
    if (pipe.pending() > 0) {
        const ssize_t n = ::send(to.fd, pipe.buffer.get() + pipe.start, pipe.pending(), MSG_NOSIGNAL);
        if (n > 0) {
            pipe.start += static_cast<std::size_t>(n);
            TableEntry::add(&pipe == &c->toUpstream ? c->entry->bytesSent : c->entry->bytesReceived,
                            static_cast<std::uint64_t>(n));
            if (pipe.start == pipe.end)
                pipe.start = pipe.end = 0;
        } else if (n < 0 && errno != EAGAIN && errno != EINTR) {
            fail(c, to, errno);
            return false;
        }
    }
    if (pipe.eof && pipe.pending() == 0 && !pipe.shutDown) {
        pipe.shutDown = true;
        // ENOTCONN: the peer is already gone; the other direction will find out.
        ::shutdown(to.fd, SHUT_WR);
    }
    return true;
}

void TcpRelay::updateInterest(TcpConnection* c) {
    std::uint32_t client = 0;
    std::uint32_t upstream = 0;
    if (c->toUpstream.canRead())
        client |= EPOLLIN;
    if (c->toUpstream.pending() > 0)
        upstream |= EPOLLOUT;
    if (c->toClient.canRead())
        upstream |= EPOLLIN;
    if (c->toClient.pending() > 0)
        client |= EPOLLOUT;
    ctx_.poller.update(c->client, client);
    ctx_.poller.update(c->upstream, upstream);
}

void TcpRelay::fail(TcpConnection* c, Endpoint& at, int err) {
    const bool client = at.kind == Endpoint::Kind::TcpClient;
    if (err == 0)
        err = ECONNRESET; // EPOLLERR whose error was already consumed
    std::string reason;
    if (err == ECONNRESET || err == EPIPE)
        reason = client ? "reset by client" : "reset by destination";
    else
        reason = std::string(client ? "client: " : "destination: ") + errnoText(err);
    close(c, ConnectionState::Closed, std::move(reason), true);
}

void TcpRelay::close(TcpConnection* c, ConnectionState state, std::string reason, bool reset) {
    for (Endpoint* e : {&c->client, &c->upstream}) {
        if (e->fd < 0)
            continue;
        if (reset)
            closeWithReset(e->fd); // closing also removes it from the epoll set
        else
            ::close(e->fd);
        e->fd = -1;
        e->events = 0;
    }
    c->closed = true;
    ctx_.loopGuard.removeOwnFlow(c->ownFlowKey);
    ctx_.table.finish(c->entry, state, std::move(reason));
    // Keep the object alive until the current epoll batch is done: later events may point at it.
    auto it = connections_.find(c->id);
    closedInBatch_.push_back(std::move(it->second));
    connections_.erase(it);
}

} // namespace weir::core::detail
