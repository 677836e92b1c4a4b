// The address field of SOCKS5 (RFC 1928): ATYP, then an IPv4 address, an IPv6 address or a
// length-prefixed domain name, then the port. Shared by the handshake's request and reply and by
// the UDP datagram header.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "core/socketaddress.h"

namespace weir::upstream {

// Where a SOCKS5 request points: an IP address, or a domain name the proxy resolves.
struct Socks5Address {
    core::SocketAddress ip; // valid unless `domain` is set
    std::string domain;     // 1..255 bytes
    std::uint16_t port = 0;

    static Socks5Address fromIp(const core::SocketAddress& address) { return {address, {}, address.port()}; }
    static Socks5Address fromDomain(std::string name, std::uint16_t port) {
        return {{}, std::move(name), port};
    }
    bool isDomain() const { return !domain.empty(); }
    std::string toString() const;
};

// Appends ATYP, the address and the port; false (nothing appended) when the address cannot be
// written (invalid IP, empty or over-long domain).
bool appendSocks5Address(std::string& out, const Socks5Address& address);

enum class Socks5AddressParse { Ok, Short, BadType, EmptyDomain };

// Reads an address field from the first `size` bytes at `data`. Short: more bytes are needed;
// *needed (if given) then says how many in total, as far as is known yet.
Socks5AddressParse parseSocks5Address(const unsigned char* data, std::size_t size, Socks5Address* address,
                                      std::size_t* consumed, std::size_t* needed = nullptr);

} // namespace weir::upstream
