#include "upstream/httpconnecthandshake.h"

#include <algorithm>
#include <vector>

namespace weir::upstream {

namespace {

std::string garbage(const std::string& what) {
    return "upstream answered garbage: " + what;
}

bool isDigit(char c) {
    return c >= '0' && c <= '9';
}

// RFC 9110 token characters (header field names).
bool isTokenChar(char c) {
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || isDigit(c))
        return true;
    return std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

// Field values and reason phrases: visible ASCII, space, tab and obs-text; no other controls.
bool isFieldText(std::string_view s) {
    return std::all_of(s.begin(), s.end(), [](char c) {
        const auto u = static_cast<unsigned char>(c);
        return (u == 0x09 || u >= 0x20) && u != 0x7f;
    });
}

// The reason phrase as a close reason may show it: printable ASCII, at most 64 bytes.
std::string printable(std::string_view s) {
    std::string out;
    for (char c : s.substr(0, 64))
        out.push_back(c >= 0x20 && c < 0x7f ? c : '?');
    return out;
}

} // namespace

std::string base64Encode(std::string_view data) {
    static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string out;
    out.reserve((data.size() + 2) / 3 * 4);
    std::size_t i = 0;
    for (; i + 2 < data.size(); i += 3) {
        const unsigned v = (static_cast<unsigned char>(data[i]) << 16) |
                           (static_cast<unsigned char>(data[i + 1]) << 8) |
                           static_cast<unsigned char>(data[i + 2]);
        out += {kAlphabet[v >> 18], kAlphabet[(v >> 12) & 63], kAlphabet[(v >> 6) & 63], kAlphabet[v & 63]};
    }
    if (i + 1 == data.size()) {
        const unsigned v = static_cast<unsigned char>(data[i]) << 16;
        out += {kAlphabet[v >> 18], kAlphabet[(v >> 12) & 63], '=', '='};
    } else if (i + 2 == data.size()) {
        const unsigned v =
            (static_cast<unsigned char>(data[i]) << 16) | (static_cast<unsigned char>(data[i + 1]) << 8);
        out += {kAlphabet[v >> 18], kAlphabet[(v >> 12) & 63], kAlphabet[(v >> 6) & 63], '='};
    }
    return out;
}

HttpConnectHandshake::HttpConnectHandshake(std::string authority, const std::string& username,
                                           const std::string& password) {
    if (!isFieldText(authority) || authority.find_first_of(" \t") != std::string::npos) {
        fail("http connect: bad target " + printable(authority));
        return;
    }
    out_ = "CONNECT " + authority + " HTTP/1.1\r\nHost: " + authority + "\r\n";
    if (!username.empty() || !password.empty())
        out_ += "Proxy-Authorization: Basic " + base64Encode(username + ":" + password) + "\r\n";
    out_ += "\r\n";
}

void HttpConnectHandshake::consumeOutput(std::size_t n) {
    sent_ = std::min(out_.size(), sent_ + n);
}

HttpConnectHandshake::Status HttpConnectHandshake::fail(std::string reason) {
    status_ = Status::Failed;
    failure_ = std::move(reason);
    return status_;
}

HttpConnectHandshake::Status HttpConnectHandshake::input(const char* data, std::size_t size,
                                                         std::size_t* used) {
    if (used)
        *used = 0;
    if (status_ != Status::NeedInput || size == 0)
        return status_;
    if (sent_ < out_.size())
        return fail(garbage("answered before the request was sent"));
    // Look for the blank line from where the previous input could have begun it.
    const std::size_t before = in_.size();
    const std::size_t room = kMaxResponseHeader - before;
    in_.append(data, std::min(size, room));
    const std::size_t searchFrom = before >= 3 ? before - 3 : 0;
    std::size_t end = std::string::npos;
    const auto crlf = in_.find("\r\n\r\n", searchFrom);
    const auto lf = in_.find("\n\n", before >= 1 ? before - 1 : 0);
    if (crlf != std::string::npos && (lf == std::string::npos || crlf + 2 <= lf))
        end = crlf + 4;
    else if (lf != std::string::npos)
        end = lf + 2;
    if (end == std::string::npos) {
        if (used)
            *used = in_.size() - before;
        if (in_.size() >= kMaxResponseHeader)
            return fail(garbage("response header larger than 16 KiB"));
        return status_;
    }
    if (used)
        *used = end - before;
    in_.resize(end);
    return parseHeader(in_);
}

HttpConnectHandshake::Status HttpConnectHandshake::parseHeader(std::string_view header) {
    // Lines end with CRLF (or a bare LF, which RFC 9112 lets a recipient accept).
    std::vector<std::string_view> lines;
    while (!header.empty()) {
        const auto nl = header.find('\n');
        std::string_view line = header.substr(0, nl);
        if (!line.empty() && line.back() == '\r')
            line.remove_suffix(1);
        lines.push_back(line);
        header.remove_prefix(nl + 1);
    }
    if (lines.size() < 2 || !lines.back().empty())
        return fail(garbage("malformed response header"));
    lines.pop_back();

    // HTTP/1.x SP 3DIGIT [SP reason-phrase]
    const std::string_view statusLine = lines.front();
    if (statusLine.size() < 12 || statusLine.substr(0, 7) != "HTTP/1." || !isDigit(statusLine[7]) ||
        statusLine[8] != ' ' || !isDigit(statusLine[9]) || !isDigit(statusLine[10]) ||
        !isDigit(statusLine[11]) || (statusLine.size() > 12 && statusLine[12] != ' '))
        return fail(garbage("not an HTTP/1 status line"));
    const std::string_view reason = statusLine.size() > 13 ? statusLine.substr(13) : std::string_view();
    if (!isFieldText(reason))
        return fail(garbage("control characters in the status line"));
    for (std::size_t i = 1; i < lines.size(); ++i) {
        const std::string_view line = lines[i];
        const auto colon = line.find(':');
        if (colon == 0 || colon == std::string_view::npos ||
            !std::all_of(line.begin(), line.begin() + static_cast<std::ptrdiff_t>(colon), isTokenChar) ||
            !isFieldText(line.substr(colon + 1)))
            return fail(garbage("malformed header line"));
    }

    statusCode_ = (statusLine[9] - '0') * 100 + (statusLine[10] - '0') * 10 + (statusLine[11] - '0');
    if (statusCode_ >= 200 && statusCode_ < 300) {
        in_.clear();
        in_.shrink_to_fit();
        status_ = Status::Done;
        return status_;
    }
    // 407 is the proxy's own "who are you"; some proxies (tinyproxy's BasicAuth) answer 401. A
    // CONNECT's answer always comes from the proxy, so both mean our credentials were refused.
    if (statusCode_ == 407 || statusCode_ == 401)
        return fail("upstream authentication failed");
    std::string why = "upstream refused: HTTP " + std::to_string(statusCode_);
    if (!reason.empty())
        why += " " + printable(reason);
    return fail(why);
}

HttpConnectHandshake::Status HttpConnectHandshake::endOfInput() {
    if (status_ == Status::NeedInput)
        return fail("upstream closed during handshake");
    return status_;
}

} // namespace weir::upstream
