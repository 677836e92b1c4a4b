// One helper per network namespace, and a guardian that removes the helper's rules if it dies.
//
// Rules that redirect traffic to a proxy that is gone blackhole the machine. systemd runs
// `weir-helper --cleanup` after the helper exits (ExecStopPost), but a helper started by plain D-Bus
// activation, or by hand, has nobody to do that after a kill -9. So the helper forks a small guardian
// that waits for it to end and then removes Weir's rules, unless a new helper has already taken over
// (the new helper cleans up at start itself). The instance lock, one per network namespace, also
// keeps a second helper from "cleaning up" the rules of one that is running.
// Plain C++ (fork, pipes, flock); no Qt.
#pragma once

#include <functional>
#include <memory>
#include <string>

namespace weir::service {

class InstanceLock {
public:
    // The lock file for the caller's network namespace: $WEIR_RUNTIME_DIR (default /run/weir)
    // /helper-net<inode of /proc/self/ns/net>.lock.
    static std::string pathForThisNetns();
    // Takes the lock, waiting up to waitMs (a guardian may still be cleaning up). Returns null with
    // *error saying who holds it.
    static std::unique_ptr<InstanceLock> acquire(const std::string& path, int waitMs, std::string* error);
    ~InstanceLock();
    InstanceLock(const InstanceLock&) = delete;
    InstanceLock& operator=(const InstanceLock&) = delete;

    const std::string& path() const { return path_; }

private:
    InstanceLock(int fd, std::string path);
    int fd_;
    std::string path_;
};

// Forks the guardian. Call while the process has a single thread (before the D-Bus connection and
// the proxy core start). cleanup runs in the guardian after this process ends, if the guardian can
// take the instance lock at lockPath then.
bool startGuardian(const std::string& lockPath, std::function<void()> cleanup, std::string* error);

} // namespace weir::service
