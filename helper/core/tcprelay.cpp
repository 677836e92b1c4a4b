#include "core/tcprelay.h"

#include <fcntl.h>
#include <netinet/in.h>
#include <linux/tcp.h> // struct tcp_info with tcpi_bytes_acked (glibc's is older)
#include <sys/socket.h>

#include <algorithm>
#include <cstddef>

#include "core/originaldst.h"
#include "core/tcpconnection.h"

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
// How often the table's byte counts follow what the ends acknowledged (publishCounters()).
constexpr auto kCounterRefresh = std::chrono::milliseconds(250);

} // namespace

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
    SocketAddress local;
    if (ctx_.settings.originalDestinationOverride) {
        if (auto d = ctx_.settings.originalDestinationOverride(fd, &error))
            arrived = ArrivedDestination{*d, entry->record.mode};
        local = localAddressOf(fd).value_or(SocketAddress());
    } else {
        arrived = recoverArrivedDestination(fd, source, transparent, &local, &error);
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
    if (const auto own = ctx_.loopGuard.ownFlowBack(local, source, arrived->address, ctx_.conntrack)) {
        // Refuse both ends: the looped copy, and the connection of ours that never got out (only
        // when that is certain: never an established connection on an address match alone).
        if (!own->confirmed) {
            failEarly(fd, entry, "loop: connection from the proxy itself");
            return;
        }
        // Whichever worker has our connection keeps this copy open as long as it holds its own
        // looped socket; the last reference resets it.
        ctx_.table.finish(entry, ConnectionState::Failed, "loop: connection from the proxy itself");
        auto copy = std::make_shared<ResetOnRelease>(fd);
        if (!ownConnectionLooped(*own, copy) && ctx_.shared.ownLoopedElsewhere)
            ctx_.shared.ownLoopedElsewhere(*own, ctx_.worker, std::move(copy));
        return;
    }
    if (ctx_.settings.onLocalConnection && ctx_.sourceGate.localAddresses().contains(source))
        ctx_.settings.onLocalConnection(entry->record.id, Protocol::Tcp, source, arrived->address);
    startConnect(fd, entry, arrived->address);
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
    if (connections_.empty())
        counterRefreshAt_.reset();
    else if (!counterRefreshAt_)
        counterRefreshAt_ = ctx_.now + kCounterRefresh;
    earliest(next, counterRefreshAt_);
    if (!loopedGrace_.empty())
        earliest(next, std::optional(loopedGrace_.front().first));
    return next;
}

void TcpRelay::handleTimers(Clock::time_point now) {
    while (!connectDeadlines_.empty() && connectDeadlines_.front().first <= now) {
        const auto id = connectDeadlines_.front().second;
        connectDeadlines_.pop_front();
        auto it = connections_.find(id);
        // (A connection that connected again has a later deadline of its own.)
        if (it != connections_.end() && it->second->connecting && it->second->connectDeadline <= now)
            failSetup(it->second.get(), it->second->viaUpstream ? "upstream timeout" : "connect: timed out");
    }
    while (!loopedGrace_.empty() && loopedGrace_.front().first <= now)
        loopedGrace_.pop_front();
    if (counterRefreshAt_ && *counterRefreshAt_ <= now) {
        counterRefreshAt_.reset();
        refreshCounters();
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

bool TcpRelay::resetById(std::uint64_t id, const std::string& reason) {
    const auto it = connections_.find(id);
    if (it == connections_.end() || it->second->closed)
        return false;
    TcpConnection* c = it->second.get();
    const ConnectionState now = c->entry->record.state;
    const bool relaying = now == ConnectionState::Established || now == ConnectionState::Closing;
    close(c, relaying ? ConnectionState::Closed : ConnectionState::Failed, reason, true);
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
    loopedGrace_.clear();
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

// ---------------------------------------------------------------------------------------------
// Upstream proxy handshake: after the TCP connect and before relaying, still under the connect
// deadline. Only the upstream socket is watched; the client waits in its receive queue.

void TcpRelay::startRelaying(TcpConnection* c, std::string pendingToClient) {
    c->connecting = false;
    c->connector->report(true, {});
    c->connector.reset();
    c->lastActive = ctx_.now;
    c->toClient.head = std::move(pendingToClient);
    if (!c->sniffer && c->readFromClient == 0)
        c->sniffer = std::make_unique<sniff::HostSniffer>();
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
    std::size_t want = d.pipe.capacity - d.pipe.bytes;
    if (c->sniffer && &d == &c->toUpstream) {
        // While the host is not known: look at what the splice below will move (no more than that,
        // and no more than the sniffer ever reads).
        const ssize_t peeked =
            ::recv(from.fd, copyBuffer_.get(), std::min(want, sniff::HostSniffer::kDefaultBudget), MSG_PEEK);
        if (peeked > 0) {
            want = static_cast<std::size_t>(peeked);
            sniff(c, copyBuffer_.get(), want);
        }
    }
    const ssize_t n = ::splice(from.fd, nullptr, d.pipe.writeFd, nullptr, want, kSpliceFlags);
    if (n > 0) {
        d.pipe.bytes += static_cast<std::size_t>(n);
        if (&d == &c->toUpstream)
            c->readFromClient += static_cast<std::uint64_t>(n);
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
        if (&d == &c->toUpstream) {
            if (c->sniffer)
                sniff(c, copyBuffer_.get(), static_cast<std::size_t>(n));
            c->readFromClient += static_cast<std::uint64_t>(n);
        }
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
    if (!d.head.empty()) {
        const ssize_t n = ::send(to.fd, d.head.data(), d.head.size(), MSG_NOSIGNAL);
        if (n > 0) {
            d.head.erase(0, static_cast<std::size_t>(n));
            d.written += static_cast<std::uint64_t>(n);
        } else if (n < 0 && errno != EAGAIN && errno != EINTR) {
            fail(c, to, errno);
            return false;
        }
    }
    if (d.head.empty() && d.pipe.bytes > 0) {
        const ssize_t n = ::splice(d.pipe.readFd, nullptr, to.fd, nullptr, d.pipe.bytes, kSpliceFlags);
        if (n > 0) {
            d.pipe.bytes -= static_cast<std::size_t>(n);
            d.written += static_cast<std::uint64_t>(n);
        } else if (n < 0 && errno != EAGAIN && errno != EINTR) {
            fail(c, to, errno);
            return false;
        }
    }
    if (d.pipe.isOpen() && d.pipe.bytes == 0)
        releasePipe(d);
    if (d.eof && !d.pending() && !d.shutDown) {
        d.shutDown = true;
        // When the other direction has finished too, the connection closes next (onEvent), and
        // close() sends this FIN: both receive queues are empty, so it is a FIN and not a reset.
        // ENOTCONN: the peer is already gone; the other direction will find out.
        const TcpDirection& other = &d == &c->toUpstream ? c->toClient : c->toUpstream;
        if (!other.finished())
            ::shutdown(to.fd, SHUT_WR);
    }
    return true;
}

// Bytes at the client's current stream offset (readFromClient), for the host column. Only the
// first few reads of a connection come here: the sniffer answers (or gives up) within 16 KiB.
void TcpRelay::sniff(TcpConnection* c, const char* data, std::size_t size) {
    c->sniffer->feedAt(c->readFromClient, data, size);
    if (!c->sniffer->answered())
        return;
    if (c->sniffer->status() == sniff::SniffStatus::Found)
        ctx_.table.setHost(c->entry, c->sniffer->host());
    c->sniffer.reset();
}

// The table shows what each end has acknowledged (TCP_INFO), not what waits in socket buffers: a
// slow reader's bytes count once they reach it, and rates derived from the counts are true. Never
// more than the relay wrote (the acknowledged count includes a FIN; towards an upstream proxy, its
// handshake).
void TcpRelay::publishCounters(TcpConnection* c) {
    auto acknowledged = [](int fd, std::uint64_t notOurs, std::uint64_t written) {
        tcp_info info{};
        socklen_t len = sizeof info;
        if (fd < 0 || ::getsockopt(fd, IPPROTO_TCP, TCP_INFO, &info, &len) != 0 ||
            len < offsetof(tcp_info, tcpi_bytes_acked) + sizeof info.tcpi_bytes_acked)
            return written;
        const std::uint64_t acked = info.tcpi_bytes_acked > notOurs ? info.tcpi_bytes_acked - notOurs : 0;
        return std::min(acked, written);
    };
    TableEntry::set(c->entry->bytesSent,
                    acknowledged(c->upstream.fd, c->handshakeSent, c->toUpstream.written));
    TableEntry::set(c->entry->bytesReceived, acknowledged(c->client.fd, 0, c->toClient.written));
}

// Every kCounterRefresh, the connections whose published counts are behind what was written.
void TcpRelay::refreshCounters() {
    for (auto& [id, c] : connections_) {
        if (c->connecting)
            continue;
        if (c->entry->bytesSent.load(std::memory_order_relaxed) < c->toUpstream.written ||
            c->entry->bytesReceived.load(std::memory_order_relaxed) < c->toClient.written)
            publishCounters(c.get());
    }
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
    // A clean close delivers all that was written; a reset only what was acknowledged by then.
    if (reset) {
        publishCounters(c);
    } else {
        TableEntry::set(c->entry->bytesSent, c->toUpstream.written);
        TableEntry::set(c->entry->bytesReceived, c->toClient.written);
    }
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
    releaseLooped(c);
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
