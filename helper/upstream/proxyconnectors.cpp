#include "upstream/proxyconnectors.h"

#include <netdb.h>

#include "upstream/httpconnecthandshake.h"
#include "upstream/socks5handshake.h"

namespace weir::upstream {

ProxyConnector::ProxyConnector(weir::Upstream upstream, const core::SocketAddress& proxy, std::uint32_t mark)
    : upstream_(std::move(upstream))
    , proxy_(proxy)
    , mark_(mark)
    , health_(upstream_.describe()) {}

core::OutgoingConnection ProxyConnector::startConnect(const core::SocketAddress& destination,
                                                      std::string* error) {
    core::OutgoingConnection out;
    if (auto down = health_.admit()) {
        if (error)
            *error = std::move(*down);
        return out;
    }
    std::string why;
    out.fd = core::detail::openMarkedConnect(proxy_, mark_, &why);
    if (out.fd < 0) {
        why = "upstream " + why; // "upstream connect: Network is unreachable"
        health_.report(false, why);
        if (error)
            *error = std::move(why);
        return out;
    }
    out.handshake = makeHandshake(destination);
    out.viaUpstream = true;
    out.peer = proxy_;
    return out;
}

std::unique_ptr<core::Handshake>
Socks5Connector::makeHandshake(const core::SocketAddress& destination) const {
    return std::make_unique<Socks5Handshake>(Socks5Address::fromIp(destination), upstream().username,
                                             upstream().password);
}

std::unique_ptr<core::Handshake>
HttpConnectConnector::makeHandshake(const core::SocketAddress& destination) const {
    return std::make_unique<HttpConnectHandshake>(destination.toString(), upstream().username,
                                                  upstream().password);
}

std::optional<core::SocketAddress> resolveProxy(const std::string& host, std::uint16_t port,
                                                std::string* error) {
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_NUMERICSERV;
    addrinfo* result = nullptr;
    const std::string service = std::to_string(port);
    const int rc = ::getaddrinfo(host.c_str(), service.c_str(), &hints, &result);
    if (rc != 0) {
        if (error)
            *error = "cannot resolve " + host + ": " + ::gai_strerror(rc);
        return std::nullopt;
    }
    std::optional<core::SocketAddress> address;
    for (addrinfo* ai = result; ai && !address; ai = ai->ai_next)
        address = core::SocketAddress::fromSockaddr(ai->ai_addr, ai->ai_addrlen);
    ::freeaddrinfo(result);
    if (!address && error)
        *error = "cannot resolve " + host + ": no IPv4 or IPv6 address";
    return address;
}

} // namespace weir::upstream
