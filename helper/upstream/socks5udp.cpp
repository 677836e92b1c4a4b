#include "upstream/socks5udp.h"

namespace weir::upstream {

bool wrapSocks5Udp(std::string& out, const Socks5Address& destination, const char* payload,
                   std::size_t size) {
    std::string header{'\0', '\0', '\0'}; // RSV RSV FRAG
    if (!appendSocks5Address(header, destination))
        return false;
    out += header;
    out.append(payload, size);
    return true;
}

std::optional<Socks5UdpDatagram> unwrapSocks5Udp(const char* data, std::size_t size) {
    const auto* p = reinterpret_cast<const unsigned char*>(data);
    if (size < 4 || p[0] != 0 || p[1] != 0 || p[2] != 0)
        return std::nullopt;
    Socks5UdpDatagram d;
    std::size_t consumed = 0;
    if (parseSocks5Address(p + 3, size - 3, &d.source, &consumed) != Socks5AddressParse::Ok)
        return std::nullopt;
    d.payloadOffset = 3 + consumed;
    return d;
}

} // namespace weir::upstream
