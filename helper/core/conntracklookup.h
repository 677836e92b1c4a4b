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

    // The reply direction of the entry whose original direction goes from `source` to
    // `destination` (for a socket of ours: its local address, then where it connects). A reply
    // that does not come from `destination` means NAT sent the connection elsewhere.
    std::optional<ConntrackTuple> replyOf(weir::Protocol protocol, const SocketAddress& source,
                                          const SocketAddress& destination, std::string* error,
                                          bool* noEntry = nullptr);

    // The netlink socket; lookups open it when needed.
    bool open(std::string* error);

private:
    // givenType: CTA_TUPLE_REPLY or CTA_TUPLE_ORIG; the answer is the other tuple.
    std::optional<ConntrackTuple> query(weir::Protocol protocol, int givenType, const ConntrackTuple& given,
                                        std::string* error, bool* noEntry);

    UniqueFd fd_;
    unsigned sequence_ = 0;
};

} // namespace weir::core::detail
