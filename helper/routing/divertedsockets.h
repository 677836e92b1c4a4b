// What a TPROXY divert leaves in the kernel after it ends: the transparent sockets of finished
// connections, which the kernel keeps for a while with no program behind them (TIME_WAIT for 60 s
// after Weir closed first, FIN_WAIT and the like). Their local address is the connection's original
// destination, so a LAN client's new SYN from the same source port to the same destination is
// matched to them by early demux, and ip_forward drops a packet that has a local socket: the client
// times out instead of reaching the server directly. The TPROXY target handles such sockets while
// the rules divert; once they no longer do, these are destroyed (SOCK_DESTROY). No Qt.
#pragma once

#include <cstddef>
#include <string>

#include "config/types.h"

namespace weir::routing {

// Destroys every TCP socket of `family` in this network namespace that no program holds (inode 0:
// TIME_WAIT, orphans) and whose local address is not one of this machine's: only a transparent
// socket can have such an address. Sockets of programs are never touched. On success *destroyed
// says how many went; false with *error when the dump or a destroy failed (what could be destroyed
// is gone all the same).
bool destroyDivertedLeftovers(Family family, std::size_t* destroyed, std::string* error);

} // namespace weir::routing
