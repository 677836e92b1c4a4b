// libFuzzer target: an HTTP proxy's answer to CONNECT as hostile input, split into chunks. The
// handshake must stay within its 16 KiB header cap, never claim more bytes than it was given, and
// say why it failed.
#include <cstddef>
#include <cstdint>

#include "upstream/httpconnecthandshake.h"

using weir::core::Handshake;
using namespace weir::upstream;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size < 1)
        return 0;
    const std::size_t chunk = 1 + data[0] * 16;
    ++data;
    --size;
    HttpConnectHandshake h("192.0.2.1:443", "user", "pass");
    h.consumeOutput(h.output().size());
    Handshake::Status status = Handshake::Status::NeedInput;
    std::size_t taken = 0;
    while (size > 0 && status == Handshake::Status::NeedInput) {
        const std::size_t n = size < chunk ? size : chunk;
        std::size_t used = 0;
        status = h.input(reinterpret_cast<const char*>(data), n, &used);
        if (used > n)
            __builtin_trap();
        if (status == Handshake::Status::NeedInput && used != n)
            __builtin_trap();
        taken += used;
        data += n;
        size -= n;
    }
    if (taken > HttpConnectHandshake::kMaxResponseHeader)
        __builtin_trap();
    if (status == Handshake::Status::NeedInput)
        status = h.endOfInput();
    if (status == Handshake::Status::Failed && h.failure().empty())
        __builtin_trap();
    return 0;
}
