// A process's name and executable as /proc shows them, and user names for uids.
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>
#include <unordered_map>

namespace weir::procinfo {

// /proc/<pid>/comm without its newline; nullopt when the process is gone.
std::optional<std::string> processName(pid_t pid);

struct Executable {
    std::string path; // empty when unreadable (kernel thread; another user's process without root)
    bool deleted = false;
};
// /proc/<pid>/exe's target, its " (deleted)" mark taken off into `deleted`.
Executable processExecutable(pid_t pid);

// uid → user name through getpwuid_r (NSS may be slow: this runs on the resolver's thread), each
// uid asked once. A uid without a name is shown as its number. Not thread-safe.
class UserNames {
public:
    const std::string& nameOf(uid_t uid);
    std::size_t size() const { return names_.size(); }

private:
    std::unordered_map<uid_t, std::string> names_;
};

} // namespace weir::procinfo
