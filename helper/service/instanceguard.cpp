#include "service/instanceguard.h"

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <thread>

namespace weir::service {

namespace {

std::string errnoText(int err) {
    return std::strerror(err);
}

std::string runtimeDir() {
    const char* dir = std::getenv("WEIR_RUNTIME_DIR");
    return dir && *dir ? dir : "/run/weir";
}

// Reads the pid the holder wrote into the lock file, for the error message.
std::string holderOf(int fd) {
    char buf[32] = {};
    const ssize_t n = ::pread(fd, buf, sizeof buf - 1, 0);
    std::string pid = n > 0 ? std::string(buf, static_cast<std::size_t>(n)) : std::string();
    while (!pid.empty() && (pid.back() == '\n' || pid.back() == ' '))
        pid.pop_back();
    return pid.empty() ? "another process" : "pid " + pid;
}

} // namespace

std::string InstanceLock::pathForThisNetns() {
    struct stat st {};
    const unsigned long long ino = ::stat("/proc/self/ns/net", &st) == 0 ? st.st_ino : 0;
    return runtimeDir() + "/helper-net" + std::to_string(ino) + ".lock";
}

InstanceLock::InstanceLock(int fd, std::string path)
    : fd_(fd)
    , path_(std::move(path)) {}

InstanceLock::~InstanceLock() {
    ::close(fd_); // releases the flock
}

std::unique_ptr<InstanceLock> InstanceLock::acquire(const std::string& path, int waitMs, std::string* error) {
    const std::string dir = path.substr(0, path.rfind('/'));
    if (!dir.empty() && ::mkdir(dir.c_str(), 0755) != 0 && errno != EEXIST) {
        *error = "cannot create " + dir + ": " + errnoText(errno);
        return nullptr;
    }
    const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) {
        *error = "cannot open " + path + ": " + errnoText(errno);
        return nullptr;
    }
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(waitMs);
    while (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
        if (errno != EWOULDBLOCK && errno != EINTR) {
            *error = "cannot lock " + path + ": " + errnoText(errno);
            ::close(fd);
            return nullptr;
        }
        if (std::chrono::steady_clock::now() >= deadline) {
            *error = "another weir-helper (" + holderOf(fd) + ") is running in this network namespace";
            ::close(fd);
            return nullptr;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    const std::string pid = std::to_string(::getpid()) + "\n";
    if (::ftruncate(fd, 0) == 0) {
        [[maybe_unused]] auto n = ::pwrite(fd, pid.data(), pid.size(), 0);
    }
    return std::unique_ptr<InstanceLock>(new InstanceLock(fd, path));
}

// How long the guardian waits for the dead helper's lock (tries of 10 ms).
constexpr int kGuardianLockTries = 300;

bool startGuardian(const std::string& lockPath, std::function<void()> cleanup, std::string* error) {
    int lifeline[2];
    if (::pipe2(lifeline, O_CLOEXEC) != 0) {
        *error = "pipe2: " + errnoText(errno);
        return false;
    }
    const pid_t pid = ::fork();
    if (pid < 0) {
        *error = "fork: " + errnoText(errno);
        ::close(lifeline[0]);
        ::close(lifeline[1]);
        return false;
    }
    if (pid > 0) {
        // The parent keeps only the write end; when it dies, for whatever reason, the guardian reads EOF.
        ::close(lifeline[0]);
        return true;
    }

    // Guardian. Keep stderr (the journal or the terminal) and the lifeline, drop every other
    // descriptor: above all the inherited instance lock, which must be released when the parent dies.
    ::prctl(PR_SET_NAME, "weir-guardian");
    ::dup2(lifeline[0], 3);
    ::close_range(4, ~0U, 0);
    const int devnull = ::open("/dev/null", O_RDWR);
    if (devnull >= 0) {
        ::dup2(devnull, STDIN_FILENO);
        ::dup2(devnull, STDOUT_FILENO);
        if (devnull > 3)
            ::close(devnull);
    }
    // Ctrl-C in a terminal reaches the whole process group; the helper handles it, we wait for its end.
    std::signal(SIGINT, SIG_IGN);
    std::signal(SIGHUP, SIG_IGN);
    char byte;
    while (::read(3, &byte, 1) < 0 && errno == EINTR) {
    }
    // The helper is gone. The kernel may release its lock file a moment after its end of the lifeline
    // (both are closed as it exits, in no fixed order), so keep trying for a while. If a new helper
    // holds the lock by then, it cleaned up at its start: leave it.
    const int fd = ::open(lockPath.c_str(), O_RDWR | O_CLOEXEC);
    for (int tries = 0; fd >= 0 && tries < kGuardianLockTries; ++tries) {
        if (::flock(fd, LOCK_EX | LOCK_NB) == 0) {
            cleanup();
            break;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    ::_exit(0);
}

} // namespace weir::service
