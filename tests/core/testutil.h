// Blocking-socket helpers for the core tests and bench/: a threaded test server and small I/O utilities.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <future>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "core/socketaddress.h"

namespace weir::test {

using core::SocketAddress;

inline SocketAddress localAddress(int fd) {
    sockaddr_storage ss{};
    socklen_t len = sizeof ss;
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&ss), &len);
    return SocketAddress::fromSockaddr(reinterpret_cast<sockaddr*>(&ss), len).value_or(SocketAddress());
}

// A blocking TCP socket connected to `to` (from `from`, when valid), or -1.
inline int connectTo(const SocketAddress& to, const SocketAddress& from = SocketAddress()) {
    const int fd = ::socket(to.family(), SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -1;
    if (from.isValid() && ::bind(fd, from.sockaddrPtr(), from.sockaddrLen()) != 0) {
        ::close(fd);
        return -1;
    }
    if (::connect(fd, to.sockaddrPtr(), to.sockaddrLen()) != 0) {
        ::close(fd);
        return -1;
    }
    return fd;
}

inline bool writeAll(int fd, const char* data, std::size_t size) {
    while (size > 0) {
        const ssize_t n = ::send(fd, data, size, MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return false;
        data += n;
        size -= static_cast<std::size_t>(n);
    }
    return true;
}

// Reads exactly size bytes; false on EOF or error.
inline bool readExactly(int fd, char* data, std::size_t size) {
    while (size > 0) {
        const ssize_t n = ::recv(fd, data, size, 0);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return false;
        data += n;
        size -= static_cast<std::size_t>(n);
    }
    return true;
}

inline bool writeAll(int fd, const std::string& data) {
    return writeAll(fd, data.data(), data.size());
}

// Reads until EOF. Returns false on error (e.g. ECONNRESET); *err gets errno then.
inline bool readToEnd(int fd, std::string* out, int* err = nullptr) {
    char buf[65536];
    for (;;) {
        const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            if (err)
                *err = errno;
            return false;
        }
        if (n == 0)
            return true;
        out->append(buf, static_cast<std::size_t>(n));
    }
}

inline std::string randomBytes(std::size_t size, unsigned seed) {
    std::mt19937 gen(seed);
    std::string data(size, '\0');
    for (auto& ch : data)
        ch = static_cast<char>(gen() & 0xff);
    return data;
}

inline void setReceiveTimeout(int fd, int ms) {
    timeval tv{ms / 1000, (ms % 1000) * 1000};
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
}

// Accepts on 127.0.0.1:0 and runs `handler(fd)` in a thread per connection; the handler owns fd.
class TestServer {
public:
    using Handler = std::function<void(int fd)>;

    explicit TestServer(Handler handler, int backlog = 512)
        : handler_(std::move(handler)) {
        listenFd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        sockaddr_in in{};
        in.sin_family = AF_INET;
        in.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        ::bind(listenFd_, reinterpret_cast<sockaddr*>(&in), sizeof in);
        ::listen(listenFd_, backlog);
        address_ = localAddress(listenFd_);
        acceptThread_ = std::thread([this] { acceptLoop(); });
    }
    ~TestServer() {
        ::shutdown(listenFd_, SHUT_RDWR); // wakes the blocking accept
        acceptThread_.join();
        ::close(listenFd_);
        std::lock_guard lock(mutex_);
        for (auto& t : workers_)
            t.join();
    }
    TestServer(const TestServer&) = delete;
    TestServer& operator=(const TestServer&) = delete;

    SocketAddress address() const { return address_; }
    int accepted() const { return accepted_.load(); }

private:
    void acceptLoop() {
        for (;;) {
            const int fd = ::accept4(listenFd_, nullptr, nullptr, SOCK_CLOEXEC);
            if (fd < 0) {
                if (errno == EINTR || errno == ECONNABORTED)
                    continue;
                if (errno == EMFILE || errno == ENFILE) { // a test may exhaust descriptors on purpose
                    std::this_thread::sleep_for(std::chrono::milliseconds(10));
                    continue;
                }
                return;
            }
            ++accepted_;
            std::lock_guard lock(mutex_);
            workers_.emplace_back([this, fd] { handler_(fd); });
        }
    }

    Handler handler_;
    int listenFd_ = -1;
    SocketAddress address_;
    std::atomic<int> accepted_{0};
    std::thread acceptThread_;
    std::mutex mutex_;
    std::vector<std::thread> workers_;
};

// A destination that reads the client's 5-byte hello, says so, then reads to the end and reports
// how that ended (0: a clean end, ECONNRESET: a reset). One connection.
struct HelloThenEnd {
    std::promise<void> gotHello;
    std::promise<int> endError;
    TestServer server{[this](int fd) {
        char buf[5];
        ::recv(fd, buf, sizeof buf, MSG_WAITALL);
        gotHello.set_value();
        std::string rest;
        int err = 0;
        setReceiveTimeout(fd, 5000);
        readToEnd(fd, &rest, &err);
        endError.set_value(err);
        ::close(fd);
    }};
};

} // namespace weir::test
