// ConnectionFilterModel over a ConnectionModel fed by deltas: at 10,000 rows under
// QAbstractItemModelTester, against a reference table, with sort and filter changes in between.
#include <QAbstractItemModelTester>
#include <QRandomGenerator>
#include <QSignalSpy>
#include <QtTest>

#include <map>
#include <optional>

#include "gui/connectionfiltermodel.h"
#include "gui/connectionmodel.h"

using weir::ConnectionFilterModel;
using weir::ConnectionInfo;
using weir::ConnectionInfoList;
using weir::ConnectionModel;
using weir::ConnectionsDelta;

namespace {

constexpr qint64 kNow = 1'700'000'000'000;

const QStringList kProcesses = {QStringLiteral("firefox"), QStringLiteral("curl"), QStringLiteral("ssh"),
                                QStringLiteral("Telegram"), QString()};
const QStringList kHosts = {QStringLiteral("www.example.com"), QStringLiteral("api.github.com"), QString(),
                            QStringLiteral("deb.debian.org")};

ConnectionInfo makeConnection(quint64 id, QRandomGenerator& rng) {
    ConnectionInfo c;
    c.id = id;
    c.protocol = QStringLiteral("tcp");
    c.mode = QStringLiteral("redirect");
    c.source = QStringLiteral("10.0.%1.%2:%3")
                   .arg(rng.bounded(4))
                   .arg(rng.bounded(1, 250))
                   .arg(rng.bounded(1024, 65535));
    c.destination =
        rng.bounded(4)
            ? QStringLiteral("203.0.113.%1:%2").arg(rng.bounded(256)).arg(rng.bounded(2) ? 443 : 80)
            : QStringLiteral("[2001:db8::%1]:443").arg(rng.bounded(1, 65535), 0, 16);
    c.process = kProcesses.at(rng.bounded(int(kProcesses.size())));
    if (!c.process.isEmpty()) {
        c.pid = rng.bounded(100, 40000);
        c.user = QStringLiteral("alice");
        c.uid = 1000;
    }
    c.host = kHosts.at(rng.bounded(int(kHosts.size())));
    c.via = QStringLiteral("direct");
    c.state = QStringLiteral("established");
    c.startedMs = kNow - rng.bounded(600'000);
    c.bytesSent = rng.bounded(8) * 1000; // few distinct values: many ties
    c.bytesReceived = rng.bounded(1'000'000);
    return c;
}

// What the filter model must show of a connection, computed independently of it.
struct Filters {
    QStringList words;
    int column = -1;
    QString columnText;
    bool showClosed = true;
};

bool referenceAccepts(const ConnectionModel& m, int sourceRow, const Filters& f) {
    const ConnectionInfo& c = m.connectionAt(sourceRow);
    if (!f.showClosed && ConnectionModel::isFinished(c))
        return false;
    for (const QString& w : f.words) {
        const QString all = c.process + QLatin1Char('\n') + c.host + QLatin1Char('\n') + c.source +
                            QLatin1Char('\n') + c.destination;
        if (!all.contains(w, Qt::CaseInsensitive))
            return false;
    }
    if (f.column >= 0 &&
        !m.index(sourceRow, f.column).data().toString().contains(f.columnText, Qt::CaseInsensitive))
        return false;
    return true;
}

// The proxy holds exactly the accepted rows, in the sort column's order with the id breaking ties.
void verifyProxy(const ConnectionModel& m, const ConnectionFilterModel& proxy, const Filters& f) {
    int expected = 0;
    for (int row = 0; row < m.rowCount(); ++row)
        expected += referenceAccepts(m, row, f);
    QCOMPARE(proxy.rowCount(), expected);
    const int column = proxy.sortColumn();
    const bool descending = proxy.sortOrder() == Qt::DescendingOrder;
    for (int row = 0; row < proxy.rowCount(); ++row) {
        const int source = proxy.mapToSource(proxy.index(row, 0)).row();
        QVERIFY(referenceAccepts(m, source, f));
        if (row == 0 || column < 0)
            continue;
        const int previous = proxy.mapToSource(proxy.index(row - 1, 0)).row();
        int order = m.compare(previous, source, column);
        if (order == 0)
            order = m.connectionAt(previous).id < m.connectionAt(source).id ? -1 : 1;
        QVERIFY2(descending ? order > 0 : order < 0,
                 qPrintable(QStringLiteral("rows %1 and %2 out of order on column %3")
                                .arg(row - 1)
                                .arg(row)
                                .arg(column)));
    }
}

// A filter model that counts how often it tests a row.
class CountingFilterModel : public ConnectionFilterModel {
public:
    mutable int tested = 0;

protected:
    bool filterAcceptsRow(int sourceRow, const QModelIndex& parent) const override {
        ++tested;
        return ConnectionFilterModel::filterAcceptsRow(sourceRow, parent);
    }
};

quint64 idAt(const QAbstractItemModel& proxy, int row) {
    return proxy.index(row, 0).data(ConnectionModel::IdRole).toULongLong();
}

} // namespace

class TestConnectionFilterModel : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase() { QLocale::setDefault(QLocale::c()); }

    // 10,000 rows; rounds of random deltas (adds, partial updates, closes, removes) between sort and
    // filter changes; both models under QAbstractItemModelTester for every signal.
    void tenThousandRowsUnderRandomDeltas() {
        QRandomGenerator rng(7);
        ConnectionModel m;
        m.setCurrentTime(kNow);
        ConnectionFilterModel proxy;
        proxy.setSourceModel(&m);
        proxy.sort(ConnectionModel::ReceivedColumn, Qt::DescendingOrder);
        std::map<quint64, ConnectionInfo> feed;
        quint64 nextId = 1;
        ConnectionInfoList initial;
        for (int i = 0; i < 10000; ++i, ++nextId) {
            feed.emplace(nextId, makeConnection(nextId, rng));
            initial.append(feed.at(nextId));
        }
        m.applySnapshot(initial);
        // The testers walk every cell of their model on every signal (10,000 x 17 here), so they
        // watch the deltas, where the signals are few; sort and filter changes (a signal per range of
        // rows that comes or goes) happen between two testers, the second of which checks the result.
        std::optional<QAbstractItemModelTester> modelTester, proxyTester;
        const auto attach = [&](bool watchModel) {
            if (watchModel)
                modelTester.emplace(&m, QAbstractItemModelTester::FailureReportingMode::Fatal);
            proxyTester.emplace(&proxy, QAbstractItemModelTester::FailureReportingMode::Fatal);
        };
        QSignalSpy reset(&m, &QAbstractItemModel::modelReset);
        QSignalSpy proxyReset(&proxy, &QAbstractItemModel::modelReset);

        Filters filters;
        const struct {
            int sortColumn;
            Qt::SortOrder order;
            QString quick;
            int column;
            QString columnText;
            bool showClosed;
        } steps[] = {
            {ConnectionModel::ReceivedColumn, Qt::DescendingOrder, {}, -1, {}, true},
            {ConnectionModel::ReceivedColumn, Qt::DescendingOrder, QStringLiteral("FIREfox"), -1, {}, true},
            {ConnectionModel::SentColumn, Qt::AscendingOrder, QStringLiteral("firefox :443"), -1, {}, false},
            {ConnectionModel::DestinationColumn, Qt::AscendingOrder, QStringLiteral("curl"),
             ConnectionModel::StateColumn, QStringLiteral("clos"), true},
            {ConnectionModel::StateColumn, Qt::DescendingOrder, QStringLiteral("10.0.1. github"),
             ConnectionModel::SentColumn, QStringLiteral("KiB"), false},
        };
        QElapsedTimer timer;
        timer.start();
        for (const auto& step : steps) {
            modelTester.reset();
            proxyTester.reset();
            proxy.sort(step.sortColumn, step.order);
            proxy.setQuickFilter(step.quick);
            proxy.clearColumnFilters();
            if (step.column >= 0)
                proxy.setColumnFilter(step.column, step.columnText);
            proxy.setShowClosed(step.showClosed);
            filters = {step.quick.split(QLatin1Char(' '), Qt::SkipEmptyParts), step.column, step.columnText,
                       step.showClosed};
            // Unfiltered, the model announces a batch in one signal (see setSortColumnHint); filtered,
            // in a signal per row, each of which its tester would answer with a walk of 10,000 rows:
            // there the proxy's tester watches alone, and the batches are smaller.
            const bool filtered = proxy.hasFilter() || !step.showClosed;
            attach(!filtered);
            verifyProxy(m, proxy, filters);

            // Two batches where the filters leave fewer rows for the proxy's tester to walk.
            for (int batch = 0; batch < (proxy.rowCount() == m.rowCount() ? 1 : 2); ++batch) {
                ConnectionsDelta delta;
                for (int i = 0; i < (filtered ? 100 : 400); ++i) { // partial updates
                    auto it = feed.begin();
                    std::advance(it, rng.bounded(int(feed.size())));
                    ConnectionInfo& c = it->second;
                    const ConnectionInfo before = c;
                    const quint32 dice = rng.bounded(100);
                    if (dice < 5) {
                        c.state = QStringLiteral("closed");
                        c.closeReason = QStringLiteral("eof");
                        c.closedMs = kNow;
                    } else if (dice < 10) {
                        c.host = kHosts.at(rng.bounded(int(kHosts.size())));
                    } else {
                        c.bytesSent += rng.bounded(3) * 1000;
                        c.bytesReceived += rng.bounded(100000);
                        c.rateReceived = rng.bounded(50000);
                    }
                    delta.updated.append(c.changedSince(before));
                }
                for (int i = 0; i < 20; ++i) { // the oldest (one range) and a few anywhere
                    auto it = feed.begin();
                    if (i >= 15)
                        std::advance(it, rng.bounded(int(feed.size())));
                    delta.removed.append(it->first);
                    feed.erase(it);
                }
                for (int i = 0; i < 20; ++i, ++nextId) {
                    feed.emplace(nextId, makeConnection(nextId, rng));
                    delta.added.append(feed.at(nextId));
                }
                m.applyDelta(delta);

                QCOMPARE(m.rowCount(), int(feed.size()));
                for (int row = 0; row < m.rowCount(); ++row) {
                    const ConnectionInfo& c = m.connectionAt(row);
                    QCOMPARE(c, feed.at(c.id));
                    QCOMPARE(m.rowOf(c.id), row);
                }
                verifyProxy(m, proxy, filters);
            }
            qInfo("step done after %lld ms, %d rows shown", timer.elapsed(), proxy.rowCount());
        }
        QCOMPARE(reset.size(), 0);
        QCOMPARE(proxyReset.size(), 0);
    }

    // Rows with the same value keep one order (by id) whatever updates arrive.
    void tiedRowsKeepTheirPlaces() {
        ConnectionModel m;
        ConnectionFilterModel proxy;
        proxy.setSourceModel(&m);
        QRandomGenerator rng(3);
        ConnectionInfoList rows;
        for (quint64 id = 1; id <= 50; ++id) {
            ConnectionInfo c = makeConnection(id, rng);
            c.bytesSent = 5000; // all tied on Sent
            rows.append(c);
        }
        // Fed in a shuffled order: the model's row order is not the id order.
        for (qsizetype i = rows.size() - 1; i > 0; --i)
            rows.swapItemsAt(i, rng.bounded(int(i + 1)));
        m.applySnapshot(rows);
        for (Qt::SortOrder order : {Qt::AscendingOrder, Qt::DescendingOrder}) {
            proxy.sort(ConnectionModel::SentColumn, order);
            QList<quint64> before;
            for (int row = 0; row < proxy.rowCount(); ++row)
                before << idAt(proxy, row);
            QList<quint64> sorted = before;
            std::sort(sorted.begin(), sorted.end());
            if (order == Qt::DescendingOrder)
                std::reverse(sorted.begin(), sorted.end());
            QCOMPARE(before, sorted);
            for (int round = 0; round < 5; ++round) {
                ConnectionsDelta delta;
                for (int i = 0; i < 20; ++i) {
                    const quint64 id = rng.bounded(1, 51);
                    delta.updated.append(
                        {{QStringLiteral("id"), QVariant::fromValue(id)},
                         {QStringLiteral("bytes_received"),
                          QVariant::fromValue<quint64>(rng.bounded(1000000))},
                         {QStringLiteral("bytes_sent"), QVariant::fromValue<quint64>(5000)}});
                }
                m.applyDelta(delta);
                QList<quint64> after;
                for (int row = 0; row < proxy.rowCount(); ++row)
                    after << idAt(proxy, row);
                QCOMPARE(after, before);
            }
        }
    }

    void quickFilterMatchesEveryWord() {
        ConnectionModel m;
        ConnectionFilterModel proxy;
        proxy.setSourceModel(&m);
        ConnectionInfo a, b, c;
        a.id = 1;
        a.process = QStringLiteral("Firefox");
        a.host = QStringLiteral("www.example.com");
        a.source = QStringLiteral("10.0.0.5:40000");
        a.destination = QStringLiteral("93.184.216.34:443");
        b.id = 2;
        b.process = QStringLiteral("curl");
        b.host = QStringLiteral("api.github.com");
        b.source = QStringLiteral("10.0.0.6:40001");
        b.destination = QStringLiteral("140.82.121.6:443");
        c.id = 3; // a LAN client: no process
        c.source = QStringLiteral("192.168.1.20:5353");
        c.destination = QStringLiteral("[2001:db8::1]:8080");
        m.applySnapshot({a, b, c});
        const auto shown = [&] {
            QList<quint64> ids;
            for (int row = 0; row < proxy.rowCount(); ++row)
                ids << idAt(proxy, row);
            std::sort(ids.begin(), ids.end());
            return ids;
        };
        proxy.setQuickFilter(QStringLiteral("fire"));
        QCOMPARE(shown(), QList<quint64>({1}));
        proxy.setQuickFilter(QStringLiteral("GITHUB"));
        QCOMPARE(shown(), QList<quint64>({2}));
        proxy.setQuickFilter(QStringLiteral(":443"));
        QCOMPARE(shown(), QList<quint64>({1, 2}));
        proxy.setQuickFilter(QStringLiteral("  :443   curl "));
        QCOMPARE(shown(), QList<quint64>({2}));
        proxy.setQuickFilter(QStringLiteral("2001:db8"));
        QCOMPARE(shown(), QList<quint64>({3}));
        proxy.setQuickFilter(QStringLiteral("192.168.1.20"));
        QCOMPARE(shown(), QList<quint64>({3}));
        proxy.setQuickFilter(QStringLiteral("curl firefox"));
        QCOMPARE(shown(), QList<quint64>());
        // The answers are remembered per connection, and forgotten when what they matched changes.
        proxy.setQuickFilter(QStringLiteral("curl"));
        QCOMPARE(shown(), QList<quint64>({2}));
        ConnectionsDelta delta;
        delta.updated = {{{QStringLiteral("id"), QVariant::fromValue<quint64>(3)},
                          {QStringLiteral("process"), QStringLiteral("curl")}},
                         {{QStringLiteral("id"), QVariant::fromValue<quint64>(2)},
                          {QStringLiteral("process"), QStringLiteral("wget")}}};
        m.applyDelta(delta);
        QCOMPARE(shown(), QList<quint64>({3}));
        m.setCurrentTime(kNow + 5000); // every row's Duration: re-tested, same answers
        QCOMPARE(shown(), QList<quint64>({3}));
        delta.updated = {
            {{QStringLiteral("id"), QVariant::fromValue<quint64>(3)}, {QStringLiteral("process"), QString()}},
            {{QStringLiteral("id"), QVariant::fromValue<quint64>(2)},
             {QStringLiteral("process"), QStringLiteral("curl")}}};
        m.applyDelta(delta);
        QCOMPARE(shown(), QList<quint64>({2}));
        QVERIFY(proxy.hasFilter());
        proxy.setQuickFilter(QString());
        QCOMPARE(shown(), QList<quint64>({1, 2, 3}));
        QVERIFY(!proxy.hasFilter());

        // A column filter matches the display text: "1.0 KiB", not 1024.
        ConnectionInfo d = a;
        d.id = 4;
        d.bytesReceived = 1024;
        m.upsert({d});
        proxy.setColumnFilter(ConnectionModel::ReceivedColumn, QStringLiteral("kib"));
        QCOMPARE(shown(), QList<quint64>({4}));
        proxy.setColumnFilter(ConnectionModel::ReceivedColumn, QStringLiteral("1024"));
        QCOMPARE(shown(), QList<quint64>());
        proxy.clearColumnFilters();
        QCOMPARE(shown(), QList<quint64>({1, 2, 3, 4}));
        QCOMPARE(proxy.idsOfRows({0, 1}).size(), 2);
        QCOMPARE(proxy.allIds().size(), 4);
    }

    void showClosedFollowsUpdates() {
        ConnectionModel m;
        ConnectionFilterModel proxy;
        proxy.setSourceModel(&m);
        QRandomGenerator rng(5);
        m.applySnapshot({makeConnection(1, rng), makeConnection(2, rng)});
        proxy.setShowClosed(false);
        QCOMPARE(proxy.rowCount(), 2);
        ConnectionsDelta delta;
        delta.updated.append({{QStringLiteral("id"), QVariant::fromValue<quint64>(2)},
                              {QStringLiteral("state"), QStringLiteral("closed")}});
        m.applyDelta(delta);
        QCOMPARE(proxy.rowCount(), 1); // closed while hidden: it leaves the view
        QCOMPARE(idAt(proxy, 0), 1u);
        proxy.setShowClosed(true);
        QCOMPARE(proxy.rowCount(), 2);
    }

    // Setting a filter to what it already is re-tests no row.
    void unchangedFiltersDoNotRefilter() {
        ConnectionModel m;
        CountingFilterModel proxy;
        proxy.setSourceModel(&m);
        QRandomGenerator rng(9);
        ConnectionInfoList rows;
        for (quint64 id = 1; id <= 100; ++id)
            rows.append(makeConnection(id, rng));
        m.applySnapshot(rows);
        proxy.setQuickFilter(QStringLiteral("firefox curl"));
        proxy.setColumnFilter(ConnectionModel::HostColumn, QStringLiteral("example"));
        proxy.setShowClosed(false);
        proxy.tested = 0;
        proxy.setQuickFilter(QStringLiteral("  firefox   curl"));
        proxy.setColumnFilter(ConnectionModel::HostColumn, QStringLiteral("example "));
        proxy.setShowClosed(false);
        proxy.clearColumnFilters();
        QCOMPARE(proxy.tested, 100); // only clearColumnFilters() changed something
        proxy.tested = 0;
        proxy.clearColumnFilters();
        QCOMPARE(proxy.tested, 0);
    }

    // The first click on a byte, rate or time column shows the biggest / newest first.
    void defaultSortOrders() {
        using M = ConnectionModel;
        for (int column : {M::SentColumn, M::ReceivedColumn, M::SendRateColumn, M::ReceiveRateColumn,
                           M::StartedColumn, M::DurationColumn})
            QCOMPARE(ConnectionFilterModel::defaultSortOrder(column), Qt::DescendingOrder);
        for (int column : {M::StateColumn, M::ProcessColumn, M::UserColumn, M::SourceColumn,
                           M::DestinationColumn, M::HostColumn, M::UpstreamColumn, M::InterfaceColumn,
                           M::CloseReasonColumn, M::ProtocolColumn, M::ModeColumn})
            QCOMPARE(ConnectionFilterModel::defaultSortOrder(column), Qt::AscendingOrder);

        ConnectionModel m;
        ConnectionFilterModel proxy;
        proxy.setSourceModel(&m);
        ConnectionInfo small, big, middle;
        small.id = 1;
        small.bytesReceived = 900; // "900 bytes" sorts after "2.0 MiB" as text
        big.id = 2;
        big.bytesReceived = 2 * 1024 * 1024;
        middle.id = 3;
        middle.bytesReceived = 10 * 1024;
        m.applySnapshot({small, big, middle});
        proxy.sort(M::ReceivedColumn, ConnectionFilterModel::defaultSortOrder(M::ReceivedColumn));
        QCOMPARE(idAt(proxy, 0), 2u);
        QCOMPARE(idAt(proxy, 1), 3u);
        QCOMPARE(idAt(proxy, 2), 1u);
    }
};

QTEST_MAIN(TestConnectionFilterModel)
#include "tst_connectionfiltermodel.moc"
