#include "core/udprelay.h"

#include <netinet/in.h>
#include <sys/socket.h>

#include <algorithm>
#include <cstring>
#include <deque>

namespace weir::core::detail {

namespace {

constexpr std::size_t kMaxDatagram = 65536;
constexpr int kReceiveBatch = 64; // datagrams per wake-up and socket, so one flood cannot starve the rest
constexpr std::size_t kMaxEarlyDatagrams = 16; // per session, while its UDP association is set up

// Canonical bytes of (client, original destination).
std::string sessionKey(const SocketAddress& client, const SocketAddress& destination) {
    std::string key(reinterpret_cast<const char*>(client.sockaddrPtr()), client.sockaddrLen());
    key.append(reinterpret_cast<const char*>(destination.sockaddrPtr()), destination.sockaddrLen());
    return key;
}

// The IP_ORIGDSTADDR / IPV6_ORIGDSTADDR control message of a received datagram.
std::optional<SocketAddress> originalDestination(msghdr& msg) {
    for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
        if (c->cmsg_level == SOL_IP && c->cmsg_type == IP_ORIGDSTADDR)
            return SocketAddress::fromSockaddr(reinterpret_cast<const sockaddr*>(CMSG_DATA(c)),
                                               sizeof(sockaddr_in));
        if (c->cmsg_level == SOL_IPV6 && c->cmsg_type == IPV6_ORIGDSTADDR)
            return SocketAddress::fromSockaddr(reinterpret_cast<const sockaddr*>(CMSG_DATA(c)),
                                               sizeof(sockaddr_in6));
    }
    return std::nullopt;
}

bool setOption(int fd, int level, int name) {
    const int one = 1;
    return ::setsockopt(fd, level, name, &one, sizeof one) == 0;
}

std::string failure(const char* what, int err) {
    return std::string(what) + ": " + errnoText(err);
}

} // namespace

struct UdpSession {
    std::uint64_t id = 0;
    TableEntry* entry = nullptr;
    std::string key;
    SocketAddress client;
    SocketAddress destination;
    Endpoint reply{Endpoint::Kind::UdpReply};
    Endpoint upstream{Endpoint::Kind::UdpUpstream};
    std::string ownFlowKey; // see LoopGuard
    Clock::time_point lastActive;
    std::list<UdpSession*>::iterator lru;
    bool closed = false; // events later in the same epoll batch must ignore it
    // Through an upstream's UDP ASSOCIATE: the association, its TCP control connection (registered
    // as UdpUpstream, told apart by address), and what the client sent before it was ready.
    std::shared_ptr<Connector> connector;
    std::unique_ptr<UdpAssociation> association;
    Endpoint control{Endpoint::Kind::UdpUpstream};
    std::deque<std::string> early;
    bool associating = false;
};

UdpRelay::UdpRelay(RelayContext& context)
    : ctx_(context)
    , buffer_(std::make_unique_for_overwrite<char[]>(kMaxDatagram)) {}

UdpRelay::~UdpRelay() = default;

void UdpRelay::endBatch() {
    closedInBatch_.clear();
}

void UdpRelay::receiveFrom(ListenerSlot& listener) {
    for (int i = 0; i < kReceiveBatch; ++i) {
        sockaddr_storage peer{};
        iovec iov{buffer_.get(), kMaxDatagram};
        alignas(cmsghdr) char control[CMSG_SPACE(sizeof(sockaddr_in6)) * 2];
        msghdr msg{};
        msg.msg_name = &peer;
        msg.msg_namelen = sizeof peer;
        msg.msg_iov = &iov;
        msg.msg_iovlen = 1;
        msg.msg_control = control;
        msg.msg_controllen = sizeof control;
        const ssize_t n = ::recvmsg(listener.fd.get(), &msg, 0);
        if (n < 0) {
            if (errno == EAGAIN || errno == EINTR || errno == ENOMEM || errno == ENOBUFS)
                return;
            continue; // an ICMP error queued on the socket; nothing to do with it
        }
        const auto client =
            SocketAddress::fromSockaddr(reinterpret_cast<const sockaddr*>(&peer), msg.msg_namelen);
        const auto destination = originalDestination(msg);
        if (!client || !destination)
            continue; // cannot be answered or relayed
        const std::string key = sessionKey(*client, *destination);
        UdpSession* s = nullptr;
        if (auto it = sessions_.find(key); it != sessions_.end())
            s = it->second.get();
        else
            s = admit(*client, *destination, key);
        if (s)
            toDestination(s, buffer_.get(), static_cast<std::size_t>(n));
    }
}

void UdpRelay::refuse(const SocketAddress& client, const SocketAddress& destination, const std::string& key,
                      std::string reason) {
    TableEntry* entry = ctx_.table.add(Protocol::Udp, InterceptMode::Tproxy, client);
    ctx_.table.setDestination(entry, destination, InterceptMode::Tproxy);
    ctx_.table.finish(entry, ConnectionState::Failed, std::move(reason));
    if (refused_.size() >= ctx_.settings.maxUdpSessions)
        refused_.clear(); // bounded; at worst a flow gets a second record
    refused_[key] = Clock::now() + ctx_.settings.udpIdleTimeout;
}

// Why a new flow must not be relayed, if it must not: the checks of an accepted TCP connection.
std::optional<std::string> UdpRelay::refusal(const SocketAddress& client, const SocketAddress& destination) {
    if (!ctx_.sourceGate.allows(client))
        return "source not allowed: " + client.ip();
    if (ctx_.loopGuard.isProxyItself(Protocol::Udp, destination))
        return "loop: destination is the proxy itself";
    if (const auto own = ctx_.loopGuard.ownFlow(Protocol::Udp, client, destination)) {
        for (auto& [k, session] : sessions_) {
            if (session->id == *own) {
                close(session.get(), ConnectionState::Failed, "loop: own connection intercepted again");
                break;
            }
        }
        return "loop: connection from the proxy itself";
    }
    return std::nullopt;
}

// A datagram of a flow without a session: check it, then open one.
UdpSession* UdpRelay::admit(const SocketAddress& client, const SocketAddress& destination,
                            const std::string& key) {
    if (auto it = refused_.find(key); it != refused_.end()) {
        if (it->second > Clock::now())
            return nullptr;
        refused_.erase(it);
    }
    if (auto reason = refusal(client, destination)) {
        refuse(client, destination, key, std::move(*reason));
        return nullptr;
    }
    auto connector = ctx_.settings.connector.load();
    const UdpRoute route = connector->udpRoute();
    if (route == UdpRoute::Blocked) {
        refuse(client, destination, key, "udp blocked: " + connector->describe() + " cannot carry UDP");
        return nullptr;
    }
    if (!lru_.empty() && sessions_.size() >= ctx_.settings.maxUdpSessions)
        close(lru_.back(), ConnectionState::Closed, "session limit");
    if (!ctx_.budget.tryAdmit()) {
        refuse(client, destination, key, "connection limit");
        return nullptr;
    }

    auto owned = std::make_unique<UdpSession>();
    UdpSession* s = owned.get();
    s->entry = ctx_.table.add(Protocol::Udp, InterceptMode::Tproxy, client);
    s->id = s->entry->record.id;
    s->key = key;
    s->client = client;
    s->destination = destination;
    ctx_.table.setDestination(s->entry, destination, InterceptMode::Tproxy);
    if (ctx_.settings.onLocalConnection && ctx_.sourceGate.localAddresses().contains(client))
        ctx_.settings.onLocalConnection(s->id, Protocol::Udp, client, destination);
    ctx_.table.setVia(s->entry, route == UdpRoute::Direct ? std::string("direct") : connector->describe());
    std::string error;
    if (route == UdpRoute::Socks5Associate) {
        s->association = connector->startUdpAssociate(&error);
        s->associating = s->association != nullptr;
        s->connector = std::move(connector);
        if (s->association) {
            s->control.owner = s;
            s->control.fd = s->association->control.fd;
        }
    }
    if ((route == UdpRoute::Socks5Associate && !s->association) || !openSockets(s, &error)) {
        for (Endpoint* e : {&s->reply, &s->upstream, &s->control})
            if (e->fd >= 0)
                ::close(e->fd);
        ctx_.budget.release();
        ctx_.table.finish(s->entry, ConnectionState::Failed, error);
        return nullptr;
    }
    if (s->association) {
        ctx_.poller.update(s->control, EPOLLOUT); // connected: the handshake can start
    } else {
        if (const auto local = localAddressOf(s->upstream.fd))
            s->ownFlowKey = ctx_.loopGuard.addOwnFlow(Protocol::Udp, *local, destination, s->id);
        ctx_.poller.update(s->upstream, EPOLLIN);
        ctx_.table.setState(s->entry, ConnectionState::Established);
    }
    ctx_.poller.update(s->reply, EPOLLIN);
    s->lastActive = Clock::now();
    lru_.push_front(s);
    s->lru = lru_.begin();
    sessions_.emplace(key, std::move(owned));
    return s;
}

bool UdpRelay::openSockets(UdpSession* s, std::string* error) {
    const int family = s->destination.family();
    s->upstream.owner = s;
    if (s->association) // the upstream socket waits for the association's relay address
        return openReplySocket(s, error);
    s->upstream.fd = ::socket(family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (s->upstream.fd < 0)
        return *error = failure("socket", errno), false;
    const std::uint32_t mark = ctx_.settings.outgoingMark;
    // An unmarked socket would be intercepted again: never send without the mark.
    if (mark != 0 && ::setsockopt(s->upstream.fd, SOL_SOCKET, SO_MARK, &mark, sizeof mark) != 0)
        return *error = failure("SO_MARK", errno), false;
    if (::connect(s->upstream.fd, s->destination.sockaddrPtr(), s->destination.sockaddrLen()) != 0)
        return *error = failure("connect", errno), false;
    return openReplySocket(s, error);
}

bool UdpRelay::openReplySocket(UdpSession* s, std::string* error) {
    const int family = s->destination.family();
    const std::uint32_t mark = ctx_.settings.outgoingMark;
    s->reply.owner = s;
    s->reply.fd = ::socket(family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (s->reply.fd < 0)
        return *error = failure("socket", errno), false;
    // Several clients may talk to the same destination: each session binds it (SO_REUSEADDR), and
    // being connected to its own client keeps their datagrams apart.
    setOption(s->reply.fd, SOL_SOCKET, SO_REUSEADDR);
    const bool v6 = family == AF_INET6;
    if (v6)
        setOption(s->reply.fd, SOL_IPV6, IPV6_V6ONLY);
    if (!(v6 ? setOption(s->reply.fd, SOL_IPV6, IPV6_TRANSPARENT)
             : setOption(s->reply.fd, SOL_IP, IP_TRANSPARENT)))
        return *error = failure("reply socket: IP_TRANSPARENT", errno), false;
    // Answers to local clients leave through OUTPUT: the mark keeps them from being intercepted.
    if (mark != 0)
        ::setsockopt(s->reply.fd, SOL_SOCKET, SO_MARK, &mark, sizeof mark);
    if (::bind(s->reply.fd, s->destination.sockaddrPtr(), s->destination.sockaddrLen()) != 0)
        return *error = "reply socket: bind " + s->destination.toString() + ": " + errnoText(errno), false;
    if (::connect(s->reply.fd, s->client.sockaddrPtr(), s->client.sockaddrLen()) != 0)
        return *error = failure("reply socket: connect", errno), false;
    return true;
}

void UdpRelay::touch(UdpSession* s) {
    s->lastActive = Clock::now();
    if (s->lru != lru_.begin())
        lru_.splice(lru_.begin(), lru_, s->lru);
}

bool UdpRelay::relay(UdpSession* s, Endpoint& to, const char* data, std::size_t size, std::size_t header) {
    touch(s);
    const ssize_t n = ::send(to.fd, data, size, MSG_NOSIGNAL);
    if (n >= 0) {
        // Payload only: a SOCKS5 UDP header is the tunnel's, not the client's.
        TableEntry::add(&to == &s->upstream ? s->entry->bytesSent : s->entry->bytesReceived,
                        static_cast<std::uint64_t>(n) - std::min(header, static_cast<std::size_t>(n)));
        return true;
    }
    // A refused port (ICMP) ends the flow; anything else (full buffers, EMSGSIZE) costs one datagram,
    // as it would on the wire.
    if (errno == ECONNREFUSED) {
        close(s, ConnectionState::Closed,
              std::string(&to == &s->upstream ? "destination: " : "client: ") + errnoText(ECONNREFUSED));
        return false;
    }
    return true;
}

void UdpRelay::drain(UdpSession* s, Endpoint& from) {
    const bool fromDestination = &from == &s->upstream;
    for (int i = 0; i < kReceiveBatch && !s->closed; ++i) {
        const ssize_t n = ::recv(from.fd, buffer_.get(), kMaxDatagram, 0);
        if (n >= 0) {
            const bool open = fromDestination ? toClient(s, buffer_.get(), static_cast<std::size_t>(n))
                                              : toDestination(s, buffer_.get(), static_cast<std::size_t>(n));
            if (!open)
                return;
            continue;
        }
        if (errno == ECONNREFUSED) {
            close(s, ConnectionState::Closed,
                  std::string(&from == &s->upstream ? "destination: " : "client: ") +
                      errnoText(ECONNREFUSED));
            return;
        }
        if (errno == EAGAIN || errno == EINTR)
            return;
        // other queued errors (EHOSTUNREACH, ...): read on
    }
}

void UdpRelay::onEvent(Endpoint* endpoint, std::uint32_t events) {
    auto* s = static_cast<UdpSession*>(endpoint->owner);
    if (s->closed)
        return;
    if (endpoint == &s->control) {
        onControl(s, events);
        return;
    }
    if (events & (EPOLLIN | EPOLLERR))
        drain(s, *endpoint);
}

std::optional<Clock::time_point> UdpRelay::nextDeadline() const {
    if (lru_.empty())
        return std::nullopt;
    return lru_.back()->lastActive + ctx_.settings.udpIdleTimeout;
}

void UdpRelay::handleTimers(Clock::time_point now) {
    while (!lru_.empty() && lru_.back()->lastActive + ctx_.settings.udpIdleTimeout <= now)
        close(lru_.back(), ConnectionState::Closed, "idle timeout");
}

bool UdpRelay::closeById(std::uint64_t id, const std::string& reason) {
    // Linear: flows are few (maxUdpSessions) and this is a user's click, not the data path.
    for (UdpSession* s : lru_) {
        if (s->id == id) {
            close(s, ConnectionState::Closed, reason);
            return true;
        }
    }
    return false;
}

void UdpRelay::closeAll(const std::string& reason) {
    while (!lru_.empty())
        close(lru_.back(), ConnectionState::Closed, reason);
    closedInBatch_.clear();
    refused_.clear();
}

void UdpRelay::close(UdpSession* s, ConnectionState state, std::string reason) {
    for (Endpoint* e : {&s->reply, &s->upstream, &s->control}) {
        if (e->fd >= 0)
            ::close(e->fd); // also removes it from the epoll set
        e->fd = -1;
        e->events = 0;
    }
    s->closed = true;
    lru_.erase(s->lru);
    ctx_.budget.release();
    ctx_.loopGuard.removeOwnFlow(s->ownFlowKey);
    ctx_.table.finish(s->entry, state, std::move(reason));
    // Keep the object alive until the current epoll batch is done: later events may point at it.
    auto it = sessions_.find(s->key);
    closedInBatch_.push_back(std::move(it->second));
    sessions_.erase(it);
}

// ---------------------------------------------------------------------------------------------
// Datagrams each way, direct or wrapped for the UDP association

bool UdpRelay::toDestination(UdpSession* s, const char* data, std::size_t size) {
    if (!s->association)
        return relay(s, s->upstream, data, size);
    if (s->associating) { // not ready yet: keep a few, as a slow network would lose the rest
        if (s->early.size() < kMaxEarlyDatagrams)
            s->early.emplace_back(data, size);
        return true;
    }
    wrapped_.clear();
    if (!s->association->wrap(s->destination, data, size, wrapped_))
        return true;
    return relay(s, s->upstream, wrapped_.data(), wrapped_.size(), wrapped_.size() - size);
}

bool UdpRelay::toClient(UdpSession* s, const char* data, std::size_t size) {
    if (!s->association)
        return relay(s, s->reply, data, size);
    // Only the session's own destination may answer through its reply socket.
    SocketAddress source;
    const auto offset = s->association->unwrap(data, size, &source);
    if (!offset || !(source == s->destination))
        return true;
    return relay(s, s->reply, data + *offset, size - *offset);
}

// ---------------------------------------------------------------------------------------------
// The UDP association's control connection: the SOCKS5 handshake, then a watch for its end

void UdpRelay::onControl(UdpSession* s, std::uint32_t events) {
    Handshake& h = *s->association->control.handshake;
    if (!s->associating) {
        char scrap[512]; // the proxy has nothing to say any more; EOF or an error ends the flow
        const ssize_t n = ::recv(s->control.fd, scrap, sizeof scrap, 0);
        if (n > 0 || (n < 0 && (errno == EAGAIN || errno == EINTR)))
            return;
        close(s, ConnectionState::Closed, "upstream closed the UDP association");
        return;
    }
    if (events & EPOLLERR) {
        const int err = socketError(s->control.fd);
        failAssociation(s, err == ECONNREFUSED ? std::string("upstream refused") : failure("upstream", err));
        return;
    }
    while (!h.output().empty()) {
        const ssize_t n = ::send(s->control.fd, h.output().data(), h.output().size(), MSG_NOSIGNAL);
        if (n < 0)
            break; // EAGAIN; a real error shows as EPOLLERR or EOF next
        h.consumeOutput(static_cast<std::size_t>(n));
    }
    if (events & (EPOLLIN | EPOLLHUP)) {
        char buffer[512];
        const ssize_t n = ::recv(s->control.fd, buffer, sizeof buffer, 0);
        Handshake::Status status = Handshake::Status::NeedInput;
        std::size_t used = 0;
        if (n == 0 || (n < 0 && errno == ECONNRESET))
            status = h.endOfInput();
        else if (n > 0)
            status = h.input(buffer, static_cast<std::size_t>(n), &used);
        if (status == Handshake::Status::Failed) {
            failAssociation(s, h.failure());
            return;
        }
        if (status == Handshake::Status::Done) {
            finishAssociation(s);
            return;
        }
    }
    ctx_.poller.update(s->control, h.output().empty() ? EPOLLIN : EPOLLOUT);
}

void UdpRelay::failAssociation(UdpSession* s, std::string reason) {
    s->connector->report(false, reason);
    close(s, ConnectionState::Failed, std::move(reason));
}

void UdpRelay::finishAssociation(UdpSession* s) {
    const auto relayAt = s->association->relayAddress();
    if (!relayAt) {
        failAssociation(s, "upstream answered garbage: no usable UDP relay address");
        return;
    }
    s->upstream.fd = ::socket(relayAt->family(), SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    const std::uint32_t mark = ctx_.settings.outgoingMark;
    if (s->upstream.fd < 0 ||
        (mark != 0 && ::setsockopt(s->upstream.fd, SOL_SOCKET, SO_MARK, &mark, sizeof mark) != 0) ||
        ::connect(s->upstream.fd, relayAt->sockaddrPtr(), relayAt->sockaddrLen()) != 0) {
        close(s, ConnectionState::Failed, failure("udp relay socket", errno));
        return;
    }
    if (const auto local = localAddressOf(s->upstream.fd))
        s->ownFlowKey = ctx_.loopGuard.addOwnFlow(Protocol::Udp, *local, *relayAt, s->id);
    s->associating = false;
    s->connector->report(true, {});
    ctx_.poller.update(s->upstream, EPOLLIN);
    ctx_.poller.update(s->control, EPOLLIN);
    ctx_.table.setState(s->entry, ConnectionState::Established);
    while (!s->early.empty() && !s->closed) {
        const std::string datagram = std::move(s->early.front());
        s->early.pop_front();
        toDestination(s, datagram.data(), datagram.size());
    }
}

} // namespace weir::core::detail
