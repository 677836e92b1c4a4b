// libFuzzer target: the SOCKS5 UDP header of datagrams from the proxy. A datagram is either
// dropped or unwrapped to a payload inside it; wrapping the unwrapped source again must unwrap to
// the same source and payload.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>

#include "upstream/socks5udp.h"

using namespace weir::upstream;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const char* bytes = reinterpret_cast<const char*>(data);
    const auto d = unwrapSocks5Udp(bytes, size);
    if (!d)
        return 0;
    if (d->payloadOffset > size || d->payloadOffset < 4)
        __builtin_trap();
    std::string again;
    if (!wrapSocks5Udp(again, d->source, bytes + d->payloadOffset, size - d->payloadOffset))
        __builtin_trap();
    const auto d2 = unwrapSocks5Udp(again.data(), again.size());
    if (!d2 || d2->source.toString() != d->source.toString() ||
        again.size() - d2->payloadOffset != size - d->payloadOffset ||
        std::memcmp(again.data() + d2->payloadOffset, bytes + d->payloadOffset, size - d->payloadOffset) != 0)
        __builtin_trap();
    return 0;
}
