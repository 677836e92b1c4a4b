// The synchronous lookup: which process (pid, name, executable, user) owns a local connection.
//
//   SocketQuery ──NETLINK_SOCK_DIAG──▶ socket inode + uid ──/proc/*/fd──▶ pid ──▶ comm, exe, user
//
// A lookup takes a few µs when the socket's holder is cached, and up to one /proc scan plus the
// rest of the scan interval (100 ms by default) when it is not: never call it on a relay thread;
// ProcessResolver runs it on its own thread. Not thread-safe: one ProcessLookup per thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>

#include "procinfo/processdetails.h"
#include "procinfo/processinfo.h"
#include "procinfo/socketholders.h"
#include "procinfo/sockdiag.h"

namespace weir::procinfo {

struct LookupStats {
    std::uint64_t lookups = 0;
    std::uint64_t found = 0;
    std::uint64_t diagQueries = 0; // exact SOCK_DIAG_BY_FAMILY requests
    std::uint64_t diagDumps = 0;   // UDP dumps (the fallback when the exact request misses)
    HolderStats holders;           // cache hits, full /proc scans, ...
};

class ProcessLookup {
public:
    struct Options {
        // At most one full /proc scan per interval (a scan reads every process's descriptors).
        std::chrono::milliseconds minScanInterval{100};
    };

    ProcessLookup();
    explicit ProcessLookup(Options options);

    // The process owning the connection's socket. nullopt with *failure (if given) saying why:
    // Gone for a socket that has closed (a normal outcome for short connections), NoProcess /
    // PermissionDenied when the socket exists but no readable process holds it, Error otherwise.
    std::optional<ProcessInfo> lookup(const SocketQuery& query, LookupFailure* failure = nullptr);

    LookupStats stats() const;
    // Forgets the cached socket holders (benchmarks measure the uncached path with it).
    void clearCache() { holders_.clear(); }

private:
    std::optional<ProcessInfo> describe(pid_t pid, const SocketOwner& owner);
    void explainMiss(const SocketQuery& query, const SocketOwner& owner, const HolderMiss& miss,
                     LookupFailure* failure);

    SockDiag diag_;
    SocketHolders holders_;
    UserNames users_;
    std::uint64_t lookups_ = 0;
    std::uint64_t found_ = 0;
};

} // namespace weir::procinfo
