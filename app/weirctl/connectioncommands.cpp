#include "weirctl/connectioncommands.h"

#include <QCoreApplication>
#include <QDBusArgument>
#include <QDBusMessage>
#include <QDBusServiceWatcher>
#include <QDateTime>
#include <QEventLoop>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSet>
#include <QSocketNotifier>
#include <QTimer>

#include <csignal>
#include <fcntl.h>
#include <unistd.h>

#include "client/errors.h"
#include "interface/busnames.h"
#include "weirctl/commands.h"
#include "weirctl/livetable.h"

namespace weir::ctl {

namespace {

constexpr qsizetype kMaxIds = 100'000;  // the helper's limit for one CloseConnections
constexpr int kAuthTimeoutMs = 180'000; // Polkit may ask for a password
constexpr int kRedrawMs = 1000;         // a terminal view is redrawn this often (durations count on)

QDBusMessage helperCall(const QString& method) {
    QDBusMessage call =
        QDBusMessage::createMethodCall(bus::serviceName, bus::objectPath, bus::interfaceName, method);
    call.setInteractiveAuthorizationAllowed(true);
    return call;
}

QString idList(const QList<qulonglong>& ids) {
    QStringList text;
    for (qulonglong id : ids)
        text.append(QString::number(id));
    return text.join(QLatin1Char(' '));
}

// SIGINT/SIGTERM end the watch through a pipe the event loop reads (a handler may only write).
int stopPipe[2] = {-1, -1};
void onStopSignal(int) {
    const char byte = 1;
    [[maybe_unused]] const ssize_t n = ::write(stopPipe[1], &byte, 1);
}

class ConnectionWatch : public QObject {
    Q_OBJECT
public:
    ConnectionWatch(bool json, QDBusConnection bus, QTextStream& out, QTextStream& err)
        : json_(json)
        , tty_(::isatty(STDOUT_FILENO) == 1)
        , bus_(std::move(bus))
        , out_(out)
        , err_(err) {}

    int run() {
        if (!bus_.connect(bus::serviceName, bus::objectPath, bus::interfaceName,
                          QStringLiteral("ConnectionsChanged"), this, SLOT(onChanged(QDBusMessage)))) {
            err_ << "weirctl: "
                 << QCoreApplication::translate("weirctl", "cannot listen for connection changes: %1")
                        .arg(bus_.lastError().message())
                 << Qt::endl;
            return Failed;
        }
        QDBusServiceWatcher helperGone(bus::serviceName, bus_, QDBusServiceWatcher::WatchForUnregistration);
        connect(&helperGone, &QDBusServiceWatcher::serviceUnregistered, this, [this] {
            err_ << "weirctl: "
                 << QCoreApplication::translate(
                        "weirctl", "the Weir helper left the system bus (it stopped or restarted)")
                 << Qt::endl;
            loop_.exit(HelperUnavailable);
        });
        const QDBusMessage subscribed =
            bus_.call(helperCall(QStringLiteral("Subscribe")), QDBus::Block, kAuthTimeoutMs);
        if (subscribed.type() == QDBusMessage::ErrorMessage)
            return failWith(QDBusError(subscribed), err_);
        if (const int rc = refetch(); rc != Ok)
            return rc;
        QTimer redraw;
        if (tty_ && !json_) {
            connect(&redraw, &QTimer::timeout, this, &ConnectionWatch::show);
            redraw.start(kRedrawMs);
        }
        const int rc = watchStopSignals() ? loop_.exec() : Failed;
        // Leaving the bus unsubscribes too; saying so is polite and immediate.
        bus_.call(QDBusMessage::createMethodCall(bus::serviceName, bus::objectPath, bus::interfaceName,
                                                 QStringLiteral("Unsubscribe")),
                  QDBus::NoBlock);
        if (tty_ && !json_)
            out_ << Qt::endl;
        return rc;
    }

private Q_SLOTS:
    void onChanged(const QDBusMessage& signal) {
        ConnectionsDelta delta;
        if (!deltaFromSignal(signal, &delta))
            return; // not the signal we know: ignore it rather than guess
        switch (table_.apply(delta)) {
        case LiveTable::Applied::Yes:
            show();
            return;
        case LiveTable::Applied::Stale:
            return;
        case LiveTable::Applied::NeedsReset:
            if (const int rc = refetch(); rc != Ok)
                loop_.exit(rc);
            return;
        }
    }

private:
    // GetConnections: the whole table and the seq the signals continue from.
    int refetch() {
        const QDBusMessage reply =
            bus_.call(helperCall(QStringLiteral("GetConnections")), QDBus::Block, kAuthTimeoutMs);
        if (reply.type() == QDBusMessage::ErrorMessage)
            return failWith(QDBusError(reply), err_);
        const QVariantList args = reply.arguments();
        if (args.size() != 2) {
            err_
                << "weirctl: "
                << QCoreApplication::translate(
                       "weirctl",
                       "the helper answered GetConnections with (%1), not (t aa{sv}): is it another version?")
                       .arg(reply.signature())
                << Qt::endl;
            return Failed;
        }
        table_.reset(args.at(0).toULongLong(),
                     connectionsFromVariantMaps(qdbus_cast<QList<QVariantMap>>(args.at(1))));
        show();
        return Ok;
    }

    void show() {
        const ConnectionInfoList rows = table_.rows();
        if (json_) {
            QJsonArray array;
            for (const ConnectionInfo& c : rows)
                array.append(QJsonObject::fromVariantMap(c.toJsonMap()));
            out_ << QJsonDocument(array).toJson(QJsonDocument::Compact) << '\n';
        } else {
            const qint64 now = QDateTime::currentMSecsSinceEpoch();
            if (tty_)
                out_ << "\x1b[H\x1b[2J"; // home, clear: redraw in place
            else if (shown_)
                out_ << '\n';
            out_ << QCoreApplication::translate("weirctl", "Connections at %1 (press Ctrl-C to stop)")
                        .arg(QDateTime::fromMSecsSinceEpoch(now).toString(QStringLiteral("HH:mm:ss")))
                 << "\n\n"
                 << formatConnections(rows, now);
        }
        out_.flush();
        shown_ = true;
    }

    bool watchStopSignals() {
        if (stopPipe[0] < 0 && ::pipe2(stopPipe, O_CLOEXEC | O_NONBLOCK) != 0) {
            err_ << "weirctl: "
                 << QCoreApplication::translate("weirctl", "cannot watch for Ctrl-C: %1")
                        .arg(qt_error_string(errno))
                 << Qt::endl;
            return false;
        }
        auto* notifier = new QSocketNotifier(stopPipe[0], QSocketNotifier::Read, this);
        connect(notifier, &QSocketNotifier::activated, this, [this] {
            char byte;
            while (::read(stopPipe[0], &byte, 1) > 0) {
            }
            loop_.exit(Ok);
        });
        struct sigaction action {};
        action.sa_handler = onStopSignal;
        sigemptyset(&action.sa_mask);
        ::sigaction(SIGINT, &action, nullptr);
        ::sigaction(SIGTERM, &action, nullptr);
        return true;
    }

    bool json_;
    bool tty_;
    QDBusConnection bus_;
    QTextStream& out_;
    QTextStream& err_;
    QEventLoop loop_;
    LiveTable table_;
    bool shown_ = false;
};

} // namespace

bool parseIds(const QStringList& args, QList<qulonglong>* out, QString* error) {
    QList<qulonglong> ids;
    QSet<qulonglong> seen;
    for (const QString& arg : args) {
        bool ok = false;
        const qulonglong id = arg.toULongLong(&ok, 10);
        if (!ok || id == 0 || arg.startsWith(QLatin1Char('+'))) {
            *error = QCoreApplication::translate(
                         "weirctl", "'%1' is not a connection id (the ID column of weirctl connections)")
                         .arg(arg);
            return false;
        }
        if (!seen.contains(id)) {
            seen.insert(id);
            ids.append(id);
        }
    }
    if (ids.isEmpty()) {
        *error = QCoreApplication::translate("weirctl", "close needs at least one connection id");
        return false;
    }
    if (ids.size() > kMaxIds) {
        *error = QCoreApplication::translate("weirctl", "%1 ids given; at most %2 can be closed at once")
                     .arg(ids.size())
                     .arg(kMaxIds);
        return false;
    }
    *out = ids;
    return true;
}

int runClose(const QList<qulonglong>& ids, QDBusConnection bus, QTextStream& out, QTextStream& err) {
    QDBusMessage call = helperCall(QStringLiteral("CloseConnections"));
    call << QVariant::fromValue(ids);
    const QDBusMessage reply = bus.call(call, QDBus::Block, kAuthTimeoutMs);
    if (reply.type() == QDBusMessage::ErrorMessage)
        return failWith(QDBusError(reply), err);
    const QList<qulonglong> closed = reply.arguments().isEmpty()
                                         ? QList<qulonglong>{}
                                         : qdbus_cast<QList<qulonglong>>(reply.arguments().first());
    QList<qulonglong> notOpen;
    for (qulonglong id : ids) {
        if (!closed.contains(id))
            notOpen.append(id);
    }
    if (!closed.isEmpty())
        out << QCoreApplication::translate("weirctl", "Closed (reset): %1").arg(idList(closed)) << '\n';
    if (notOpen.isEmpty())
        return Ok;
    err << "weirctl: "
        << QCoreApplication::translate("weirctl", "not open (unknown or already closed): %1")
               .arg(idList(notOpen))
        << Qt::endl;
    return Failed;
}

int runWatch(bool json, QDBusConnection bus, QTextStream& out, QTextStream& err) {
    ConnectionWatch watch(json, std::move(bus), out, err);
    return watch.run();
}

} // namespace weir::ctl

#include "connectioncommands.moc"
