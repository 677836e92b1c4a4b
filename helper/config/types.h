// The few enums every layer of the helper shares: interception mode, scope, address family and
// transport protocol. One definition each, so no value is translated by hand between the settings,
// the planner, the firewall, the routing code and the proxy core. Plain C++, no Qt.
#pragma once

#include <optional>
#include <string_view>

namespace weir {

enum class Mode { Redirect, Tproxy };
// Whose traffic is intercepted: this machine's own (OUTPUT), a LAN behind it (PREROUTING), or both.
enum class Scope { Local, Gateway, Both };
enum class Family { V4, V6 };
enum class Protocol { Tcp, Udp };

// Lower-case names used on the bus, in the settings file, in weirctl and in rendered plans.
const char* toString(Mode m);     // "redirect" | "tproxy"
const char* toString(Scope s);    // "local" | "gateway" | "both"
const char* toString(Family f);   // "ipv4" | "ipv6"
const char* toString(Protocol p); // "tcp" | "udp"

std::optional<Mode> parseMode(std::string_view text);
std::optional<Scope> parseScope(std::string_view text);

inline bool includesLocal(Scope s) {
    return s != Scope::Gateway;
}
inline bool includesGateway(Scope s) {
    return s != Scope::Local;
}

} // namespace weir
