// The relay, the connection table and the core's life cycle, on loopback without NAT. The original
// destination comes from CoreConfig::originalDestinationOverride (the kernel lookup is tested in
// tst_originaldst and, with real REDIRECT rules, in netns_redirect.sh).
#include <QTest>

#include <dirent.h>
#include <netinet/in.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <future>
#include <set>

#include "core/proxycore.h"
#include "printers.h"
#include "coreclient.h"
#include "testutil.h"

using namespace std::chrono_literals;
using weir::core::ConnectionRecord;
using weir::core::ConnectionState;
using weir::core::CoreConfig;
using weir::core::InterceptMode;
using weir::core::Protocol;
using weir::core::ProxyCore;
using weir::core::SocketAddress;
using namespace weir::test;

namespace {} // namespace

class TestProxyCore : public QObject {
    Q_OBJECT

private slots:
    void startErrors() {
        ClosedPort port;
        ProxyCore core;
        QVERIFY(!core.isRunning());
        QVERIFY(!core.isAccepting());
        std::string error;
        QVERIFY2(core.start(configTo(port.address), &error), error.c_str());
        QVERIFY(core.isRunning());
        QVERIFY(core.isAccepting());
        QCOMPARE(core.listenAddress().ip(), std::string("127.0.0.1"));
        QVERIFY(core.listenAddress().port() != 0);

        QVERIFY(!core.start(configTo(port.address), &error));
        QCOMPARE(error, std::string("the proxy core is already running"));

        ProxyCore second;
        auto config = configTo(port.address);
        config.listenPort = core.listenAddress().port();
        QVERIFY(!second.start(config, &error));
        QCOMPARE(error, "bind " + core.listenAddress().toString() + ": Address already in use");
        QVERIFY(!second.isRunning());

        config.listenAddress = "not-an-address";
        QVERIFY(!second.start(config, &error));
        QCOMPARE(error, std::string("invalid listen address: not-an-address"));

        core.stop();
        QVERIFY(!core.isRunning());
        core.stop(); // idempotent
    }

    void ipv6Listener() {
        TestServer server(echo);
        ProxyCore core;
        auto config = configTo(server.address());
        config.listenAddress = "::1";
        std::string error;
        QVERIFY2(core.start(config, &error), error.c_str());
        QCOMPARE(core.listenAddress().toString(), "[::1]:" + std::to_string(core.listenAddress().port()));
        const int c = clientOf(core);
        QVERIFY(c >= 0);
        QVERIFY(writeAll(c, "v6"));
        ::shutdown(c, SHUT_WR);
        std::string got;
        QVERIFY(readToEnd(c, &got));
        QCOMPARE(got, std::string("v6"));
        const auto source = localAddress(c);
        ::close(c);
        QTRY_VERIFY_WITH_TIMEOUT(allFinal(core, 1), 5000);
        QCOMPARE(core.snapshot().front().source, source);
    }

    void bulkBothWays() {
        constexpr std::size_t kSize = 5 * 1024 * 1024;
        const std::string toServer = randomBytes(kSize, 1);
        const std::string toClient = randomBytes(kSize, 2);
        std::promise<std::string> serverGot;
        TestServer server([&](int fd) {
            std::thread writer([&] {
                writeAll(fd, toClient);
                ::shutdown(fd, SHUT_WR);
            });
            std::string got;
            readToEnd(fd, &got);
            writer.join();
            ::close(fd);
            serverGot.set_value(std::move(got));
        });

        ProxyCore core;
        std::string error;
        const std::int64_t before = unixNowMs();
        QVERIFY2(core.start(configTo(server.address()), &error), error.c_str());
        const int c = clientOf(core);
        QVERIFY(c >= 0);
        const SocketAddress clientAddress = localAddress(c);
        std::thread writer([&] {
            writeAll(c, toServer);
            ::shutdown(c, SHUT_WR);
        });
        std::string got;
        const bool readOk = readToEnd(c, &got);
        writer.join();
        ::close(c);
        QVERIFY(readOk);
        QCOMPARE(got.size(), kSize);
        QVERIFY(got == toClient);
        auto future = serverGot.get_future();
        QVERIFY(future.wait_for(10s) == std::future_status::ready);
        const std::string received = future.get();
        QCOMPARE(received.size(), kSize);
        QVERIFY(received == toServer);

        QTRY_VERIFY_WITH_TIMEOUT(allFinal(core, 1), 5000);
        const ConnectionRecord r = core.snapshot().front();
        QCOMPARE(r.id, std::uint64_t(1));
        WEIR_COMPARE_ENUM(r.protocol, Protocol::Tcp);
        WEIR_COMPARE_ENUM(r.mode, InterceptMode::Redirect);
        QCOMPARE(r.source, clientAddress);
        QCOMPARE(r.destination, server.address());
        WEIR_COMPARE_ENUM(r.state, ConnectionState::Closed);
        QCOMPARE(r.closeReason, std::string("eof"));
        QCOMPARE(r.bytesSent, std::uint64_t(kSize));
        QCOMPARE(r.bytesReceived, std::uint64_t(kSize));
        QVERIFY(r.startedMs >= before && r.startedMs <= unixNowMs());
        QVERIFY(r.closedMs >= r.startedMs);
    }

    void countersWhileOpen() {
        TestServer server(echo);
        ProxyCore core;
        std::string error;
        QVERIFY2(core.start(configTo(server.address()), &error), error.c_str());
        const int c = clientOf(core);
        QVERIFY(c >= 0);
        char buf[16];
        QVERIFY(writeAll(c, "hello"));
        setReceiveTimeout(c, 5000);
        QCOMPARE(::recv(c, buf, 5, MSG_WAITALL), ssize_t(5));
        QTRY_VERIFY_WITH_TIMEOUT(findRecord(core, 1) && findRecord(core, 1)->bytesReceived == 5, 2000);
        auto r = *findRecord(core, 1);
        WEIR_COMPARE_ENUM(r.state, ConnectionState::Established);
        QCOMPARE(r.bytesSent, std::uint64_t(5));
        QCOMPARE(r.closedMs, std::int64_t(0));
        QVERIFY(r.closeReason.empty());
        QCOMPARE(core.connectionCounts().open, std::size_t(1));
        QCOMPARE(core.connectionCounts().total, std::size_t(1));
        ::close(c);
        QTRY_VERIFY_WITH_TIMEOUT(allFinal(core, 1), 5000);
        QCOMPARE(findRecord(core, 1)->closeReason, std::string("eof"));
        QCOMPARE(core.connectionCounts().open, std::size_t(0));
        QCOMPARE(core.connectionCounts().total, std::size_t(1));
    }

    void halfClose() {
        std::promise<std::string> serverSawEof;
        std::promise<void> replyNow;
        auto replyNowFuture = replyNow.get_future();
        const std::string reply = "reply sent after the client's FIN";
        TestServer server([&](int fd) {
            std::string request;
            readToEnd(fd, &request);
            serverSawEof.set_value(request);
            replyNowFuture.wait();
            writeAll(fd, reply);
            ::close(fd);
        });
        ProxyCore core;
        std::string error;
        QVERIFY2(core.start(configTo(server.address()), &error), error.c_str());
        const int c = clientOf(core);
        QVERIFY(c >= 0);
        QVERIFY(writeAll(c, "request"));
        QCOMPARE(::shutdown(c, SHUT_WR), 0);

        auto eof = serverSawEof.get_future();
        QVERIFY(eof.wait_for(5s) == std::future_status::ready);
        QCOMPARE(eof.get(), std::string("request"));
        // One direction finished, the other still open.
        QTRY_VERIFY_WITH_TIMEOUT(findRecord(core, 1)->state == ConnectionState::Closing, 2000);

        replyNow.set_value();
        std::string got;
        setReceiveTimeout(c, 5000);
        QVERIFY(readToEnd(c, &got));
        ::close(c);
        QCOMPARE(got, reply);
        QTRY_VERIFY_WITH_TIMEOUT(allFinal(core, 1), 5000);
        const auto r = *findRecord(core, 1);
        WEIR_COMPARE_ENUM(r.state, ConnectionState::Closed);
        QCOMPARE(r.closeReason, std::string("eof"));
        QCOMPARE(r.bytesSent, std::uint64_t(7));
        QCOMPARE(r.bytesReceived, std::uint64_t(reply.size()));
    }

    void resetByDestination() {
        TestServer server([](int fd) {
            char ch;
            ::recv(fd, &ch, 1, 0);
            const linger lg{1, 0};
            ::setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
            ::close(fd);
        });
        ProxyCore core;
        std::string error;
        QVERIFY2(core.start(configTo(server.address()), &error), error.c_str());
        const int c = clientOf(core);
        QVERIFY(c >= 0);
        setReceiveTimeout(c, 5000);
        QVERIFY(writeAll(c, "x"));
        std::string got;
        int err = 0;
        QVERIFY(!readToEnd(c, &got, &err));
        QCOMPARE(err, ECONNRESET); // passed on as a reset, not as a clean end
        ::close(c);
        QTRY_VERIFY_WITH_TIMEOUT(allFinal(core, 1), 5000);
        WEIR_COMPARE_ENUM(findRecord(core, 1)->state, ConnectionState::Closed);
        QCOMPARE(findRecord(core, 1)->closeReason, std::string("reset by destination"));
    }

    void resetByClient() {
        HelloThenEnd server;
        ProxyCore core;
        std::string error;
        QVERIFY2(core.start(configTo(server.server.address()), &error), error.c_str());
        const int c = clientOf(core);
        QVERIFY(c >= 0);
        QVERIFY(writeAll(c, "hello"));
        QVERIFY(server.gotHello.get_future().wait_for(5s) == std::future_status::ready);
        const linger lg{1, 0};
        ::setsockopt(c, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
        ::close(c);
        auto err = server.endError.get_future();
        QVERIFY(err.wait_for(6s) == std::future_status::ready);
        QCOMPARE(err.get(), ECONNRESET);
        QTRY_VERIFY_WITH_TIMEOUT(allFinal(core, 1), 5000);
        QCOMPARE(findRecord(core, 1)->closeReason, std::string("reset by client"));
        QCOMPARE(findRecord(core, 1)->bytesSent, std::uint64_t(5));
    }

    void stopClosesConnections() {
        TestServer server(echo);
        ProxyCore core;
        std::string error;
        QVERIFY2(core.start(configTo(server.address()), &error), error.c_str());
        std::vector<int> clients;
        for (int i = 0; i < 5; ++i) {
            const int c = clientOf(core);
            QVERIFY(c >= 0);
            char buf[2];
            QVERIFY(writeAll(c, "hi"));
            QCOMPARE(::recv(c, buf, 2, MSG_WAITALL), ssize_t(2));
            clients.push_back(c);
        }
        const auto started = std::chrono::steady_clock::now();
        core.stop();
        QVERIFY(std::chrono::steady_clock::now() - started < 2s);
        QVERIFY(!core.isRunning());
        QVERIFY(!core.isAccepting());
        for (int c : clients) {
            setReceiveTimeout(c, 2000);
            std::string got;
            int err = 0;
            if (!readToEnd(c, &got, &err))
                QCOMPARE(err, ECONNRESET); // not EAGAIN: the connection must really be gone
            ::close(c);
        }
        // The table survives stop(): the last state stays visible.
        const auto records = core.snapshot();
        QCOMPARE(records.size(), std::size_t(5));
        for (const auto& r : records) {
            WEIR_COMPARE_ENUM(r.state, ConnectionState::Closed);
            QCOMPARE(r.closeReason, std::string("core stopped"));
            QCOMPARE(r.bytesSent, std::uint64_t(2));
            QCOMPARE(r.bytesReceived, std::uint64_t(2));
        }
        // A fresh connection after a restart keeps counting ids.
        QVERIFY2(core.start(configTo(server.address()), &error), error.c_str());
        const int c = clientOf(core);
        QVERIFY(c >= 0);
        QTRY_VERIFY_WITH_TIMEOUT(findRecord(core, 6).has_value(), 2000);
        ::close(c);
    }

    void stopAcceptingKeepsConnections() {
        TestServer server(echo);
        ProxyCore core;
        std::string error;
        QVERIFY2(core.start(configTo(server.address()), &error), error.c_str());
        const SocketAddress listenAt = core.listenAddress();
        const int c = connectTo(listenAt);
        QVERIFY(c >= 0);
        char buf[5];
        QVERIFY(writeAll(c, "one"));
        QCOMPARE(::recv(c, buf, 3, MSG_WAITALL), ssize_t(3));

        core.stopAccepting();
        QVERIFY(!core.isAccepting());
        QVERIFY(core.isRunning());
        QCOMPARE(connectTo(listenAt), -1); // nothing listens any more
        // The port is free again right away.
        const int rebind = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        const int one = 1;
        ::setsockopt(rebind, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
        QCOMPARE(::bind(rebind, listenAt.sockaddrPtr(), listenAt.sockaddrLen()), 0);
        ::close(rebind);

        QVERIFY(writeAll(c, "two"));
        QCOMPARE(::recv(c, buf, 3, MSG_WAITALL), ssize_t(3));
        QCOMPARE(std::string(buf, 3), std::string("two"));
        ::shutdown(c, SHUT_WR);
        std::string rest;
        QVERIFY(readToEnd(c, &rest));
        ::close(c);
        QTRY_VERIFY_WITH_TIMEOUT(allFinal(core, 1), 5000);
        QCOMPARE(findRecord(core, 1)->closeReason, std::string("eof"));
        QCOMPARE(findRecord(core, 1)->bytesSent, std::uint64_t(6));
        core.stopAccepting(); // twice is harmless
    }

    void manyConcurrent() {
        constexpr int kConnections = 200;
        constexpr std::size_t kSize = 16 * 1024;
        TestServer server(echo);
        ProxyCore core;
        std::string error;
        QVERIFY2(core.start(configTo(server.address()), &error), error.c_str());

        std::vector<int> clients;
        std::vector<std::string> payloads;
        std::set<std::string> sources;
        for (int i = 0; i < kConnections; ++i) {
            const int c = clientOf(core);
            QVERIFY(c >= 0);
            clients.push_back(c);
            sources.insert(localAddress(c).toString());
            payloads.push_back(randomBytes(kSize, 100 + i));
        }
        // All open at once before any is finished.
        for (int i = 0; i < kConnections; ++i) {
            if (!writeAll(clients[i], payloads[i])) {
                const int err = errno;
                std::string states;
                for (const auto& r : core.snapshot())
                    if (r.state != ConnectionState::Established)
                        states += " id=" + std::to_string(r.id) + " " + weir::core::toString(r.state) + " " +
                                  r.closeReason + ";";
                QFAIL(qPrintable(QStringLiteral("write %1: errno %2;%3")
                                     .arg(i)
                                     .arg(err)
                                     .arg(QString::fromStdString(states))));
            }
            ::shutdown(clients[i], SHUT_WR);
        }
        for (int i = 0; i < kConnections; ++i) {
            std::string got;
            setReceiveTimeout(clients[i], 5000);
            QVERIFY(readToEnd(clients[i], &got));
            QVERIFY2(got == payloads[i], qPrintable(QString::number(i)));
            ::close(clients[i]);
        }
        QTRY_VERIFY_WITH_TIMEOUT(allFinal(core, kConnections), 10000);
        const auto records = core.snapshot();
        std::uint64_t expectedId = 1;
        std::set<std::string> recordedSources;
        for (const auto& r : records) {
            QCOMPARE(r.id, expectedId++);
            WEIR_COMPARE_ENUM(r.state, ConnectionState::Closed);
            QCOMPARE(r.closeReason, std::string("eof"));
            QCOMPARE(r.bytesSent, std::uint64_t(kSize));
            QCOMPARE(r.bytesReceived, std::uint64_t(kSize));
            recordedSources.insert(r.source.toString());
        }
        QVERIFY(recordedSources == sources);
    }

    // Out of descriptors: accept fails with EMFILE while the connection stays queued. The core must
    // back off instead of spinning, and pick the connection up once descriptors are free again.
    void acceptWithoutDescriptors() {
        TestServer server(echo);
        ProxyCore core;
        std::string error;
        QVERIFY2(core.start(configTo(server.address()), &error), error.c_str());
        const int c = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        QVERIFY(c >= 0);

        // Lower the soft limit to just above the highest open descriptor and fill the holes below it.
        int highest = 0;
        if (DIR* dir = ::opendir("/proc/self/fd")) {
            while (const dirent* e = ::readdir(dir))
                highest = std::max(highest, std::atoi(e->d_name));
            ::closedir(dir);
        }
        rlimit saved{};
        QCOMPARE(::getrlimit(RLIMIT_NOFILE, &saved), 0);
        rlimit low = saved;
        low.rlim_cur = static_cast<rlim_t>(highest + 1);
        QCOMPARE(::setrlimit(RLIMIT_NOFILE, &low), 0);
        std::vector<int> fillers;
        for (int fd; (fd = ::dup(c)) >= 0;)
            fillers.push_back(fd);

        rusage before{};
        ::getrusage(RUSAGE_SELF, &before);
        const bool connected =
            ::connect(c, core.listenAddress().sockaddrPtr(), core.listenAddress().sockaddrLen()) == 0;
        std::this_thread::sleep_for(500ms);
        rusage after{};
        ::getrusage(RUSAGE_SELF, &after);
        const auto cpuUs = [](const rusage& r) {
            return (r.ru_utime.tv_sec + r.ru_stime.tv_sec) * 1'000'000LL + r.ru_utime.tv_usec +
                   r.ru_stime.tv_usec;
        };
        const long long usedUs = cpuUs(after) - cpuUs(before);
        const bool nothingAccepted = core.snapshot().empty();

        // Limit first: the core may accept the moment a filler is closed, and the echo server must
        // be able to accept too.
        ::setrlimit(RLIMIT_NOFILE, &saved);
        for (int fd : fillers)
            ::close(fd);

        QVERIFY(connected); // the kernel completes the handshake; only accept() fails
        QVERIFY(nothingAccepted);
        QVERIFY2(usedUs < 150'000, qPrintable(QStringLiteral("%1 us CPU in 500 ms").arg(usedUs)));
        // Served once descriptors are available again.
        setReceiveTimeout(c, 5000);
        QVERIFY(writeAll(c, "late"));
        ::shutdown(c, SHUT_WR);
        std::string got;
        int err = 0;
        const bool readOk = readToEnd(c, &got, &err);
        const auto records = core.snapshot();
        std::string state = std::to_string(records.size()) + " record(s)";
        for (const auto& r : records)
            state += std::string(", ") + weir::core::toString(r.state) +
                     " sent=" + std::to_string(r.bytesSent) + " received=" + std::to_string(r.bytesReceived) +
                     " server accepted=" + std::to_string(server.accepted()) + " reason=" + r.closeReason;
        QVERIFY2(readOk,
                 qPrintable(QStringLiteral("errno %1; %2").arg(err).arg(QString::fromStdString(state))));
        QCOMPARE(got, std::string("late"));
        ::close(c);
        QTRY_VERIFY_WITH_TIMEOUT(allFinal(core, 1), 5000);
        QCOMPARE(core.snapshot().front().closeReason, std::string("eof"));
    }

    void destructorStops() {
        TestServer server(echo);
        int c = -1;
        {
            ProxyCore core;
            std::string error;
            QVERIFY2(core.start(configTo(server.address()), &error), error.c_str());
            c = clientOf(core);
            QVERIFY(c >= 0);
            char buf[2];
            QVERIFY(writeAll(c, "hi"));
            QCOMPARE(::recv(c, buf, 2, MSG_WAITALL), ssize_t(2));
        }
        setReceiveTimeout(c, 2000);
        std::string got;
        int err = 0;
        if (!readToEnd(c, &got, &err))
            QCOMPARE(err, ECONNRESET);
        ::close(c);
    }
};

QTEST_GUILESS_MAIN(TestProxyCore)
#include "tst_proxycore.moc"
