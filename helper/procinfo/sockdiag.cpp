#include "procinfo/sockdiag.h"

#include <libmnl/libmnl.h>
#include <linux/inet_diag.h>
#include <linux/sock_diag.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <cstring>

namespace weir::procinfo {

namespace {

using weir::core::SocketAddress;
using weir::core::detail::errnoText;

constexpr std::size_t kBufferSize = 32768; // one dump batch (the kernel fills up to this; 8 KiB at least)

void fail(LookupFailure* failure, FailureKind kind, std::string message) {
    if (failure)
        *failure = {kind, std::move(message)};
}

std::string describe(const SocketQuery& q) {
    return std::string(weir::toString(q.protocol)) + ' ' + q.source.toString() + " -> " +
           q.destination.toString();
}

void putAddress(const SocketAddress& a, __be16* port, __be32* addr) {
    if (a.family() == AF_INET) {
        const auto* in = reinterpret_cast<const sockaddr_in*>(a.sockaddrPtr());
        *port = in->sin_port;
        std::memcpy(addr, &in->sin_addr, sizeof in->sin_addr);
    } else {
        const auto* in6 = reinterpret_cast<const sockaddr_in6*>(a.sockaddrPtr());
        *port = in6->sin6_port;
        std::memcpy(addr, &in6->sin6_addr, sizeof in6->sin6_addr);
    }
}

inet_diag_req_v2 requestFor(const SocketQuery& q, int family) {
    inet_diag_req_v2 req{};
    req.sdiag_family = static_cast<__u8>(family);
    req.sdiag_protocol = q.protocol == weir::Protocol::Tcp ? IPPROTO_TCP : IPPROTO_UDP;
    req.idiag_states = ~0U;
    req.id.idiag_cookie[0] = INET_DIAG_NOCOOKIE;
    req.id.idiag_cookie[1] = INET_DIAG_NOCOOKIE;
    return req;
}

// One socket as a diag message describes it; IPv4-mapped addresses of dual-stack sockets become
// plain IPv4 so they compare equal to the query's.
struct DiagSocket {
    SocketAddress local;
    SocketAddress remote;
    int state = 0;
    SocketOwner owner;
};

SocketAddress addressOf(int family, const __be32* addr, __be16 port) {
    if (family == AF_INET) {
        sockaddr_in in{};
        in.sin_family = AF_INET;
        in.sin_port = port;
        std::memcpy(&in.sin_addr, addr, sizeof in.sin_addr);
        return SocketAddress::fromSockaddr(reinterpret_cast<sockaddr*>(&in), sizeof in)
            .value_or(SocketAddress{});
    }
    sockaddr_in6 in6{};
    in6.sin6_family = AF_INET6;
    in6.sin6_port = port;
    std::memcpy(&in6.sin6_addr, addr, sizeof in6.sin6_addr);
    return SocketAddress::fromSockaddr(reinterpret_cast<sockaddr*>(&in6), sizeof in6)
        .value_or(SocketAddress{});
}

std::optional<DiagSocket> parseMessage(const nlmsghdr* nlh) {
    if (nlh->nlmsg_type != SOCK_DIAG_BY_FAMILY || mnl_nlmsg_get_payload_len(nlh) < sizeof(inet_diag_msg))
        return std::nullopt;
    inet_diag_msg msg;
    std::memcpy(&msg, mnl_nlmsg_get_payload(nlh), sizeof msg);
    if (msg.idiag_family != AF_INET && msg.idiag_family != AF_INET6)
        return std::nullopt;
    DiagSocket s;
    s.local = addressOf(msg.idiag_family, msg.id.idiag_src, msg.id.idiag_sport);
    s.remote = addressOf(msg.idiag_family, msg.id.idiag_dst, msg.id.idiag_dport);
    s.state = msg.idiag_state;
    s.owner = {msg.idiag_inode, msg.idiag_uid};
    return s;
}

bool isWildcard(const SocketAddress& a) {
    return a.ip() == "0.0.0.0" || a.ip() == "::";
}

bool sameIp(const SocketAddress& a, const SocketAddress& b) {
    return a.family() == b.family() && a.ip() == b.ip();
}

// Whether `a` is one of this machine's addresses: only those can be bound. A UDP socket bound to the
// wildcard matches any source address with its port, so a LAN client's source port must not be
// taken for the local socket that happens to have the same port (avahi's 5353, say).
bool isLocalAddress(const SocketAddress& a) {
    weir::core::detail::UniqueFd fd(::socket(a.family(), SOCK_DGRAM | SOCK_CLOEXEC, 0));
    if (!fd.isValid())
        return false;
    sockaddr_in6 probe{};
    std::memcpy(&probe, a.sockaddrPtr(), a.sockaddrLen());
    (a.family() == AF_INET ? reinterpret_cast<sockaddr_in*>(&probe)->sin_port : probe.sin6_port) = 0;
    return ::bind(fd.get(), reinterpret_cast<const sockaddr*>(&probe), a.sockaddrLen()) == 0;
}

// How well a socket matches the query: 0 not at all; higher is a closer match (an exact local
// address beats a wildcard one, a connected peer beats none).
int matchScore(const DiagSocket& s, const SocketQuery& q) {
    if (!s.local.isValid() || s.local.port() != q.source.port())
        return 0;
    if (q.protocol == weir::Protocol::Tcp && s.state == TCP_LISTEN)
        return 0;
    const bool connected = s.remote.isValid() && s.remote.port() != 0;
    if (connected && !(s.remote == q.destination))
        return 0;
    if (!connected && q.protocol == weir::Protocol::Tcp)
        return 0;
    int score = connected ? 2 : 1;
    if (sameIp(s.local, q.source))
        score += 2;
    else if (!isWildcard(s.local))
        return 0;
    return score;
}

struct Search {
    const SocketQuery* query = nullptr;
    std::optional<DiagSocket> best;
    int bestScore = 0;
};

// The best match, unless it is a wildcard-bound socket and the query's source is not local.
std::optional<SocketOwner> ownerFound(const Search& search) {
    if (!search.best)
        return std::nullopt;
    if (isWildcard(search.best->local) && !isLocalAddress(search.query->source))
        return std::nullopt;
    return search.best->owner;
}

int onSocket(const nlmsghdr* nlh, void* data) {
    auto* search = static_cast<Search*>(data);
    const auto s = parseMessage(nlh);
    if (!s)
        return MNL_CB_OK;
    const int score = matchScore(*s, *search->query);
    if (score > search->bestScore) {
        search->best = s;
        search->bestScore = score;
    }
    return MNL_CB_OK;
}

} // namespace

SockDiag::SockDiag()
    : buffer_(kBufferSize) {}

bool SockDiag::open(LookupFailure* failure) {
    if (fd_.isValid())
        return true;
    std::string why;
    weir::core::detail::UniqueFd fd = weir::core::detail::openNetlinkSocket(NETLINK_SOCK_DIAG, &why);
    if (!fd.isValid()) {
        fail(failure, FailureKind::Error, "sock_diag: " + why);
        return false;
    }
    fd_ = std::move(fd);
    return true;
}

int SockDiag::exchange(const nlmsghdr* request, int (*callback)(const nlmsghdr*, void*), void* data,
                       bool* timedOut) {
    const bool dump = request->nlmsg_flags & NLM_F_DUMP;
    *timedOut = false;
    if (::send(fd_.get(), request, request->nlmsg_len, 0) < 0) {
        const int err = errno;
        fd_.reset(); // a fresh socket next time
        return err;
    }
    for (;;) {
        const ssize_t n = ::recv(fd_.get(), buffer_.data(), buffer_.size(), 0);
        if (n < 0) {
            const int err = errno;
            *timedOut = err == EAGAIN || err == EWOULDBLOCK;
            fd_.reset(); // a late answer must not be taken for the next request's
            return err;
        }
        const int ret = mnl_cb_run(buffer_.data(), static_cast<std::size_t>(n), sequence_, 0, callback, data);
        if (ret == MNL_CB_ERROR && errno == ESRCH)
            continue; // an answer to an earlier request (another sequence number)
        if (ret == MNL_CB_ERROR)
            return errno;
        if (ret == MNL_CB_STOP || !dump) // the end of a dump; a single answer comes in one batch
            return 0;
    }
}

std::optional<SocketOwner> SockDiag::findExact(const SocketQuery& query, int* err, LookupFailure* failure) {
    alignas(nlmsghdr) char request[MNL_NLMSG_HDRLEN + MNL_ALIGN(sizeof(inet_diag_req_v2))];
    nlmsghdr* nlh = mnl_nlmsg_put_header(request);
    nlh->nlmsg_type = SOCK_DIAG_BY_FAMILY;
    nlh->nlmsg_flags = NLM_F_REQUEST; // the answer, or an error: one message either way (no ACK)
    nlh->nlmsg_seq = ++sequence_;
    auto req = requestFor(query, query.source.family());
    // TCP takes the socket's own address as "src". UDP's lookup reads the pair the other way round
    // (as a received packet would carry it: src = the peer), a quirk the kernel keeps for
    // compatibility.
    const bool peerFirst = query.protocol == weir::Protocol::Udp;
    putAddress(peerFirst ? query.destination : query.source, &req.id.idiag_sport, req.id.idiag_src);
    putAddress(peerFirst ? query.source : query.destination, &req.id.idiag_dport, req.id.idiag_dst);
    if (query.source.family() == AF_INET6)
        req.id.idiag_if = reinterpret_cast<const sockaddr_in6*>(query.source.sockaddrPtr())->sin6_scope_id;
    std::memcpy(mnl_nlmsg_put_extra_header(nlh, sizeof req), &req, sizeof req);

    ++exactQueries_;
    Search search;
    search.query = &query;
    bool timedOut = false;
    *err = exchange(nlh, onSocket, &search, &timedOut);
    if (*err != 0) {
        if (*err != ENOENT)
            fail(failure, FailureKind::Error,
                 "sock_diag: " + std::string(timedOut ? "no answer" : "query failed") + " for " +
                     describe(query) + ": " + errnoText(*err));
        return std::nullopt;
    }
    const auto owner = ownerFound(search);
    if (!owner)
        *err = ENOENT; // the kernel returned a socket that is not this connection's (a listener)
    return owner;
}

std::optional<SocketOwner> SockDiag::findInUdpDump(const SocketQuery& query, LookupFailure* failure) {
    Search search;
    search.query = &query;
    // A dual-stack IPv6 socket can carry IPv4 traffic, so an IPv4 source is searched in both tables.
    std::vector<int> families{AF_INET6};
    if (query.source.family() == AF_INET)
        families.insert(families.begin(), AF_INET);
    for (const int family : families) {
        alignas(nlmsghdr) char request[MNL_NLMSG_HDRLEN + MNL_ALIGN(sizeof(inet_diag_req_v2))];
        nlmsghdr* nlh = mnl_nlmsg_put_header(request);
        nlh->nlmsg_type = SOCK_DIAG_BY_FAMILY;
        nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
        nlh->nlmsg_seq = ++sequence_;
        const auto req = requestFor(query, family);
        std::memcpy(mnl_nlmsg_put_extra_header(nlh, sizeof req), &req, sizeof req);
        ++dumps_;
        bool timedOut = false;
        const int err = exchange(nlh, onSocket, &search, &timedOut);
        if (err != 0) {
            fail(failure, FailureKind::Error,
                 "sock_diag: cannot list the UDP sockets (" +
                     std::string(family == AF_INET ? "IPv4" : "IPv6") +
                     "): " + (timedOut ? std::string("no answer") : errnoText(err)));
            return std::nullopt;
        }
    }
    const auto owner = ownerFound(search);
    if (!owner)
        fail(failure, FailureKind::Gone,
             "no socket for " + describe(query) + " (closed, or not a local connection)");
    return owner;
}

std::optional<SocketOwner> SockDiag::find(const SocketQuery& query, LookupFailure* failure) {
    if (!query.source.isValid() || !query.destination.isValid() ||
        query.source.family() != query.destination.family()) {
        fail(failure, FailureKind::Unsupported,
             "sock_diag: the query needs a source and a destination of one family");
        return std::nullopt;
    }
    if (!open(failure))
        return std::nullopt;
    int err = 0;
    auto owner = findExact(query, &err, failure);
    if (!owner && err == ENOENT && query.protocol == weir::Protocol::Udp)
        owner = findInUdpDump(query, failure);
    else if (!owner && err == ENOENT)
        fail(failure, FailureKind::Gone,
             "no socket for " + describe(query) + " (closed, or not a local connection)");
    if (!owner)
        return std::nullopt;
    if (owner->inode == 0) { // closed by its program; the kernel finishes it alone (FIN_WAIT, TIME_WAIT)
        fail(failure, FailureKind::Gone,
             "the socket for " + describe(query) +
                 " is closed (the kernel keeps it only to finish: TIME_WAIT or closing)");
        return std::nullopt;
    }
    return owner;
}

} // namespace weir::procinfo
