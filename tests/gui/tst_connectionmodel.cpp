// ConnectionModel fed like the helper feeds it: rows appear, update in place and go away, keyed by id.
#include <QAbstractItemModelTester>
#include <QPersistentModelIndex>
#include <QRandomGenerator>
#include <QSignalSpy>
#include <QSortFilterProxyModel>
#include <QtTest>

#include <map>
#include <optional>

#include "gui/connectionmodel.h"
#include "gui/format.h"

using weir::ConnectionInfo;
using weir::ConnectionInfoList;
using weir::ConnectionModel;

namespace {

constexpr qint64 kNow = 1'700'000'000'000;

ConnectionInfo conn(quint64 id, quint64 sent = 0, quint64 received = 0,
                    const QString& state = QStringLiteral("established")) {
    ConnectionInfo c;
    c.id = id;
    c.protocol = QStringLiteral("tcp");
    c.mode = QStringLiteral("redirect");
    c.source = QStringLiteral("192.0.2.%1:%2").arg(id % 250 + 1).arg(40000 + id % 20000);
    c.destination = QStringLiteral("203.0.113.%1:443").arg(id % 200 + 1);
    c.bytesSent = sent;
    c.bytesReceived = received;
    c.state = state;
    c.startedMs = kNow - 5000;
    return c;
}

QString text(const ConnectionModel& m, int row, int column) {
    return m.index(row, column).data().toString();
}

// Every row of the model equals the connection the feed has for its id, and nothing else is there.
void verifyEquals(const ConnectionModel& m, const std::map<quint64, ConnectionInfo>& expected) {
    QCOMPARE(m.rowCount(), int(expected.size()));
    for (int row = 0; row < m.rowCount(); ++row) {
        const quint64 id = m.index(row, 0).data(ConnectionModel::IdRole).toULongLong();
        const auto it = expected.find(id);
        QVERIFY2(it != expected.end(), qPrintable(QStringLiteral("unexpected id %1").arg(id)));
        QCOMPARE(m.connectionAt(row), it->second);
        QCOMPARE(m.rowOf(id), row);
        QCOMPARE(m.index(row, ConnectionModel::SentColumn).data(ConnectionModel::RawValueRole).toULongLong(),
                 it->second.bytesSent);
        QCOMPARE(text(m, row, ConnectionModel::ReceivedColumn), weir::formatBytes(it->second.bytesReceived));
        QCOMPARE(text(m, row, ConnectionModel::DestinationColumn), it->second.destination);
    }
}

ConnectionInfoList listOf(const std::map<quint64, ConnectionInfo>& map) {
    ConnectionInfoList list;
    for (const auto& [id, c] : map)
        list.append(c);
    return list;
}

} // namespace

class TestConnectionModel : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase() { QLocale::setDefault(QLocale::c()); }

    void rowsAppearWithoutReset() {
        ConnectionModel m;
        m.setCurrentTime(kNow);
        QAbstractItemModelTester tester(&m, QAbstractItemModelTester::FailureReportingMode::QtTest);
        QSignalSpy inserted(&m, &QAbstractItemModel::rowsInserted);
        QSignalSpy reset(&m, &QAbstractItemModel::modelReset);

        m.applySnapshot({conn(1, 100, 200), conn(2), conn(3)});
        QCOMPARE(m.rowCount(), 3);
        QCOMPARE(inserted.size(), 1); // one insert for the whole batch
        QCOMPARE(inserted.at(0).at(1).toInt(), 0);
        QCOMPARE(inserted.at(0).at(2).toInt(), 2);
        QCOMPARE(reset.size(), 0);
        QCOMPARE(m.columnCount(), int(ConnectionModel::ColumnCount));

        QCOMPARE(text(m, 0, ConnectionModel::StateColumn), QStringLiteral("Established"));
        QCOMPARE(text(m, 0, ConnectionModel::ProtocolColumn), QStringLiteral("TCP"));
        QCOMPARE(text(m, 0, ConnectionModel::ModeColumn), QStringLiteral("REDIRECT"));
        QCOMPARE(text(m, 0, ConnectionModel::SourceColumn), QStringLiteral("192.0.2.2:40001"));
        QCOMPARE(text(m, 0, ConnectionModel::DestinationColumn), QStringLiteral("203.0.113.2:443"));
        QCOMPARE(text(m, 0, ConnectionModel::SentColumn), QStringLiteral("100 bytes"));
        QCOMPARE(text(m, 0, ConnectionModel::DurationColumn), QStringLiteral("0:00:05"));
        QVERIFY(!m.index(0, ConnectionModel::StateColumn).data(Qt::DecorationRole).value<QIcon>().isNull());
        QVERIFY(!m.index(0, 0).data(Qt::ForegroundRole).isValid()); // live rows are not greyed
        QCOMPARE(m.activeCount(), 3);

        // The same snapshot again changes nothing.
        QSignalSpy changed(&m, &QAbstractItemModel::dataChanged);
        m.applySnapshot({conn(1, 100, 200), conn(2), conn(3)});
        QCOMPARE(changed.size(), 0);
        QCOMPARE(inserted.size(), 1);
    }

    void updateTouchesOnlyTheChangedRow() {
        ConnectionModel m;
        m.setCurrentTime(kNow);
        QAbstractItemModelTester tester(&m, QAbstractItemModelTester::FailureReportingMode::QtTest);
        m.applySnapshot({conn(1), conn(2), conn(3), conn(4)});
        QSignalSpy changed(&m, &QAbstractItemModel::dataChanged);
        QSignalSpy inserted(&m, &QAbstractItemModel::rowsInserted);
        QSignalSpy removed(&m, &QAbstractItemModel::rowsRemoved);

        m.applySnapshot({conn(1), conn(2, 0, 1536 * 1024), conn(3), conn(4)});
        QCOMPARE(changed.size(), 1);
        const auto topLeft = changed.at(0).at(0).value<QModelIndex>();
        const auto bottomRight = changed.at(0).at(1).value<QModelIndex>();
        QCOMPARE(topLeft.row(), 1);
        QCOMPARE(bottomRight.row(), 1);
        QCOMPARE(topLeft.column(), int(ConnectionModel::ReceivedColumn));
        QCOMPARE(bottomRight.column(), int(ConnectionModel::ReceivedColumn));
        QCOMPARE(text(m, 1, ConnectionModel::ReceivedColumn), QStringLiteral("1.5 MiB"));
        QCOMPARE(inserted.size(), 0);
        QCOMPARE(removed.size(), 0);

        // A state change repaints the whole row (the state decides its colour).
        changed.clear();
        ConnectionInfo closed = conn(3, 10, 20, QStringLiteral("closed"));
        closed.closedMs = kNow - 1000;
        closed.closeReason = QStringLiteral("peer closed");
        m.applySnapshot({conn(1), conn(2, 0, 1536 * 1024), closed, conn(4)});
        QCOMPARE(changed.size(), 1);
        QCOMPARE(changed.at(0).at(0).value<QModelIndex>(), m.index(2, 0));
        QCOMPARE(changed.at(0).at(1).value<QModelIndex>(), m.index(2, ConnectionModel::ColumnCount - 1));
        QCOMPARE(text(m, 2, ConnectionModel::StateColumn), QStringLiteral("Closed"));
        QCOMPARE(text(m, 2, ConnectionModel::CloseReasonColumn), QStringLiteral("peer closed"));
        QCOMPARE(text(m, 2, ConnectionModel::DurationColumn), QStringLiteral("0:00:04"));
        QVERIFY(m.index(2, ConnectionModel::SourceColumn).data(Qt::ForegroundRole).isValid()); // greyed
        QCOMPARE(m.activeCount(), 3);

        // Two adjacent changed rows go out as one rectangle.
        changed.clear();
        m.applySnapshot({conn(1, 1), conn(2, 1, 1536 * 1024), closed, conn(4)});
        QCOMPARE(changed.size(), 1);
        QCOMPARE(changed.at(0).at(0).value<QModelIndex>(), m.index(0, ConnectionModel::SentColumn));
        QCOMPARE(changed.at(0).at(1).value<QModelIndex>(), m.index(1, ConnectionModel::SentColumn));

        // The clock moves only the Duration column.
        changed.clear();
        m.setCurrentTime(kNow + 60'000);
        QCOMPARE(changed.size(), 1);
        QCOMPARE(changed.at(0).at(0).value<QModelIndex>(), m.index(0, ConnectionModel::DurationColumn));
        QCOMPARE(changed.at(0).at(1).value<QModelIndex>(), m.index(3, ConnectionModel::DurationColumn));
        QCOMPARE(text(m, 0, ConnectionModel::DurationColumn), QStringLiteral("0:01:05"));
        QCOMPARE(text(m, 2, ConnectionModel::DurationColumn), QStringLiteral("0:00:04")); // closed: fixed
    }

    void vanishedRowsGoOthersKeepIdentity() {
        ConnectionModel m;
        QAbstractItemModelTester tester(&m, QAbstractItemModelTester::FailureReportingMode::QtTest);
        m.applySnapshot({conn(10), conn(11), conn(12), conn(13), conn(14), conn(15)});
        QPersistentModelIndex p11(m.index(1, ConnectionModel::SourceColumn));
        QPersistentModelIndex p14(m.index(4, ConnectionModel::SentColumn));
        QPersistentModelIndex p12(m.index(2, 0));
        QSignalSpy removed(&m, &QAbstractItemModel::rowsRemoved);
        QSignalSpy reset(&m, &QAbstractItemModel::modelReset);
        QSignalSpy inserted(&m, &QAbstractItemModel::rowsInserted);

        // 12 and 13 (contiguous) and 15 vanish, 16 is new.
        m.applySnapshot({conn(10), conn(11), conn(14, 7), conn(16)});
        QCOMPARE(reset.size(), 0);
        QCOMPARE(removed.size(), 2); // ranges [5,5] and [2,3], from the back
        QCOMPARE(removed.at(0).at(1).toInt(), 5);
        QCOMPARE(removed.at(0).at(2).toInt(), 5);
        QCOMPARE(removed.at(1).at(1).toInt(), 2);
        QCOMPARE(removed.at(1).at(2).toInt(), 3);
        QCOMPARE(inserted.size(), 1);
        QCOMPARE(m.rowCount(), 4);

        QVERIFY(p11.isValid());
        QCOMPARE(p11.data(ConnectionModel::IdRole).toULongLong(), 11u);
        QCOMPARE(p11.column(), int(ConnectionModel::SourceColumn));
        QVERIFY(p14.isValid());
        QCOMPARE(p14.row(), 2);
        QCOMPARE(p14.data(ConnectionModel::IdRole).toULongLong(), 14u);
        QCOMPARE(p14.data(ConnectionModel::RawValueRole).toULongLong(), 7u);
        QVERIFY(!p12.isValid());
        QCOMPARE(m.rowOf(12), -1);
        QCOMPARE(m.rowOf(16), 3);

        // Deltas: remove and upsert directly.
        removed.clear();
        m.remove({10, 999});
        QCOMPARE(removed.size(), 1);
        QCOMPARE(m.rowOf(11), 0);
        m.upsert({conn(11, 5), conn(17)});
        QCOMPARE(m.rowCount(), 4);
        QCOMPARE(m.connectionAt(0).bytesSent, 5u);
        QCOMPARE(m.rowOf(17), 3);
        m.clear();
        QCOMPARE(m.rowCount(), 0);
        QCOMPARE(reset.size(), 0);
    }

    // A ConnectionsChanged delta: partial updates merged, removals in ranges, additions in one insert.
    void deltasMergeAndSignalOnlyWhatChanged() {
        ConnectionModel m;
        m.setCurrentTime(kNow);
        QAbstractItemModelTester tester(&m, QAbstractItemModelTester::FailureReportingMode::QtTest);
        m.applySnapshot({conn(1), conn(2), conn(3), conn(4), conn(5), conn(6)});
        QSignalSpy changed(&m, &QAbstractItemModel::dataChanged);
        QSignalSpy inserted(&m, &QAbstractItemModel::rowsInserted);
        QSignalSpy removed(&m, &QAbstractItemModel::rowsRemoved);
        QSignalSpy reset(&m, &QAbstractItemModel::modelReset);

        weir::ConnectionsDelta delta;
        delta.seq = 2;
        delta.updated = {
            {{QStringLiteral("id"), QVariant::fromValue<quint64>(2)},
             {QStringLiteral("bytes_received"), QVariant::fromValue<quint64>(4096)}},
            {{QStringLiteral("id"), QVariant::fromValue<quint64>(3)},
             {QStringLiteral("host"), QStringLiteral("example.org")}},
            {{QStringLiteral("id"), QVariant::fromValue<quint64>(99)},
             {QStringLiteral("host"), QStringLiteral("unknown")}},
            {{QStringLiteral("id"), QVariant::fromValue<quint64>(4)},
             {QStringLiteral("host"), QStringLiteral("gone")}},
        };
        delta.removed = {4, 5, 98};
        delta.added = {conn(7, 1), conn(5)}; // 5 is also removed: it stays away
        m.applyDelta(delta);

        QCOMPARE(reset.size(), 0);
        QCOMPARE(changed.size(), 1); // rows 1 and 2 are adjacent: one rectangle, Host to Received
        QCOMPARE(changed.at(0).at(0).value<QModelIndex>(), m.index(1, ConnectionModel::HostColumn));
        QCOMPARE(changed.at(0).at(1).value<QModelIndex>(), m.index(2, ConnectionModel::ReceivedColumn));
        QCOMPARE(removed.size(), 1);
        QCOMPARE(removed.at(0).at(1).toInt(), 3);
        QCOMPARE(removed.at(0).at(2).toInt(), 4);
        QCOMPARE(inserted.size(), 1);
        QCOMPARE(m.rowCount(), 5);
        QCOMPARE(m.connectionAt(m.rowOf(2)).bytesReceived, 4096u);
        QCOMPARE(m.connectionAt(m.rowOf(2)).source, conn(2).source); // the rest of the row is kept
        QCOMPARE(text(m, m.rowOf(3), ConnectionModel::HostColumn), QStringLiteral("example.org"));
        QCOMPARE(m.rowOf(7), 4);
        QCOMPARE(m.rowOf(5), -1);

        // Only the changed columns: rates.
        changed.clear();
        delta.updated = {{{QStringLiteral("id"), QVariant::fromValue<quint64>(6)},
                          {QStringLiteral("rate_received"), QVariant::fromValue<quint64>(2048)}}};
        delta.removed.clear();
        delta.added.clear();
        m.applyDelta(delta);
        QCOMPARE(changed.size(), 1);
        QCOMPARE(changed.at(0).at(0).value<QModelIndex>(), m.index(3, ConnectionModel::ReceiveRateColumn));
        QCOMPARE(changed.at(0).at(1).value<QModelIndex>(), m.index(3, ConnectionModel::ReceiveRateColumn));
        QCOMPARE(text(m, 3, ConnectionModel::ReceiveRateColumn), QStringLiteral("2.0 KiB/s"));
        QCOMPARE(text(m, 3, ConnectionModel::SendRateColumn), QString()); // idle: quiet

        // The connection closes: the whole row (its colour), the reason in the user's words.
        changed.clear();
        delta.updated = {{{QStringLiteral("id"), QVariant::fromValue<quint64>(6)},
                          {QStringLiteral("state"), QStringLiteral("closed")},
                          {QStringLiteral("close_reason"), QStringLiteral("reset by destination")},
                          {QStringLiteral("closed_ms"), QVariant::fromValue<qint64>(kNow - 2000)},
                          {QStringLiteral("duration_ms"), QVariant::fromValue<qint64>(3000)}}};
        m.applyDelta(delta);
        QCOMPARE(changed.size(), 1);
        QCOMPARE(changed.at(0).at(0).value<QModelIndex>(), m.index(3, 0));
        QCOMPARE(changed.at(0).at(1).value<QModelIndex>(), m.index(3, ConnectionModel::ColumnCount - 1));
        QCOMPARE(text(m, 3, ConnectionModel::CloseReasonColumn), QStringLiteral("Reset by the destination"));
        QCOMPARE(
            m.index(3, ConnectionModel::CloseReasonColumn).data(ConnectionModel::RawValueRole).toString(),
            QStringLiteral("reset by destination"));
        QCOMPARE(m.index(3, ConnectionModel::CloseReasonColumn).data(Qt::ToolTipRole).toString(),
                 QStringLiteral("reset by destination"));
        QCOMPARE(text(m, 3, ConnectionModel::DurationColumn), QStringLiteral("0:00:03"));

        // Scattered rows: a signal per run of rows, or one for the batch when they change the column
        // a proxy sorts on.
        ConnectionInfoList many;
        for (quint64 id = 100; id < 200; ++id)
            many.append(conn(id));
        m.upsert(many);
        changed.clear();
        delta.updated.clear();
        for (quint64 id = 100; id < 200; id += 3)
            delta.updated.append({{QStringLiteral("id"), QVariant::fromValue(id)},
                                  {QStringLiteral("bytes_sent"), QVariant::fromValue<quint64>(id)}});
        m.applyDelta(delta);
        QCOMPARE(changed.size(), 34);
        m.setSortColumnHint(ConnectionModel::ReceivedColumn); // not touched: still a signal per run
        for (QVariantMap& u : delta.updated)
            u[QStringLiteral("bytes_sent")] = u.value(QStringLiteral("bytes_sent")).toULongLong() + 1;
        changed.clear();
        m.applyDelta(delta);
        QCOMPARE(changed.size(), 34);
        m.setSortColumnHint(ConnectionModel::SentColumn);
        for (QVariantMap& u : delta.updated)
            u[QStringLiteral("bytes_sent")] = u.value(QStringLiteral("id")).toULongLong();
        changed.clear();
        m.applyDelta(delta);
        QCOMPARE(changed.size(), 1);
        QCOMPARE(changed.at(0).at(0).value<QModelIndex>(),
                 m.index(m.rowOf(100), ConnectionModel::SentColumn));
        QCOMPARE(changed.at(0).at(1).value<QModelIndex>(),
                 m.index(m.rowOf(199), ConnectionModel::SentColumn));
        QCOMPARE(m.connectionAt(m.rowOf(103)).bytesSent, 103u);
        QCOMPARE(reset.size(), 0);
    }

    void processUserAndCloseReasons() {
        ConnectionModel m;
        ConnectionInfo c = conn(1);
        c.pid = 4242;
        c.process = QStringLiteral("curl");
        c.exe = QStringLiteral("/usr/bin/curl");
        c.uid = 1000;
        c.user = QStringLiteral("alice");
        c.via = QStringLiteral("direct");
        ConnectionInfo lan = conn(2);
        lan.interfaceName = QStringLiteral("eth1");
        m.applySnapshot({c, lan});
        QCOMPARE(text(m, 0, ConnectionModel::ProcessColumn), QStringLiteral("curl"));
        const QString tip = m.index(0, ConnectionModel::ProcessColumn).data(Qt::ToolTipRole).toString();
        QVERIFY2(tip.contains(QLatin1String("4242")) && tip.contains(QLatin1String("/usr/bin/curl")) &&
                     tip.contains(QLatin1String("alice")),
                 qPrintable(tip));
        QVERIFY(!m.index(0, ConnectionModel::ProcessColumn).data(Qt::DecorationRole).value<QIcon>().isNull());
        QVERIFY(!m.index(1, ConnectionModel::ProcessColumn).data(Qt::DecorationRole).isValid());
        QCOMPARE(text(m, 0, ConnectionModel::UserColumn), QStringLiteral("alice"));
        QCOMPARE(text(m, 0, ConnectionModel::UpstreamColumn), QStringLiteral("Direct"));
        QCOMPARE(text(m, 1, ConnectionModel::InterfaceColumn), QStringLiteral("eth1"));

        const auto reason = &ConnectionModel::closeReasonText;
        QCOMPARE(reason(QStringLiteral("eof")), QStringLiteral("Ended normally"));
        QCOMPARE(reason(QStringLiteral("reset by client")), QStringLiteral("Reset by the program"));
        QCOMPARE(reason(QStringLiteral("idle timeout")), QStringLiteral("Idle for too long"));
        QCOMPARE(reason(QStringLiteral("closed by user")), QStringLiteral("Closed by you"));
        QCOMPARE(reason(QStringLiteral("core stopped")), QStringLiteral("Interception stopped"));
        QCOMPARE(reason(QStringLiteral("interception turned off")),
                 QStringLiteral("Interception was turned off"));
        QCOMPARE(reason(QStringLiteral("client: Connection timed out")),
                 QStringLiteral("Error on the program's side (Connection timed out)"));
        QCOMPARE(reason(QStringLiteral("connection limit")), QStringLiteral("Too many connections at once"));
        QCOMPARE(reason(QStringLiteral("loop: destination is the proxy itself")),
                 QStringLiteral("Refused: it would loop back into Weir"));
        QCOMPARE(reason(QStringLiteral("connect: Connection refused")),
                 QStringLiteral("Refused by the destination"));
        QCOMPARE(reason(QStringLiteral("connect: timed out")),
                 QStringLiteral("The destination did not answer"));
        QCOMPARE(reason(QStringLiteral("connect: Network is unreachable")),
                 QStringLiteral("The destination cannot be reached"));
        QCOMPARE(reason(QStringLiteral("connect: Permission denied")),
                 QStringLiteral("Could not connect (Permission denied)"));
        QCOMPARE(reason(QStringLiteral("upstream connect: Connection refused")),
                 QStringLiteral("Upstream proxy error (Connection refused)"));
        QCOMPARE(reason(QStringLiteral("something new")), QStringLiteral("something new"));
        QCOMPARE(reason(QString()), QString());
    }

    void failedAndClosedStates() {
        ConnectionModel m;
        m.applySnapshot({conn(1, 0, 0, QStringLiteral("failed")), conn(2, 0, 0, QStringLiteral("connecting")),
                         conn(3, 0, 0, QStringLiteral("closing"))});
        QCOMPARE(text(m, 0, ConnectionModel::StateColumn), QStringLiteral("Failed"));
        QCOMPARE(text(m, 1, ConnectionModel::StateColumn), QStringLiteral("Connecting"));
        QCOMPARE(text(m, 2, ConnectionModel::StateColumn), QStringLiteral("Closing"));
        QVERIFY(m.index(0, 1).data(Qt::ForegroundRole).isValid());
        QVERIFY(!m.index(1, 1).data(Qt::ForegroundRole).isValid());
        QCOMPARE(m.activeCount(), 2);
    }

    void sortsOnRawValues() {
        ConnectionModel m;
        ConnectionInfo a = conn(1, 2 * 1024 * 1024); // "2.0 MiB"
        ConnectionInfo b = conn(2, 900);             // "900 bytes": sorts first by text
        ConnectionInfo c = conn(3, 10 * 1024);       // "10.0 KiB"
        a.destination = QStringLiteral("10.0.0.2:80");
        b.destination = QStringLiteral("9.255.0.1:80"); // numerically smaller, textually larger
        c.destination = QStringLiteral("[2001:db8::1]:443");
        m.applySnapshot({a, b, c});
        QSortFilterProxyModel proxy;
        proxy.setSourceModel(&m);
        proxy.setSortRole(ConnectionModel::SortRole);
        proxy.sort(ConnectionModel::SentColumn, Qt::AscendingOrder);
        const auto idAt = [&](int row) {
            return proxy.index(row, 0).data(ConnectionModel::IdRole).toULongLong();
        };
        QCOMPARE(idAt(0), 2u);
        QCOMPARE(idAt(1), 3u);
        QCOMPARE(idAt(2), 1u);
        proxy.sort(ConnectionModel::DestinationColumn, Qt::AscendingOrder);
        QCOMPARE(idAt(0), 2u); // 9.255.0.1
        QCOMPARE(idAt(1), 1u); // 10.0.0.2
        QCOMPARE(idAt(2), 3u); // IPv6 after IPv4

        // Filter on any column's text.
        proxy.setFilterKeyColumn(-1);
        proxy.setFilterFixedString(QStringLiteral("2001:db8"));
        QCOMPARE(proxy.rowCount(), 1);
        QCOMPARE(idAt(0), 3u);
    }

    void formats() {
        QCOMPARE(weir::formatBytes(0), QStringLiteral("0 bytes"));
        QCOMPARE(weir::formatBytes(1023), QStringLiteral("1023 bytes"));
        QCOMPARE(weir::formatBytes(1258291), QStringLiteral("1.2 MiB"));
        QCOMPARE(weir::formatDuration(-5), QStringLiteral("0:00:00"));
        QCOMPARE(weir::formatDuration(61'000), QStringLiteral("0:01:01"));
        QCOMPARE(weir::formatDuration(3'723'000), QStringLiteral("1:02:03"));
        QCOMPARE(weir::formatDuration(2 * 86'400'000LL + 3'723'000), QStringLiteral("2 d 01:02:03"));
    }

    // Thousands of rows, several rounds of random inserts, updates and removals, against a reference.
    void randomFeedMatchesReference() {
        ConnectionModel m;
        m.setCurrentTime(kNow);
        // The tester walks the whole model on every signal: at this size it checks the first rounds only,
        // in Fatal mode (the same checks without QtTest's per-comparison bookkeeping).
        std::optional<QAbstractItemModelTester> tester;
        tester.emplace(&m, QAbstractItemModelTester::FailureReportingMode::Fatal);
        QSortFilterProxyModel proxy; // a sorted view on top must follow along too
        proxy.setSourceModel(&m);
        proxy.setSortRole(ConnectionModel::SortRole);
        proxy.sort(ConnectionModel::SentColumn, Qt::DescendingOrder);
        QSignalSpy reset(&m, &QAbstractItemModel::modelReset);

        QRandomGenerator rng(20240601);
        std::map<quint64, ConnectionInfo> feed;
        quint64 nextId = 1;
        for (int i = 0; i < 2000; ++i, ++nextId)
            feed.emplace(nextId, conn(nextId, rng.bounded(100000), rng.bounded(100000)));
        m.applySnapshot(listOf(feed));
        verifyEquals(m, feed);

        for (int round = 0; round < 8; ++round) {
            if (round == 2)
                tester.reset();
            // A persistent index on a connection that survives this round must stay on it.
            quint64 keptId = 0;
            std::map<quint64, ConnectionInfo> next;
            for (const auto& [id, c] : feed) {
                const quint32 dice = rng.bounded(100);
                if (dice < 10)
                    continue; // vanished
                ConnectionInfo u = c;
                if (dice < 40) {
                    u.bytesSent += rng.bounded(5000);
                    u.bytesReceived += rng.bounded(50000);
                } else if (dice < 45) {
                    u.state = QStringLiteral("closed");
                    u.closedMs = kNow;
                }
                next.emplace(id, u);
                if (!keptId && dice >= 10)
                    keptId = id;
            }
            const int added = int(rng.bounded(300));
            for (int i = 0; i < added; ++i, ++nextId)
                next.emplace(nextId, conn(nextId, rng.bounded(100000), 0, QStringLiteral("connecting")));
            QPersistentModelIndex kept(m.index(m.rowOf(keptId), ConnectionModel::DestinationColumn));

            // The helper's order is not ours: feed it shuffled.
            ConnectionInfoList list = listOf(next);
            for (qsizetype i = list.size() - 1; i > 0; --i)
                list.swapItemsAt(i, rng.bounded(int(i + 1)));
            m.applySnapshot(list);

            feed = std::move(next);
            verifyEquals(m, feed);
            QVERIFY(kept.isValid());
            QCOMPARE(kept.data(ConnectionModel::IdRole).toULongLong(), keptId);
            QCOMPARE(proxy.rowCount(), m.rowCount());
            for (int row = 1; row < proxy.rowCount(); ++row) {
                QVERIFY(proxy.index(row - 1, ConnectionModel::SentColumn)
                            .data(ConnectionModel::SortRole)
                            .toULongLong() >= proxy.index(row, ConnectionModel::SentColumn)
                                                  .data(ConnectionModel::SortRole)
                                                  .toULongLong());
            }
        }
        QCOMPARE(reset.size(), 0);
    }
};

QTEST_MAIN(TestConnectionModel)
#include "tst_connectionmodel.moc"
