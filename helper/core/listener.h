// Listening sockets: what the core is asked to listen on (ListenerConfig), and opening them.
// Every listener carries SO_REUSEPORT, so 127.0.0.1:P and 0.0.0.0:P of the same core can be open at
// once (the scope changes from local to gateway while enabled: the new set opens before the old
// closes). A probe bind without SO_REUSEPORT first makes sure nobody *else* holds the port.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

#include "config/types.h"
#include "core/poller.h"
#include "core/socketaddress.h"
#include "core/syserror.h"

namespace weir::core {

struct ListenerConfig {
    weir::Family family = weir::Family::V4;
    weir::Protocol protocol = weir::Protocol::Tcp;
    std::string address = "127.0.0.1"; // a bare IP: "127.0.0.1", "0.0.0.0", "::1", "::" ("[::1]" accepted)
    std::uint16_t port = 0;            // 0: the kernel picks one (see ProxyCore::listeners())
    // IP_TRANSPARENT / IPV6_TRANSPARENT: TPROXY only delivers to transparent sockets.
    // A UDP listener is always used this way (its flows need the TPROXY original destination).
    bool transparent = false;
    bool operator==(const ListenerConfig&) const = default;
};

// TCP keepalive on the client sockets of relayed connections. Without it a client that vanishes
// (its host gone, or its packets no longer reaching us once interception is off) holds a relayed
// connection for ever: the relay waits for a FIN that never comes. With it, a silent client is
// probed; a RST or no answer ends the connection. Accepted sockets inherit it from the listener.
struct TcpKeepalive {
    std::chrono::seconds idle{60};     // silence before the first probe; 0: keepalive off
    std::chrono::seconds interval{10}; // between unanswered probes
    int probes = 6;                    // unanswered probes before the connection is given up
};

// "tcp 127.0.0.1:41080", "udp [::]:41080 transparent": for errors and logs.
std::string toString(const ListenerConfig& listener);

// The socket address a listener binds, or nullopt with *error ("invalid listen address: ...").
std::optional<SocketAddress> listenerSocketAddress(const ListenerConfig& listener, std::string* error);

namespace detail {

// One open listener. Created by the calling thread in ProxyCore, then owned by the relay thread.
struct ListenerSlot {
    ListenerConfig requested; // as asked (port may be 0)
    ListenerConfig actual;    // with the real port
    SocketAddress bound;
    UniqueFd fd;
    Endpoint endpoint{Endpoint::Kind::TcpListener};
    bool paused = false; // TCP: accept paused after EMFILE/ENFILE (see kAcceptPause)
};

// Opens, binds and (TCP) listens. `probe`: first check with a bind without SO_REUSEPORT that no
// other socket holds the address, so "address in use" is still reported when another program (or
// another core) has the port. Skip it when one of our own listeners shares the port on purpose.
// IPv6 listeners are IPV6_V6ONLY: IPv4 has its own listener, so peers are never v4-mapped.
// TCP listeners carry `keepalive` (see TcpKeepalive).
bool openListener(const ListenerConfig& config, bool probe, std::uint32_t mark, const TcpKeepalive& keepalive,
                  ListenerSlot* slot, std::string* error);

} // namespace detail
} // namespace weir::core
