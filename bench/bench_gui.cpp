// weir-bench-gui: the connections table under the load issue 7 sets (10,000 rows, 1,000 row updates
// a second arriving as ConnectionsChanged deltas every 250 or 500 ms, plus connections opening and
// being forgotten), measured batch by batch:
//   model   ConnectionModel::applyDelta, with everything it sets off synchronously in the
//           ConnectionFilterModel above it (re-filtering, re-sorting) and in the view's slots;
//   events  the posted events that follow (the view's delayed layout after a re-sort);
//   paint   one forced repaint of the table's viewport: the frame.
// The table is a QTableView sized and set up like the window's (offscreen platform, hidden default
// columns, a selected row). Figures are wall-clock milliseconds: median, 95th percentile, maximum.
//
//   weir-bench-gui [--rows N] [--rate UPDATES_PER_S] [--seconds S] [--churn PER_S] [--intervals 250,500]
#include <QApplication>
#include <QCommandLineParser>
#include <QElapsedTimer>
#include <QHeaderView>
#include <QItemSelectionModel>
#include <QRandomGenerator>
#include <QTableView>
#include <QTextStream>

#include <algorithm>
#include <cstdio>
#include <deque>
#include <vector>

#include <time.h>

#include "gui/connectionfiltermodel.h"
#include "gui/connectionmodel.h"

using namespace weir;

namespace {

struct Options {
    int rows = 10000;
    int rate = 1000;  // row updates per second
    int churn = 40;   // connections opened (and as many forgotten) per second
    int seconds = 20; // simulated seconds per scenario
    QList<int> intervals{250, 500};
    int idleFrames = 0;
};

struct Scenario {
    const char* name;
    int sortColumn;
    Qt::SortOrder order;
    QString quickFilter;
};

// The helper's table, and the deltas it would send.
class Feed {
public:
    explicit Feed(quint32 seed)
        : rng_(seed) {}

    ConnectionInfoList initial(int rows) {
        for (int i = 0; i < rows; ++i)
            add();
        return ConnectionInfoList(table_.cbegin(), table_.cend());
    }

    // `updates` rows change bytes and rates (one in a hundred closes instead); `churn` connections
    // open and the oldest `churn` are forgotten (the history limit).
    ConnectionsDelta next(int updates, int churn, qint64 now) {
        ConnectionsDelta delta;
        delta.seq = ++seq_;
        now_ = now;
        for (int i = 0; i < updates; ++i) {
            ConnectionInfo& c = table_[rng_.bounded(int(table_.size()))];
            if (ConnectionModel::isFinished(c))
                continue;
            const ConnectionInfo before = c;
            if (rng_.bounded(100) == 0) {
                c.state = QStringLiteral("closed");
                c.closedMs = now;
                c.closeReason =
                    rng_.bounded(2) ? QStringLiteral("eof") : QStringLiteral("reset by destination");
                c.durationMs = now - c.startedMs;
                c.rateSent = c.rateReceived = 0;
            } else {
                const quint64 sent = rng_.bounded(20000), received = rng_.bounded(400000);
                c.bytesSent += sent;
                c.bytesReceived += received;
                c.rateSent = sent * 2;
                c.rateReceived = received * 2;
            }
            delta.updated.append(c.changedSince(before));
        }
        for (int i = 0; i < churn && !table_.empty(); ++i) {
            delta.removed.append(table_.front().id);
            table_.pop_front();
        }
        for (int i = 0; i < churn; ++i)
            delta.added.append(add());
        return delta;
    }

private:
    const ConnectionInfo& add() {
        static const QStringList processes = {
            QStringLiteral("firefox"), QStringLiteral("chromium"), QStringLiteral("curl"),
            QStringLiteral("ssh"),     QStringLiteral("apt"),      QStringLiteral("telegram-desktop"),
            QStringLiteral("steam"),   QStringLiteral("git"),
        };
        static const QStringList hosts = {
            QStringLiteral("www.example.com"),
            QStringLiteral("cdn.example.net"),
            QStringLiteral("api.github.com"),
            QStringLiteral("deb.debian.org"),
            QStringLiteral(""),
            QStringLiteral("video.example.org"),
        };
        ConnectionInfo c;
        c.id = ++nextId_;
        c.protocol = rng_.bounded(10) ? QStringLiteral("tcp") : QStringLiteral("udp");
        c.mode = QStringLiteral("redirect");
        const bool lan = rng_.bounded(4) == 0;
        c.source = QStringLiteral("%1.%2:%3")
                       .arg(lan ? QStringLiteral("192.168.1") : QStringLiteral("10.0.0"))
                       .arg(rng_.bounded(2, 250))
                       .arg(rng_.bounded(32768, 61000));
        c.destination = rng_.bounded(5)
                            ? QStringLiteral("203.0.%1.%2:443").arg(rng_.bounded(256)).arg(rng_.bounded(256))
                            : QStringLiteral("[2001:db8::%1]:443").arg(rng_.bounded(65536), 0, 16);
        c.host = hosts.at(rng_.bounded(int(hosts.size())));
        c.via = rng_.bounded(3) ? QStringLiteral("direct") : QStringLiteral("socks5 10.0.0.1:1080");
        if (lan) {
            c.interfaceName = QStringLiteral("eth1");
        } else {
            c.pid = rng_.bounded(1000, 60000);
            c.process = processes.at(rng_.bounded(int(processes.size())));
            c.exe = QStringLiteral("/usr/bin/") + c.process;
            c.uid = 1000;
            c.user = QStringLiteral("alice");
        }
        c.state = QStringLiteral("established");
        c.startedMs = now_ - rng_.bounded(3'600'000);
        c.bytesSent = rng_.bounded(100000);
        c.bytesReceived = rng_.bounded(10'000'000);
        table_.push_back(c);
        return table_.back();
    }

    QRandomGenerator rng_;
    std::deque<ConnectionInfo> table_; // oldest first
    quint64 nextId_ = 0;
    quint64 seq_ = 0;
    qint64 now_ = 1'800'000'000'000;
};

struct Stats {
    std::vector<double> ms;
    double at(double q) const {
        std::vector<double> s = ms;
        std::sort(s.begin(), s.end());
        return s.empty() ? 0 : s[std::min(s.size() - 1, size_t(q * double(s.size() - 1) + 0.5))];
    }
    QString summary() const {
        return QStringLiteral("%1 / %2 / %3")
            .arg(at(0.5), 0, 'f', 2)
            .arg(at(0.95), 0, 'f', 2)
            .arg(at(1.0), 0, 'f', 2);
    }
};

// Wall-clock and this thread's CPU time of one call, in ms. The CPU time shows the work itself when
// other processes share the cores; the wall-clock time is what a user waits.
struct Timing {
    double wall = 0;
    double cpu = 0;
};
double threadCpuMs() {
    timespec ts{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return double(ts.tv_sec) * 1e3 + double(ts.tv_nsec) / 1e6;
}
template <typename F> Timing timed(F&& f) {
    QElapsedTimer t;
    const double cpu0 = threadCpuMs();
    t.start();
    f();
    return {double(t.nsecsElapsed()) / 1e6, threadCpuMs() - cpu0};
}

// The table as the window sets it up: hidden vertical header, fixed row height, the default hidden
// columns, a row selected.
void setUpView(QTableView* view, QAbstractItemModel* proxy) {
    view->setModel(proxy);
    view->setSortingEnabled(true);
    view->setAlternatingRowColors(true);
    view->setSelectionBehavior(QAbstractItemView::SelectRows);
    view->setSelectionMode(QAbstractItemView::ExtendedSelection);
    view->setShowGrid(false);
    view->setWordWrap(false);
    view->verticalHeader()->hide();
    view->verticalHeader()->setSectionResizeMode(QHeaderView::Fixed);
    view->verticalHeader()->setDefaultSectionSize(view->fontMetrics().height() + 8);
    for (int column : {ConnectionModel::ProtocolColumn, ConnectionModel::ModeColumn,
                       ConnectionModel::UserColumn, ConnectionModel::InterfaceColumn})
        view->horizontalHeader()->hideSection(column);
    view->horizontalHeader()->setStretchLastSection(true);
    view->resize(1280, 720);
    view->show();
}

void runScenario(const Options& options, const Scenario& scenario, int intervalMs, QTextStream& out) {
    Feed feed(20261202);
    ConnectionModel model;
    ConnectionFilterModel proxy;
    proxy.setSourceModel(&model);
    qint64 now = 1'800'000'000'000;
    model.setCurrentTime(now);
    model.applySnapshot(feed.initial(options.rows));
    QTableView view;
    setUpView(&view, &proxy);
    view.sortByColumn(scenario.sortColumn, scenario.order);
    proxy.setQuickFilter(scenario.quickFilter);
    view.selectRow(3);
    QCoreApplication::processEvents();
    view.viewport()->repaint();

    Stats idle;
    for (int i = 0; i < std::max(20, options.idleFrames); ++i)
        idle.ms.push_back(timed([&] { view.viewport()->repaint(); }).wall);

    const int batches = options.idleFrames > 0 ? 0 : options.seconds * 1000 / intervalMs;
    const int updates = options.rate * intervalMs / 1000;
    const int churn = std::max(1, options.churn * intervalMs / 1000);
    Stats modelMs, events, paint, total, cpu, modelCpu, paintCpu, clock;
    // Signals per batch: the model's dataChanged and the proxy's re-sorts (layoutChanged).
    qint64 dataChangedCount = 0, layoutCount = 0, batchDataChanged = 0, batchLayouts = 0;
    QObject::connect(&model, &QAbstractItemModel::dataChanged, [&] { ++dataChangedCount; });
    QObject::connect(&proxy, &QAbstractItemModel::layoutChanged, [&] { ++layoutCount; });
    for (int b = 0; b < batches; ++b) {
        now += intervalMs;
        const ConnectionsDelta delta = feed.next(updates, churn, now);
        // The view paints once, in the forced repaint, not also when the events are processed.
        view.viewport()->setUpdatesEnabled(false);
        const qint64 dataChangedBefore = dataChangedCount, layoutsBefore = layoutCount;
        const Timing m = timed([&] { model.applyDelta(delta); });
        batchDataChanged += dataChangedCount - dataChangedBefore;
        batchLayouts += layoutCount - layoutsBefore;
        const Timing e = timed([] { QCoreApplication::processEvents(); });
        view.viewport()->setUpdatesEnabled(true);
        const Timing p = timed([&] { view.viewport()->repaint(); });
        modelMs.ms.push_back(m.wall);
        events.ms.push_back(e.wall);
        paint.ms.push_back(p.wall);
        total.ms.push_back(m.wall + e.wall + p.wall);
        cpu.ms.push_back(m.cpu + e.cpu + p.cpu);
        modelCpu.ms.push_back(m.cpu);
        paintCpu.ms.push_back(p.cpu);
        if (now % 1000 < intervalMs) { // the window's once-a-second clock (Duration column)
            clock.ms.push_back(timed([&] {
                                   model.setCurrentTime(now);
                                   QCoreApplication::processEvents();
                                   view.viewport()->repaint();
                               }).wall);
        }
    }
    const QString signalsText = QStringLiteral("; %1 dataChanged, %2 re-sorts")
                                    .arg(double(batchDataChanged) / std::max(1, batches), 0, 'f', 1)
                                    .arg(double(batchLayouts) / std::max(1, batches), 0, 'f', 1);
    out << QStringLiteral(
               "| %1 | %2 ms: %3 updates, +%4/−%4 rows%15 | %5 | %6 | %7 | %8 | **%9** | %10 | %11 | "
               "%12 | %13 | %14 |\n")
               .arg(QString::fromUtf8(scenario.name))
               .arg(intervalMs)
               .arg(updates)
               .arg(churn)
               .arg(proxy.rowCount())
               .arg(modelMs.summary(), events.summary(), paint.summary(), total.summary(), cpu.summary(),
                    modelCpu.summary(), paintCpu.summary(), clock.summary(), idle.summary())
               .arg(signalsText);
    out.flush();
}

// The model with nothing attached: what applyDelta itself costs, to tell it from the proxy's share.
void runModelAlone(const Options& options, int intervalMs, QTextStream& out) {
    Feed feed(20261202);
    ConnectionModel model;
    qint64 now = 1'800'000'000'000;
    model.setCurrentTime(now);
    model.applySnapshot(feed.initial(options.rows));
    const int batches = options.idleFrames > 0 ? 0 : options.seconds * 1000 / intervalMs;
    const int updates = options.rate * intervalMs / 1000;
    const int churn = std::max(1, options.churn * intervalMs / 1000);
    Stats wall, cpu;
    for (int b = 0; b < batches; ++b) {
        now += intervalMs;
        const ConnectionsDelta delta = feed.next(updates, churn, now);
        const Timing m = timed([&] { model.applyDelta(delta); });
        wall.ms.push_back(m.wall);
        cpu.ms.push_back(m.cpu);
    }
    out << QStringLiteral(
               "| the model alone (no proxy, no view) | %1 ms: %2 updates, +%3/−%3 rows | %4 | %5 | | | "
               "**%5** | %6 | %6 | | | |\n")
               .arg(intervalMs)
               .arg(updates)
               .arg(churn)
               .arg(model.rowCount())
               .arg(wall.summary(), cpu.summary());
    out.flush();
}

Options parse(const QCoreApplication& app) {
    QCommandLineParser parser;
    parser.setApplicationDescription(
        QStringLiteral("The connections table under a live feed, batch by batch."));
    parser.addHelpOption();
    const QCommandLineOption rows(QStringLiteral("rows"), QStringLiteral("Rows in the table."),
                                  QStringLiteral("N"), QStringLiteral("10000"));
    const QCommandLineOption rate(QStringLiteral("rate"), QStringLiteral("Row updates per second."),
                                  QStringLiteral("N"), QStringLiteral("1000"));
    const QCommandLineOption churn(QStringLiteral("churn"),
                                   QStringLiteral("Connections opened and forgotten per second."),
                                   QStringLiteral("N"), QStringLiteral("40"));
    const QCommandLineOption seconds(QStringLiteral("seconds"),
                                     QStringLiteral("Simulated seconds per scenario."), QStringLiteral("S"),
                                     QStringLiteral("20"));
    const QCommandLineOption intervals(QStringLiteral("intervals"),
                                       QStringLiteral("Delta intervals in ms, comma separated."),
                                       QStringLiteral("LIST"), QStringLiteral("250,500"));
    const QCommandLineOption frames(
        QStringLiteral("idle-frames"),
        QStringLiteral("Only repaint the unchanged table N times (for a profiler)."), QStringLiteral("N"),
        QStringLiteral("0"));
    parser.addOptions({rows, rate, churn, seconds, intervals, frames});
    parser.process(app);
    Options o;
    o.rows = parser.value(rows).toInt();
    o.rate = parser.value(rate).toInt();
    o.churn = parser.value(churn).toInt();
    o.seconds = parser.value(seconds).toInt();
    o.idleFrames = parser.value(frames).toInt();
    o.intervals.clear();
    for (const QString& v : parser.value(intervals).split(QLatin1Char(','), Qt::SkipEmptyParts))
        o.intervals.append(v.toInt());
    if (o.rows <= 0 || o.rate < 0 || o.churn < 0 || o.seconds <= 0 || o.intervals.isEmpty() ||
        std::any_of(o.intervals.cbegin(), o.intervals.cend(), [](int i) { return i <= 0 || i > 1000; })) {
        std::fprintf(stderr, "weir-bench-gui: every option takes a positive number (intervals 1..1000 ms)\n");
        std::exit(2);
    }
    return o;
}

} // namespace

int main(int argc, char** argv) {
    if (qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM"))
        qputenv("QT_QPA_PLATFORM", "offscreen");
    QApplication app(argc, argv);
    const Options options = parse(app);

    const Scenario scenarios[] = {
        {"sorted by Started ↓ (the window's default), no filter", ConnectionModel::StartedColumn,
         Qt::DescendingOrder, QString()},
        {"sorted by Received ↓, quick filter \"firefox\"", ConnectionModel::ReceivedColumn,
         Qt::DescendingOrder, QStringLiteral("firefox")},
        {"sorted by ↓ Rate ↓, no filter", ConnectionModel::ReceiveRateColumn, Qt::DescendingOrder, QString()},
    };
    QTextStream out(stdout);
    out << QStringLiteral("%1 rows, %2 updates/s, %3 opened and forgotten/s, %4 simulated s per row; "
                          "ms per batch as median / p95 / max\n\n")
               .arg(options.rows)
               .arg(options.rate)
               .arg(options.churn)
               .arg(options.seconds);
    out << "| scenario | batch | rows shown | model + proxy | events | paint (frame) | total | total CPU | "
           "model CPU | paint CPU | clock tick | idle frame |\n"
        << "|---|---|---|---|---|---|---|---|---|---|---|---|\n";
    for (int interval : options.intervals) {
        runModelAlone(options, interval, out);
        for (const Scenario& s : scenarios)
            runScenario(options, s, interval, out);
    }
    return 0;
}
