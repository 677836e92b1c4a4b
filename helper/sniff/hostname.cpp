#include "sniff/hostname.h"

#include <algorithm>

namespace weir::sniff {

namespace {

bool isDigit(char c) {
    return c >= '0' && c <= '9';
}

bool isHexDigit(char c) {
    return isDigit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

// RFC 3986 port: any number of digits; we also hold it to a real TCP port.
bool isPort(std::string_view port) {
    if (port.size() > 5 || !std::all_of(port.begin(), port.end(), isDigit))
        return false;
    unsigned value = 0;
    for (char c : port)
        value = value * 10 + static_cast<unsigned>(c - '0');
    return value <= 65535;
}

// "[...]" holding hex digits, colons (at least one) and dots (an embedded IPv4): an IPv6 literal.
// No zone id and no IPvFuture: nothing sends them in a Host.
bool isIpv6Literal(std::string_view bracketed) {
    const std::string_view inside = bracketed.substr(1, bracketed.size() - 2);
    return !inside.empty() && inside.find(':') != std::string_view::npos &&
           std::all_of(inside.begin(), inside.end(),
                       [](char c) { return isHexDigit(c) || c == ':' || c == '.'; });
}

} // namespace

std::optional<std::string> normaliseHost(std::string_view name) {
    if (name.empty() || name.size() > kMaxHostLength)
        return std::nullopt;
    std::string out(name);
    for (char& c : out) {
        if (c < 0x21 || c > 0x7e) // also every byte >= 0x80, as char is signed here or not
            return std::nullopt;
        if (c >= 'A' && c <= 'Z')
            c = static_cast<char>(c - 'A' + 'a');
    }
    return out;
}

std::optional<std::string> hostFromAuthority(std::string_view authority) {
    if (authority.find('@') != std::string_view::npos)
        return std::nullopt; // user info: never in a Host, deprecated in a request target
    std::string_view host = authority;
    std::string_view rest;
    if (!authority.empty() && authority.front() == '[') {
        const auto close = authority.find(']');
        if (close == std::string_view::npos)
            return std::nullopt;
        host = authority.substr(0, close + 1);
        rest = authority.substr(close + 1);
        if (!isIpv6Literal(host))
            return std::nullopt;
    } else if (const auto colon = authority.find(':'); colon != std::string_view::npos) {
        host = authority.substr(0, colon);
        rest = authority.substr(colon);
    }
    if (!rest.empty() && (rest.front() != ':' || !isPort(rest.substr(1))))
        return std::nullopt; // also a second colon: a bare IPv6 address is not an authority
    return normaliseHost(host);
}

} // namespace weir::sniff
