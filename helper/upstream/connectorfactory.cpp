#include "upstream/connectorfactory.h"

namespace weir::upstream {

std::shared_ptr<core::Connector> makeConnector(const weir::Upstream& upstream, const ConnectorOptions& options,
                                               std::string* error) {
    if (upstream.kind == weir::UpstreamKind::Direct)
        return std::make_shared<core::DirectConnector>(options.outgoingMark);
    // SOCKS5 and HTTP CONNECT connectors land with the upstream protocols (issue 6).
    if (error)
        *error = "upstream " + upstream.describe() + " is not supported yet";
    return nullptr;
}

} // namespace weir::upstream
