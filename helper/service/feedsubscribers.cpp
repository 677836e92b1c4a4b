#include "service/feedsubscribers.h"

#include <QDBusConnectionInterface>
#include <QDBusMessage>
#include <QDBusServiceWatcher>

#include "interface/busnames.h"

namespace weir::service {

namespace {

// Subscribers get what changed at most this often.
constexpr int kIntervalMs = 500;

} // namespace

FeedSubscribers::FeedSubscribers(const QDBusConnection& bus, Records records, QObject* parent)
    : QObject(parent)
    , bus_(bus)
    , records_(std::move(records))
    , watcher_(new QDBusServiceWatcher(this)) {
    timer_.setInterval(kIntervalMs);
    connect(&timer_, &QTimer::timeout, this, &FeedSubscribers::publish);
    watcher_->setConnection(bus_);
    watcher_->setWatchMode(QDBusServiceWatcher::WatchForUnregistration);
    connect(watcher_, &QDBusServiceWatcher::serviceUnregistered, this,
            [this](const QString& name) { unsubscribe(name, "left the bus"); });
}

void FeedSubscribers::subscribe(const QString& uniqueName) {
    if (subscribers_.contains(uniqueName))
        return;
    // The first subscriber: take the table as it is now without a signal (nobody to send it to),
    // so the subscriber's GetConnections and the signals after it carry only what changes.
    if (subscribers_.isEmpty())
        feed_.publish(records_());
    watcher_->addWatchedService(uniqueName);
    // It may have left while Polkit was asked, before the watch was in place.
    if (!bus_.interface()->isServiceRegistered(uniqueName).value()) {
        watcher_->removeWatchedService(uniqueName);
        if (subscribers_.isEmpty())
            feed_.forgetTable();
        return;
    }
    subscribers_.insert(uniqueName);
    qInfo("weir-helper: %s subscribed to the connections (%lld subscriber(s))", qPrintable(uniqueName),
          static_cast<long long>(subscribers_.size()));
    if (!timer_.isActive())
        timer_.start();
}

void FeedSubscribers::unsubscribe(const QString& uniqueName, const char* why) {
    if (!subscribers_.remove(uniqueName))
        return;
    watcher_->removeWatchedService(uniqueName);
    qInfo("weir-helper: subscriber %s %s (%lld left)", qPrintable(uniqueName), why,
          static_cast<long long>(subscribers_.size()));
    if (subscribers_.isEmpty()) {
        timer_.stop();
        feed_.forgetTable(); // nobody follows it: no need to keep it
    }
}

void FeedSubscribers::publish() {
    if (const auto delta = feed_.publish(records_()))
        send(*delta);
}

quint64 FeedSubscribers::snapshot(ConnectionInfoList* rows) {
    publish();
    *rows = feed_.table();
    const quint64 seq = feed_.seq();
    if (subscribers_.isEmpty())
        feed_.forgetTable();
    return seq;
}

// One targeted signal per subscriber: the bus delivers it to that connection only, and no match
// rule of anyone else (an eavesdropper without the monitor right included) can catch it.
void FeedSubscribers::send(const ConnectionsDelta& delta) {
    if (subscribers_.isEmpty())
        return;
    QList<QVariantMap> added;
    added.reserve(delta.added.size());
    for (const ConnectionInfo& c : delta.added)
        added.append(c.toVariantMap());
    const QVariantList args{
        QVariant::fromValue<qulonglong>(delta.seq), QVariant::fromValue(added),
        QVariant::fromValue(delta.updated),
        QVariant::fromValue(QList<qulonglong>(delta.removed.cbegin(), delta.removed.cend()))};
    for (const QString& name : std::as_const(subscribers_)) {
        QDBusMessage signal = QDBusMessage::createTargetedSignal(name, bus::objectPath, bus::interfaceName,
                                                                 QStringLiteral("ConnectionsChanged"));
        signal.setArguments(args);
        bus_.send(signal);
    }
}

} // namespace weir::service
