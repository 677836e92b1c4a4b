// The header SOCKS5 puts in front of every datagram relayed through UDP ASSOCIATE (RFC 1928
// section 7): RSV (2 bytes, zero), FRAG, then the address field. Sans I/O. Datagrams from the
// proxy are hostile: a short, fragmented or malformed one is dropped, never half-read.
#pragma once

#include <cstddef>
#include <optional>
#include <string>

#include "upstream/socks5address.h"

namespace weir::upstream {

// Appends the header for a datagram to `destination`, then the payload. False when the address
// cannot be written.
bool wrapSocks5Udp(std::string& out, const Socks5Address& destination, const char* payload, std::size_t size);

struct Socks5UdpDatagram {
    Socks5Address source;      // where the proxy says the datagram came from
    std::size_t payloadOffset; // the payload is data[payloadOffset, size)
};

// Reads the header of a datagram from the proxy; nullopt (drop it) when it is short, fragmented
// (FRAG != 0: Weir does not reassemble), has non-zero RSV or an unknown address type.
std::optional<Socks5UdpDatagram> unwrapSocks5Udp(const char* data, std::size_t size);

} // namespace weir::upstream
