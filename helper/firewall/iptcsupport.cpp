#include "firewall/iptcsupport.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <thread>

namespace weir::firewall {

XtablesLock::~XtablesLock() {
    if (m_fd >= 0)
        ::close(m_fd); // closing releases the flock
}

bool XtablesLock::acquire(std::string path, int timeoutMs, std::string* error) {
    auto fail = [error](const std::string& text) {
        if (error)
            *error = text;
        return false;
    };
    if (path.empty()) {
        const char* env = std::getenv("XTABLES_LOCKFILE");
        path = env && *env ? env : "/run/xtables.lock";
    }
    m_fd = ::open(path.c_str(), O_CREAT | O_RDWR | O_CLOEXEC, 0600);
    if (m_fd < 0)
        return fail("cannot open the xtables lock " + path + ": " + std::strerror(errno));
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeoutMs);
    while (::flock(m_fd, LOCK_EX | LOCK_NB) != 0) {
        if (errno != EWOULDBLOCK && errno != EINTR)
            return fail("cannot lock " + path + ": " + std::strerror(errno));
        if (std::chrono::steady_clock::now() >= deadline)
            return fail("another program (iptables -w, firewalld, ...) held the xtables lock " + path +
                        " for more than " + std::to_string(timeoutMs) + " ms; try again later");
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return true;
}

KernelLogTail::KernelLogTail() {
    m_fd = ::open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (m_fd >= 0)
        ::lseek(m_fd, 0, SEEK_END);
}

KernelLogTail::~KernelLogTail() {
    if (m_fd >= 0)
        ::close(m_fd);
}

std::string KernelLogTail::newLines() const {
    std::string out;
    char record[2048];
    for (int i = 0; m_fd >= 0 && i < 64; ++i) {
        const ssize_t n = ::read(m_fd, record, sizeof record - 1);
        if (n < 0 && errno == EPIPE)
            continue; // overwritten records: go on with the next one
        if (n <= 0)
            break;
        const std::string text(record, static_cast<std::size_t>(n));
        const auto start = text.find(';');
        if (start == std::string::npos)
            continue;
        std::string message = text.substr(start + 1, text.find('\n', start) - start - 1);
        // x_tables / ip_tables messages, and the extensions' own ("xt_cgroup: invalid path").
        if (message.find("tables") == std::string::npos && message.find("target") == std::string::npos &&
            message.find("match") == std::string::npos && message.find("xt_") == std::string::npos)
            continue;
        out += (out.empty() ? "" : "; ") + message;
    }
    return out;
}

} // namespace weir::firewall
