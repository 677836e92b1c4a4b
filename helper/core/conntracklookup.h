// Asks the kernel's connection tracking where a connection really came from.
//
// REDIRECT is NAT: the address a client's connection arrives from is the reply direction of its
// conntrack entry, and NAT may have rewritten its source port to keep that tuple unique (for
// example when the same local port already reaches the listener on behalf of another connection).
// So an accepted connection's peer address is not the identity of the socket that opened it. The
// entry's original direction is: it holds the source address and port the client socket really
// has. The loop guard uses this to tell "one of our own sockets came back" from "a client whose
// rewritten port happens to equal one of ours".
//
// One netlink socket per relay thread; a lookup is one request and one answer (a few µs), made only
// when the address check already found a candidate.
#pragma once

#include <optional>
#include <string>

#include "config/types.h"
#include "core/socketaddress.h"
#include "core/syserror.h"

namespace weir::core::detail {

struct ConntrackTuple {
    SocketAddress source;
    SocketAddress destination;
};

class ConntrackLookup {
public:
    // The original direction of the entry whose reply direction goes from `replySource` to
    // `replyDestination` (for an accepted socket: its local address, then its peer). nullopt with
    // *error when there is no such entry (no NAT and no tracking: NOTRACK, conntrack not loaded)
    // or the kernel cannot be asked; *noEntry (if given) tells the first case from the second.
    std::optional<ConntrackTuple> originalOf(weir::Protocol protocol, const SocketAddress& replySource,
                                             const SocketAddress& replyDestination, std::string* error,
                                             bool* noEntry = nullptr);

private:
    bool open(std::string* error);

    UniqueFd fd_;
    unsigned sequence_ = 0;
};

} // namespace weir::core::detail
