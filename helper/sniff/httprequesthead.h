// The host an HTTP/1.x request is for, read from the first bytes a client sends, fed in pieces cut
// anywhere (RFC 9112 sections 3 and 5, RFC 9110 section 7.2). The request line must begin with a
// known method, checked from its first byte so other protocols are dropped at once; then:
// - CONNECT: the host of its authority-form target ("host:port");
// - an absolute-form target ("http://host:port/..."): its authority, which a server must prefer
//   to any Host header;
// - otherwise the first Host header (name in any case, optional whitespace around the value), with
//   its port removed; the blank line that ends the header block without one means NoHost
//   (HTTP/1.0 clients may send none).
// The answer comes as soon as the line that holds it is complete; nothing after it is read.
//
// Memory: the current line only (the caller's byte budget bounds it); work: each byte is looked at
// a fixed number of times.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "sniff/sniffresult.h"

namespace weir::sniff {

class HttpRequestParser {
public:
    // The next bytes of the stream; nullopt while no line has decided. After a verdict the parser
    // must not be fed again.
    std::optional<Verdict> feed(std::string_view data);

private:
    std::optional<Verdict> checkMethod();
    std::optional<Verdict> takeLine(std::string_view line);
    std::optional<Verdict> readRequestLine(std::string_view line);
    static std::optional<Verdict> readHeaderLine(std::string_view line);

    std::string line_; // the line being received, without its line feed
    bool methodKnown_ = false;
    bool inHeaders_ = false;
};

} // namespace weir::sniff
