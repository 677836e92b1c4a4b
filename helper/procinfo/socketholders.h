// Which process holds a socket: its inode against the "socket:[inode]" links in /proc/<pid>/fd.
//
// Reading every process's descriptors is the expensive part of a lookup, so the result of one full
// scan is kept: inode → (pid, fd) for every socket seen. A cached entry is checked before use (one
// readlink of that very descriptor; the process may have closed it, or the pid may have been
// reused), then that process's other descriptors (the socket may have been dup'ed elsewhere), and
// only then is /proc scanned again, at most once per `minScanInterval`: a lookup that needs a scan
// sooner waits for the rest of the interval. Each scan replaces the whole cache, so it never holds
// more than the sockets that existed at the last scan.
//
// A socket shared by several processes (inherited across fork) is reported for the first process
// the scan met. Processes of other users can only be read by root; the scan counts those it could
// not read so a miss can say so. Not thread-safe: one instance per thread.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <unordered_map>

namespace weir::procinfo {

struct HolderStats {
    std::uint64_t cacheHits = 0;   // the cached descriptor still held the socket
    std::uint64_t cacheMoved = 0;  // found again among the cached process's other descriptors
    std::uint64_t fullScans = 0;   // /proc walked
    std::uint64_t scanWaits = 0;   // a scan had to wait for the rate limit
    std::size_t cachedSockets = 0; // inodes known after the last scan
};

struct HolderMiss {
    std::size_t unreadableProcesses = 0; // their fd directories could not be read (EACCES)
    bool truncated = false;              // the scan stopped at its descriptor limit
};

class SocketHolders {
public:
    explicit SocketHolders(std::chrono::milliseconds minScanInterval = std::chrono::milliseconds(100));

    // The pid holding socket:[inode], or nullopt (then *miss says what the last scan could not see).
    std::optional<pid_t> holderOf(std::uint64_t inode, HolderMiss* miss);

    // Forgets every cached entry (benchmarks and tests measure the uncached path with it).
    void clear();
    const HolderStats& stats() const { return stats_; }

    // A scan reads at most this many descriptors, bounding its time and the cache's size.
    static constexpr std::size_t kMaxDescriptors = 1'000'000;

private:
    struct Holder {
        pid_t pid = 0;
        int fd = -1;
    };

    std::optional<Holder> verify(std::uint64_t inode, const Holder& cached);
    void scan();

    std::chrono::milliseconds minScanInterval_;
    std::optional<std::chrono::steady_clock::time_point> lastScan_;
    std::unordered_map<std::uint64_t, Holder> cache_;
    HolderMiss lastScanMiss_;
    HolderStats stats_;
};

// "socket:[12345]" → 12345; nullopt for any other link text.
std::optional<std::uint64_t> socketInodeOf(std::string_view link);

} // namespace weir::procinfo
