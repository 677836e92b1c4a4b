// Where did an intercepted connection want to go? The kernel keeps the answer; how to ask depends on
// how the connection was intercepted.
#pragma once

#include <optional>
#include <string>

#include "core/connection.h"
#include "core/socketaddress.h"

namespace weir::core {

// Recovers the original destination of the accepted TCP socket `fd`.
// - Redirect: the NAT table rewrote the destination; conntrack still has the original one:
//   getsockopt(SOL_IP, SO_ORIGINAL_DST), or (SOL_IPV6, IP6T_SO_ORIGINAL_DST) for IPv6 peers.
//   IPv4 peers of a dual-stack socket are tracked as IPv4, so the level follows the peer's family.
// - Tproxy: the destination was never rewritten; the accepted socket's local address is it.
// IPv4-mapped results are normalized to IPv4. On failure returns nullopt, leaves errno set and
// puts a readable reason in *error (e.g. "SO_ORIGINAL_DST: No such file or directory").
std::optional<SocketAddress> recoverOriginalDestination(int fd, InterceptMode mode, std::string* error);

// Where the accepted TCP socket `fd` wanted to go, and how it got to us, whatever the listener was
// set up for (one listener may see both): SO_ORIGINAL_DST (IP6T_SO_ORIGINAL_DST for IPv6) that
// differs from getsockname() means NAT REDIRECTed it (mode Redirect). Otherwise, on a transparent
// listener, TPROXY delivered it and getsockname() is the original destination (mode Tproxy); on a
// plain listener an unchanged destination is the listener itself (mode Redirect; the loop guard
// refuses it). Fails (nullopt, *error) when none of this applies, e.g. a plain listener reached
// without NAT and without a conntrack entry ("SO_ORIGINAL_DST: No such file or directory").
// Made for the accept path, two system calls: `peer` (from accept()) tells the address family, and
// the accepted socket's own address (which the loop guard needs) goes to *local.
struct ArrivedDestination {
    SocketAddress address;
    InterceptMode mode = InterceptMode::Redirect;
};
std::optional<ArrivedDestination> recoverArrivedDestination(int fd, const SocketAddress& peer,
                                                            bool transparentListener, SocketAddress* local,
                                                            std::string* error);

} // namespace weir::core
