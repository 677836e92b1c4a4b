// Finds the socket behind a connection with NETLINK_SOCK_DIAG: its inode and owner uid.
//
// One netlink socket, opened on first use; every wait for the kernel is bounded (200 ms), and a
// socket that timed out is replaced so a late answer is never read as the next one's. Not
// thread-safe: one SockDiag per thread.
#pragma once

#include <linux/netlink.h>

#include <cstdint>
#include <optional>
#include <vector>

#include "core/syserror.h"
#include "procinfo/processinfo.h"

namespace weir::procinfo {

struct SocketOwner {
    std::uint64_t inode = 0;
    uid_t uid = 0;
};

class SockDiag {
public:
    SockDiag();

    // The socket whose local address is query.source and whose peer is query.destination. For UDP,
    // an unconnected socket bound to the source matches too; when the kernel's exact lookup misses
    // (a socket bound to a device, for example) one dump of the UDP sockets is filtered by the
    // source port. nullopt with *failure: Gone when there is no such socket, or when it is only a
    // TCP socket its program closed and the kernel still finishes (TIME_WAIT, FIN_WAIT: inode 0).
    std::optional<SocketOwner> find(const SocketQuery& query, LookupFailure* failure);

    std::uint64_t exactQueries() const { return exactQueries_; }
    std::uint64_t dumps() const { return dumps_; }

private:
    bool open(LookupFailure* failure);
    // Sends one request and runs `callback` on each answer: the one batch of a single request, or
    // every batch of a dump until its end. Returns 0, or the errno of the kernel's error / the
    // failed system call.
    int exchange(const nlmsghdr* request, int (*callback)(const nlmsghdr*, void*), void* data,
                 bool* timedOut);
    std::optional<SocketOwner> findExact(const SocketQuery& query, int* err, LookupFailure* failure);
    std::optional<SocketOwner> findInUdpDump(const SocketQuery& query, LookupFailure* failure);

    weir::core::detail::UniqueFd fd_;
    unsigned sequence_ = 0;
    std::vector<char> buffer_; // one dump batch
    std::uint64_t exactQueries_ = 0;
    std::uint64_t dumps_ = 0;
};

} // namespace weir::procinfo
