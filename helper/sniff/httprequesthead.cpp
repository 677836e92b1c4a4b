#include "sniff/httprequesthead.h"

#include <algorithm>
#include <array>

#include "sniff/hostname.h"

namespace weir::sniff {

namespace {

// RFC 9110 section 9 and RFC 5789 (PATCH): the methods a client opens a connection with.
constexpr std::array<std::string_view, 9> kMethods = {"GET",   "HEAD",    "POST",  "PUT",    "DELETE",
                                                      "PATCH", "OPTIONS", "TRACE", "CONNECT"};
constexpr std::size_t kLongestMethod = 7;

Verdict malformed() {
    return Verdict::givenUp(GiveUpReason::Malformed);
}

bool isKnownMethod(std::string_view method) {
    return std::find(kMethods.begin(), kMethods.end(), method) != kMethods.end();
}

bool couldBeMethod(std::string_view prefix) {
    return std::any_of(kMethods.begin(), kMethods.end(),
                       [prefix](std::string_view m) { return m.substr(0, prefix.size()) == prefix; });
}

// RFC 9110 token characters (field names).
bool isTokenChar(char c) {
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
        return true;
    return std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

// No control character but horizontal tab (no NUL, no lone CR), no DEL.
bool isFieldLine(std::string_view line) {
    return std::all_of(line.begin(), line.end(), [](char c) {
        const auto u = static_cast<unsigned char>(c);
        return (u == '\t' || u >= 0x20) && u != 0x7f;
    });
}

bool equalsIgnoringCase(std::string_view a, std::string_view b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
               const auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c; };
               return lower(x) == lower(y);
           });
}

std::string_view trimWhitespace(std::string_view s) {
    const auto first = s.find_first_not_of(" \t");
    if (first == std::string_view::npos)
        return {};
    return s.substr(first, s.find_last_not_of(" \t") - first + 1);
}

Verdict fromAuthority(std::string_view authority) {
    auto host = hostFromAuthority(authority);
    return host ? Verdict::found(std::move(*host)) : malformed();
}

// "http://authority/..." or "https://authority?...", scheme in any case; nullopt for other targets.
std::optional<std::string_view> absoluteFormAuthority(std::string_view target) {
    for (std::string_view scheme : {std::string_view("http://"), std::string_view("https://")}) {
        if (target.size() >= scheme.size() && equalsIgnoringCase(target.substr(0, scheme.size()), scheme)) {
            const std::string_view rest = target.substr(scheme.size());
            return rest.substr(0, rest.find_first_of("/?#"));
        }
    }
    return std::nullopt;
}

} // namespace

std::optional<Verdict> HttpRequestParser::feed(std::string_view data) {
    while (!data.empty()) {
        const auto newline = data.find('\n');
        line_.append(data.substr(0, newline));
        if (auto verdict = checkMethod())
            return verdict;
        if (newline == std::string_view::npos)
            return std::nullopt;
        data.remove_prefix(newline + 1);
        std::string_view line = line_;
        if (!line.empty() && line.back() == '\r') // CRLF, or a bare LF (RFC 9112 section 2.2)
            line.remove_suffix(1);
        if (auto verdict = takeLine(line))
            return verdict;
        line_.clear();
    }
    return std::nullopt;
}

// While the method is arriving: UnknownProtocol as soon as its bytes cannot begin a known one.
std::optional<Verdict> HttpRequestParser::checkMethod() {
    if (methodKnown_)
        return std::nullopt;
    const std::string_view start = std::string_view(line_).substr(0, kLongestMethod + 1);
    const auto space = start.find(' ');
    if (space == std::string_view::npos) {
        if (start.size() <= kLongestMethod && couldBeMethod(start))
            return std::nullopt;
        return Verdict::givenUp(GiveUpReason::UnknownProtocol);
    }
    if (!isKnownMethod(start.substr(0, space)))
        return Verdict::givenUp(GiveUpReason::UnknownProtocol);
    methodKnown_ = true;
    return std::nullopt;
}

std::optional<Verdict> HttpRequestParser::takeLine(std::string_view line) {
    if (!isFieldLine(line))
        return malformed();
    if (inHeaders_)
        return readHeaderLine(line);
    inHeaders_ = true;
    return readRequestLine(line);
}

// method SP request-target SP HTTP/1.x, single spaces, a target without spaces.
std::optional<Verdict> HttpRequestParser::readRequestLine(std::string_view line) {
    const auto space1 = line.find(' ');
    const auto space2 = line.find(' ', space1 + 1);
    if (!methodKnown_ || space2 == std::string_view::npos || space2 == space1 + 1)
        return malformed();
    const std::string_view method = line.substr(0, space1);
    const std::string_view target = line.substr(space1 + 1, space2 - space1 - 1);
    const std::string_view version = line.substr(space2 + 1);
    if (version.size() != 8 || version.substr(0, 7) != "HTTP/1." || version[7] < '0' || version[7] > '9' ||
        target.find('\t') != std::string_view::npos)
        return malformed();
    if (method == "CONNECT")
        return fromAuthority(target);
    if (const auto authority = absoluteFormAuthority(target))
        return fromAuthority(*authority);
    if (target.front() != '/' && target != "*")
        return malformed();
    return std::nullopt; // origin or asterisk form: the Host header names the host
}

std::optional<Verdict> HttpRequestParser::readHeaderLine(std::string_view line) {
    if (line.empty())
        return Verdict::givenUp(GiveUpReason::NoHost); // end of the header block
    if (line.front() == ' ' || line.front() == '\t')
        return std::nullopt; // obs-fold: the rest of a field before, which was not Host
    const auto colon = line.find(':');
    if (colon == 0 || colon == std::string_view::npos ||
        !std::all_of(line.begin(), line.begin() + static_cast<std::ptrdiff_t>(colon), isTokenChar))
        return malformed();
    if (!equalsIgnoringCase(line.substr(0, colon), "host"))
        return std::nullopt;
    const std::string_view value = trimWhitespace(line.substr(colon + 1));
    if (value.empty())
        return Verdict::givenUp(GiveUpReason::NoHost);
    return fromAuthority(value);
}

} // namespace weir::sniff
