// FeedSubscribers: who receives ConnectionsChanged, and the timer that sends it. Subscribers are
// unique bus names (the caller of Subscribe, after the monitor check); one that leaves the bus is
// dropped (QDBusServiceWatcher). Every 500 ms, while anyone is subscribed, the ConnectionFeed's
// delta goes to each of them as a targeted signal. Nothing here broadcasts: the signal's one
// recipient is always named.
// Threads: the helper's main thread.
#pragma once

#include <QDBusConnection>
#include <QObject>
#include <QSet>
#include <QTimer>

#include <functional>
#include <vector>

#include "core/connection.h"
#include "service/connectionfeed.h"

class QDBusServiceWatcher;

namespace weir::service {

class FeedSubscribers : public QObject {
    Q_OBJECT
public:
    using Records = std::function<std::vector<core::ConnectionRecord>()>;
    FeedSubscribers(const QDBusConnection& bus, Records records, QObject* parent = nullptr);

    // Idempotent. A name that already left the bus is not added.
    void subscribe(const QString& uniqueName);
    // Idempotent; `why` is logged ("unsubscribed", "left the bus").
    void unsubscribe(const QString& uniqueName, const char* why = "unsubscribed");
    qsizetype count() const { return subscribers_.size(); }

    // Sends what changed since the last ConnectionsChanged to every subscriber (nothing when
    // nothing did). Called by the timer, and by calls that should not wait for it.
    void publish();
    // GetConnections: publishes what is pending, then the table at that seq.
    quint64 snapshot(ConnectionInfoList* rows);
    // ListConnections: the rows with rates and durations (publishes nothing).
    ConnectionInfoList rows() { return feed_.rows(records_()); }

private:
    void send(const ConnectionsDelta& delta);

    QDBusConnection bus_;
    Records records_;
    ConnectionFeed feed_;
    QSet<QString> subscribers_;
    QDBusServiceWatcher* watcher_;
    QTimer timer_;
};

} // namespace weir::service
