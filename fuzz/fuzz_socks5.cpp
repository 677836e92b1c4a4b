// libFuzzer target: a SOCKS5 proxy's answers (method choice, RFC 1929 status, CONNECT reply) as
// hostile input, split into chunks the way the network might. The handshake must end Done, Failed
// or NeedInput without reading past what it was given, and never consume more than offered.
#include <cstddef>
#include <cstdint>

#include "upstream/socks5handshake.h"

using weir::core::Handshake;
using namespace weir::upstream;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size < 1)
        return 0;
    // First byte: credentials or not, target kind, and the chunk size.
    const std::uint8_t control = data[0];
    ++data;
    --size;
    const bool credentials = control & 1;
    Socks5Address target = (control & 2)
                               ? Socks5Address::fromDomain("example.org", 443)
                               : Socks5Address::fromIp(*weir::core::SocketAddress::parse("192.0.2.1:80"));
    const auto command =
        (control & 4) ? Socks5Handshake::Command::UdpAssociate : Socks5Handshake::Command::Connect;
    const std::size_t chunk = 1 + (control >> 3);
    Socks5Handshake h(target, credentials ? "user" : "", credentials ? "pass" : "", command);

    Handshake::Status status = Handshake::Status::NeedInput;
    while (size > 0 && status == Handshake::Status::NeedInput) {
        h.consumeOutput(h.output().size()); // "send" what it asks for before each answer
        const std::size_t n = size < chunk ? size : chunk;
        std::size_t used = 0;
        status = h.input(reinterpret_cast<const char*>(data), n, &used);
        if (used > n)
            __builtin_trap();
        if (status == Handshake::Status::NeedInput && used != n)
            __builtin_trap(); // waiting for more while leaving bytes unread would hang
        data += used;
        size -= used;
        if (used == 0 && status == Handshake::Status::NeedInput)
            break;
    }
    if (status == Handshake::Status::NeedInput)
        status = h.endOfInput();
    if (status == Handshake::Status::Failed && h.failure().empty())
        __builtin_trap();
    if (status == Handshake::Status::Done)
        (void)h.bound().toString();
    return 0;
}
