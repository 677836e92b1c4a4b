// weir-bench-core: measures the proxy core on loopback, each figure next to the same traffic sent
// straight to the destination (the baseline, "direct").
//
//   weir-bench-core [--mib N] [--pings N] [--conns N] [--parallel N] [--idle N] [--repeat N]
//                   [--json FILE] [--timeout SECONDS]
//
// Layout: this process runs the ProxyCore (its relay thread) and orchestrates; a forked child runs
// the sink servers (one epoll thread) and the clients (one thread, or --parallel threads for the
// connection rate), so the relay does not share a process, a heap or a lock with the load. The
// original destination reaches the core through CoreConfig::originalDestinationOverride; there is no
// NAT here (bench/run.sh --netns adds a real REDIRECT rule). Everything stays on 127.0.0.1/127.0.0.2.
// Plain C++ and Linux system calls, like the core: no Qt.
#include <malloc.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "core/proxycore.h"
#include "testutil.h"

using weir::core::CoreConfig;
using weir::core::ProxyCore;
using weir::core::SocketAddress;
using Clock = std::chrono::steady_clock;

namespace {

struct Options {
    std::uint64_t mib = 1024; // single-stream volume
    int pings = 20000;        // keep-alive ping-pongs
    int conns = 5000;         // short connections
    int parallel = 32;        // of which this many at a time
    int idle = 2000;          // idle connections held for the memory figure
    int repeat = 3;           // runs per figure; the table shows median and range
    std::string jsonPath;     // also write the figures as JSON here
    int timeoutSeconds = 900; // the whole run; SIGALRM ends it
};

[[noreturn]] void die(const std::string& message) {
    std::fprintf(stderr, "weir-bench-core: %s\n", message.c_str());
    std::exit(1);
}

std::string errnoText() {
    char buf[128];
    return strerror_r(errno, buf, sizeof buf);
}

double secondsSince(Clock::time_point start) {
    return std::chrono::duration<double>(Clock::now() - start).count();
}

// ---------------------------------------------------------------------------------------------
// Sockets

SocketAddress loopback(std::uint16_t port, const char* ip = "127.0.0.1") {
    return *SocketAddress::parse(std::string(ip) + ':' + std::to_string(port));
}

std::uint16_t localPort(int fd) {
    sockaddr_storage ss{};
    socklen_t len = sizeof ss;
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&ss), &len);
    return SocketAddress::fromSockaddr(reinterpret_cast<sockaddr*>(&ss), len)->port();
}

int listenOnLoopback() {
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    const SocketAddress at = loopback(0);
    if (fd < 0 || ::bind(fd, at.sockaddrPtr(), at.sockaddrLen()) != 0 || ::listen(fd, SOMAXCONN) != 0)
        die("sink listener: " + errnoText());
    return fd;
}

// A blocking client socket to 127.0.0.1:port. Clients come from 127.0.0.2: the override gives every
// client the same destination, and a client on 127.0.0.1 could share (address, port) with one of the
// core's own outgoing sockets to that destination, which the core rightly refuses as a loop.
int connectClient(std::uint16_t port) {
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -1;
    const int one = 1;
    // Pick the port at connect() time, per destination, instead of a globally free one at bind().
    ::setsockopt(fd, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof one);
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    // Nothing may hang for ever: a stuck relay shows as an error, not a stuck benchmark.
    const timeval tv{30, 0};
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    const SocketAddress from = loopback(0, "127.0.0.2");
    const SocketAddress to = loopback(port);
    if (::bind(fd, from.sockaddrPtr(), from.sockaddrLen()) != 0 ||
        ::connect(fd, to.sockaddrPtr(), to.sockaddrLen()) != 0) {
        const int err = errno;
        ::close(fd);
        errno = err;
        return -1;
    }
    return fd;
}

bool sendLine(int fd, const std::string& line) {
    const std::string text = line + '\n';
    return weir::test::writeAll(fd, text.data(), text.size());
}

// One line from the blocking control socket (a byte at a time: the lines are few and short).
std::optional<std::string> readLine(int fd) {
    std::string line;
    char ch;
    for (;;) {
        const ssize_t n = ::recv(fd, &ch, 1, 0);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return std::nullopt;
        if (ch == '\n')
            return line;
        line += ch;
    }
}

// ---------------------------------------------------------------------------------------------
// Child: the sinks. One epoll thread serves two listeners:
//   discard: reads everything, and on EOF answers with the byte count (8 bytes) and closes;
//   echo:    sends back what it reads, closes on EOF.

class Sinks {
public:
    Sinks(int discardListener, int echoListener)
        : discard_(discardListener)
        , echo_(echoListener) {
        epoll_ = ::epoll_create1(EPOLL_CLOEXEC);
        add(discard_, EPOLLIN);
        add(echo_, EPOLLIN);
        thread_ = std::thread([this] { run(); });
        thread_.detach(); // lives as long as the child
    }

private:
    struct Peer {
        bool echo = false;
        std::uint64_t count = 0;
        std::string pending; // echo bytes the socket would not take yet
    };

    void add(int fd, std::uint32_t events) {
        epoll_event ev{};
        ev.events = events;
        ev.data.fd = fd;
        ::epoll_ctl(epoll_, EPOLL_CTL_ADD, fd, &ev);
    }

    void modify(int fd, std::uint32_t events) {
        epoll_event ev{};
        ev.events = events;
        ev.data.fd = fd;
        ::epoll_ctl(epoll_, EPOLL_CTL_MOD, fd, &ev);
    }

    void drop(int fd) {
        peers_.erase(fd);
        ::close(fd);
    }

    void accept(int listener) {
        for (;;) {
            const int fd = ::accept4(listener, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
            if (fd < 0)
                return;
            const int one = 1;
            ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
            peers_[fd].echo = listener == echo_;
            add(fd, EPOLLIN);
        }
    }

    void onReadable(int fd, Peer& peer) {
        for (;;) {
            const ssize_t n = ::recv(fd, buffer_.get(), kBufferSize, 0);
            if (n > 0) {
                peer.count += static_cast<std::uint64_t>(n);
                if (peer.echo) {
                    if (!peer.pending.empty()) {
                        peer.pending.append(buffer_.get(), static_cast<std::size_t>(n));
                        return;
                    }
                    const ssize_t w = ::send(fd, buffer_.get(), static_cast<std::size_t>(n), MSG_NOSIGNAL);
                    const std::size_t sent = w > 0 ? static_cast<std::size_t>(w) : 0;
                    if (w < 0 && errno != EAGAIN)
                        return drop(fd);
                    if (sent < static_cast<std::size_t>(n)) {
                        peer.pending.assign(buffer_.get() + sent, static_cast<std::size_t>(n) - sent);
                        modify(fd, EPOLLIN | EPOLLOUT);
                        return;
                    }
                }
                if (static_cast<std::size_t>(n) < kBufferSize)
                    return; // drained
                continue;
            }
            if (n < 0 && errno == EAGAIN)
                return;
            if (n == 0 && !peer.echo) {
                const std::uint64_t count = peer.count;
                ::send(fd, &count, sizeof count, MSG_NOSIGNAL); // 8 bytes into an empty buffer
            }
            return drop(fd);
        }
    }

    void onWritable(int fd, Peer& peer) {
        const ssize_t w = ::send(fd, peer.pending.data(), peer.pending.size(), MSG_NOSIGNAL);
        if (w < 0 && errno != EAGAIN)
            return drop(fd);
        if (w > 0)
            peer.pending.erase(0, static_cast<std::size_t>(w));
        if (peer.pending.empty())
            modify(fd, EPOLLIN);
    }

    void run() {
        epoll_event events[256];
        for (;;) {
            const int n = ::epoll_wait(epoll_, events, 256, -1);
            for (int i = 0; i < n; ++i) {
                const int fd = events[i].data.fd;
                if (fd == discard_ || fd == echo_) {
                    accept(fd);
                    continue;
                }
                auto it = peers_.find(fd);
                if (it == peers_.end())
                    continue;
                if (events[i].events & EPOLLOUT) {
                    onWritable(fd, it->second);
                    it = peers_.find(fd);
                    if (it == peers_.end())
                        continue;
                }
                if (events[i].events & (EPOLLIN | EPOLLHUP | EPOLLERR))
                    onReadable(fd, it->second);
            }
        }
    }

    static constexpr std::size_t kBufferSize = 256 * 1024;
    int discard_;
    int echo_;
    int epoll_ = -1;
    std::unordered_map<int, Peer> peers_;
    std::unique_ptr<char[]> buffer_ = std::make_unique<char[]>(kBufferSize);
    std::thread thread_;
};

// ---------------------------------------------------------------------------------------------
// Child: the clients. Each returns its figure as the text of an "ok" reply, or an "err" reply.

std::string failure(const char* what) {
    return std::string("err ") + what + ": " + errnoText();
}

// Sends `bytes` through one connection to the discard sink; the figure is the time until the sink
// confirmed it received them all.
std::string runThroughput(std::uint16_t port, std::uint64_t bytes) {
    static const std::string chunk(256 * 1024, 'w');
    const auto start = Clock::now();
    const int fd = connectClient(port);
    if (fd < 0)
        return failure("connect");
    std::uint64_t left = bytes;
    while (left > 0) {
        const std::size_t n = static_cast<std::size_t>(std::min<std::uint64_t>(left, chunk.size()));
        if (!weir::test::writeAll(fd, chunk.data(), n)) {
            ::close(fd);
            return failure("send");
        }
        left -= n;
    }
    ::shutdown(fd, SHUT_WR);
    std::uint64_t received = 0;
    const bool ok = weir::test::readExactly(fd, reinterpret_cast<char*>(&received), sizeof received);
    ::close(fd);
    if (!ok)
        return failure("recv count");
    if (received != bytes)
        return "err the sink received " + std::to_string(received) + " of " + std::to_string(bytes) +
               " bytes";
    return "ok " + std::to_string(secondsSince(start));
}

// 1-byte ping-pongs on one keep-alive connection to the echo sink; the figures are p50 and p99 in µs.
std::string runLatency(std::uint16_t port, int count) {
    const int fd = connectClient(port);
    if (fd < 0)
        return failure("connect");
    const int warmup = std::min(count / 10, 1000);
    std::vector<double> micros;
    micros.reserve(static_cast<std::size_t>(count));
    char ch = 'p';
    for (int i = 0; i < warmup + count; ++i) {
        const auto t0 = Clock::now();
        if (!weir::test::writeAll(fd, &ch, 1) || !weir::test::readExactly(fd, &ch, 1)) {
            ::close(fd);
            return failure("ping");
        }
        if (i >= warmup)
            micros.push_back(std::chrono::duration<double, std::micro>(Clock::now() - t0).count());
    }
    ::close(fd);
    std::sort(micros.begin(), micros.end());
    auto percentile = [&](double p) {
        const auto rank = static_cast<std::size_t>(std::ceil(p * static_cast<double>(micros.size())));
        return micros[std::clamp<std::size_t>(rank, 1, micros.size()) - 1];
    };
    return "ok " + std::to_string(percentile(0.50)) + ' ' + std::to_string(percentile(0.99));
}

// `count` short connections, `parallel` at a time: connect, 64-byte request, 64-byte answer, close.
std::string runConnections(std::uint16_t port, int count, int parallel) {
    std::atomic<int> next{0};
    std::atomic<int> failed{0};
    std::atomic<int> firstErrno{0};
    auto worker = [&] {
        char request[64];
        std::memset(request, 'c', sizeof request);
        char reply[64];
        while (next.fetch_add(1) < count) {
            const int fd = connectClient(port);
            const bool ok = fd >= 0 && weir::test::writeAll(fd, request, sizeof request) &&
                            weir::test::readExactly(fd, reply, sizeof reply);
            if (!ok) {
                int expected = 0;
                firstErrno.compare_exchange_strong(expected, errno);
                failed.fetch_add(1);
            }
            if (fd >= 0)
                ::close(fd);
        }
    };
    const auto start = Clock::now();
    std::vector<std::thread> threads;
    for (int i = 0; i < parallel; ++i)
        threads.emplace_back(worker);
    for (auto& t : threads)
        t.join();
    const double seconds = secondsSince(start);
    if (failed.load() > 0) {
        errno = firstErrno.load();
        return "err " + std::to_string(failed.load()) + " of " + std::to_string(count) +
               " connections failed, first: " + errnoText();
    }
    return "ok " + std::to_string(seconds);
}

// Opens `count` connections to the echo sink, one 1-byte exchange each (so each is established
// end to end), and keeps them open in *held.
std::string runHold(std::uint16_t port, int count, std::vector<int>* held) {
    for (int i = 0; i < count; ++i) {
        const int fd = connectClient(port);
        char ch = 'h';
        if (fd < 0)
            return failure("connect");
        held->push_back(fd);
        if (!weir::test::writeAll(fd, &ch, 1) || !weir::test::readExactly(fd, &ch, 1))
            return failure("ping");
    }
    return "ok " + std::to_string(held->size());
}

[[noreturn]] void childMain(int control, int discardListener, int echoListener) {
    // Die with the parent, whatever way it ends.
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() == 1)
        ::_exit(1);
    Sinks sinks(discardListener, echoListener);
    std::vector<int> held;
    while (const auto line = readLine(control)) {
        std::istringstream in(*line);
        std::string command;
        in >> command;
        unsigned port = 0;
        std::string reply;
        if (command == "throughput") {
            std::uint64_t bytes = 0;
            in >> port >> bytes;
            reply = runThroughput(static_cast<std::uint16_t>(port), bytes);
        } else if (command == "latency") {
            int count = 0;
            in >> port >> count;
            reply = runLatency(static_cast<std::uint16_t>(port), count);
        } else if (command == "connections") {
            int count = 0;
            int parallel = 0;
            in >> port >> count >> parallel;
            reply = runConnections(static_cast<std::uint16_t>(port), count, parallel);
        } else if (command == "hold") {
            int count = 0;
            in >> port >> count;
            reply = runHold(static_cast<std::uint16_t>(port), count, &held);
        } else if (command == "release") {
            for (int fd : held)
                ::close(fd);
            held.clear();
            reply = "ok 0";
        } else if (command == "quit") {
            ::_exit(0);
        } else {
            reply = "err unknown command " + command;
        }
        if (!sendLine(control, reply))
            break;
    }
    ::_exit(0);
}

// ---------------------------------------------------------------------------------------------
// Parent: the core and the orchestration.

struct Child {
    pid_t pid = -1;
    int control = -1;
    std::uint16_t discardPort = 0;
    std::uint16_t echoPort = 0;

    // Sends a command and returns the numbers of the "ok" reply; an "err" reply ends the benchmark.
    std::vector<double> ask(const std::string& command) const {
        if (!sendLine(control, command))
            die("the load process is gone");
        const auto reply = readLine(control);
        if (!reply)
            die("the load process is gone");
        if (reply->rfind("ok", 0) != 0)
            die(command + ": " + reply->substr(std::min<std::size_t>(4, reply->size())));
        std::istringstream in(reply->substr(2));
        std::vector<double> values;
        for (double v; in >> v;)
            values.push_back(v);
        return values;
    }
};

Child g_child;

void stopChild() {
    if (g_child.pid > 0) {
        sendLine(g_child.control, "quit");
        ::waitpid(g_child.pid, nullptr, 0);
        g_child.pid = -1;
    }
}

// A core whose override sends every accepted connection to `destination`.
class CoreUnderTest {
public:
    explicit CoreUnderTest(std::uint16_t destinationPort) {
        CoreConfig config;
        config.listenAddress = "127.0.0.1";
        config.listenPort = 0;
        config.outgoingMark = 0; // no firewall here; SO_MARK would only need CAP_NET_ADMIN
        const SocketAddress destination = loopback(destinationPort);
        config.originalDestinationOverride = [destination](int, std::string*) {
            return std::optional(destination);
        };
        std::string error;
        if (!core_.start(config, &error))
            die("core: " + error);
    }
    std::uint16_t port() const { return core_.listenAddress().port(); }
    ProxyCore& core() { return core_; }

private:
    ProxyCore core_;
};

// VmRSS and VmHWM of this process, KiB.
std::pair<long, long> memoryKiB() {
    std::ifstream status("/proc/self/status");
    long rss = 0;
    long hwm = 0;
    for (std::string line; std::getline(status, line);) {
        if (line.rfind("VmRSS:", 0) == 0)
            rss = std::atol(line.c_str() + 6);
        else if (line.rfind("VmHWM:", 0) == 0)
            hwm = std::atol(line.c_str() + 6);
    }
    return {rss, hwm};
}

struct Series {
    std::vector<double> values;
    double median() const {
        if (values.empty())
            return 0;
        auto v = values;
        std::sort(v.begin(), v.end());
        const std::size_t n = v.size();
        return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
    }
    double min() const { return values.empty() ? 0 : *std::min_element(values.begin(), values.end()); }
    double max() const { return values.empty() ? 0 : *std::max_element(values.begin(), values.end()); }
};

struct Row {
    std::string key;
    std::string what;
    std::string unit;
    bool hasBaseline = true;
    Series direct;
    Series weir;
};

std::string number(double v) {
    char buf[32];
    if (v >= 100)
        std::snprintf(buf, sizeof buf, "%.0f", v);
    else if (v >= 10)
        std::snprintf(buf, sizeof buf, "%.1f", v);
    else
        std::snprintf(buf, sizeof buf, "%.2f", v);
    return buf;
}

std::string cell(const Series& s) {
    return number(s.median()) + " [" + number(s.min()) + ".." + number(s.max()) + "]";
}

void printTable(const std::vector<Row>& rows, const Options& o) {
    std::printf("\nmedian [min..max] of %d runs; ratio = weir / direct (medians)\n", o.repeat);
    std::printf("%-16s %-26s %-26s %-7s %s\n", "row", "direct", "weir", "ratio", "unit: what");
    for (const Row& r : rows) {
        const std::string direct = r.hasBaseline ? cell(r.direct) : "-";
        const std::string ratio =
            r.hasBaseline && r.direct.median() > 0 ? number(r.weir.median() / r.direct.median()) : "-";
        std::printf("%-16s %-26s %-26s %-7s %s: %s\n", r.key.c_str(), direct.c_str(), cell(r.weir).c_str(),
                    ratio.c_str(), r.unit.c_str(), r.what.c_str());
    }
    std::fflush(stdout);
}

void writeJson(const std::vector<Row>& rows, const Options& o, const std::string& path) {
    std::ofstream out(path);
    auto series = [](const Series& s) {
        std::string text = "{\"median\": " + std::to_string(s.median()) +
                           ", \"min\": " + std::to_string(s.min()) + ", \"max\": " + std::to_string(s.max()) +
                           ", \"runs\": [";
        for (std::size_t i = 0; i < s.values.size(); ++i)
            text += (i ? ", " : "") + std::to_string(s.values[i]);
        return text + "]}";
    };
    out << "{\n  \"options\": {\"mib\": " << o.mib << ", \"pings\": " << o.pings << ", \"conns\": " << o.conns
        << ", \"parallel\": " << o.parallel << ", \"idle\": " << o.idle << ", \"repeat\": " << o.repeat
        << "},\n  \"rows\": {\n";
    for (std::size_t i = 0; i < rows.size(); ++i) {
        const Row& r = rows[i];
        out << "    \"" << r.key << "\": {\"unit\": \"" << r.unit << "\", \"what\": \"" << r.what << "\", ";
        if (r.hasBaseline)
            out << "\"direct\": " << series(r.direct) << ", ";
        out << "\"weir\": " << series(r.weir) << "}" << (i + 1 < rows.size() ? "," : "") << "\n";
    }
    out << "  }\n}\n";
    if (!out)
        die("cannot write " + path);
}

void raiseFileLimit(int needed) {
    rlimit limit{};
    ::getrlimit(RLIMIT_NOFILE, &limit);
    limit.rlim_cur = limit.rlim_max;
    ::setrlimit(RLIMIT_NOFILE, &limit);
    // Per process: the core holds 2 per relayed connection, the load process 2 (client and sink end).
    if (limit.rlim_cur != RLIM_INFINITY && static_cast<rlim_t>(2 * needed + 64) > limit.rlim_cur)
        die("--idle " + std::to_string(needed) + " needs " + std::to_string(2 * needed + 64) +
            " file descriptors, RLIMIT_NOFILE allows " + std::to_string(limit.rlim_cur));
}

Options parseOptions(int argc, char** argv) {
    Options o;
    auto usage = [](const std::string& message) {
        std::fprintf(stderr,
                     "weir-bench-core: %s\nusage: weir-bench-core [--mib N] [--pings N] [--conns N] "
                     "[--parallel N] [--idle N] [--repeat N] [--json FILE] [--timeout SECONDS]\n",
                     message.c_str());
        std::exit(2);
    };
    for (int i = 1; i < argc; ++i) {
        const std::string arg = argv[i];
        if (arg == "--help" || arg == "-h")
            usage("help");
        if (i + 1 >= argc)
            usage("missing value for " + arg);
        const std::string value = argv[++i];
        if (arg == "--json") {
            o.jsonPath = value;
            continue;
        }
        char* end = nullptr;
        const long long n = std::strtoll(value.c_str(), &end, 10);
        if (*end || n <= 0 || n > 1'000'000'000)
            usage("bad value for " + arg + ": " + value);
        if (arg == "--mib")
            o.mib = static_cast<std::uint64_t>(n);
        else if (arg == "--pings")
            o.pings = static_cast<int>(n);
        else if (arg == "--conns")
            o.conns = static_cast<int>(n);
        else if (arg == "--parallel")
            o.parallel = static_cast<int>(n);
        else if (arg == "--idle")
            o.idle = static_cast<int>(n);
        else if (arg == "--repeat")
            o.repeat = static_cast<int>(n);
        else if (arg == "--timeout")
            o.timeoutSeconds = static_cast<int>(n);
        else
            usage("unknown option " + arg);
    }
    return o;
}

} // namespace

int main(int argc, char** argv) {
    const Options o = parseOptions(argc, argv);
    raiseFileLimit(o.idle);
    // Bounded in time whatever happens; the child dies with us (PR_SET_PDEATHSIG).
    ::signal(SIGALRM, [](int) {
        static const char text[] = "weir-bench-core: timed out\n";
        [[maybe_unused]] auto n = ::write(2, text, sizeof text - 1);
        ::_exit(3);
    });
    ::alarm(static_cast<unsigned>(o.timeoutSeconds));
    ::signal(SIGPIPE, SIG_IGN);

    // Fork before any thread exists. The sinks listen before the fork, so both sides know the ports.
    const int discardListener = listenOnLoopback();
    const int echoListener = listenOnLoopback();
    g_child.discardPort = localPort(discardListener);
    g_child.echoPort = localPort(echoListener);
    int pair[2];
    if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair) != 0)
        die("socketpair: " + errnoText());
    std::fflush(nullptr);
    g_child.pid = ::fork();
    if (g_child.pid < 0)
        die("fork: " + errnoText());
    if (g_child.pid == 0) {
        ::close(pair[0]);
        childMain(pair[1], discardListener, echoListener);
    }
    ::close(pair[1]);
    ::close(discardListener);
    ::close(echoListener);
    g_child.control = pair[0];
    std::atexit(stopChild);

    std::printf(
        "weir-bench-core: core (relay thread) in pid %d; sinks and clients in pid %d; %u CPUs online\n",
        static_cast<int>(::getpid()), static_cast<int>(g_child.pid), std::thread::hardware_concurrency());
    std::fflush(stdout);

    Row memory{"memory",   "VmRSS growth per idle relayed connection, " + std::to_string(o.idle) + " held",
               "KiB/conn", false,
               {},         {}};
    Row snapshotCost{"snapshot", "ProxyCore::snapshot() with " + std::to_string(o.idle) + " open",
                     "us/call",  false,
                     {},         {}};
    Row throughput{"throughput", "one stream of " + std::to_string(o.mib) + " MiB", "MiB/s", true, {}, {}};
    Row p50{"rtt_p50", std::to_string(o.pings) + " 1-byte ping-pongs on one connection, p50", "us", true, {},
            {}};
    Row p99{"rtt_p99", std::to_string(o.pings) + " 1-byte ping-pongs on one connection, p99", "us", true, {},
            {}};
    Row connRate{"conn_rate",
                 std::to_string(o.conns) + " connections, " + std::to_string(o.parallel) +
                     " parallel: connect, 64 B each way, close",
                 "conn/s",
                 true,
                 {},
                 {}};

    Row snapshotClosed{"snapshot_closed",
                       "ProxyCore::snapshot() just after conn_rate (" + std::to_string(o.conns) +
                           " closed, retained)",
                       "us/call",
                       false,
                       {},
                       {}};

    const std::uint64_t bytes = o.mib * 1024 * 1024;
    for (int run = 1; run <= o.repeat; ++run) {
        // Memory first, while the heap holds nothing of the other figures; malloc_trim returns what an
        // earlier run freed, so each run starts from what the process really holds.
        {
            CoreUnderTest core(g_child.echoPort);
            ::malloc_trim(0);
            const auto [rssBefore, hwmBefore] = memoryKiB();
            g_child.ask("hold " + std::to_string(core.port()) + ' ' + std::to_string(o.idle));
            // Every connection answered its ping, so each is established in the core.
            const auto [rssHeld, hwmHeld] = memoryKiB();
            memory.weir.values.push_back(static_cast<double>(rssHeld - rssBefore) / o.idle);
            int calls = 0;
            std::size_t rows = 0;
            const auto start = Clock::now();
            while (calls < 20 || (calls < 1000 && secondsSince(start) < 0.2)) {
                rows += core.core().snapshot().size();
                ++calls;
            }
            snapshotCost.weir.values.push_back(secondsSince(start) * 1e6 / calls);
            if (rows != static_cast<std::size_t>(calls) * static_cast<std::size_t>(o.idle))
                die("snapshot did not show the held connections");
            g_child.ask("release");
            std::printf("run %d memory: VmRSS %ld -> %ld KiB, VmHWM %ld -> %ld KiB with %d held\n", run,
                        rssBefore, rssHeld, hwmBefore, hwmHeld, o.idle);
        }
        // Direct and through the core alternate, so a slow moment on the machine hits both alike.
        for (const bool viaCore : {false, true}) {
            std::optional<CoreUnderTest> core;
            if (viaCore)
                core.emplace(g_child.discardPort);
            const auto port = viaCore ? core->port() : g_child.discardPort;
            const double seconds =
                g_child.ask("throughput " + std::to_string(port) + ' ' + std::to_string(bytes)).at(0);
            (viaCore ? throughput.weir : throughput.direct)
                .values.push_back(static_cast<double>(o.mib) / seconds);
        }
        for (const bool viaCore : {false, true}) {
            std::optional<CoreUnderTest> core;
            if (viaCore)
                core.emplace(g_child.echoPort);
            const auto port = viaCore ? core->port() : g_child.echoPort;
            const auto v = g_child.ask("latency " + std::to_string(port) + ' ' + std::to_string(o.pings));
            (viaCore ? p50.weir : p50.direct).values.push_back(v.at(0));
            (viaCore ? p99.weir : p99.direct).values.push_back(v.at(1));
        }
        for (const bool viaCore : {false, true}) {
            std::optional<CoreUnderTest> core;
            if (viaCore)
                core.emplace(g_child.echoPort);
            const auto port = viaCore ? core->port() : g_child.echoPort;
            const double seconds = g_child
                                       .ask("connections " + std::to_string(port) + ' ' +
                                            std::to_string(o.conns) + ' ' + std::to_string(o.parallel))
                                       .at(0);
            (viaCore ? connRate.weir : connRate.direct).values.push_back(o.conns / seconds);
            if (viaCore) {
                // The closed connections stay in the table for closedRetention (60 s by default), so
                // every snapshot copies them too: what the service thread pays after a burst.
                std::size_t rows = 0;
                int calls = 0;
                const auto start = Clock::now();
                while (calls < 5 || (calls < 200 && secondsSince(start) < 0.2)) {
                    rows = core->core().snapshot().size();
                    ++calls;
                }
                snapshotClosed.weir.values.push_back(secondsSince(start) * 1e6 / calls);
                if (rows < static_cast<std::size_t>(o.conns))
                    die("snapshot after the connection burst shows " + std::to_string(rows) + " rows");
            }
        }
        std::printf("run %d: throughput %s / %s MiB/s, rtt p50 %s / %s us, p99 %s / %s us, %s / %s conn/s "
                    "(direct / weir)\n",
                    run, number(throughput.direct.values.back()).c_str(),
                    number(throughput.weir.values.back()).c_str(), number(p50.direct.values.back()).c_str(),
                    number(p50.weir.values.back()).c_str(), number(p99.direct.values.back()).c_str(),
                    number(p99.weir.values.back()).c_str(), number(connRate.direct.values.back()).c_str(),
                    number(connRate.weir.values.back()).c_str());
        std::fflush(stdout);
    }

    const std::vector<Row> rows{throughput, p50, p99, connRate, memory, snapshotCost, snapshotClosed};
    printTable(rows, o);
    if (!o.jsonPath.empty())
        writeJson(rows, o, o.jsonPath);
    stopChild();
    return 0;
}
