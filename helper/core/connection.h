// Plain data describing one intercepted connection. Shared by the core and the service layer;
// no Qt here on purpose (the data path must not depend on it).
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "config/types.h"
#include "core/socketaddress.h"

namespace weir::core {

// The shared enums (config/types.h), under the names the core has always used.
using weir::Protocol;
using InterceptMode = weir::Mode;
using weir::toString;

// Connecting: the original destination is known, the outgoing connect is in progress.
// Established: relaying both ways. Closing: one direction has finished (EOF passed on), the other
// still relays. Closed: ended after it was established: cleanly ("eof"), by a reset ("reset by
// client" / "reset by destination"), an I/O error, or "core stopped". Failed: never reached the
// destination (original destination unknown, loop refused, connect refused or timed out).
enum class ConnectionState { Connecting, Established, Closing, Closed, Failed };

const char* toString(ConnectionState s);

// The program on this machine that opened a connection, when it is known (found off the relay
// path: CoreConfig::onLocalConnection, ProxyCore::setProcess).
struct ProcessOwner {
    std::uint32_t pid = 0;
    std::string name; // /proc/<pid>/comm
    std::string exe;  // the executable's path
    std::uint32_t uid = 0;
    std::string user;
};

struct ConnectionRecord {
    std::uint64_t id = 0;
    Protocol protocol = Protocol::Tcp;
    InterceptMode mode = InterceptMode::Redirect;
    SocketAddress source;            // the intercepted client
    SocketAddress destination;       // the original destination recovered from the kernel
    std::int64_t startedMs = 0;      // Unix time, milliseconds
    std::int64_t closedMs = 0;       // 0 while open
    std::uint64_t bytesSent = 0;     // client -> destination
    std::uint64_t bytesReceived = 0; // destination -> client
    ConnectionState state = ConnectionState::Connecting;
    std::string via;  // how it left: "direct", "socks5 10.0.0.1:1080" (Connector::describe())
    std::string host; // TLS SNI or HTTP Host from the client's first bytes; empty when unknown
    // For a client on this machine, once found; null otherwise. Shared and immutable, so the tens of
    // thousands of records of LAN clients and closed connections pay 16 bytes, and copies nothing.
    std::shared_ptr<const ProcessOwner> process;
    // For a LAN client, the interface it is reached through; empty for local ones. Not known to
    // the core: the helper fills it in (routing::interfaceTowards) on its copies of the records.
    std::string interface;
    std::string closeReason; // empty while open; "eof", "reset by client", "connect: Connection refused", ...
};

} // namespace weir::core
