#include "procinfo/processdetails.h"

#include <fcntl.h>
#include <pwd.h>
#include <unistd.h>

#include <string_view>
#include <vector>

#include "core/syserror.h"

namespace weir::procinfo {

std::optional<std::string> processName(pid_t pid) {
    const std::string path = "/proc/" + std::to_string(pid) + "/comm";
    weir::core::detail::UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd.isValid())
        return std::nullopt;
    char buf[64]; // TASK_COMM_LEN is 16
    const ssize_t n = ::read(fd.get(), buf, sizeof buf);
    if (n <= 0)
        return std::nullopt;
    std::string name(buf, static_cast<std::size_t>(n));
    while (!name.empty() && name.back() == '\n')
        name.pop_back();
    return name;
}

Executable processExecutable(pid_t pid) {
    const std::string path = "/proc/" + std::to_string(pid) + "/exe";
    std::vector<char> buf(4096); // PATH_MAX
    const ssize_t n = ::readlink(path.c_str(), buf.data(), buf.size());
    if (n <= 0 || static_cast<std::size_t>(n) >= buf.size())
        return {};
    Executable exe{std::string(buf.data(), static_cast<std::size_t>(n)), false};
    constexpr std::string_view mark = " (deleted)";
    if (exe.path.size() > mark.size() &&
        std::string_view(exe.path).substr(exe.path.size() - mark.size()) == mark) {
        exe.path.resize(exe.path.size() - mark.size());
        exe.deleted = true;
    }
    return exe;
}

const std::string& UserNames::nameOf(uid_t uid) {
    if (const auto it = names_.find(uid); it != names_.end())
        return it->second;
    long size = ::sysconf(_SC_GETPW_R_SIZE_MAX);
    std::vector<char> buf(size > 0 ? static_cast<std::size_t>(size) : 16384);
    passwd entry{};
    passwd* result = nullptr;
    while (::getpwuid_r(uid, &entry, buf.data(), buf.size(), &result) == ERANGE && buf.size() < (1U << 20))
        buf.resize(buf.size() * 2);
    std::string name = result && result->pw_name ? std::string(result->pw_name) : std::to_string(uid);
    return names_.emplace(uid, std::move(name)).first->second;
}

} // namespace weir::procinfo
