#include "sniff/tlsclienthello.h"

#include <algorithm>

#include "sniff/hostname.h"

namespace weir::sniff {

namespace {

constexpr std::size_t kHandshakeHeaderSize = 4; // type, 24-bit length
constexpr std::uint16_t kServerNameExtension = 0;
constexpr std::uint8_t kHostNameType = 0;

// Reads big-endian numbers and length-prefixed vectors from a view, never past its end: every
// read says whether the bytes were there.
class Reader {
public:
    explicit Reader(std::string_view data)
        : data_(data) {}

    bool empty() const { return data_.empty(); }
    std::size_t left() const { return data_.size(); }

    // A `width`-byte unsigned number (1 to 3 bytes).
    bool number(std::size_t width, std::size_t* value) {
        if (data_.size() < width)
            return false;
        std::size_t v = 0;
        for (std::size_t i = 0; i < width; ++i)
            v = (v << 8) | static_cast<std::uint8_t>(data_[i]);
        data_.remove_prefix(width);
        *value = v;
        return true;
    }

    bool skip(std::size_t n) {
        if (data_.size() < n)
            return false;
        data_.remove_prefix(n);
        return true;
    }

    // A vector whose length comes first in `width` bytes; its length must fit in what is left.
    bool vector(std::size_t width, std::string_view* out) {
        std::size_t size = 0;
        if (!number(width, &size) || size > data_.size())
            return false;
        *out = data_.substr(0, size);
        data_.remove_prefix(size);
        return true;
    }

private:
    std::string_view data_;
};

Verdict malformed() {
    return Verdict::givenUp(GiveUpReason::Malformed);
}

// server_name's extension_data: a ServerNameList filling it exactly, of at least one entry; the
// first host_name is the answer. Entries of other types (none is defined) are skipped with the
// same 16-bit length layout.
Verdict readServerName(std::string_view extension) {
    Reader reader(extension);
    std::string_view list;
    if (!reader.vector(2, &list) || !reader.empty() || list.empty())
        return malformed();
    Reader entries(list);
    std::optional<std::string> host;
    while (!entries.empty()) {
        std::size_t type = 0;
        std::string_view name;
        if (!entries.number(1, &type) || !entries.vector(2, &name) || name.empty())
            return malformed();
        if (type != kHostNameType || host)
            continue;
        host = normaliseHost(name);
        if (!host)
            return malformed();
    }
    return host ? Verdict::found(std::move(*host)) : Verdict::givenUp(GiveUpReason::NoHost);
}

// The extensions block, walked to its end so a broken length anywhere in it is caught; one
// server_name at most (RFC 8446 section 4.2: never two extensions of one type).
Verdict readExtensions(std::string_view extensions) {
    Reader reader(extensions);
    std::optional<Verdict> serverName;
    while (!reader.empty()) {
        std::size_t type = 0;
        std::string_view data;
        if (!reader.number(2, &type) || !reader.vector(2, &data))
            return malformed();
        if (type != kServerNameExtension)
            continue;
        if (serverName)
            return malformed();
        serverName = readServerName(data);
        if (serverName->reason == GiveUpReason::Malformed)
            return *serverName;
    }
    return serverName ? std::move(*serverName) : Verdict::givenUp(GiveUpReason::NoHost);
}

} // namespace

Verdict readClientHello(std::string_view message) {
    Reader reader(message);
    std::size_t type = 0;
    std::size_t length = 0;
    if (!reader.number(1, &type) || type != TlsClientHelloParser::kClientHello ||
        !reader.number(3, &length) || length != reader.left())
        return malformed();
    std::size_t version = 0;
    std::string_view sessionId, cipherSuites, compression;
    if (!reader.number(2, &version) || (version >> 8) != 3 || !reader.skip(32) ||
        !reader.vector(1, &sessionId) || sessionId.size() > 32 || !reader.vector(2, &cipherSuites) ||
        cipherSuites.empty() || cipherSuites.size() % 2 != 0 || !reader.vector(1, &compression) ||
        compression.empty())
        return malformed();
    if (reader.empty())
        return Verdict::givenUp(GiveUpReason::NoHost); // no extensions at all (SSL 3.0 style)
    std::string_view extensions;
    if (!reader.vector(2, &extensions) || !reader.empty())
        return malformed();
    return readExtensions(extensions);
}

std::optional<Verdict> TlsClientHelloParser::checkRecordHeader() const {
    // The first record's first bytes tell TLS from something else that happens to start with 22.
    const auto wrong =
        consumed_ <= kRecordHeaderSize ? GiveUpReason::UnknownProtocol : GiveUpReason::Malformed;
    if (headerSize_ >= 1 && header_[0] != kHandshakeRecord)
        return Verdict::givenUp(wrong);
    if (headerSize_ >= 2 && header_[1] != 3)
        return Verdict::givenUp(wrong);
    if (headerSize_ < kRecordHeaderSize)
        return std::nullopt;
    const std::size_t length = (std::size_t{header_[3]} << 8) | header_[4];
    if (length == 0 || length > kMaxRecordPayload) // RFC 8446: no empty handshake fragments
        return Verdict::givenUp(wrong);
    return std::nullopt;
}

std::optional<Verdict> TlsClientHelloParser::feed(std::string_view data) {
    while (!data.empty()) {
        if (recordLeft_ == 0) {
            const std::size_t n = std::min(kRecordHeaderSize - headerSize_, data.size());
            std::copy_n(data.begin(), n, header_.begin() + static_cast<std::ptrdiff_t>(headerSize_));
            headerSize_ += n;
            consumed_ += n;
            data.remove_prefix(n);
            if (auto verdict = checkRecordHeader())
                return verdict;
            if (headerSize_ == kRecordHeaderSize) {
                recordLeft_ = (std::size_t{header_[3]} << 8) | header_[4];
                headerSize_ = 0;
            }
            continue;
        }
        const std::size_t n = std::min(recordLeft_, data.size());
        recordLeft_ -= n;
        consumed_ += n;
        if (auto verdict = takePayload(data.substr(0, n)))
            return verdict;
        data.remove_prefix(n);
    }
    return std::nullopt;
}

std::optional<Verdict> TlsClientHelloParser::takePayload(std::string_view payload) {
    // `payload` is already counted in consumed_; what of it hello_ does not take is after the hello.
    if (helloSize_ == 0) {
        const std::size_t n = std::min(kHandshakeHeaderSize - hello_.size(), payload.size());
        hello_.append(payload.substr(0, n));
        payload.remove_prefix(n);
        if (static_cast<std::uint8_t>(hello_[0]) != kClientHello)
            return malformed();
        if (hello_.size() < kHandshakeHeaderSize)
            return std::nullopt;
        const auto byte = [this](std::size_t i) { return std::size_t{static_cast<std::uint8_t>(hello_[i])}; };
        helloSize_ = kHandshakeHeaderSize + ((byte(1) << 16) | (byte(2) << 8) | byte(3));
        // The fewest stream bytes the whole hello needs (no further record headers): over the
        // budget, it would never be read, so say so now and keep nothing.
        const std::size_t streamSoFar = consumed_ - payload.size();
        if (helloSize_ - hello_.size() > budget_ - std::min(budget_, streamSoFar))
            return Verdict::givenUp(GiveUpReason::OverBudget);
        hello_.reserve(helloSize_);
    }
    const std::size_t n = std::min(helloSize_ - hello_.size(), payload.size());
    hello_.append(payload.substr(0, n));
    if (hello_.size() < helloSize_)
        return std::nullopt;
    return readClientHello(hello_);
}

} // namespace weir::sniff
