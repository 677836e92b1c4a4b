// Connectors that reach destinations through an upstream proxy: SOCKS5 and HTTP CONNECT. Each
// opens a marked, non-blocking TCP connection to the proxy (whose address was resolved once, when
// the connector was made: startConnect never blocks) and hands the relay the handshake that asks
// the proxy for the destination. Shared by every relay thread: the fields are fixed after
// construction and the health tracker has its own lock.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "config/upstream.h"
#include "core/connector.h"
#include "upstream/upstreamhealth.h"

namespace weir::upstream {

class ProxyConnector : public core::Connector {
public:
    ProxyConnector(weir::Upstream upstream, const core::SocketAddress& proxy, std::uint32_t mark);

    core::OutgoingConnection startConnect(const core::SocketAddress& destination,
                                          std::string* error) override;
    std::string describe() const override { return upstream_.describe(); }
    void report(bool ok, const std::string& reason) override { health_.report(ok, reason); }
    core::UpstreamHealth health() const override { return health_.health(); }

    const core::SocketAddress& proxyAddress() const { return proxy_; }
    const weir::Upstream& upstream() const { return upstream_; }

protected:
    // A marked connection to the proxy, unless the proxy is marked down; fd -1 and *error if not.
    core::OutgoingConnection connectToProxy(std::string* error);
    virtual std::unique_ptr<core::Handshake> makeHandshake(const core::SocketAddress& destination) const = 0;

private:
    const weir::Upstream upstream_;
    const core::SocketAddress proxy_;
    const std::uint32_t mark_;
    HealthTracker health_;
};

class Socks5Connector final : public ProxyConnector {
public:
    using ProxyConnector::ProxyConnector;
    core::UdpRoute udpRoute() const override { return core::UdpRoute::Socks5Associate; }
    std::unique_ptr<core::UdpAssociation> startUdpAssociate(std::string* error) override;

private:
    std::unique_ptr<core::Handshake> makeHandshake(const core::SocketAddress& destination) const override;
};

class HttpConnectConnector final : public ProxyConnector {
public:
    HttpConnectConnector(weir::Upstream upstream, const core::SocketAddress& proxy, std::uint32_t mark,
                         weir::UdpWithoutUpstream udp)
        : ProxyConnector(std::move(upstream), proxy, mark)
        , udp_(udp) {}
    // HTTP CONNECT carries TCP only.
    core::UdpRoute udpRoute() const override {
        return udp_ == weir::UdpWithoutUpstream::Block ? core::UdpRoute::Blocked : core::UdpRoute::Direct;
    }

private:
    std::unique_ptr<core::Handshake> makeHandshake(const core::SocketAddress& destination) const override;
    weir::UdpWithoutUpstream udp_;
};

// Resolves `host` (an IP literal or a DNS name) to the first address getaddrinfo gives, with `port`.
std::optional<core::SocketAddress> resolveProxy(const std::string& host, std::uint16_t port,
                                                std::string* error);

} // namespace weir::upstream
