#include "config/types.h"

namespace weir {

const char* toString(Mode m) {
    return m == Mode::Tproxy ? "tproxy" : "redirect";
}

const char* toString(Scope s) {
    switch (s) {
    case Scope::Local:
        return "local";
    case Scope::Gateway:
        return "gateway";
    case Scope::Both:
        return "both";
    }
    return "?";
}

const char* toString(Family f) {
    return f == Family::V6 ? "ipv6" : "ipv4";
}

const char* toString(Protocol p) {
    return p == Protocol::Udp ? "udp" : "tcp";
}

std::optional<Mode> parseMode(std::string_view text) {
    if (text == "redirect")
        return Mode::Redirect;
    if (text == "tproxy")
        return Mode::Tproxy;
    return std::nullopt;
}

std::optional<Scope> parseScope(std::string_view text) {
    if (text == "local")
        return Scope::Local;
    if (text == "gateway")
        return Scope::Gateway;
    if (text == "both")
        return Scope::Both;
    return std::nullopt;
}

} // namespace weir
