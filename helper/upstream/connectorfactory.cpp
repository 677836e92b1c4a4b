#include "upstream/connectorfactory.h"

#include "upstream/proxyconnectors.h"

namespace weir::upstream {

std::shared_ptr<core::Connector> makeConnector(const weir::Upstream& upstream,
                                               const ConnectorOptions& options, std::string* error) {
    auto failWith = [error](std::string why) -> std::shared_ptr<core::Connector> {
        if (error)
            *error = std::move(why);
        return nullptr;
    };
    if (upstream.kind == weir::UpstreamKind::Direct)
        return std::make_shared<core::DirectConnector>(options.outgoingMark);
    if (upstream.host.empty() || upstream.port == 0)
        return failWith("upstream " + upstream.describe() + ": host or port missing");
    // RFC 1929 carries each in one length byte.
    if (upstream.kind == weir::UpstreamKind::Socks5 &&
        (upstream.username.size() > 255 || upstream.password.size() > 255))
        return failWith("upstream " + upstream.describe() + ": user name or password longer than 255 bytes");
    std::string why;
    const auto proxy = resolveProxy(upstream.host, upstream.port, &why);
    if (!proxy)
        return failWith(why);
    if (upstream.kind == weir::UpstreamKind::Socks5)
        return std::make_shared<Socks5Connector>(upstream, *proxy, options.outgoingMark);
    return std::make_shared<HttpConnectConnector>(upstream, *proxy, options.outgoingMark,
                                                  options.udpWithoutUpstream);
}

} // namespace weir::upstream
