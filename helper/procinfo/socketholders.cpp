#include "procinfo/socketholders.h"

#include <dirent.h>
#include <fcntl.h>
#include <unistd.h>

#include <charconv>
#include <cstdlib>
#include <string_view>
#include <thread>

#include "core/syserror.h"

namespace weir::procinfo {

namespace {

using weir::core::detail::UniqueFd;

// A /proc entry or descriptor name as a number; nullopt for "self", "." and the like.
template <typename T> std::optional<T> numberOf(const char* name) {
    T value{};
    const std::string_view text(name);
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc() || end != text.data() + text.size() || text.empty())
        return std::nullopt;
    return value;
}

std::optional<std::uint64_t> linkedInode(int dirFd, const char* name) {
    char link[64];
    const ssize_t n = ::readlinkat(dirFd, name, link, sizeof link);
    if (n <= 0 || static_cast<std::size_t>(n) >= sizeof link)
        return std::nullopt;
    return socketInodeOf(std::string_view(link, static_cast<std::size_t>(n)));
}

std::string fdDirOf(pid_t pid) {
    return "/proc/" + std::to_string(pid) + "/fd";
}

// Calls f(fdNumber, inode) for every socket descriptor of the directory; stops when f returns false.
// Returns errno when the directory cannot be read, 0 otherwise.
template <typename F> int forEachSocket(const std::string& fdDir, F&& f) {
    UniqueFd dirFd(::open(fdDir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!dirFd.isValid())
        return errno;
    DIR* dir = ::fdopendir(dirFd.get());
    if (!dir)
        return errno;
    dirFd.release(); // closedir closes it
    while (const dirent* entry = ::readdir(dir)) {
        const auto fd = numberOf<int>(entry->d_name);
        if (!fd)
            continue;
        const auto inode = linkedInode(::dirfd(dir), entry->d_name);
        if (inode && !f(*fd, *inode))
            break;
    }
    ::closedir(dir);
    return 0;
}

} // namespace

std::optional<std::uint64_t> socketInodeOf(std::string_view link) {
    constexpr std::string_view prefix = "socket:[";
    if (link.size() <= prefix.size() + 1 || link.substr(0, prefix.size()) != prefix || link.back() != ']')
        return std::nullopt;
    const std::string_view digits = link.substr(prefix.size(), link.size() - prefix.size() - 1);
    std::uint64_t inode = 0;
    const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), inode);
    if (ec != std::errc() || end != digits.data() + digits.size())
        return std::nullopt;
    return inode;
}

SocketHolders::SocketHolders(std::chrono::milliseconds minScanInterval)
    : minScanInterval_(minScanInterval) {}

void SocketHolders::clear() {
    cache_.clear();
    lastScan_.reset();
    stats_.cachedSockets = 0;
}

std::optional<SocketHolders::Holder> SocketHolders::verify(std::uint64_t inode, const Holder& cached) {
    const std::string fdDir = fdDirOf(cached.pid);
    if (linkedInode(AT_FDCWD, (fdDir + '/' + std::to_string(cached.fd)).c_str()) == inode) {
        ++stats_.cacheHits;
        return cached;
    }
    std::optional<Holder> moved;
    forEachSocket(fdDir, [&](int fd, std::uint64_t found) {
        if (found != inode)
            return true;
        moved = Holder{cached.pid, fd};
        return false;
    });
    if (moved)
        ++stats_.cacheMoved;
    return moved;
}

void SocketHolders::scan() {
    if (lastScan_) {
        const auto due = *lastScan_ + minScanInterval_;
        if (std::chrono::steady_clock::now() < due) {
            ++stats_.scanWaits;
            std::this_thread::sleep_until(due);
        }
    }
    lastScan_ = std::chrono::steady_clock::now();
    ++stats_.fullScans;
    std::unordered_map<std::uint64_t, Holder> found;
    HolderMiss miss;
    std::size_t descriptors = 0;
    DIR* proc = ::opendir("/proc");
    if (proc) {
        while (const dirent* entry = ::readdir(proc)) {
            const auto pid = numberOf<pid_t>(entry->d_name);
            if (!pid)
                continue;
            const int err = forEachSocket(fdDirOf(*pid), [&](int fd, std::uint64_t inode) {
                found.try_emplace(inode, Holder{*pid, fd});
                return ++descriptors < kMaxDescriptors;
            });
            if (err == EACCES || err == EPERM)
                ++miss.unreadableProcesses;
            if (descriptors >= kMaxDescriptors) {
                miss.truncated = true;
                break;
            }
        }
        ::closedir(proc);
    }
    cache_ = std::move(found);
    lastScanMiss_ = miss;
    stats_.cachedSockets = cache_.size();
}

std::optional<pid_t> SocketHolders::holderOf(std::uint64_t inode, HolderMiss* miss) {
    if (const auto it = cache_.find(inode); it != cache_.end()) {
        if (const auto holder = verify(inode, it->second)) {
            it->second = *holder;
            return holder->pid;
        }
        cache_.erase(it);
    }
    scan();
    if (const auto it = cache_.find(inode); it != cache_.end())
        return it->second.pid;
    if (miss)
        *miss = lastScanMiss_;
    return std::nullopt;
}

} // namespace weir::procinfo
