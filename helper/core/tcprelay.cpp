#include "core/tcprelay.h"

#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <algorithm>

#include "core/originaldst.h"

namespace weir::core::detail {

namespace {

constexpr int kAcceptBatch = 64; // accepts per wake-up, so a flood cannot starve relaying
// Pipe size: larger pipes move more per splice() (a pipe holds up to size/4096 socket buffer
// fragments, often less than a page each); only the bytes in flight use memory.
constexpr std::size_t kPipeSize = 1024 * 1024; // pipe-max-size's default: allowed without privilege
constexpr std::size_t kIdlePipes = 64;         // per thread: enough for the connections busy at one moment
constexpr std::size_t kCopyBufferSize = 64 * 1024;  // the copy fallback's, one per thread
constexpr auto kPoolTrim = std::chrono::seconds(1); // idle pipes unused this long are closed
constexpr unsigned kSpliceFlags = SPLICE_F_MOVE | SPLICE_F_NONBLOCK;

// Resets `fd` when the last reference goes (see SharedRelayState::closeElsewhere).
struct ResetOnRelease {
    int fd;
    explicit ResetOnRelease(int f)
        : fd(f) {}
    ~ResetOnRelease() { closeWithReset(fd); }
    ResetOnRelease(const ResetOnRelease&) = delete;
    ResetOnRelease& operator=(const ResetOnRelease&) = delete;
};

} // namespace

// One direction of a relay: bytes read from one socket, waiting in a pipe to be written to the other.
struct TcpDirection {
    Pipe pipe;             // open only while bytes are in it (or for the splice that fills it)
    std::string head;      // written with send() before the pipe's bytes (startRelaying; readCopy)
    bool eof = false;      // the source sent FIN
    bool shutDown = false; // FIN passed on to the destination (shutdown SHUT_WR)

    bool pending() const { return pipe.bytes > 0 || !head.empty(); }
    // Read only into an empty pipe: a destination that does not take the bytes stops the source.
    bool wantsRead() const { return !eof && !pending(); }
    bool finished() const { return shutDown; }
};

struct TcpConnection {
    std::uint64_t id = 0;
    TableEntry* entry = nullptr;
    Endpoint client{Endpoint::Kind::TcpClient};
    Endpoint upstream{Endpoint::Kind::TcpUpstream};
    TcpDirection toUpstream;      // client -> destination
    TcpDirection toClient;        // destination -> client
    std::string ownFlowKey;       // see LoopGuard
    Clock::time_point lastActive; // the batch time of the last event (coarse, for tcpIdleTimeout)
    // Set while an upstream proxy's handshake runs (after the TCP connect, still `connecting`).
    std::shared_ptr<Connector> connector;
    std::unique_ptr<Handshake> handshake;
    bool viaUpstream = false;
    bool handshakeStarted = false;
    bool connecting = true;
    bool closed = false; // events later in the same epoll batch must ignore it
};

TcpRelay::TcpRelay(RelayContext& context)
    : ctx_(context)
    , pipes_(kPipeSize, kIdlePipes)
    , copyBuffer_(std::make_unique_for_overwrite<char[]>(kCopyBufferSize)) {}

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

// The record first: when the client sees the reset, the table already says why.
void TcpRelay::failEarly(int clientFd, TableEntry* entry, std::string reason) {
    ctx_.table.finish(entry, ConnectionState::Failed, std::move(reason));
    closeWithReset(clientFd);
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
    const auto local = localAddressOf(fd);
    if (const auto own = ctx_.loopGuard.ownFlowBack(local.value_or(SocketAddress()), source, arrived->address,
                                                    ctx_.conntrack)) {
        // Refuse both ends: the looped copy, and the connection of ours that never got out (only
        // when that is certain: never an established connection on an address match alone).
        const char* ownReason = "loop: own connection intercepted again";
        if (!own->confirmed || closeById(own->id, ConnectionState::Failed, ownReason) ||
            !ctx_.shared.closeElsewhere) {
            failEarly(fd, entry, "loop: connection from the proxy itself");
            return;
        }
        // Another worker holds it: it closes it first, then the last reference resets the copy.
        ctx_.table.finish(entry, ConnectionState::Failed, "loop: connection from the proxy itself");
        ctx_.shared.closeElsewhere(own->id, ConnectionState::Failed, ownReason, ctx_.worker,
                                   std::make_shared<ResetOnRelease>(fd));
        return;
    }
    startConnect(fd, entry, arrived->address);
}

void TcpRelay::startConnect(int clientFd, TableEntry* entry, const SocketAddress& destination) {
    if (!ctx_.budget.tryAdmit()) {
        failEarly(clientFd, entry, "connection limit");
        return;
    }
    std::string error;
    auto connector = ctx_.settings.connector.load();
    ctx_.table.setVia(entry, connector->describe());
    ctx_.loopGuard.beginOwnConnect(Protocol::Tcp, destination);
    auto outgoing = connector->startConnect(destination, &error);
    const int upstreamFd = outgoing.fd;
    if (upstreamFd < 0) {
        ctx_.loopGuard.endOwnConnect(Protocol::Tcp, destination);
        ctx_.budget.release();
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
    ctx_.loopGuard.endOwnConnect(Protocol::Tcp, destination);
    TcpConnection* raw = c.get();
    connections_.emplace(c->id, std::move(c));
    // The client is not read until the destination answers; completion shows as EPOLLOUT.
    ctx_.poller.update(raw->upstream, EPOLLOUT);
    connectDeadlines_.emplace_back(Clock::now() + ctx_.settings.connectTimeout, raw->id);
}

// ---------------------------------------------------------------------------------------------
// Timers

std::optional<Clock::time_point> TcpRelay::nextDeadline() {
    std::optional<Clock::time_point> next;
    // Drop deadlines of connections that are no longer connecting.
    while (!connectDeadlines_.empty()) {
        auto it = connections_.find(connectDeadlines_.front().second);
        if (it != connections_.end() && it->second->connecting) {
            next = connectDeadlines_.front().first;
            break;
        }
        connectDeadlines_.pop_front();
    }
    if (connections_.empty())
        nextIdleSweep_.reset();
    else if (!nextIdleSweep_ && ctx_.settings.tcpIdleTimeout.count() > 0)
        nextIdleSweep_ =
            ctx_.now + std::clamp<Clock::duration>(ctx_.settings.tcpIdleTimeout / 4,
                                                   std::chrono::milliseconds(10), std::chrono::seconds(1));
    earliest(next, nextIdleSweep_);
    if (pipes_.idle() == 0)
        poolTrimAt_.reset();
    else if (!poolTrimAt_)
        poolTrimAt_ = ctx_.now + kPoolTrim;
    earliest(next, poolTrimAt_);
    return next;
}

void TcpRelay::handleTimers(Clock::time_point now) {
    while (!connectDeadlines_.empty() && connectDeadlines_.front().first <= now) {
        const auto id = connectDeadlines_.front().second;
        connectDeadlines_.pop_front();
        auto it = connections_.find(id);
        if (it != connections_.end() && it->second->connecting)
            failSetup(it->second.get(), it->second->viaUpstream ? "upstream timeout" : "connect: timed out");
    }
    if (poolTrimAt_ && *poolTrimAt_ <= now) {
        poolTrimAt_.reset();
        pipes_.trimIfUnused();
    }
    if (nextIdleSweep_ && *nextIdleSweep_ <= now) {
        nextIdleSweep_.reset();
        closeIdle(now);
    }
}

// A sweep every quarter of the timeout: a connection closes between 1 and 1.25 timeouts idle.
void TcpRelay::closeIdle(Clock::time_point now) {
    const auto timeout = ctx_.settings.tcpIdleTimeout;
    std::vector<TcpConnection*> idle;
    for (auto& [id, c] : connections_)
        if (!c->connecting && now - c->lastActive >= timeout)
            idle.push_back(c.get());
    for (TcpConnection* c : idle)
        close(c, ConnectionState::Closed, "idle timeout", true);
}

bool TcpRelay::closeById(std::uint64_t id, ConnectionState state, std::string reason) {
    auto it = connections_.find(id);
    if (it == connections_.end())
        return false;
    close(it->second.get(), state, std::move(reason), true);
    return true;
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
    c->lastActive = ctx_.now;

    const bool isClient = endpoint->kind == Endpoint::Kind::TcpClient;
    Endpoint& other = isClient ? c->upstream : c->client;
    TcpDirection& inbound = isClient ? c->toUpstream : c->toClient;  // read from this endpoint
    TcpDirection& outbound = isClient ? c->toClient : c->toUpstream; // written to this endpoint

    if (events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP)) {
        if (!readInto(c, inbound, *endpoint) || !flush(c, inbound, other))
            return;
    }
    if (events & (EPOLLOUT | EPOLLHUP)) {
        if (!flush(c, outbound, *endpoint))
            return;
        // Room again: read what the other side has waiting, without another round through epoll.
        if (!readInto(c, outbound, other) || !flush(c, outbound, *endpoint))
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

void TcpRelay::startRelaying(TcpConnection* c, std::string pendingToClient) {
    c->connecting = false;
    c->connector->report(true, {});
    c->connector.reset();
    c->lastActive = ctx_.now;
    c->toClient.head = std::move(pendingToClient);
    ctx_.table.setState(c->entry, ConnectionState::Established);
    updateInterest(c);
}

// One splice per wake-up; level-triggered epoll reports the rest.
bool TcpRelay::readInto(TcpConnection* c, TcpDirection& d, Endpoint& from) {
    if (!d.wantsRead())
        return true;
    int err = 0;
    if (!d.pipe.isOpen() && !pipes_.take(&d.pipe, &err))
        return readCopy(c, d, from);
    const ssize_t n =
        ::splice(from.fd, nullptr, d.pipe.writeFd, nullptr, d.pipe.capacity - d.pipe.bytes, kSpliceFlags);
    if (n > 0) {
        d.pipe.bytes += static_cast<std::size_t>(n);
    } else if (n == 0) {
        d.eof = true;
    } else if (errno != EAGAIN && errno != EINTR) {
        fail(c, from, errno);
        return false;
    }
    return true;
}

// No pipe to be had (out of descriptors): copy through user space instead, into the head that
// flush() writes first. Never waits for a pipe that only a closing connection could free, and never
// spins; only bytes not yet written stay in memory.
bool TcpRelay::readCopy(TcpConnection* c, TcpDirection& d, Endpoint& from) {
    const ssize_t n = ::recv(from.fd, copyBuffer_.get(), kCopyBufferSize, 0);
    if (n > 0) {
        d.head.assign(copyBuffer_.get(), static_cast<std::size_t>(n));
    } else if (n == 0) {
        d.eof = true;
    } else if (errno != EAGAIN && errno != EINTR) {
        fail(c, from, errno);
        return false;
    }
    return true;
}

// Writes what is pending (head first, then the pipe); gives the pipe back once it is empty; once
// the source's EOF has been delivered, passes the FIN on.
bool TcpRelay::flush(TcpConnection* c, TcpDirection& d, Endpoint& to) {
    auto& counter = &d == &c->toUpstream ? c->entry->bytesSent : c->entry->bytesReceived;
    if (!d.head.empty()) {
        const ssize_t n = ::send(to.fd, d.head.data(), d.head.size(), MSG_NOSIGNAL);
        if (n > 0) {
            d.head.erase(0, static_cast<std::size_t>(n));
            TableEntry::add(counter, static_cast<std::uint64_t>(n));
        } else if (n < 0 && errno != EAGAIN && errno != EINTR) {
            fail(c, to, errno);
            return false;
        }
    }
    if (d.head.empty() && d.pipe.bytes > 0) {
        const ssize_t n = ::splice(d.pipe.readFd, nullptr, to.fd, nullptr, d.pipe.bytes, kSpliceFlags);
        if (n > 0) {
            d.pipe.bytes -= static_cast<std::size_t>(n);
            TableEntry::add(counter, static_cast<std::uint64_t>(n));
        } else if (n < 0 && errno != EAGAIN && errno != EINTR) {
            fail(c, to, errno);
            return false;
        }
    }
    if (d.pipe.isOpen() && d.pipe.bytes == 0)
        releasePipe(d);
    if (d.eof && !d.pending() && !d.shutDown) {
        d.shutDown = true;
        // ENOTCONN: the peer is already gone; the other direction will find out.
        ::shutdown(to.fd, SHUT_WR);
    }
    return true;
}

void TcpRelay::releasePipe(TcpDirection& d) {
    pipes_.give(&d.pipe);
}

void TcpRelay::updateInterest(TcpConnection* c) {
    std::uint32_t client = 0;
    std::uint32_t upstream = 0;
    if (c->toUpstream.wantsRead())
        client |= EPOLLIN | EPOLLRDHUP;
    if (c->toUpstream.pending())
        upstream |= EPOLLOUT;
    if (c->toClient.wantsRead())
        upstream |= EPOLLIN | EPOLLRDHUP;
    if (c->toClient.pending())
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
    // The record first: when a peer sees the close, the table already says why.
    ctx_.table.finish(c->entry, state, std::move(reason));
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
    // Pipes with bytes still in them are closed, empty ones go back to the pool.
    pipes_.give(&c->toUpstream.pipe);
    pipes_.give(&c->toClient.pipe);
    c->closed = true;
    ctx_.budget.release();
    ctx_.loopGuard.removeOwnFlow(c->ownFlowKey);
    // Keep the object alive until the current epoll batch is done: later events may point at it.
    auto it = connections_.find(c->id);
    closedInBatch_.push_back(std::move(it->second));
    connections_.erase(it);
}

} // namespace weir::core::detail
