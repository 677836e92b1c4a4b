// Where the proxy core sends intercepted connections: straight to their original destination, or
// on through a SOCKS5 or HTTP CONNECT proxy. One value, parsed from the `upstream` setting's URL:
//   direct
//   socks5://[user:pass@]host:port      (RFC 1928 CONNECT and UDP ASSOCIATE, RFC 1929 auth)
//   http://[user:pass@]host:port        (HTTP CONNECT, Basic auth; TCP only)
// host is an IPv4 address, a bracketed IPv6 address ("[::1]") or a DNS name; user and pass are
// percent-encoded in the URL. Plain C++, no Qt.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace weir {

enum class UpstreamKind { Direct, Socks5, Http };

struct Upstream {
    UpstreamKind kind = UpstreamKind::Direct;
    std::string host; // without brackets; empty for Direct
    std::uint16_t port = 0;
    std::string username; // decoded; empty: no authentication
    std::string password;

    bool operator==(const Upstream&) const = default;

    // nullopt with *error ("unknown scheme \"ftp\" (direct, socks5:// or http://)", "port missing",
    // "user name longer than 255 bytes (RFC 1929)", ...) when the text is not a valid upstream.
    static std::optional<Upstream> parse(const std::string& text, std::string* error = nullptr);
    // The URL form, percent-encoding what must be. With maskPassword the password reads
    // kMaskedPassword, which is what GetSettings shows; parse() of a masked URL keeps the literal.
    std::string toUrl(bool maskPassword = false) const;
    // "direct", "socks5 10.0.0.1:1080", "http proxy.lan:3128": for close reasons and status; never
    // the credentials.
    std::string describe() const;
    bool hasCredentials() const { return !username.empty() || !password.empty(); }
    // This upstream, with stored's password when this one's is kMaskedPassword and scheme, user,
    // host and port are stored's: a masked URL from GetSettings, sent back, changes nothing.
    Upstream withStoredPassword(const Upstream& stored) const;
};

// What GetSettings shows instead of a stored password. SetSettings with an upstream URL whose
// password is exactly this (and the same scheme, user, host and port) keeps the stored one.
inline constexpr const char* kMaskedPassword = "********";

// UDP flows when the upstream cannot carry them (HTTP CONNECT is TCP only).
enum class UdpWithoutUpstream { Direct, Block };

} // namespace weir
