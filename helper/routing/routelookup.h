// Which interface a host is reached through: `ip route get ADDRESS` over rtnetlink (libmnl). The
// connection list names the interface a LAN client's packets come in on; for a client on a
// directly connected network that is the interface its route leaves by. No Qt.
#pragma once

#include <optional>
#include <string>

#include "config/types.h"

namespace weir::routing {

// `address` is 4 (V4) or 16 (V6) bytes in network order. The name of the interface the kernel
// would send to it by; "" for an address of this machine (a local route). nullopt with *error set
// when the kernel has no route or cannot be asked.
std::optional<std::string> interfaceTowards(Family family, const void* address, std::string* error);

} // namespace weir::routing
