// Fuzzes the single-value parsers that take user text: IP prefixes (Cidr::parse), destination
// ports (PortRange::parse) and the upstream URL (Upstream::parse). The first byte picks the parser,
// the rest is the text. Each accepted value must be consistent with itself:
// - a prefix's normalized() form parses again, is a fixed point, and contains its own address;
// - a port range prints to text that parses back to the same range;
// - an upstream prints to a URL that parses back to the same upstream.
#include <arpa/inet.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "config/cidr.h"
#include "config/settings.h"
#include "config/upstream.h"

namespace {

[[noreturn]] void fail(const char* what, const std::string& text) {
    std::fprintf(stderr, "fuzz_setting_values: %s: \"%s\"\n", what, text.c_str());
    std::abort();
}

void checkCidr(const std::string& text) {
    const auto cidr = weir::Cidr::parse(text);
    if (!cidr)
        return;
    const bool v4 = cidr->family() == weir::Family::V4;
    if (cidr->prefixLength < 0 || cidr->prefixLength > (v4 ? 32 : 128))
        fail("prefix length out of range", text);
    const std::string normal = cidr->normalized();
    const auto again = weir::Cidr::parse(normal);
    if (!again || again->family() != cidr->family())
        fail("normalized form does not parse as the same family", normal);
    if (again->normalized() != normal)
        fail("normalized form is not a fixed point", normal);
    unsigned char bytes[16] = {};
    if (inet_pton(v4 ? AF_INET : AF_INET6, cidr->address.c_str(), bytes) != 1)
        fail("accepted address that inet_pton refuses", text);
    if (!cidr->contains(cidr->family(), bytes) || !again->contains(cidr->family(), bytes))
        fail("prefix does not contain its own address", text);
}

void checkPorts(const std::string& text) {
    const auto range = weir::PortRange::parse(text);
    if (!range)
        return;
    if (range->first == 0 || range->first > range->last)
        fail("accepted an empty or zero port range", text);
    if (weir::PortRange::parse(range->toString()) != range)
        fail("port range does not survive toString()", text);
}

void checkUpstream(const std::string& text) {
    const auto upstream = weir::Upstream::parse(text);
    if (!upstream)
        return;
    const std::string url = upstream->toUrl();
    if (weir::Upstream::parse(url) != upstream)
        fail("upstream does not survive toUrl()", url);
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0)
        return 0;
    const std::string text(reinterpret_cast<const char*>(data) + 1, size - 1);
    switch (data[0] % 3) {
    case 0:
        checkCidr(text);
        break;
    case 1:
        checkPorts(text);
        break;
    default:
        checkUpstream(text);
        break;
    }
    return 0;
}
