// What Weir tells about the program behind a local connection, and why it sometimes cannot.
//
// The `process` column of the connection table: a connection made on this machine is owned by a
// socket, the socket by one or more processes. Lookups go through NETLINK_SOCK_DIAG (socket → inode
// and owner uid) and /proc (inode → pid → name, executable). LAN clients have no local socket and
// are never looked up. Plain C++, no Qt.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>

#include "config/types.h"
#include "core/socketaddress.h"

namespace weir::procinfo {

// An intercepted connection as the client's own socket sees it: its local address (the
// connection's source) and where it connected or sent to (the original destination, which NAT
// never shows the client's socket). Only for connections made on this machine.
struct SocketQuery {
    weir::Protocol protocol = weir::Protocol::Tcp;
    weir::core::SocketAddress source;
    weir::core::SocketAddress destination;
};

struct ProcessInfo {
    pid_t pid = 0;
    std::string name;        // /proc/<pid>/comm (at most 15 characters, set by the program)
    std::string exe;         // /proc/<pid>/exe target; empty when it cannot be read (kernel thread, no root)
    bool exeDeleted = false; // the file was replaced or removed since it started (the " (deleted)" mark)
    uid_t uid = 0;           // the socket's owner as the kernel records it
    std::string user;        // uid's name, or the number as text when the system has no name for it
    std::uint64_t inode = 0; // the socket's inode (socket:[inode] in /proc/<pid>/fd)
};

// Why a lookup found nothing; callers branch on the kind, people read the message.
enum class FailureKind {
    Gone,             // the socket no longer exists (short connections end before they are looked up)
    NoProcess,        // the socket exists but no visible process holds it (in flight, other PID namespace)
    PermissionDenied, // the holder may be another user's process, whose descriptors need root to read
    Unsupported,      // the kernel cannot answer (no sock_diag for this protocol) or the query is unusable
    Error,            // netlink or /proc failed unexpectedly
    Dropped,          // ProcessResolver only: its queue was full or it stopped first
};

const char* toString(FailureKind kind); // "gone", "no-process", ...

struct LookupFailure {
    FailureKind kind = FailureKind::Error;
    std::string message;
};

} // namespace weir::procinfo
