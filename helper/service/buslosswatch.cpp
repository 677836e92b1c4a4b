#include "service/buslosswatch.h"

namespace weir::service {

BusLossWatch::BusLossWatch(const QDBusConnection& bus, QObject* parent)
    : QObject(parent)
    , bus_(bus) {}

bool BusLossWatch::watch() {
    // Empty service: the signal comes from libdbus itself, not from a peer on the bus.
    return bus_.connect(QString(), QStringLiteral("/org/freedesktop/DBus/Local"),
                        QStringLiteral("org.freedesktop.DBus.Local"), QStringLiteral("Disconnected"), this,
                        SLOT(onDisconnected()));
}

void BusLossWatch::onDisconnected() {
    if (reported_)
        return;
    reported_ = true;
    Q_EMIT lost();
}

} // namespace weir::service
