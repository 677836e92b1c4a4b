// <netinet/in.h> must come before the netfilter headers: they pull in <linux/in.h>, which otherwise
// redefines struct in_addr.
#include <netinet/in.h>
#include <sys/socket.h>

#include <linux/netfilter_ipv4.h>
#include <linux/netfilter_ipv6/ip6_tables.h>

#include "core/originaldst.h"
#include "core/syserror.h"

namespace weir::core {

namespace {

std::optional<SocketAddress> fail(std::string* error, const char* what, int err) {
    if (error)
        *error = std::string(what) + ": " + detail::errnoText(err);
    errno = err;
    return std::nullopt;
}

std::optional<SocketAddress> fromStorage(const sockaddr_storage& ss, socklen_t len, std::string* error,
                                         const char* what) {
    auto address = SocketAddress::fromSockaddr(reinterpret_cast<const sockaddr*>(&ss), len);
    if (!address)
        return fail(error, what, EAFNOSUPPORT);
    return address;
}

} // namespace

namespace {

// SO_ORIGINAL_DST at the level of the peer's family: IPv4 peers of a dual-stack socket are tracked
// as IPv4.
std::optional<SocketAddress> natOriginalDestination(int fd, bool ipv6Peer, std::string* error) {
    sockaddr_storage ss{};
    socklen_t len = sizeof ss;
    const int level = ipv6Peer ? SOL_IPV6 : SOL_IP;
    const int option = ipv6Peer ? IP6T_SO_ORIGINAL_DST : SO_ORIGINAL_DST;
    if (::getsockopt(fd, level, option, &ss, &len) != 0)
        return fail(error, "SO_ORIGINAL_DST", errno);
    return fromStorage(ss, len, error, "SO_ORIGINAL_DST");
}

std::optional<SocketAddress> localAddress(int fd, std::string* error) {
    sockaddr_storage ss{};
    socklen_t len = sizeof ss;
    if (::getsockname(fd, reinterpret_cast<sockaddr*>(&ss), &len) != 0)
        return fail(error, "getsockname", errno);
    return fromStorage(ss, len, error, "getsockname");
}

} // namespace

std::optional<SocketAddress> recoverOriginalDestination(int fd, InterceptMode mode, std::string* error) {
    if (mode == InterceptMode::Tproxy)
        return localAddress(fd, error);

    int domain = 0;
    socklen_t domainLen = sizeof domain;
    if (::getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &domain, &domainLen) != 0)
        return fail(error, "SO_ORIGINAL_DST", errno);
    if (domain != AF_INET && domain != AF_INET6)
        return fail(error, "SO_ORIGINAL_DST", EAFNOSUPPORT);

    bool ipv6 = false;
    if (domain == AF_INET6) {
        sockaddr_storage peer{};
        socklen_t peerLen = sizeof peer;
        if (::getpeername(fd, reinterpret_cast<sockaddr*>(&peer), &peerLen) != 0)
            return fail(error, "SO_ORIGINAL_DST", errno);
        const auto& peer6 = reinterpret_cast<const sockaddr_in6&>(peer);
        ipv6 = peer.ss_family == AF_INET6 && !IN6_IS_ADDR_V4MAPPED(&peer6.sin6_addr);
    }
    return natOriginalDestination(fd, ipv6, error);
}

std::optional<ArrivedDestination> recoverArrivedDestination(int fd, const SocketAddress& peer,
                                                            bool transparentListener, SocketAddress* local,
                                                            std::string* error) {
    const auto own = localAddress(fd, error);
    if (!own)
        return std::nullopt;
    if (local)
        *local = *own;
    std::string natError;
    // SocketAddress keeps IPv4-mapped peers as IPv4, so AF_INET6 here is a true IPv6 peer.
    const auto natted = natOriginalDestination(fd, peer.family() == AF_INET6, &natError);
    if (natted && !(*natted == *own))
        return ArrivedDestination{*natted, InterceptMode::Redirect};
    if (transparentListener)
        return ArrivedDestination{*own, InterceptMode::Tproxy};
    if (natted)
        return ArrivedDestination{*own, InterceptMode::Redirect};
    if (error)
        *error = natError;
    return std::nullopt;
}

} // namespace weir::core
