// BusLossWatch: tells when the connection to the bus is gone (dbus-daemon restarted or killed).
// libdbus then delivers the local signal org.freedesktop.DBus.Local.Disconnected on
// /org/freedesktop/DBus/Local; Qt hands it to whoever connected to it, with any sender. The helper
// cannot serve without its bus (no client can reach it, and Qt does not reconnect), so it shuts
// down as on SIGTERM and exits non-zero: systemd's Restart=on-failure, or D-Bus activation on the
// next call, starts a new one.
#pragma once

#include <QDBusConnection>
#include <QObject>

namespace weir::service {

class BusLossWatch : public QObject {
    Q_OBJECT
public:
    // Watches `bus`; false from watch() when Qt refused the connection to the local signal.
    explicit BusLossWatch(const QDBusConnection& bus, QObject* parent = nullptr);
    bool watch();

Q_SIGNALS:
    void lost();

private Q_SLOTS:
    void onDisconnected();

private:
    QDBusConnection bus_;
    bool reported_ = false;
};

} // namespace weir::service
