// The server_name (RFC 6066) of a TLS ClientHello, read from the first bytes a client sends, fed in
// pieces cut anywhere. The record layer (RFC 8446 section 5.1) is taken apart as it arrives: each
// record must be a handshake record (type 22, version 3.x, 1 to 2^14 bytes), and their payloads are
// joined until the first handshake message, which must be a ClientHello, is complete (it may span
// several records). Then the hello is read once, every length checked against its container:
// version, random, session id, cipher suites, compression methods, then the extensions up to their
// exact end, and the first host_name entry of server_name is the answer. With Encrypted Client
// Hello this is the outer (public) name, which is what a proxy in the middle can know.
//
// Memory: 5 bytes of record header and the hello itself, whose declared length is held to the
// budget before anything is kept; work: each byte is copied once and read once.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "sniff/sniffresult.h"

namespace weir::sniff {

class TlsClientHelloParser {
public:
    static constexpr std::uint8_t kHandshakeRecord = 22;
    static constexpr std::uint8_t kClientHello = 1;
    static constexpr std::size_t kRecordHeaderSize = 5;
    static constexpr std::size_t kMaxRecordPayload = 1 << 14;

    // `budget`: the most bytes the caller will feed; a hello that could not arrive within it is
    // given up at once (OverBudget) instead of being waited for.
    explicit TlsClientHelloParser(std::size_t budget)
        : budget_(budget) {}

    // The next bytes of the stream; nullopt while the ClientHello is incomplete. After a verdict
    // the parser must not be fed again.
    std::optional<Verdict> feed(std::string_view data);

private:
    // Takes record payload bytes into hello_; a verdict as soon as one is possible.
    std::optional<Verdict> takePayload(std::string_view payload);
    std::optional<Verdict> checkRecordHeader() const;

    std::size_t budget_;
    std::size_t consumed_ = 0; // stream bytes fed so far, headers included
    std::array<std::uint8_t, kRecordHeaderSize> header_{};
    std::size_t headerSize_ = 0; // bytes of the current record header held in header_
    std::size_t recordLeft_ = 0; // payload bytes of the current record still to come
    std::size_t helloSize_ = 0;  // the whole handshake message, header included; 0: unknown yet
    std::string hello_;          // the handshake message so far
};

// The first host_name of a complete ClientHello handshake message (its 4-byte header included),
// normalised; NoHost without server_name, Malformed when any length or field is wrong.
Verdict readClientHello(std::string_view message);

} // namespace weir::sniff
