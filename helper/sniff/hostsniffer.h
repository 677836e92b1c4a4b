// The host a connection is for, sniffed from the first bytes its client sends: the server_name of
// a TLS ClientHello, or the Host (or CONNECT / absolute-form authority) of an HTTP/1.x request.
// Sans I/O and passive: it reads copies of bytes the relay forwards anyway, never holds them back
// or changes them, and its answer is only for display (the connection table's `host` column).
//
// How the relay uses it (one per TCP connection, client -> destination direction only):
// - after each read from the client, before or after forwarding, while answered() is false:
//   `sniffer.feed(buffer, n)`, with exactly the bytes read, in stream order;
// - a relay that splices (the bytes never reach user space) can recv(MSG_PEEK) the socket before
//   each splice and call `feedAt(bytesSplicedSoFar, peeked, n)`: bytes it was given before are
//   skipped, and a gap (a splice moved more than was peeked) makes it give up (Gap);
// - once answered() is true, stop feeding: on Found, copy host() and source() into the
//   connection's record; then drop the sniffer (or keep it: after an answer it holds no buffers).
// The object is 144 bytes and allocates nothing before the first byte; it belongs with the live
// connection's relay state (or behind a pointer freed on the answer), not in the record of a
// closed connection, which needs only host() and source().
// It gives up within `budget` bytes (16 KiB by default) whatever the client sends: the first byte
// picks TLS (22) or HTTP (a capital letter) or neither; every length is checked against its
// container, nothing grows past the budget, and each byte costs a bounded amount of work. A client
// that starts with something else (SSH, SMTP's EHLO, HTTP/2 with prior knowledge) ends
// NotRecognised after a byte or a few; one that sends nothing leaves it NeedMore at no cost.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <variant>

#include "sniff/httprequesthead.h"
#include "sniff/sniffresult.h"
#include "sniff/tlsclienthello.h"

namespace weir::sniff {

class HostSniffer {
public:
    static constexpr std::size_t kDefaultBudget = 16 * 1024;

    explicit HostSniffer(std::size_t budget = kDefaultBudget)
        : budget_(budget) {}

    // The next `size` bytes of the client's stream. Returns status(); once that is not NeedMore,
    // further calls return it again without looking at the data.
    SniffStatus feed(const char* data, std::size_t size);
    SniffStatus feed(std::string_view data) { return feed(data.data(), data.size()); }
    // Bytes that start at stream offset `offset` (0 is the connection's first byte): what overlaps
    // bytes already fed is skipped; starting past bytesSeen() is a gap, and the sniffer gives up.
    SniffStatus feedAt(std::uint64_t offset, const char* data, std::size_t size);

    SniffStatus status() const { return status_; }
    bool answered() const { return status_ != SniffStatus::NeedMore; }
    // After Found: the host, lower case, at most 253 visible ASCII characters, no port (an IPv6
    // literal keeps its brackets). Empty otherwise.
    const std::string& host() const { return host_; }
    // After Found: TlsSni or HttpHost. None otherwise.
    HostSource source() const { return source_; }
    // After NotRecognised: why. None otherwise.
    GiveUpReason reason() const { return reason_; }
    // Stream bytes taken so far (never more than the budget).
    std::uint64_t bytesSeen() const { return seen_; }

private:
    void finish(Verdict verdict);

    std::size_t budget_;
    std::uint64_t seen_ = 0;
    SniffStatus status_ = SniffStatus::NeedMore;
    HostSource source_ = HostSource::None;
    GiveUpReason reason_ = GiveUpReason::None;
    std::string host_;
    // Empty until the first byte picks a protocol, and again once answered.
    std::variant<std::monostate, TlsClientHelloParser, HttpRequestParser> parser_;
};

} // namespace weir::sniff
