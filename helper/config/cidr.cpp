#include "config/cidr.h"

#include <arpa/inet.h>
#include <sys/socket.h>

#include <algorithm>
#include <cstring>

namespace weir {

namespace {

bool setError(std::string* error, std::string text) {
    if (error)
        *error = std::move(text);
    return false;
}

int bitsOf(Family f) {
    return f == Family::V4 ? 32 : 128;
}

int afOf(Family f) {
    return f == Family::V4 ? AF_INET : AF_INET6;
}

} // namespace

std::optional<Cidr> Cidr::parse(std::string_view text, std::string* error) {
    const std::string whole(text);
    const auto slash = whole.find('/');
    const std::string address = whole.substr(0, slash);
    const Family family = address.find(':') != std::string::npos ? Family::V6 : Family::V4;
    unsigned char bytes[16];
    // inet_pton stops at a NUL: "10.0.0.1\0junk" must not pass as 10.0.0.1 (found by fuzzing).
    if (address.empty() || address.find('\0') != std::string::npos ||
        inet_pton(afOf(family), address.c_str(), bytes) != 1) {
        setError(error, "\"" + whole + "\" is not an IPv4 or IPv6 address or subnet");
        return std::nullopt;
    }
    int length = bitsOf(family);
    if (slash != std::string::npos) {
        const std::string len = whole.substr(slash + 1);
        const bool digits = !len.empty() && len.size() <= 3 &&
                            std::all_of(len.begin(), len.end(), [](char c) { return c >= '0' && c <= '9'; });
        if (!digits || (len.size() > 1 && len[0] == '0') || std::stoi(len) > bitsOf(family)) {
            setError(error, "\"" + whole + "\" has a bad prefix length (0 to " +
                                std::to_string(bitsOf(family)) + ")");
            return std::nullopt;
        }
        length = std::stoi(len);
    }
    return Cidr{address, length};
}

Family Cidr::family() const {
    return address.find(':') != std::string::npos ? Family::V6 : Family::V4;
}

std::string Cidr::normalized() const {
    const Family f = family();
    unsigned char addr[16] = {};
    if (inet_pton(afOf(f), address.c_str(), addr) != 1)
        return address + "/" + std::to_string(prefixLength);
    const int bytes = bitsOf(f) / 8;
    const int prefix = std::clamp(prefixLength, 0, bitsOf(f));
    for (int i = 0; i < bytes; ++i) {
        const int keep = std::clamp(prefix - i * 8, 0, 8);
        addr[i] &= static_cast<unsigned char>(0xff00 >> keep);
    }
    char out[INET6_ADDRSTRLEN] = {};
    inet_ntop(afOf(f), addr, out, sizeof out);
    return std::string(out) + "/" + std::to_string(prefix);
}

bool Cidr::contains(Family f, const unsigned char* addressBytes) const {
    if (f != family())
        return false;
    unsigned char net[16] = {};
    if (inet_pton(afOf(f), address.c_str(), net) != 1)
        return false;
    const int prefix = std::clamp(prefixLength, 0, bitsOf(f));
    for (int i = 0; i < bitsOf(f) / 8; ++i) {
        const int keep = std::clamp(prefix - i * 8, 0, 8);
        const auto mask = static_cast<unsigned char>(0xff00 >> keep);
        if ((net[i] & mask) != (addressBytes[i] & mask))
            return false;
    }
    return true;
}

} // namespace weir
