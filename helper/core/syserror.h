// Small internal helpers for system-call errors and file descriptors. Not part of the public API.
#pragma once

#include <linux/netlink.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>
#include <utility>

namespace weir::core::detail {

// strerror() is not thread-safe; the GNU strerror_r returns a pointer to the text.
inline std::string errnoText(int err) {
    char buf[128];
    return std::string(strerror_r(err, buf, sizeof buf));
}

// Owns one file descriptor; closes it on destruction.
class UniqueFd {
public:
    UniqueFd() = default;
    explicit UniqueFd(int fd)
        : fd_(fd) {}
    ~UniqueFd() { reset(); }
    UniqueFd(UniqueFd&& other) noexcept
        : fd_(other.release()) {}
    UniqueFd& operator=(UniqueFd&& other) noexcept {
        if (this != &other)
            reset(other.release());
        return *this;
    }
    UniqueFd(const UniqueFd&) = delete;
    UniqueFd& operator=(const UniqueFd&) = delete;

    int get() const { return fd_; }
    bool isValid() const { return fd_ >= 0; }
    int release() { return std::exchange(fd_, -1); }
    void reset(int fd = -1) {
        if (fd_ >= 0)
            ::close(fd_);
        fd_ = fd;
    }

private:
    int fd_ = -1;
};

// A bound netlink socket of `protocol` (NETLINK_NETFILTER, NETLINK_SOCK_DIAG, ...) whose receive
// waits at most 200 ms: the kernel answers at once, and a bounded wait keeps a confused kernel from
// stalling the thread that asks. Invalid on failure, with *error saying which step failed.
inline UniqueFd openNetlinkSocket(int protocol, std::string* error) {
    UniqueFd fd(::socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, protocol));
    if (!fd.isValid()) {
        *error = "cannot open a netlink socket: " + errnoText(errno);
        return fd;
    }
    const timeval timeout{0, 200'000};
    ::setsockopt(fd.get(), SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
    sockaddr_nl local{};
    local.nl_family = AF_NETLINK;
    if (::bind(fd.get(), reinterpret_cast<sockaddr*>(&local), sizeof local) != 0) {
        *error = "cannot bind the netlink socket: " + errnoText(errno);
        fd.reset();
    }
    return fd;
}

} // namespace weir::core::detail
