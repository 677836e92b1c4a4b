// The splice relay's parts and limits, on loopback without NAT (like tst_proxycore): the pipe pool,
// the copy fallback when no pipe can be had, several workers sharing one table, max_connections and
// the idle timeout, keepalive ending connections whose client vanished. (Large transfers and floods through
// real REDIRECT rules: netns_relay.sh.)
#include <QTest>

#include <dirent.h>
#include <netinet/tcp.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <future>
#include <set>

#include "core/pipepool.h"
#include "core/proxycore.h"
#include "printers.h"
#include "coreclient.h"
#include "testutil.h"

using namespace std::chrono_literals;
using weir::core::ConnectionRecord;
using weir::core::ConnectionState;
using weir::core::CoreConfig;
using weir::core::ProxyCore;
using weir::core::SocketAddress;
using weir::core::detail::Pipe;
using weir::core::detail::PipePool;
using namespace weir::test;

namespace {

bool echoes(int fd, const std::string& text) {
    std::string got(text.size(), '\0');
    return writeAll(fd, text) && readExactly(fd, got.data(), got.size()) && got == text;
}

// The record of client socket `fd`. (With several workers, ids follow the order of accept(), not
// of connect().)
std::optional<ConnectionRecord> recordOf(const ProxyCore& core, int fd) {
    const SocketAddress source = localAddress(fd);
    for (const auto& r : core.snapshot())
        if (r.source == source)
            return r;
    return std::nullopt;
}

int openDescriptors() {
    int n = 0;
    if (DIR* dir = ::opendir("/proc/self/fd")) {
        while (const dirent* e = ::readdir(dir))
            n += e->d_name[0] != '.';
        ::closedir(dir);
    }
    return n - 1; // the directory's own
}

// Closes `fd` without a FIN or RST reaching the peer, as if its host had gone (or its packets no
// longer reached the relay once interception is off): TCP_REPAIR sockets close silently. Needs
// CAP_NET_ADMIN; false without it.
bool vanish(int fd) {
    const int one = 1;
    if (::setsockopt(fd, SOL_TCP, TCP_REPAIR, &one, sizeof one) != 0)
        return false;
    ::close(fd);
    return true;
}

int lowestFreeDescriptor() {
    const int fd = ::dup(0);
    ::close(fd);
    return fd;
}

} // namespace

class TestRelay : public QObject {
    Q_OBJECT

private slots:
    void pipePool() {
        const int before = openDescriptors();
        {
            PipePool pool(256 * 1024, 2);
            Pipe a, b, c;
            int err = 0;
            QVERIFY(pool.take(&a, &err));
            QVERIFY(a.isOpen());
            QVERIFY(a.capacity >= 4096); // sized, or the default when the size is refused
            QVERIFY(pool.take(&b, &err));
            QVERIFY(pool.take(&c, &err));
            QCOMPARE(pool.created(), std::size_t(3));
            QCOMPARE(openDescriptors(), before + 6);
            pool.give(&a);
            QVERIFY(!a.isOpen());
            c.bytes = 10; // bytes of a connection that is gone: never reused
            pool.give(&c);
            QCOMPARE(pool.idle(), std::size_t(1));
            QCOMPARE(openDescriptors(), before + 4);
            QVERIFY(pool.take(&a, &err)); // reused, not new
            QCOMPARE(pool.created(), std::size_t(3));
            pool.give(&a);
            pool.give(&b);
            Pipe extra;
            QVERIFY(pool.take(&extra, &err));
            pool.give(&extra);
            QCOMPARE(pool.idle(), std::size_t(2)); // at most maxIdle kept
            pool.trimIfUnused();                   // taken since: kept
            QCOMPARE(pool.idle(), std::size_t(2));
            pool.trimIfUnused(); // unused since the last call: closed
            QCOMPARE(pool.idle(), std::size_t(0));
            QCOMPARE(openDescriptors(), before);

            // Out of descriptors: an error, not a crash.
            rlimit saved{};
            QCOMPARE(::getrlimit(RLIMIT_NOFILE, &saved), 0);
            rlimit low = saved;
            low.rlim_cur = static_cast<rlim_t>(lowestFreeDescriptor());
            QCOMPARE(::setrlimit(RLIMIT_NOFILE, &low), 0);
            const bool took = pool.take(&a, &err);
            ::setrlimit(RLIMIT_NOFILE, &saved);
            QVERIFY(!took);
            QCOMPARE(err, EMFILE);
        }
        QCOMPARE(openDescriptors(), before);
    }

    // With no descriptor left for a pipe, bytes are copied through user space instead: relayed
    // intact both ways, no stall.
    void copyWhenNoPipe() {
        TestServer server(echo);
        ProxyCore core;
        auto config = configTo(server.address());
        config.workers = 1;
        std::string error;
        QVERIFY2(core.start(config, &error), error.c_str());
        const int c = clientOf(core);
        QVERIFY(c >= 0);
        QVERIFY(echoes(c, "warm"));
        std::this_thread::sleep_for(2500ms); // the pool closes its idle pipe after a second or two unused

        rlimit saved{};
        QCOMPARE(::getrlimit(RLIMIT_NOFILE, &saved), 0);
        rlimit low = saved;
        low.rlim_cur = static_cast<rlim_t>(lowestFreeDescriptor());
        QCOMPARE(::setrlimit(RLIMIT_NOFILE, &low), 0);
        const std::string data = randomBytes(2 * 1024 * 1024, 7);
        std::thread writer([&] { writeAll(c, data); });
        std::string got(data.size(), '\0');
        setReceiveTimeout(c, 10'000);
        const bool readOk = readExactly(c, got.data(), got.size());
        writer.join();
        ::setrlimit(RLIMIT_NOFILE, &saved);
        QVERIFY(readOk);
        QVERIFY(got == data);
        ::close(c);
        QTRY_VERIFY_WITH_TIMEOUT(findRecord(core, 1) && findRecord(core, 1)->closedMs != 0, 5000);
        QCOMPARE(findRecord(core, 1)->bytesReceived, std::uint64_t(4 + data.size()));
    }

    // Several workers: one table with unique ids in order, and a generation that moves.
    void workersShareTable() {
        TestServer server(echo);
        ProxyCore core;
        auto config = configTo(server.address());
        config.workers = 4;
        std::string error;
        QVERIFY2(core.start(config, &error), error.c_str());
        std::vector<int> clients;
        for (int i = 0; i < 40; ++i) {
            const int c = clientOf(core);
            QVERIFY(c >= 0);
            QVERIFY(echoes(c, "hi"));
            clients.push_back(c);
        }
        std::uint64_t generation = 0;
        auto records = core.snapshot(&generation);
        QCOMPARE(records.size(), std::size_t(40));
        for (std::size_t i = 0; i < records.size(); ++i) {
            QCOMPARE(records[i].id, std::uint64_t(i + 1));
            WEIR_COMPARE_ENUM(records[i].state, ConnectionState::Established);
        }
        std::uint64_t again = 0;
        core.snapshot(&again);
        QCOMPARE(again, generation); // only counters may have moved
        for (int c : clients)
            ::close(c);
        QTRY_VERIFY_WITH_TIMEOUT(core.snapshot().back().closedMs != 0, 5000);
        core.snapshot(&again);
        QVERIFY(again != generation);
    }

    void connectionLimit() {
        TestServer server(echo);
        ProxyCore core;
        auto config = configTo(server.address());
        config.maxConnections = 2;
        std::string error;
        QVERIFY2(core.start(config, &error), error.c_str());
        const int a = clientOf(core);
        const int b = clientOf(core);
        QVERIFY(echoes(a, "a"));
        QVERIFY(echoes(b, "b"));
        const int refused = clientOf(core);
        QVERIFY(refused >= 0);
        setReceiveTimeout(refused, 5000);
        std::string got;
        int err = 0;
        QVERIFY(!readToEnd(refused, &got, &err));
        QCOMPARE(err, ECONNRESET);
        const auto r = *recordOf(core, refused);
        ::close(refused);
        WEIR_COMPARE_ENUM(r.state, ConnectionState::Failed);
        QCOMPARE(r.closeReason, std::string("connection limit"));
        QCOMPARE(r.destination, server.address());

        const SocketAddress aSource = localAddress(a);
        ::close(a); // room again once it has closed
        QTRY_VERIFY_WITH_TIMEOUT(
            [&] {
                for (const auto& r : core.snapshot())
                    if (r.source == aSource)
                        return r.closedMs != 0;
                return false;
            }(),
            5000);
        const int c = clientOf(core);
        QVERIFY(echoes(c, "c"));
        ::close(b);
        ::close(c);
    }

    void idleTimeout() {
        TestServer server(echo);
        ProxyCore core;
        auto config = configTo(server.address());
        config.tcpIdleTimeout = 300ms;
        std::string error;
        QVERIFY2(core.start(config, &error), error.c_str());
        const int quiet = clientOf(core);
        const int busy = clientOf(core);
        QVERIFY(echoes(quiet, "q"));
        const auto started = std::chrono::steady_clock::now();
        while (std::chrono::steady_clock::now() - started < 800ms) {
            QVERIFY(echoes(busy, "b")); // traffic keeps it open
            std::this_thread::sleep_for(50ms);
        }
        setReceiveTimeout(quiet, 2000);
        std::string got;
        int err = 0;
        QVERIFY(!readToEnd(quiet, &got, &err));
        QCOMPARE(err, ECONNRESET);
        const auto r = *recordOf(core, quiet);
        WEIR_COMPARE_ENUM(r.state, ConnectionState::Closed);
        QCOMPARE(r.closeReason, std::string("idle timeout"));
        QVERIFY(r.closedMs - r.startedMs >= 300);
        WEIR_COMPARE_ENUM(recordOf(core, busy)->state, ConnectionState::Established);
        ::close(quiet);
        ::close(busy);
    }

    // A client that disappears without a word, while relaying or after the destination's FIN was
    // passed on to it (the relay waits for the client's FIN): keepalive finds it gone. Without
    // keepalive it stays open for ever (tcp_idle_timeout is off by default): the last row.
    void keepaliveEndsVanishedClients_data() {
        QTest::addColumn<bool>("destinationClosedFirst");
        QTest::addColumn<bool>("keepalive");
        QTest::newRow("established") << false << true;
        QTest::newRow("half-closed") << true << true;
        QTest::newRow("half-closed, keepalive off") << true << false;
    }
    void keepaliveEndsVanishedClients() {
        QFETCH(bool, destinationClosedFirst);
        QFETCH(bool, keepalive);
        // Echoes one byte, then either ends its side or waits for the relay to end the connection.
        TestServer server([destinationClosedFirst](int fd) {
            char c = 0;
            if (::recv(fd, &c, 1, 0) == 1 && ::send(fd, &c, 1, MSG_NOSIGNAL) == 1 && !destinationClosedFirst)
                ::recv(fd, &c, 1, 0);
            ::close(fd);
        });
        ProxyCore core;
        auto config = configTo(server.address());
        config.tcpKeepalive = {keepalive ? 2s : 0s, 1s, 2}; // 2 s: room for a slow (sanitized) test
        std::string error;
        QVERIFY2(core.start(config, &error), error.c_str());
        const int client = clientOf(core);
        QVERIFY(echoes(client, "k"));
        const auto id = recordOf(core, client)->id;
        if (destinationClosedFirst) {
            std::string rest;
            QVERIFY(readToEnd(client, &rest)); // the destination's FIN, passed on
            QTRY_VERIFY_WITH_TIMEOUT(findRecord(core, id)->state == ConnectionState::Closing, 2000);
        }
        // Until the client's (maybe delayed) ACKs are out: otherwise a retransmission, not keepalive,
        // would meet the missing socket.
        std::this_thread::sleep_for(300ms);
        if (!vanish(client))
            QSKIP("TCP_REPAIR needs CAP_NET_ADMIN (run as root)");
        std::this_thread::sleep_for(400ms);
        QVERIFY2(!isFinal(findRecord(core, id)->state), findRecord(core, id)->closeReason.c_str());
        if (!keepalive) {
            std::this_thread::sleep_for(3s); // the first probe would have gone out after 2 s
            QVERIFY(!isFinal(findRecord(core, id)->state));
            return;
        }
        // The first probe after 2 s of silence meets no socket and is answered with a reset.
        QTRY_VERIFY_WITH_TIMEOUT(isFinal(findRecord(core, id)->state), 8000);
        const auto r = *findRecord(core, id);
        WEIR_COMPARE_ENUM(r.state, ConnectionState::Closed);
        QCOMPARE(r.closeReason, std::string("reset by client"));
    }
};

QTEST_GUILESS_MAIN(TestRelay)
#include "tst_relay.moc"
