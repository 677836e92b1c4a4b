// What the libiptc backend needs around libiptc itself: the xtables lock and the kernel log.
// Internal to the backend.
#pragma once

#include <string>

namespace weir::firewall {

// The lock `iptables -w` and other xtables users serialise on. libiptc does not take it.
class XtablesLock {
public:
    XtablesLock() = default;
    ~XtablesLock();
    XtablesLock(const XtablesLock&) = delete;
    XtablesLock& operator=(const XtablesLock&) = delete;

    // Empty path: $XTABLES_LOCKFILE if set, else /run/xtables.lock.
    bool acquire(std::string path, int timeoutMs, std::string* error);

private:
    int m_fd = -1;
};

// iptc_commit only says EINVAL; the kernel logs why. Remembers where the log ends before a commit
// and reads what was added after it failed. Best effort: needs root, and the log is shared by all
// namespaces, so a line from elsewhere may slip in.
class KernelLogTail {
public:
    KernelLogTail();
    ~KernelLogTail();
    KernelLogTail(const KernelLogTail&) = delete;
    KernelLogTail& operator=(const KernelLogTail&) = delete;

    // New records that look like xtables messages, joined with "; ".
    std::string newLines() const;

private:
    int m_fd = -1;
};

} // namespace weir::firewall
