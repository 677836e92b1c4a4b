#include "upstream/proxyconnectors.h"

#include <netdb.h>

#include "upstream/httpconnecthandshake.h"
#include "upstream/socks5handshake.h"
#include "upstream/socks5udp.h"

namespace weir::upstream {

ProxyConnector::ProxyConnector(weir::Upstream upstream, const core::SocketAddress& proxy, std::uint32_t mark)
    : upstream_(std::move(upstream))
    , proxy_(proxy)
    , mark_(mark)
    , health_(upstream_.describe()) {}

core::OutgoingConnection ProxyConnector::startConnect(const core::SocketAddress& destination,
                                                      std::string* error) {
    core::OutgoingConnection out = connectToProxy(error);
    if (out.fd >= 0)
        out.handshake = makeHandshake(destination);
    return out;
}

core::OutgoingConnection ProxyConnector::connectToProxy(std::string* error) {
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
    out.viaUpstream = true;
    out.peer = proxy_;
    return out;
}

namespace {

// UDP ASSOCIATE (RFC 1928 section 7): the request names where the client will send from, which
// a transparent proxy cannot know in advance; all zeros asks the proxy to accept any.
class Socks5UdpAssociation final : public core::UdpAssociation {
public:
    explicit Socks5UdpAssociation(const core::SocketAddress& proxy)
        : proxy_(proxy) {}

    std::optional<core::SocketAddress> relayAddress() const override {
        const auto* h = static_cast<const Socks5Handshake*>(control.handshake.get());
        const Socks5Address& bound = h->bound();
        if (bound.isDomain() || !bound.ip.isValid())
            return std::nullopt;
        if (!isUnspecified(bound.ip))
            return bound.ip;
        // "0.0.0.0": the same address the control connection reached, with the given port.
        auto address = Socks5Address::fromIp(proxy_);
        address.port = bound.port;
        std::string encoded;
        appendSocks5Address(encoded, address);
        Socks5Address parsed;
        std::size_t used = 0;
        parseSocks5Address(reinterpret_cast<const unsigned char*>(encoded.data()), encoded.size(), &parsed,
                           &used);
        return parsed.ip;
    }

    bool wrap(const core::SocketAddress& destination, const char* data, std::size_t size,
              std::string& out) const override {
        return wrapSocks5Udp(out, Socks5Address::fromIp(destination), data, size);
    }

    std::optional<std::size_t> unwrap(const char* data, std::size_t size,
                                      core::SocketAddress* source) const override {
        const auto d = unwrapSocks5Udp(data, size);
        if (!d || d->source.isDomain())
            return std::nullopt;
        if (source)
            *source = d->source.ip;
        return d->payloadOffset;
    }

private:
    static bool isUnspecified(const core::SocketAddress& a) {
        const std::string ip = a.ip();
        return ip == "0.0.0.0" || ip == "::";
    }

    core::SocketAddress proxy_;
};

} // namespace

std::unique_ptr<core::UdpAssociation> Socks5Connector::startUdpAssociate(std::string* error) {
    auto association = std::make_unique<Socks5UdpAssociation>(proxyAddress());
    association->control = connectToProxy(error);
    if (association->control.fd < 0)
        return nullptr;
    const auto any = proxyAddress().family() == AF_INET6 ? core::SocketAddress::parse("[::]:0")
                                                         : core::SocketAddress::parse("0.0.0.0:0");
    association->control.handshake =
        std::make_unique<Socks5Handshake>(Socks5Address::fromIp(*any), upstream().username,
                                          upstream().password, Socks5Handshake::Command::UdpAssociate);
    return association;
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
