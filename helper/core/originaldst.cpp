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

std::optional<SocketAddress> recoverOriginalDestination(int fd, InterceptMode mode, std::string* error) {
    sockaddr_storage ss{};
    socklen_t len = sizeof ss;

    if (mode == InterceptMode::Tproxy) {
        if (::getsockname(fd, reinterpret_cast<sockaddr*>(&ss), &len) != 0)
            return fail(error, "getsockname", errno);
        return fromStorage(ss, len, error, "getsockname");
    }

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

    const int level = ipv6 ? SOL_IPV6 : SOL_IP;
    const int option = ipv6 ? IP6T_SO_ORIGINAL_DST : SO_ORIGINAL_DST;
    if (::getsockopt(fd, level, option, &ss, &len) != 0)
        return fail(error, "SO_ORIGINAL_DST", errno);
    return fromStorage(ss, len, error, "SO_ORIGINAL_DST");
}

std::optional<ArrivedDestination> recoverArrivedDestination(int fd, bool transparentListener,
                                                            std::string* error) {
    std::string natError;
    const auto natted = recoverOriginalDestination(fd, InterceptMode::Redirect, &natError);
    const auto local = recoverOriginalDestination(fd, InterceptMode::Tproxy, error);
    if (!local)
        return std::nullopt;
    if (natted && !(*natted == *local))
        return ArrivedDestination{*natted, InterceptMode::Redirect};
    if (transparentListener)
        return ArrivedDestination{*local, InterceptMode::Tproxy};
    if (natted)
        return ArrivedDestination{*local, InterceptMode::Redirect};
    if (error)
        *error = natError;
    return std::nullopt;
}

} // namespace weir::core
