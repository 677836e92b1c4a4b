// What sniffing the first bytes of a connection can answer, shared by the protocol parsers and the
// HostSniffer that picks one of them.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>

namespace weir::sniff {

enum class SniffStatus : std::uint8_t {
    NeedMore,      // nothing decided yet: feed the next bytes the client sends
    Found,         // host() and source() hold the answer
    NotRecognised, // given up for good (reason() says why); feeding more changes nothing
};

// Where a found host came from.
enum class HostSource : std::uint8_t { None, TlsSni, HttpHost };

// Why a sniffer gave up.
enum class GiveUpReason : std::uint8_t {
    None,            // it has not given up
    UnknownProtocol, // neither a TLS handshake nor an HTTP/1.x request
    Malformed,       // TLS or HTTP, but a length, a field or the host name is wrong
    NoHost,          // a well-formed ClientHello without server_name, or a request without Host
    OverBudget,      // no answer within the byte budget, or a ClientHello that cannot fit in it
    Gap,             // feedAt() skipped bytes the sniffer never saw
};

// A protocol parser's final word: the host it found, or why there is none. Parsers return it
// wrapped in an optional, empty while they need more bytes.
struct Verdict {
    GiveUpReason reason = GiveUpReason::None; // None: `host` holds the normalised name found
    std::string host;

    static Verdict found(std::string host) { return {GiveUpReason::None, std::move(host)}; }
    static Verdict givenUp(GiveUpReason why) { return {why, {}}; }
};

// "tls-sni", "http-host" (the names the connection table shows), "" for None.
std::string_view sourceName(HostSource source);
// A short English phrase for logs and test failures: "not TLS or HTTP", "malformed", ...
std::string_view reasonText(GiveUpReason reason);

} // namespace weir::sniff
