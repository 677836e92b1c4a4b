// The connection table's history and the user's hand on it (closing connections, forgetting closed
// ones, the history limit), through the core on loopback without NAT (see tst_proxycore).
#include <QTest>

#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <future>
#include <mutex>

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

namespace {

// One connection through the core that ends cleanly (the client's FIN, the echo, the end).
bool oneCleanConnection(const ProxyCore& core) {
    const int c = clientOf(core);
    if (c < 0)
        return false;
    ::shutdown(c, SHUT_WR);
    std::string got;
    const bool ended = readToEnd(c, &got);
    ::close(c);
    return ended;
}

} // namespace

class TestHistory : public QObject {
    Q_OBJECT

private slots:
    void retainedThenPruned() {
        TestServer server(echo);
        ProxyCore core;
        auto config = configTo(server.address());
        config.closedRetention = 300ms;
        std::string error;
        QVERIFY2(core.start(config, &error), error.c_str());
        const int c = clientOf(core);
        QVERIFY(c >= 0);
        ::shutdown(c, SHUT_WR);
        std::string got;
        QVERIFY(readToEnd(c, &got));
        ::close(c);
        QTRY_VERIFY_WITH_TIMEOUT(allFinal(core, 1), 5000);
        const auto closedMs = findRecord(core, 1)->closedMs;
        QVERIFY(closedMs > 0);
        // Still listed for the retention time, then gone.
        QTRY_VERIFY_WITH_TIMEOUT(core.snapshot().empty(), 3000);
        QVERIFY2(unixNowMs() - closedMs >= 290, qPrintable(QString::number(unixNowMs() - closedMs)));
    }

    // Under churn the closed history is capped: the newest maxClosedRecords stay, the oldest go.
    void closedHistoryCapped() {
        TestServer server(echo);
        ProxyCore core;
        auto config = configTo(server.address());
        config.maxClosedRecords = 5;
        std::string error;
        QVERIFY2(core.start(config, &error), error.c_str());
        for (int i = 0; i < 8; ++i) {
            QVERIFY(oneCleanConnection(core));
            QTRY_VERIFY_WITH_TIMEOUT(allFinal(core, std::size_t(std::min(i + 1, 5))), 5000);
        }
        const auto records = core.snapshot();
        QCOMPARE(records.size(), std::size_t(5));
        QCOMPARE(records.front().id, std::uint64_t(4)); // 1..3 were dropped, oldest first
        QCOMPARE(records.back().id, std::uint64_t(8));
        QCOMPARE(core.connectionCounts().total, records.size()); // counted as snapshot() keeps them
        QCOMPARE(core.connectionCounts().open, std::size_t(0));
    }

    // The user's close: both sides get a reset, the record says why, and only open ids count.
    void closeConnectionsResets() {
        HelloThenEnd server;
        ProxyCore core;
        auto config = configTo(server.server.address());
        config.workers = 2; // the id may be on either worker
        std::string error;
        QVERIFY2(core.start(config, &error), error.c_str());
        const int c = clientOf(core);
        QVERIFY(c >= 0);
        setReceiveTimeout(c, 5000);
        QVERIFY(writeAll(c, "hello"));
        QVERIFY(server.gotHello.get_future().wait_for(5s) == std::future_status::ready);
        QTRY_VERIFY_WITH_TIMEOUT(
            findRecord(core, 1) && findRecord(core, 1)->state == ConnectionState::Established, 5000);
        const auto closed = core.closeConnections({7, 1, 99}, "closed by user");
        QCOMPARE(closed, std::vector<std::uint64_t>{1});
        std::string got;
        int err = 0;
        QVERIFY(!readToEnd(c, &got, &err));
        QCOMPARE(err, ECONNRESET);
        auto serverErr = server.endError.get_future();
        QVERIFY(serverErr.wait_for(6s) == std::future_status::ready);
        QCOMPARE(serverErr.get(), ECONNRESET);
        ::close(c);
        // Already in the table when closeConnections() returned.
        WEIR_COMPARE_ENUM(findRecord(core, 1)->state, ConnectionState::Closed);
        QCOMPARE(findRecord(core, 1)->closeReason, std::string("closed by user"));
        QCOMPARE(core.closeConnections({1}, "closed by user"), std::vector<std::uint64_t>{});
    }

    // Closing by a property of the record (what Disable and settings changes use): only open
    // connections are offered to the predicate, and only those it picks end.
    void closeConnectionsWhere() {
        TestServer server(echo);
        ProxyCore core;
        auto config = configTo(server.address());
        config.workers = 2;
        std::string error;
        QVERIFY2(core.start(config, &error), error.c_str());
        QVERIFY(oneCleanConnection(core)); // a closed record, never offered
        QTRY_VERIFY_WITH_TIMEOUT(allFinal(core, 1), 5000);
        const int keep = clientOf(core);
        const int drop = clientOf(core);
        setReceiveTimeout(drop, 5000);
        QVERIFY(writeAll(keep, "k") && writeAll(drop, "d"));
        const SocketAddress dropSource = localAddress(drop);
        QTRY_VERIFY_WITH_TIMEOUT(core.connectionCounts().open == 2, 5000);
        std::vector<std::uint64_t> offered;
        std::mutex offeredMutex; // the workers ask one after another, but on their own threads
        const auto closed = core.closeConnectionsWhere(
            [&](const ConnectionRecord& r) {
                std::lock_guard lock(offeredMutex);
                offered.push_back(r.id);
                return r.source == dropSource;
            },
            "interception turned off");
        std::sort(offered.begin(), offered.end());
        QCOMPARE(offered, (std::vector<std::uint64_t>{2, 3}));
        QCOMPARE(closed.size(), std::size_t(1));
        const auto r = *findRecord(core, closed.front());
        QCOMPARE(r.source, dropSource);
        QCOMPARE(r.closeReason, std::string("interception turned off"));
        std::string got;
        int err = 0;
        QVERIFY(!readToEnd(drop, &got, &err));
        QCOMPARE(err, ECONNRESET);
        char echoed = 0;
        QVERIFY(readExactly(keep, &echoed, 1) && echoed == 'k'); // the other one still relays
        QCOMPARE(core.connectionCounts().open, std::size_t(1));
        ::close(keep);
        ::close(drop);
    }

    // No time limit (closedRetention 0): closed records stay until the limit or clearHistory().
    void historyLimitAndClear() {
        TestServer server(echo);
        ProxyCore core;
        auto config = configTo(server.address());
        config.closedRetention = 0ms;
        config.maxClosedRecords = 6;
        std::string error;
        QVERIFY2(core.start(config, &error), error.c_str());
        for (int i = 0; i < 6; ++i) {
            QVERIFY(oneCleanConnection(core));
        }
        QTRY_VERIFY_WITH_TIMEOUT(allFinal(core, 6), 5000);
        const int open = clientOf(core); // id 7 stays open through all of it
        QVERIFY(open >= 0);
        QTRY_VERIFY_WITH_TIMEOUT(core.connectionCounts().open == 1, 5000);
        QTest::qWait(400); // nothing expires by time
        QCOMPARE(core.snapshot().size(), std::size_t(7));
        core.setHistoryLimit(2);
        auto records = core.snapshot();
        QCOMPARE(records.size(), std::size_t(3));
        QCOMPARE(records.front().id, std::uint64_t(5)); // the newest two closed ones and the open one
        QCOMPARE(records.back().id, std::uint64_t(7));
        core.clearHistory();
        records = core.snapshot();
        QCOMPARE(records.size(), std::size_t(1));
        QCOMPARE(records.front().id, std::uint64_t(7));
        QCOMPARE(core.connectionCounts().total, std::size_t(1));
        ::close(open);
        QTRY_VERIFY_WITH_TIMEOUT(allFinal(core, 1), 5000);
        core.stop();
        core.clearHistory(); // also after the relay threads are gone
        QVERIFY(core.snapshot().empty());
    }
};

QTEST_GUILESS_MAIN(TestHistory)
#include "tst_history.moc"
