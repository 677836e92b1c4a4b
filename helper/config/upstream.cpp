#include "config/upstream.h"

namespace weir {

// Only "direct" until the upstream setting lands (issue 6).
std::optional<Upstream> Upstream::parse(const std::string& text, std::string* error) {
    if (text == "direct")
        return Upstream{};
    if (error)
        *error = "only \"direct\" is supported yet";
    return std::nullopt;
}

std::string Upstream::describe() const {
    switch (kind) {
    case UpstreamKind::Direct:
        return "direct";
    case UpstreamKind::Socks5:
        return "socks5 " + host + ":" + std::to_string(port);
    case UpstreamKind::Http:
        return "http " + host + ":" + std::to_string(port);
    }
    return "direct";
}

std::string Upstream::toUrl(bool) const {
    return describe();
}

} // namespace weir
