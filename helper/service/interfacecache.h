// The interface each LAN client is reached through, for the connection list: one route lookup
// per client address, remembered for a minute (routes rarely change, and a tick of the list must
// not ask the kernel once per row). Service thread only.
#pragma once

#include <chrono>
#include <string>
#include <unordered_map>

#include "core/socketaddress.h"

namespace weir::service {

class InterfaceCache {
public:
    using Clock = std::chrono::steady_clock;

    // "" for an address of this machine or when the kernel has no route to it.
    const std::string& interfaceOf(const core::SocketAddress& address, Clock::time_point now = Clock::now());

private:
    struct Entry {
        std::string name;
        Clock::time_point expires;
    };
    std::unordered_map<std::string, Entry> entries_; // by address without port
};

} // namespace weir::service
