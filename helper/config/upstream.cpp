// Parsing and printing the `upstream` URL. The text comes from users, the settings file and the bus,
// so every part is checked on its own and each problem gets its own message.
#include "config/upstream.h"

#include <arpa/inet.h>

#include <algorithm>
#include <cctype>

namespace weir {

namespace {

constexpr std::size_t kMaxUrlBytes = 2048;
constexpr std::size_t kMaxCredentialBytes = 255; // RFC 1929: ULEN and PLEN are one byte
constexpr std::size_t kMaxHostBytes = 253;       // a DNS name
constexpr std::size_t kMaxLabelBytes = 63;

std::optional<Upstream> fail(std::string* error, std::string why) {
    if (error)
        *error = std::move(why);
    return std::nullopt;
}

int hexValue(char c) {
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

// "%41b" -> "Ab"; nullopt on a truncated or non-hex escape.
std::optional<std::string> percentDecode(const std::string& text) {
    std::string out;
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (text[i] != '%') {
            out += text[i];
            continue;
        }
        if (i + 2 >= text.size())
            return std::nullopt;
        const int high = hexValue(text[i + 1]);
        const int low = hexValue(text[i + 2]);
        if (high < 0 || low < 0)
            return std::nullopt;
        out += static_cast<char>(high * 16 + low);
        i += 2;
    }
    return out;
}

// Everything but RFC 3986's unreserved characters is escaped, so the result is safe in a URL, a
// settings file line and a log.
std::string percentEncode(const std::string& text) {
    static const char* hex = "0123456789ABCDEF";
    std::string out;
    for (unsigned char c : text) {
        if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~') {
            out += static_cast<char>(c);
        } else {
            out += '%';
            out += hex[c >> 4];
            out += hex[c & 0xf];
        }
    }
    return out;
}

bool hasControl(const std::string& text) {
    return std::any_of(text.begin(), text.end(), [](char c) {
        const auto u = static_cast<unsigned char>(c);
        return u < 0x20 || u == 0x7f;
    });
}

bool isIpv4(const std::string& host) {
    in_addr a{};
    return inet_pton(AF_INET, host.c_str(), &a) == 1;
}

bool isIpv6(const std::string& host) {
    in6_addr a{};
    return inet_pton(AF_INET6, host.c_str(), &a) == 1;
}

// A DNS name: dot-separated labels of letters, digits, '-' and '_' (not at a label's ends for '-'),
// 1-63 bytes each, 253 in all. An optional final dot is allowed.
bool isDnsName(std::string host) {
    if (!host.empty() && host.back() == '.')
        host.pop_back();
    if (host.empty() || host.size() > kMaxHostBytes)
        return false;
    std::size_t start = 0;
    while (start <= host.size()) {
        const auto dot = std::min(host.find('.', start), host.size());
        const std::string label = host.substr(start, dot - start);
        if (label.empty() || label.size() > kMaxLabelBytes || label.front() == '-' || label.back() == '-')
            return false;
        if (!std::all_of(label.begin(), label.end(), [](char c) {
                return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_';
            }))
            return false;
        start = dot + 1;
    }
    return true;
}

bool allDigitsAndDots(const std::string& s) {
    return std::all_of(s.begin(), s.end(),
                       [](char c) { return std::isdigit(static_cast<unsigned char>(c)) || c == '.'; });
}

// "user:pass" (percent-encoded) -> *u; false with *error.
bool parseUserInfo(const std::string& info, UpstreamKind kind, Upstream* u, std::string* error) {
    const auto colon = info.find(':');
    const auto user = percentDecode(info.substr(0, colon));
    const auto pass =
        colon == std::string::npos ? std::optional<std::string>("") : percentDecode(info.substr(colon + 1));
    auto refuse = [&](std::string why) {
        if (error)
            *error = std::move(why);
        return false;
    };
    if (!user)
        return refuse("bad percent-encoding in the user name (write %XX with two hex digits)");
    if (!pass)
        return refuse("bad percent-encoding in the password (write %XX with two hex digits)");
    if (user->empty())
        return refuse("empty user name before '@' (leave out \"user:pass@\" for no authentication)");
    const char* rfc = kind == UpstreamKind::Socks5 ? " (RFC 1929)" : "";
    if (user->size() > kMaxCredentialBytes)
        return refuse("user name longer than 255 bytes" + std::string(rfc));
    if (pass->size() > kMaxCredentialBytes)
        return refuse("password longer than 255 bytes" + std::string(rfc));
    if (hasControl(*user) || hasControl(*pass))
        return refuse("the user name or password contains a control character");
    if (kind == UpstreamKind::Http && user->find(':') != std::string::npos)
        return refuse("an HTTP Basic user name cannot contain ':'");
    u->username = *user;
    u->password = *pass;
    return true;
}

// "host:port" or "[v6]:port" -> *u; false with *error.
bool parseHostPort(const std::string& text, Upstream* u, std::string* error) {
    auto refuse = [&](std::string why) {
        if (error)
            *error = std::move(why);
        return false;
    };
    std::string host, port;
    bool hasPort = false;
    if (!text.empty() && text[0] == '[') {
        const auto close = text.find(']');
        if (close == std::string::npos)
            return refuse("'[' without ']' around the IPv6 address");
        host = text.substr(1, close - 1);
        const std::string rest = text.substr(close + 1);
        if (!rest.empty() && rest[0] != ':')
            return refuse("unexpected \"" + rest + "\" after the IPv6 address (expected :port)");
        hasPort = !rest.empty();
        port = hasPort ? rest.substr(1) : "";
        if (!isIpv6(host))
            return refuse("\"" + host + "\" is not an IPv6 address");
    } else {
        const auto colon = text.rfind(':');
        host = text.substr(0, colon);
        hasPort = colon != std::string::npos;
        port = hasPort ? text.substr(colon + 1) : "";
        if (host.find(':') != std::string::npos)
            return refuse("an IPv6 address must be in brackets, like [2001:db8::1]:1080");
        if (host.empty())
            return refuse("host missing");
        if (allDigitsAndDots(host)) {
            if (!isIpv4(host))
                return refuse("\"" + host + "\" is not an IPv4 address");
        } else if (!isDnsName(host)) {
            return refuse("\"" + host + "\" is not a host name or address");
        }
    }
    if (!hasPort || port.empty())
        return refuse("port missing (like socks5://host:1080)");
    if (port.size() > 5 || !std::all_of(port.begin(), port.end(),
                                        [](char c) { return std::isdigit(static_cast<unsigned char>(c)); }))
        return refuse("\"" + port + "\" is not a port (1-65535)");
    const unsigned long number = std::stoul(port);
    if (number == 0 || number > 65535)
        return refuse("port " + port + " is out of range (1-65535)");
    u->host = host;
    u->port = static_cast<std::uint16_t>(number);
    return true;
}

std::string schemeOf(UpstreamKind kind) {
    return kind == UpstreamKind::Socks5 ? "socks5" : kind == UpstreamKind::Http ? "http" : "direct";
}

std::string hostPort(const std::string& host, std::uint16_t port) {
    const bool v6 = host.find(':') != std::string::npos;
    return (v6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

} // namespace

std::optional<Upstream> Upstream::parse(const std::string& text, std::string* error) {
    if (text == "direct")
        return Upstream{};
    if (text.empty())
        return fail(error, "empty (direct, socks5://host:port or http://host:port)");
    if (text.size() > kMaxUrlBytes)
        return fail(error, "longer than " + std::to_string(kMaxUrlBytes) + " bytes");
    const auto sep = text.find("://");
    if (sep == std::string::npos)
        return fail(error, "is not direct or a URL like socks5://host:1080 or http://host:3128");
    std::string scheme = text.substr(0, sep);
    std::transform(scheme.begin(), scheme.end(), scheme.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    Upstream u;
    if (scheme == "socks5")
        u.kind = UpstreamKind::Socks5;
    else if (scheme == "http")
        u.kind = UpstreamKind::Http;
    else
        return fail(error, "unknown scheme \"" + scheme + "\" (direct, socks5:// or http://)");

    std::string rest = text.substr(sep + 3);
    if (!rest.empty() && rest.back() == '/')
        rest.pop_back(); // "http://proxy:3128/" as browsers print it
    if (hasControl(rest) || rest.find(' ') != std::string::npos)
        return fail(error, "spaces and control characters must be percent-encoded");
    // The last '@' ends the credentials: an unencoded '@' in a password still parses.
    const auto at = rest.rfind('@');
    if (at != std::string::npos && !parseUserInfo(rest.substr(0, at), u.kind, &u, error))
        return std::nullopt;
    const std::string authority = at == std::string::npos ? rest : rest.substr(at + 1);
    for (char c : {'/', '?', '#'})
        if (const auto pos = authority.find(c); pos != std::string::npos)
            return fail(error,
                        "unexpected \"" + authority.substr(pos) + "\" (an upstream has no path or query)");
    if (!parseHostPort(authority, &u, error))
        return std::nullopt;
    return u;
}

std::string Upstream::describe() const {
    if (kind == UpstreamKind::Direct)
        return "direct";
    return schemeOf(kind) + " " + hostPort(host, port);
}

std::string Upstream::toUrl(bool maskPassword) const {
    if (kind == UpstreamKind::Direct)
        return "direct";
    std::string credentials;
    if (hasCredentials()) {
        credentials = percentEncode(username);
        if (!password.empty())
            credentials += ":" + (maskPassword ? std::string(kMaskedPassword) : percentEncode(password));
        credentials += "@";
    }
    return schemeOf(kind) + "://" + credentials + hostPort(host, port);
}

Upstream Upstream::withStoredPassword(const Upstream& stored) const {
    Upstream out = *this;
    if (password == kMaskedPassword && kind == stored.kind && host == stored.host && port == stored.port &&
        username == stored.username)
        out.password = stored.password;
    return out;
}

} // namespace weir
