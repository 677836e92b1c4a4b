// ConnectionFeed without a bus: snapshots of records in, deltas and rows out, against fake clocks.
// Deltas carry only what changed, seq grows by one per delta, rows leave in `removed`, rates are
// bytes/s over the ~2 s window of the feed's own samples (0 once closed), and duration_ms follows
// the rule of the API (real in rows, sent in deltas only when added and when closed). Replaying the
// deltas on a client-side table gives the feed's own table.
#include <QTest>

#include <map>

#include "service/connectionfeed.h"

using weir::ConnectionInfo;
using weir::ConnectionsDelta;
using weir::core::ConnectionRecord;
using weir::core::ConnectionState;
using weir::service::ConnectionFeed;

namespace {

constexpr qint64 kWallStart = 1'700'000'000'000; // Unix ms

struct FakeTime {
    qint64 steady = 50'000;
    qint64 wall = kWallStart;
    void advance(qint64 ms) {
        steady += ms;
        wall += ms;
    }
};

ConnectionFeed::Clocks clocksOf(FakeTime* t) {
    return {[t] { return t->steady; }, [t] { return t->wall; }};
}

ConnectionRecord record(std::uint64_t id, qint64 startedMs) {
    ConnectionRecord r;
    r.id = id;
    r.source = *weir::core::SocketAddress::parse("198.51.100.1:40000");
    r.destination = *weir::core::SocketAddress::parse("198.51.100.2:80");
    r.startedMs = startedMs;
    r.state = ConnectionState::Established;
    r.via = "direct";
    return r;
}

void close(ConnectionRecord* r, qint64 atMs, const char* reason) {
    r->state = ConnectionState::Closed;
    r->closedMs = atMs;
    r->closeReason = reason;
}

QStringList keysOf(const QVariantMap& m) {
    QStringList keys = m.keys();
    keys.sort();
    return keys;
}

// What a client does with the signals.
void apply(std::map<quint64, ConnectionInfo>* table, const ConnectionsDelta& d) {
    for (const ConnectionInfo& c : d.added)
        (*table)[c.id] = c;
    for (const QVariantMap& u : d.updated)
        QVERIFY(table->at(u.value(QStringLiteral("id")).toULongLong()).merge(u));
    for (quint64 id : d.removed)
        table->erase(id);
}

} // namespace

class TestConnectionFeed : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void addsUpdatesOnlyChangedKeysAndRemoves() {
        FakeTime t;
        ConnectionFeed feed(clocksOf(&t));
        QCOMPARE(feed.seq(), 0u);
        QVERIFY(!feed.publish({})); // nothing at all: no signal

        ConnectionRecord a = record(1, t.wall - 500);
        auto d = feed.publish({a});
        QVERIFY(d);
        QCOMPARE(d->seq, 1u);
        QCOMPARE(d->added.size(), 1);
        QCOMPARE(d->added.first().durationMs, 500); // sent when added
        QCOMPARE(d->added.first().destination, QStringLiteral("198.51.100.2:80"));
        QVERIFY(d->updated.isEmpty() && d->removed.isEmpty());

        // Same snapshot, same moment: no change, no signal, seq stays.
        QVERIFY(!feed.publish({a}));
        QCOMPARE(feed.seq(), 1u);

        // Bytes moved: bytes and rate change; state, duration and the rest are not repeated.
        t.advance(500);
        a.bytesReceived = 4000;
        d = feed.publish({a});
        QVERIFY(d);
        QCOMPARE(d->seq, 2u);
        QCOMPARE(d->updated.size(), 1);
        QCOMPARE(keysOf(d->updated.first()),
                 (QStringList{QStringLiteral("bytes_received"), QStringLiteral("id"),
                              QStringLiteral("rate_received")}));
        QCOMPARE(d->updated.first().value(QStringLiteral("id")).toULongLong(), 1u);

        // A second connection comes, the first closes: one delta with both.
        t.advance(500);
        ConnectionRecord b = record(2, t.wall);
        close(&a, t.wall, "closed by user");
        d = feed.publish({a, b});
        QVERIFY(d);
        QCOMPARE(d->seq, 3u);
        QCOMPARE(d->added.size(), 1);
        QCOMPARE(d->added.first().id, 2u);
        QCOMPARE(d->added.first().durationMs, 0);
        QCOMPARE(d->updated.size(), 1);
        const QVariantMap closed = d->updated.first();
        QCOMPARE(closed.value(QStringLiteral("state")).toString(), QStringLiteral("closed"));
        QCOMPARE(closed.value(QStringLiteral("close_reason")).toString(), QStringLiteral("closed by user"));
        QCOMPARE(closed.value(QStringLiteral("duration_ms")).toLongLong(), 1500);  // final, sent again
        QCOMPARE(closed.value(QStringLiteral("rate_received")).toULongLong(), 0u); // 0 once closed
        QCOMPARE(closed.value(QStringLiteral("closed_ms")).toLongLong(), t.wall);

        // The closed one leaves the table (history full, or cleared).
        t.advance(500);
        d = feed.publish({b});
        QVERIFY(d);
        QCOMPARE(d->seq, 4u);
        QCOMPARE(d->removed, QList<quint64>{1});
        QVERIFY(d->added.isEmpty() && d->updated.isEmpty());
        QCOMPARE(feed.table().size(), 1);
    }

    // An open row's duration_ms is not sent on every tick (clients count it), but rows carry it.
    void durationRule() {
        FakeTime t;
        ConnectionFeed feed(clocksOf(&t));
        ConnectionRecord a = record(7, t.wall - 10'000); // older than the rate window
        QVERIFY(feed.publish({a}));
        t.advance(3000);
        QVERIFY(!feed.publish({a})); // nothing moved: the growing duration alone is no change
        QCOMPARE(feed.table().first().durationMs, 13'000);
        QCOMPARE(feed.rows({a}).first().durationMs, 13'000);
        close(&a, t.wall + 1000, "eof");
        t.advance(5000);
        QCOMPARE(feed.rows({a}).first().durationMs, 14'000); // until closed_ms
        const auto d = feed.publish({a});
        QVERIFY(d);
        QCOMPARE(d->updated.first().value(QStringLiteral("duration_ms")).toLongLong(), 14'000);
        QCOMPARE(feed.table().first().durationMs, 14'000);
    }

    void ratesOverTheWindow() {
        FakeTime t;
        ConnectionFeed feed(clocksOf(&t));
        // Started long before the feed saw it: no rate until a second sample.
        ConnectionRecord a = record(3, t.wall - 60'000);
        a.bytesSent = 1'000'000;
        a.bytesReceived = 5'000'000;
        QCOMPARE(feed.rows({a}).first().rateReceived, 0u);
        // 10,000 B/s received, 1,000 B/s sent, sampled every 500 ms.
        for (int i = 0; i < 8; ++i) {
            t.advance(500);
            a.bytesReceived += 5000;
            a.bytesSent += 500;
            const auto d = feed.publish({a});
            QVERIFY(d);
        }
        ConnectionInfo row = feed.table().first();
        QCOMPARE(row.rateReceived, 10'000u);
        QCOMPARE(row.rateSent, 1000u);
        // It stops: after one tick the window still holds the old bytes, after ~2 s it reads 0.
        t.advance(500);
        row = feed.rows({a}).first();
        QCOMPARE(row.rateReceived, 7500u); // 15,000 bytes over the last 2 s
        t.advance(2000);
        QCOMPARE(feed.rows({a}).first().rateReceived, 0u);
        // A burst: only the last ~2 s count, not the whole life.
        t.advance(500);
        a.bytesReceived += 1'000'000;
        QCOMPARE(feed.rows({a}).first().rateReceived, 1'000'000u * 1000 / 2500);
    }

    // A connection younger than the window is measured from its start.
    void youngConnectionRateFromItsStart() {
        FakeTime t;
        ConnectionFeed feed(clocksOf(&t));
        ConnectionRecord a = record(4, t.wall - 500);
        a.bytesReceived = 50'000;
        QCOMPARE(feed.rows({a}).first().rateReceived, 100'000u);
    }

    // Clocks that stand still (two calls in one millisecond) give no division by zero.
    void sameMomentTwice() {
        FakeTime t;
        ConnectionFeed feed(clocksOf(&t));
        ConnectionRecord a = record(5, t.wall - 60'000);
        a.bytesSent = 10;
        QCOMPARE(feed.rows({a}).first().rateSent, 0u);
        a.bytesSent = 20;
        QCOMPARE(feed.rows({a}).first().rateSent, 0u);
    }

    // Closed rows are skipped while nothing of theirs can change, but a program found after the
    // end, or a new interface, still goes out.
    void closedRowsChangeOnlyByProgramOrInterface() {
        FakeTime t;
        ConnectionFeed feed(clocksOf(&t));
        ConnectionRecord a = record(8, t.wall - 100);
        close(&a, t.wall, "eof");
        QVERIFY(feed.publish({a}));
        t.advance(500);
        QVERIFY(!feed.publish({a}));
        auto owner = std::make_shared<weir::core::ProcessOwner>();
        owner->pid = 4242;
        owner->name = "curl";
        owner->exe = "/usr/bin/curl";
        a.process = owner;
        auto d = feed.publish({a});
        QVERIFY(d);
        QCOMPARE(keysOf(d->updated.first()), (QStringList{QStringLiteral("exe"), QStringLiteral("id"),
                                                          QStringLiteral("pid"), QStringLiteral("process")}));
        QVERIFY(!feed.publish({a}));
        a.interface = "lan0";
        d = feed.publish({a});
        QVERIFY(d);
        QCOMPARE(d->updated.first().value(QStringLiteral("interface")).toString(), QStringLiteral("lan0"));
        QCOMPARE(feed.table().first().process, QStringLiteral("curl"));
    }

    // rows() (ListConnections) measures but publishes nothing.
    void rowsDoNotPublish() {
        FakeTime t;
        ConnectionFeed feed(clocksOf(&t));
        const ConnectionRecord a = record(6, t.wall);
        QCOMPARE(feed.rows({a}).size(), 1);
        QCOMPARE(feed.seq(), 0u);
        QVERIFY(feed.table().isEmpty());
    }

    void forgetTableAddsEverythingAgain() {
        FakeTime t;
        ConnectionFeed feed(clocksOf(&t));
        const ConnectionRecord a = record(1, t.wall), b = record(2, t.wall);
        QCOMPARE(feed.publish({a, b})->seq, 1u);
        feed.forgetTable();
        QVERIFY(feed.table().isEmpty());
        const auto d = feed.publish({a, b});
        QVERIFY(d);
        QCOMPARE(d->seq, 2u); // seq never goes back
        QCOMPARE(d->added.size(), 2);
        QVERIFY(d->removed.isEmpty());
    }

    // A client that applies every delta has the feed's table (open rows' duration aside, which the
    // client counts itself).
    void replayedDeltasGiveTheTable() {
        FakeTime t;
        ConnectionFeed feed(clocksOf(&t));
        std::map<quint64, ConnectionInfo> client;
        std::vector<ConnectionRecord> live;
        quint64 lastSeq = 0;
        for (int step = 0; step < 40; ++step) {
            t.advance(500);
            if (step % 3 == 0)
                live.push_back(record(100 + static_cast<std::uint64_t>(step), t.wall));
            for (ConnectionRecord& r : live) {
                if (r.state == ConnectionState::Established)
                    r.bytesReceived += static_cast<std::uint64_t>(r.id * 10);
            }
            if (step % 4 == 1 && !live.empty() && live.front().state == ConnectionState::Established)
                close(&live.front(), t.wall, "eof");
            if (step % 7 == 6 && !live.empty() && live.front().state == ConnectionState::Closed)
                live.erase(live.begin());
            if (const auto d = feed.publish(live)) {
                QCOMPARE(d->seq, lastSeq + 1);
                lastSeq = d->seq;
                apply(&client, *d);
            }
        }
        const weir::ConnectionInfoList table = feed.table();
        QCOMPARE(client.size(), static_cast<std::size_t>(table.size()));
        for (ConnectionInfo row : table) {
            ConnectionInfo mine = client.at(row.id);
            if (row.state != QLatin1String("closed"))
                mine.durationMs = row.durationMs = 0;
            QCOMPARE(mine, row);
        }
    }
};

QTEST_GUILESS_MAIN(TestConnectionFeed)
#include "tst_connectionfeed.moc"
