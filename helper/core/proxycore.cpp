#include "core/proxycore.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>

#include <array>
#include <atomic>
#include <condition_variable>
#include <deque>
#include <map>
#include <mutex>
#include <thread>
#include <unordered_map>

#include "core/originaldst.h"
#include "core/syserror.h"

namespace weir::core {

namespace {

using Clock = std::chrono::steady_clock;
using detail::errnoText;
using detail::UniqueFd;

constexpr std::size_t kBufferSize = 64 * 1024; // per direction and connection
constexpr int kAcceptBatch = 64;               // accepts per wake-up, so a flood cannot starve relaying
constexpr int kMaxEvents = 256;
constexpr auto kAcceptPause = std::chrono::milliseconds(100); // after EMFILE/ENFILE

std::int64_t unixNowMs() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

std::optional<SocketAddress> localAddressOf(int fd) {
    sockaddr_storage ss{};
    socklen_t len = sizeof ss;
    if (::getsockname(fd, reinterpret_cast<sockaddr*>(&ss), &len) != 0)
        return std::nullopt;
    return SocketAddress::fromSockaddr(reinterpret_cast<const sockaddr*>(&ss), len);
}

int socketError(int fd) {
    int err = 0;
    socklen_t len = sizeof err;
    if (::getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0)
        return errno;
    return err;
}

// Closing with SO_LINGER 0 sends RST: the peer learns the stream was cut, not that it ended.
void closeWithReset(int fd) {
    const linger lg{1, 0};
    ::setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
    ::close(fd);
}

bool isWildcard(const SocketAddress& a) {
    if (a.family() == AF_INET)
        return reinterpret_cast<const sockaddr_in*>(a.sockaddrPtr())->sin_addr.s_addr == htonl(INADDR_ANY);
    if (a.family() == AF_INET6)
        return IN6_IS_ADDR_UNSPECIFIED(&reinterpret_cast<const sockaddr_in6*>(a.sockaddrPtr())->sin6_addr);
    return false;
}

// One row of the table. `record` is written by the relay thread under the table mutex; the byte
// counters are written by the relay thread alone, without the mutex, and read by snapshot().
struct TableEntry {
    ConnectionRecord record;
    std::atomic<std::uint64_t> bytesSent{0};
    std::atomic<std::uint64_t> bytesReceived{0};
};

struct Connection;

// What an epoll registration points at.
struct Endpoint {
    enum class Kind : std::uint8_t { Wake, Listener, Client, Upstream };
    Kind kind;
    Connection* conn = nullptr;
    int fd = -1;
    std::uint32_t events = 0; // current interest; 0 = not registered
};

// One direction of a relay: bytes read from one socket, waiting to be written to the other.
struct Pipe {
    std::unique_ptr<char[]> buffer;
    std::size_t start = 0;
    std::size_t end = 0;
    bool eof = false;      // the source sent FIN
    bool shutDown = false; // FIN passed on to the destination (shutdown SHUT_WR)

    std::size_t pending() const { return end - start; }
    bool canRead() const { return !eof && end < kBufferSize; }
    bool finished() const { return shutDown; }
};

struct Connection {
    std::uint64_t id = 0;
    TableEntry* entry = nullptr;
    Endpoint client{Endpoint::Kind::Client};
    Endpoint upstream{Endpoint::Kind::Upstream};
    Pipe toUpstream;        // client -> destination
    Pipe toClient;          // destination -> client
    std::string ownFlowKey; // see Impl::ownFlows
    bool connecting = true;
    bool closed = false; // events later in the same epoll batch must ignore it
};

// Canonical bytes of a (from, to) pair, usable as a hash key (SocketAddress zero-fills and normalizes).
std::string flowKey(const SocketAddress& from, const SocketAddress& to) {
    std::string key(reinterpret_cast<const char*>(from.sockaddrPtr()), from.sockaddrLen());
    key.append(reinterpret_cast<const char*>(to.sockaddrPtr()), to.sockaddrLen());
    return key;
}

} // namespace

struct ProxyCore::Impl {
    // --- shared between threads ---
    mutable std::mutex controlMutex; // serializes start/stop/stopAccepting; guards boundAddress
    SocketAddress boundAddress;
    std::thread thread;
    std::atomic<bool> running{false};
    std::atomic<bool> accepting{false};
    std::atomic<bool> stopRequested{false};
    std::atomic<bool> stopAcceptingRequested{false};
    std::mutex acceptMutex;   // guards pendingListener; with acceptCv, signals accepting changes
    UniqueFd pendingListener; // handed from resumeAccepting() to the relay thread
    std::condition_variable acceptCv;

    mutable std::mutex tableMutex;
    std::map<std::uint64_t, TableEntry> table; // ordered by id; nodes are stable, so pointers stay valid

    // --- set in start(), then used by the relay thread only ---
    CoreConfig config;
    std::shared_ptr<Connector> connector;
    UniqueFd epollFd;
    UniqueFd wakeFd;
    UniqueFd listenFd;
    Endpoint wakeEndpoint{Endpoint::Kind::Wake};
    Endpoint listenEndpoint{Endpoint::Kind::Listener};

    // --- relay thread only ---
    std::uint64_t nextId = 1;
    std::unordered_map<std::uint64_t, std::unique_ptr<Connection>> connections;
    std::vector<std::unique_ptr<Connection>> closedInBatch;
    // Deadlines in the order they were set; with a fixed timeout or retention that is deadline order.
    std::deque<std::pair<Clock::time_point, std::uint64_t>> connectDeadlines;
    std::deque<std::pair<Clock::time_point, std::uint64_t>> pruneDeadlines;
    std::optional<Clock::time_point> acceptResumeAt;
    // (local address, destination) of our own outgoing connections. An accepted client with the same
    // source and original destination is one of them intercepted again (the mark was not set or the
    // rules ignore it): a loop. The source alone is not enough: Linux shares an ephemeral port
    // between connections to different destinations, so a genuine local client may have it too.
    std::unordered_map<std::string, std::uint64_t> ownFlows; // flowKey -> connection id

    void wake();
    void run();
    int nextTimeoutMs();
    void handleTimers();
    void handleCommands();
    void closeListener();
    void retainClosed(std::uint64_t id);

    void acceptConnections();
    void onAccepted(int fd, const sockaddr_storage& peer, socklen_t peerLen);
    bool isProxyItself(const SocketAddress& destination, int clientFd) const;
    TableEntry* addRecord(std::uint64_t id, const SocketAddress& source);
    void failEarly(int clientFd, TableEntry* entry, const std::string& reason);

    void onEvent(Endpoint* endpoint, std::uint32_t events);
    void finishConnect(Connection* c, std::uint32_t events);
    bool readInto(Connection* c, Endpoint& from, Pipe& pipe);
    bool flush(Connection* c, Pipe& pipe, Endpoint& to);
    void updateInterest(Endpoint& endpoint, std::uint32_t wanted);
    void updateInterest(Connection* c);
    void setState(Connection* c, ConnectionState state);
    void fail(Connection* c, Endpoint& at, int err);
    void closeConnection(Connection* c, ConnectionState state, std::string reason, bool reset);
};

// ---------------------------------------------------------------------------------------------
// Thread control

void ProxyCore::Impl::wake() {
    const std::uint64_t one = 1;
    [[maybe_unused]] auto n = ::write(wakeFd.get(), &one, sizeof one);
}

void ProxyCore::Impl::run() {
    std::array<epoll_event, kMaxEvents> events;
    while (!stopRequested.load()) {
        const int n = ::epoll_wait(epollFd.get(), events.data(), kMaxEvents, nextTimeoutMs());
        if (n < 0 && errno != EINTR)
            break; // cannot happen with a valid epoll fd; stop rather than spin
        for (int i = 0; i < n; ++i)
            onEvent(static_cast<Endpoint*>(events[i].data.ptr), events[i].events);
        closedInBatch.clear();
        handleCommands();
        handleTimers();
        closedInBatch.clear();
    }

    closeListener();
    // Collect first: closing erases from the map.
    std::vector<Connection*> open;
    open.reserve(connections.size());
    for (auto& [id, c] : connections)
        open.push_back(c.get());
    for (Connection* c : open)
        closeConnection(c, ConnectionState::Closed, "core stopped", true);
    closedInBatch.clear();
    connectDeadlines.clear();
}

void ProxyCore::Impl::handleCommands() {
    if (stopAcceptingRequested.exchange(false))
        closeListener();
    UniqueFd resumed;
    {
        std::lock_guard lock(acceptMutex);
        resumed = std::move(pendingListener);
    }
    if (resumed.isValid() && !listenFd.isValid()) {
        listenFd = std::move(resumed);
        listenEndpoint.fd = listenFd.get();
        listenEndpoint.events = 0;
        updateInterest(listenEndpoint, EPOLLIN);
        {
            std::lock_guard lock(acceptMutex);
            accepting.store(true);
        }
        acceptCv.notify_all();
    }
}

void ProxyCore::Impl::closeListener() {
    if (listenFd.isValid()) {
        listenFd.reset(); // also drops the epoll registration
        listenEndpoint.events = 0;
        acceptResumeAt.reset();
    }
    {
        std::lock_guard lock(acceptMutex);
        accepting.store(false);
    }
    acceptCv.notify_all();
}

int ProxyCore::Impl::nextTimeoutMs() {
    // Drop deadlines of connections that are no longer connecting.
    while (!connectDeadlines.empty()) {
        auto it = connections.find(connectDeadlines.front().second);
        if (it != connections.end() && it->second->connecting)
            break;
        connectDeadlines.pop_front();
    }
    std::optional<Clock::time_point> next;
    auto consider = [&next](Clock::time_point t) {
        if (!next || t < *next)
            next = t;
    };
    if (!connectDeadlines.empty())
        consider(connectDeadlines.front().first);
    if (!pruneDeadlines.empty())
        consider(pruneDeadlines.front().first);
    if (acceptResumeAt)
        consider(*acceptResumeAt);
    if (!next)
        return -1;
    const auto now = Clock::now();
    if (*next <= now)
        return 0;
    // Round up, so we do not wake a fraction of a millisecond early and spin with timeout 0.
    const auto ms = std::chrono::ceil<std::chrono::milliseconds>(*next - now).count();
    return static_cast<int>(std::min<std::int64_t>(ms, 60'000));
}

void ProxyCore::Impl::handleTimers() {
    const auto now = Clock::now();
    while (!connectDeadlines.empty() && connectDeadlines.front().first <= now) {
        const auto id = connectDeadlines.front().second;
        connectDeadlines.pop_front();
        auto it = connections.find(id);
        if (it != connections.end() && it->second->connecting)
            closeConnection(it->second.get(), ConnectionState::Failed, "connect: timed out", true);
    }
    if (!pruneDeadlines.empty() && pruneDeadlines.front().first <= now) {
        std::lock_guard lock(tableMutex);
        while (!pruneDeadlines.empty() && pruneDeadlines.front().first <= now) {
            table.erase(pruneDeadlines.front().second);
            pruneDeadlines.pop_front();
        }
    }
    if (acceptResumeAt && *acceptResumeAt <= now) {
        acceptResumeAt.reset();
        if (listenFd.isValid())
            updateInterest(listenEndpoint, EPOLLIN);
    }
}

// Keeps a closed record listed for closedRetention, but never more than maxClosedRecords of them:
// under heavy churn the oldest go first, so memory and snapshot() cost stay bounded.
void ProxyCore::Impl::retainClosed(std::uint64_t id) {
    pruneDeadlines.emplace_back(Clock::now() + config.closedRetention, id);
    if (pruneDeadlines.size() <= config.maxClosedRecords)
        return;
    std::lock_guard lock(tableMutex);
    while (pruneDeadlines.size() > config.maxClosedRecords) {
        table.erase(pruneDeadlines.front().second);
        pruneDeadlines.pop_front();
    }
}

// ---------------------------------------------------------------------------------------------
// Accepting

void ProxyCore::Impl::acceptConnections() {
    for (int i = 0; i < kAcceptBatch && listenFd.isValid(); ++i) {
        sockaddr_storage peer{};
        socklen_t peerLen = sizeof peer;
        const int fd = ::accept4(listenFd.get(), reinterpret_cast<sockaddr*>(&peer), &peerLen,
                                 SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd >= 0) {
            onAccepted(fd, peer, peerLen);
            continue;
        }
        switch (errno) {
        case EAGAIN:
        case EINTR:
            return;
        case EMFILE:
        case ENFILE:
        case ENOBUFS:
        case ENOMEM:
            // The pending connection stays queued and the listener stays readable: stop watching it
            // for a moment instead of spinning on the same error.
            updateInterest(listenEndpoint, 0);
            acceptResumeAt = Clock::now() + kAcceptPause;
            return;
        default:
            continue; // ECONNABORTED, EPERM (firewall), protocol errors: that one connection is gone
        }
    }
}

TableEntry* ProxyCore::Impl::addRecord(std::uint64_t id, const SocketAddress& source) {
    std::lock_guard lock(tableMutex);
    auto [it, inserted] = table.try_emplace(id);
    ConnectionRecord& r = it->second.record;
    r.id = id;
    r.protocol = Protocol::Tcp;
    r.mode = config.mode;
    r.source = source;
    r.startedMs = unixNowMs();
    r.state = ConnectionState::Connecting;
    return &it->second;
}

void ProxyCore::Impl::failEarly(int clientFd, TableEntry* entry, const std::string& reason) {
    closeWithReset(clientFd);
    {
        std::lock_guard lock(tableMutex);
        entry->record.state = ConnectionState::Failed;
        entry->record.closeReason = reason;
        entry->record.closedMs = unixNowMs();
    }
    retainClosed(entry->record.id);
}

bool ProxyCore::Impl::isProxyItself(const SocketAddress& destination, int clientFd) const {
    if (destination == boundAddress)
        return true;
    // A wildcard listener is reachable under every local address. In Redirect mode the accepted
    // socket's local address is the one the client reached, so a destination equal to it is us.
    // (In Tproxy mode the local address *is* the original destination, so it proves nothing.)
    if (config.mode == InterceptMode::Redirect && isWildcard(boundAddress)) {
        if (auto local = localAddressOf(clientFd); local && *local == destination)
            return true;
    }
    return false;
}

void ProxyCore::Impl::onAccepted(int fd, const sockaddr_storage& peer, socklen_t peerLen) {
    const auto source = SocketAddress::fromSockaddr(reinterpret_cast<const sockaddr*>(&peer), peerLen);
    const std::uint64_t id = nextId++;
    TableEntry* entry = addRecord(id, source.value_or(SocketAddress()));

    std::string error;
    const std::optional<SocketAddress> destination =
        config.originalDestinationOverride ? config.originalDestinationOverride(fd, &error)
                                           : recoverOriginalDestination(fd, config.mode, &error);
    if (!destination || !destination->isValid()) {
        failEarly(fd, entry, error.empty() ? std::string("original destination unknown") : error);
        return;
    }
    {
        std::lock_guard lock(tableMutex);
        entry->record.destination = *destination;
    }
    if (isProxyItself(*destination, fd)) {
        failEarly(fd, entry, "loop: destination is the proxy itself");
        return;
    }
    if (source) {
        if (auto own = ownFlows.find(flowKey(*source, *destination)); own != ownFlows.end()) {
            // Refuse both ends: the looped copy, and the connection of ours that never got out.
            if (auto it = connections.find(own->second); it != connections.end())
                closeConnection(it->second.get(), ConnectionState::Failed,
                                "loop: own connection intercepted again", true);
            failEarly(fd, entry, "loop: connection from the proxy itself");
            return;
        }
    }

    const int upstreamFd = connector->startConnect(*destination, &error);
    if (upstreamFd < 0) {
        failEarly(fd, entry, error);
        return;
    }

    const int one = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);

    auto c = std::make_unique<Connection>();
    c->id = id;
    c->entry = entry;
    c->client.conn = c.get();
    c->client.fd = fd;
    c->upstream.conn = c.get();
    c->upstream.fd = upstreamFd;
    // connect() has bound the local address already.
    if (const auto local = localAddressOf(upstreamFd)) {
        // Keyed on where this socket connects; a connector via an upstream proxy will key on the proxy.
        c->ownFlowKey = flowKey(*local, *destination);
        ownFlows.emplace(c->ownFlowKey, id);
    }
    Connection* raw = c.get();
    connections.emplace(id, std::move(c));
    // The client is not read until the destination answers; completion shows as EPOLLOUT.
    updateInterest(raw->upstream, EPOLLOUT);
    connectDeadlines.emplace_back(Clock::now() + config.connectTimeout, id);
}

// ---------------------------------------------------------------------------------------------
// Relaying

void ProxyCore::Impl::onEvent(Endpoint* endpoint, std::uint32_t events) {
    switch (endpoint->kind) {
    case Endpoint::Kind::Wake: {
        std::uint64_t value;
        [[maybe_unused]] auto n = ::read(wakeFd.get(), &value, sizeof value);
        return; // commands are handled after the batch
    }
    case Endpoint::Kind::Listener:
        acceptConnections();
        return;
    case Endpoint::Kind::Client:
    case Endpoint::Kind::Upstream:
        break;
    }

    Connection* c = endpoint->conn;
    if (c->closed)
        return;
    if (c->connecting) {
        if (endpoint->kind == Endpoint::Kind::Upstream)
            finishConnect(c, events);
        return;
    }
    if (events & EPOLLERR) {
        fail(c, *endpoint, socketError(endpoint->fd));
        return;
    }

    const bool isClient = endpoint->kind == Endpoint::Kind::Client;
    Endpoint& other = isClient ? c->upstream : c->client;
    Pipe& inbound = isClient ? c->toUpstream : c->toClient;  // read from this endpoint
    Pipe& outbound = isClient ? c->toClient : c->toUpstream; // written to this endpoint

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
        closeConnection(c, ConnectionState::Closed, "eof", false);
        return;
    }
    if (c->toUpstream.finished() || c->toClient.finished())
        setState(c, ConnectionState::Closing);
    updateInterest(c);
}

void ProxyCore::Impl::finishConnect(Connection* c, std::uint32_t events) {
    int err = socketError(c->upstream.fd);
    if (err == 0 && !(events & EPOLLOUT))
        err = ENOTCONN; // hung up without ever becoming writable
    if (err != 0) {
        closeConnection(c, ConnectionState::Failed, "connect: " + errnoText(err), true);
        return;
    }
    c->connecting = false;
    c->toUpstream.buffer = std::make_unique_for_overwrite<char[]>(kBufferSize);
    c->toClient.buffer = std::make_unique_for_overwrite<char[]>(kBufferSize);
    setState(c, ConnectionState::Established);
    updateInterest(c);
}

// One read per wake-up; level-triggered epoll reports the rest.
bool ProxyCore::Impl::readInto(Connection* c, Endpoint& from, Pipe& pipe) {
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
bool ProxyCore::Impl::flush(Connection* c, Pipe& pipe, Endpoint& to) {
    if (pipe.pending() > 0) {
        const ssize_t n = ::send(to.fd, pipe.buffer.get() + pipe.start, pipe.pending(), MSG_NOSIGNAL);
        if (n > 0) {
            pipe.start += static_cast<std::size_t>(n);
            // Only the relay thread writes the counters; a plain load+store avoids a locked add.
            auto& counter = &pipe == &c->toUpstream ? c->entry->bytesSent : c->entry->bytesReceived;
            counter.store(counter.load(std::memory_order_relaxed) + static_cast<std::uint64_t>(n),
                          std::memory_order_relaxed);
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

void ProxyCore::Impl::updateInterest(Endpoint& endpoint, std::uint32_t wanted) {
    if (wanted == endpoint.events)
        return;
    epoll_event ev{};
    ev.events = wanted;
    ev.data.ptr = &endpoint;
    // An endpoint that wants nothing is taken out of the set: a fully shut-down socket would
    // otherwise report EPOLLHUP forever.
    const int op = wanted == 0 ? EPOLL_CTL_DEL : (endpoint.events == 0 ? EPOLL_CTL_ADD : EPOLL_CTL_MOD);
    ::epoll_ctl(epollFd.get(), op, endpoint.fd, &ev);
    endpoint.events = wanted;
}

void ProxyCore::Impl::updateInterest(Connection* c) {
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
    updateInterest(c->client, client);
    updateInterest(c->upstream, upstream);
}

void ProxyCore::Impl::setState(Connection* c, ConnectionState state) {
    if (c->entry->record.state == state) // only the relay thread writes it, so reading is safe
        return;
    std::lock_guard lock(tableMutex);
    c->entry->record.state = state;
}

void ProxyCore::Impl::fail(Connection* c, Endpoint& at, int err) {
    const bool client = at.kind == Endpoint::Kind::Client;
    if (err == 0)
        err = ECONNRESET; // EPOLLERR whose error was already consumed
    std::string reason;
    if (err == ECONNRESET || err == EPIPE)
        reason = client ? "reset by client" : "reset by destination";
    else
        reason = std::string(client ? "client: " : "destination: ") + errnoText(err);
    closeConnection(c, ConnectionState::Closed, std::move(reason), true);
}

void ProxyCore::Impl::closeConnection(Connection* c, ConnectionState state, std::string reason, bool reset) {
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
    if (!c->ownFlowKey.empty())
        ownFlows.erase(c->ownFlowKey);
    {
        std::lock_guard lock(tableMutex);
        c->entry->record.state = state;
        c->entry->record.closeReason = std::move(reason);
        c->entry->record.closedMs = unixNowMs();
    }
    retainClosed(c->id);
    // Keep the object alive until the current epoll batch is done: later events may point at it.
    auto it = connections.find(c->id);
    closedInBatch.push_back(std::move(it->second));
    connections.erase(it);
}

// ---------------------------------------------------------------------------------------------
// Public API

ProxyCore::ProxyCore()
    : d(std::make_unique<Impl>()) {}

ProxyCore::~ProxyCore() {
    stop();
}

namespace {

// Creates the bound, listening socket for config; on failure returns an invalid fd with *error set.
UniqueFd openListener(const CoreConfig& config, SocketAddress* bound, std::string* error) {
    auto fail = [error](std::string text) {
        if (error)
            *error = std::move(text);
        return UniqueFd();
    };
    // The listen address is a bare IP ("127.0.0.1", "::", "[::1]"); the port comes separately.
    std::string host = config.listenAddress;
    if (host.size() >= 2 && host.front() == '[' && host.back() == ']')
        host = host.substr(1, host.size() - 2);
    const bool v6 = host.find(':') != std::string::npos;
    const auto listenAt =
        SocketAddress::parse((v6 ? "[" + host + "]" : host) + ':' + std::to_string(config.listenPort));
    if (!listenAt)
        return fail("invalid listen address: " + config.listenAddress);
    const std::string where = listenAt->toString();

    UniqueFd listener(::socket(listenAt->family(), SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
    if (!listener.isValid())
        return fail("socket: " + errnoText(errno));
    const int one = 1;
    ::setsockopt(listener.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (config.mode == InterceptMode::Tproxy) {
        // TPROXY only delivers to transparent sockets (needs CAP_NET_ADMIN).
        const bool ok = listenAt->family() == AF_INET
                            ? ::setsockopt(listener.get(), SOL_IP, IP_TRANSPARENT, &one, sizeof one) == 0
                            : ::setsockopt(listener.get(), SOL_IPV6, IPV6_TRANSPARENT, &one, sizeof one) == 0;
        if (!ok)
            return fail("IP_TRANSPARENT: " + errnoText(errno));
    }
    if (::bind(listener.get(), listenAt->sockaddrPtr(), listenAt->sockaddrLen()) != 0)
        return fail("bind " + where + ": " + errnoText(errno));
    if (::listen(listener.get(), SOMAXCONN) != 0)
        return fail("listen " + where + ": " + errnoText(errno));
    const auto local = localAddressOf(listener.get());
    if (!local)
        return fail("getsockname " + where + ": " + errnoText(errno));
    *bound = *local;
    return listener;
}

} // namespace

bool ProxyCore::start(const CoreConfig& config, std::string* error) {
    std::lock_guard control(d->controlMutex);
    auto fail = [error](std::string text) {
        if (error)
            *error = std::move(text);
        return false;
    };
    if (d->thread.joinable())
        return fail("the proxy core is already running");

    SocketAddress bound;
    UniqueFd listener = openListener(config, &bound, error);
    if (!listener.isValid())
        return false;

    UniqueFd epollFd(::epoll_create1(EPOLL_CLOEXEC));
    if (!epollFd.isValid())
        return fail("epoll_create1: " + errnoText(errno));
    UniqueFd wakeFd(::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC));
    if (!wakeFd.isValid())
        return fail("eventfd: " + errnoText(errno));

    d->config = config;
    d->connector =
        config.connector ? config.connector : std::make_shared<DirectConnector>(config.outgoingMark);
    d->boundAddress = bound;
    d->epollFd = std::move(epollFd);
    d->wakeFd = std::move(wakeFd);
    d->listenFd = std::move(listener);
    d->wakeEndpoint.fd = d->wakeFd.get();
    d->wakeEndpoint.events = 0;
    d->listenEndpoint.fd = d->listenFd.get();
    d->listenEndpoint.events = 0;
    d->updateInterest(d->wakeEndpoint, EPOLLIN);
    d->updateInterest(d->listenEndpoint, EPOLLIN);
    d->acceptResumeAt.reset();
    d->stopRequested.store(false);
    d->stopAcceptingRequested.store(false);
    d->accepting.store(true);
    d->running.store(true);
    d->thread = std::thread([this] { d->run(); });
    return true;
}

void ProxyCore::stopAccepting() {
    std::lock_guard control(d->controlMutex);
    if (!d->thread.joinable())
        return;
    d->stopAcceptingRequested.store(true);
    d->wake();
    // Synchronous: when this returns the port is free again.
    std::unique_lock lock(d->acceptMutex);
    d->acceptCv.wait(lock, [this] { return !d->accepting.load(); });
}

bool ProxyCore::resumeAccepting(std::string* error) {
    std::lock_guard control(d->controlMutex);
    if (!d->thread.joinable()) {
        if (error)
            *error = "the proxy core is not running";
        return false;
    }
    if (d->accepting.load())
        return true;
    // Same address and port as before, so the rules planned for it stay right.
    CoreConfig again = d->config;
    again.listenPort = d->boundAddress.port();
    SocketAddress bound;
    UniqueFd listener = openListener(again, &bound, error);
    if (!listener.isValid())
        return false;
    {
        std::lock_guard lock(d->acceptMutex);
        d->pendingListener = std::move(listener);
    }
    d->wake();
    std::unique_lock lock(d->acceptMutex);
    d->acceptCv.wait(lock, [this] { return d->accepting.load(); });
    return true;
}

void ProxyCore::stop() {
    std::lock_guard control(d->controlMutex);
    if (!d->thread.joinable())
        return;
    d->stopRequested.store(true);
    d->wake();
    d->thread.join();
    d->epollFd.reset();
    d->wakeFd.reset();
    d->accepting.store(false);
    d->running.store(false);
}

bool ProxyCore::isRunning() const {
    return d->running.load();
}

bool ProxyCore::isAccepting() const {
    return d->accepting.load();
}

SocketAddress ProxyCore::listenAddress() const {
    std::lock_guard control(d->controlMutex);
    return d->boundAddress;
}

std::vector<ConnectionRecord> ProxyCore::snapshot() const {
    std::lock_guard lock(d->tableMutex);
    std::vector<ConnectionRecord> result;
    result.reserve(d->table.size());
    for (const auto& [id, entry] : d->table) {
        result.push_back(entry.record);
        result.back().bytesSent = entry.bytesSent.load(std::memory_order_relaxed);
        result.back().bytesReceived = entry.bytesReceived.load(std::memory_order_relaxed);
    }
    return result;
}

} // namespace weir::core
