// Host names as the sniffer reports them: what a TLS server_name or an HTTP Host / authority may
// carry, checked and put in one canonical form (lower case, no port), so the connection table,
// its filters and exports never see control characters, spaces or unbounded strings.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace weir::sniff {

// The longest name a connection row carries: a DNS name's limit in text form.
inline constexpr std::size_t kMaxHostLength = 253;

// `name` lower-cased when it is 1 to kMaxHostLength visible ASCII characters (0x21 to 0x7e: no
// space, no control, no byte above 0x7e); nullopt otherwise. IP literals pass like names.
std::optional<std::string> normaliseHost(std::string_view name);

// The host of an HTTP authority "host", "host:port" or "[v6]:port" (RFC 9110 section 7.2),
// normalised, with the port removed and an IPv6 literal kept in its brackets. nullopt for an empty
// host, a port that is not a number up to 65535, user info, or a bare IPv6 address.
std::optional<std::string> hostFromAuthority(std::string_view authority);

} // namespace weir::sniff
