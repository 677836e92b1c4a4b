#include "procinfo/processlookup.h"

#include <unistd.h>

namespace weir::procinfo {

namespace {

void fail(LookupFailure* failure, FailureKind kind, std::string message) {
    if (failure)
        *failure = {kind, std::move(message)};
}

} // namespace

ProcessLookup::ProcessLookup()
    : ProcessLookup(Options{}) {}

ProcessLookup::ProcessLookup(Options options)
    : holders_(options.minScanInterval) {}

LookupStats ProcessLookup::stats() const {
    return {lookups_, found_, diag_.exactQueries(), diag_.dumps(), holders_.stats()};
}

std::optional<ProcessInfo> ProcessLookup::describe(pid_t pid, const SocketOwner& owner) {
    auto name = processName(pid);
    if (!name)
        return std::nullopt; // exited since the scan
    ProcessInfo info;
    info.pid = pid;
    info.name = std::move(*name);
    const Executable exe = processExecutable(pid);
    info.exe = exe.path;
    info.exeDeleted = exe.deleted;
    info.uid = owner.uid;
    info.user = users_.nameOf(owner.uid);
    info.inode = owner.inode;
    return info;
}

void ProcessLookup::explainMiss(const SocketQuery& query, const SocketOwner& owner, const HolderMiss& miss,
                                LookupFailure* failure) {
    // The socket may have closed between the kernel's answer and the scan: ask again.
    LookupFailure again;
    const auto still = diag_.find(query, &again);
    if (!still || still->inode != owner.inode) {
        fail(failure, FailureKind::Gone,
             "the socket (inode " + std::to_string(owner.inode) + ") closed before its process was found");
        return;
    }
    const std::string what = "no process holds socket inode " + std::to_string(owner.inode) + " (uid " +
                             std::to_string(owner.uid) + ")";
    if (miss.unreadableProcesses > 0 && ::geteuid() != 0) {
        fail(failure, FailureKind::PermissionDenied,
             what + " among the processes this user can read; " + std::to_string(miss.unreadableProcesses) +
                 " processes of other users could not be read (reading their /proc/<pid>/fd needs root)");
        return;
    }
    fail(failure, FailureKind::NoProcess,
         what + (miss.truncated
                     ? ": the /proc scan stopped at its descriptor limit"
                     : ": it is in flight between processes or held by one outside this PID namespace"));
}

std::optional<ProcessInfo> ProcessLookup::lookup(const SocketQuery& query, LookupFailure* failure) {
    ++lookups_;
    const auto owner = diag_.find(query, failure);
    if (!owner)
        return std::nullopt;
    for (int attempt = 0; attempt < 2; ++attempt) {
        HolderMiss miss;
        const auto pid = holders_.holderOf(owner->inode, &miss);
        if (!pid) {
            explainMiss(query, *owner, miss, failure);
            return std::nullopt;
        }
        if (auto info = describe(*pid, *owner)) {
            ++found_;
            return info;
        }
        // The holder exited between the scan and reading its name; another process may share the
        // socket, and the next holderOf() finds the cache entry stale and looks again.
    }
    fail(failure, FailureKind::Gone,
         "the process holding socket inode " + std::to_string(owner->inode) + " exited");
    return std::nullopt;
}

} // namespace weir::procinfo
