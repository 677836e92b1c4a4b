// ProcessResolver: lookups on its own thread, results by callback or polling, duplicate requests
// merged, a full queue refusing instead of blocking.
#include <QTest>

#include <atomic>
#include <future>
#include <mutex>
#include <thread>

#include "procinfo/processresolver.h"
#include "printers.h"
#include "testsockets.h"

using namespace procinfotest;
using weir::procinfo::FailureKind;
using weir::procinfo::ProcessResolver;

class TestProcessResolver : public QObject {
    Q_OBJECT

private slots:
    void polledResults() {
        auto pair = tcpPair(AF_INET, "127.0.0.1", AF_INET, "127.0.0.1");
        QVERIFY(pair);
        ProcessResolver resolver;
        QVERIFY(resolver.request(7, pair->query()));
        QVERIFY(resolver.waitIdle(std::chrono::seconds(5)));
        const auto results = resolver.takeResults();
        QCOMPARE(results.size(), std::size_t(1));
        QCOMPARE(results[0].tag, std::uint64_t(7));
        QVERIFY2(results[0].process, results[0].failure.message.c_str());
        QCOMPARE(results[0].process->pid, ::getpid());
        QCOMPARE(results[0].process->name, commOf(::getpid()));
        QCOMPARE(results[0].process->inode, inodeOf(pair->client.get()));
        QVERIFY(resolver.takeResults().empty());
    }

    void callbackOnItsOwnThread() {
        auto pair = tcpPair(AF_INET, "127.0.0.1", AF_INET, "127.0.0.1");
        QVERIFY(pair);
        std::promise<std::pair<std::thread::id, ProcessResolver::Result>> delivered;
        ProcessResolver resolver([&](ProcessResolver::Result r) {
            delivered.set_value({std::this_thread::get_id(), std::move(r)});
        });
        QVERIFY(resolver.request(1, pair->query()));
        auto future = delivered.get_future();
        QVERIFY(future.wait_for(std::chrono::seconds(5)) == std::future_status::ready);
        const auto [thread, result] = future.get();
        QVERIFY(thread != std::this_thread::get_id());
        QVERIFY2(result.process, result.failure.message.c_str());
        QCOMPARE(result.process->pid, ::getpid());
        QCOMPARE(result.process->uid, ::getuid());
    }

    void closedSocketIsGone() {
        weir::procinfo::SocketQuery query;
        {
            auto pair = tcpPair(AF_INET, "127.0.0.1", AF_INET, "127.0.0.1");
            QVERIFY(pair);
            query = pair->query();
        }
        QTest::qWait(50);
        ProcessResolver resolver;
        QVERIFY(resolver.request(3, query));
        QVERIFY(resolver.waitIdle(std::chrono::seconds(5)));
        const auto results = resolver.takeResults();
        QCOMPARE(results.size(), std::size_t(1));
        QVERIFY(!results[0].process);
        COMPARE_KIND(results[0].failure.kind, FailureKind::Gone);
    }

    // While the thread is held in a callback: a repeated query joins the queued one, and a full queue
    // refuses at once.
    void deduplicatesAndBounds() {
        std::vector<std::optional<TcpPair>> pairs;
        for (int i = 0; i < 4; ++i) {
            pairs.push_back(tcpPair(AF_INET, "127.0.0.1", AF_INET, "127.0.0.1"));
            QVERIFY(pairs.back());
        }
        std::promise<void> entered;
        std::promise<void> release;
        auto released = release.get_future().share();
        std::mutex mutex;
        std::vector<ProcessResolver::Result> results;
        ProcessResolver::Options options;
        options.queueLimit = 2;
        ProcessResolver resolver(
            [&](ProcessResolver::Result r) {
                if (r.tag == 1) {
                    entered.set_value();
                    released.wait();
                }
                std::lock_guard lock(mutex);
                results.push_back(std::move(r));
            },
            options);
        QVERIFY(resolver.request(1, pairs[0]->query()));
        QVERIFY(entered.get_future().wait_for(std::chrono::seconds(5)) == std::future_status::ready);
        QVERIFY(resolver.request(2, pairs[1]->query()));
        QVERIFY(resolver.request(3, pairs[1]->query())); // joins tag 2's query
        QVERIFY(resolver.request(4, pairs[2]->query()));
        QVERIFY(!resolver.request(5, pairs[3]->query())); // the queue holds 2 distinct queries
        release.set_value();
        QVERIFY(resolver.waitIdle(std::chrono::seconds(5)));
        const auto stats = resolver.stats();
        QCOMPARE(stats.requested, std::uint64_t(5));
        QCOMPARE(stats.deduplicated, std::uint64_t(1));
        QCOMPARE(stats.dropped, std::uint64_t(1));
        QCOMPARE(stats.completed, std::uint64_t(3));
        std::lock_guard lock(mutex);
        QCOMPARE(results.size(), std::size_t(4));
        for (const auto& r : results) {
            QVERIFY2(r.process, r.failure.message.c_str());
            QCOMPARE(r.process->pid, ::getpid());
        }
        QCOMPARE(results[1].tag, std::uint64_t(2));
        QCOMPARE(results[2].tag, std::uint64_t(3));
        QCOMPARE(results[1].process->inode, results[2].process->inode);
        QCOMPARE(stats.lookup.holders.fullScans, std::uint64_t(1)); // one scan served all four sockets
    }

    // Destroying a resolver with work queued neither hangs nor delivers afterwards.
    void stopsWithWorkQueued() {
        std::vector<std::optional<TcpPair>> pairs;
        for (int i = 0; i < 50; ++i) {
            pairs.push_back(tcpPair(AF_INET, "127.0.0.1", AF_INET, "127.0.0.1"));
            QVERIFY(pairs.back());
        }
        std::atomic<int> delivered{0};
        {
            ProcessResolver resolver([&](ProcessResolver::Result) { ++delivered; });
            for (std::size_t i = 0; i < pairs.size(); ++i)
                QVERIFY(resolver.request(i, pairs[i]->query()));
        }
        const int afterStop = delivered.load();
        QTest::qWait(50);
        QCOMPARE(delivered.load(), afterStop);
        QVERIFY(afterStop <= 50);
    }
};

QTEST_GUILESS_MAIN(TestProcessResolver)
#include "tst_processresolver.moc"
