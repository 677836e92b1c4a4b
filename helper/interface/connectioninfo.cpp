#include "interface/connectioninfo.h"

#include <QDBusMetaType>

namespace weir {

namespace {
namespace key {
const QString id = QStringLiteral("id");
const QString protocol = QStringLiteral("protocol");
const QString mode = QStringLiteral("mode");
const QString source = QStringLiteral("source");
const QString destination = QStringLiteral("destination");
const QString bytesSent = QStringLiteral("bytes_sent");
const QString bytesReceived = QStringLiteral("bytes_received");
const QString state = QStringLiteral("state");
const QString startedMs = QStringLiteral("started_ms");
const QString closedMs = QStringLiteral("closed_ms");
const QString closeReason = QStringLiteral("close_reason");
const QString via = QStringLiteral("via");
const QString host = QStringLiteral("host");
const QString pid = QStringLiteral("pid");
const QString process = QStringLiteral("process");
const QString exe = QStringLiteral("exe");
const QString uid = QStringLiteral("uid");
const QString user = QStringLiteral("user");
} // namespace key
} // namespace

QVariantMap ConnectionInfo::toVariantMap() const {
    return {
        {key::id, QVariant::fromValue<quint64>(id)},
        {key::protocol, protocol},
        {key::mode, mode},
        {key::source, source},
        {key::destination, destination},
        {key::bytesSent, QVariant::fromValue<quint64>(bytesSent)},
        {key::bytesReceived, QVariant::fromValue<quint64>(bytesReceived)},
        {key::state, state},
        {key::startedMs, QVariant::fromValue<qint64>(startedMs)},
        {key::closedMs, QVariant::fromValue<qint64>(closedMs)},
        {key::closeReason, closeReason},
        {key::via, via},
        {key::host, host},
        {key::pid, QVariant::fromValue<quint32>(pid)},
        {key::process, process},
        {key::exe, exe},
        {key::uid, QVariant::fromValue<quint32>(uid)},
        {key::user, user},
    };
}

bool ConnectionInfo::fromVariantMap(const QVariantMap& map, ConnectionInfo* out) {
    bool ok = false;
    const quint64 id = map.value(key::id).toULongLong(&ok);
    if (!ok || id == 0)
        return false;
    ConnectionInfo c;
    c.id = id;
    c.protocol = map.value(key::protocol).toString();
    c.mode = map.value(key::mode).toString();
    c.source = map.value(key::source).toString();
    c.destination = map.value(key::destination).toString();
    c.bytesSent = map.value(key::bytesSent).toULongLong();
    c.bytesReceived = map.value(key::bytesReceived).toULongLong();
    c.state = map.value(key::state).toString();
    c.startedMs = map.value(key::startedMs).toLongLong();
    c.closedMs = map.value(key::closedMs).toLongLong();
    c.closeReason = map.value(key::closeReason).toString();
    c.via = map.value(key::via).toString();
    c.host = map.value(key::host).toString();
    c.pid = map.value(key::pid).toUInt();
    c.process = map.value(key::process).toString();
    c.exe = map.value(key::exe).toString();
    c.uid = map.value(key::uid).toUInt();
    c.user = map.value(key::user).toString();
    *out = c;
    return true;
}

QVariantMap ConnectionInfo::toJsonMap() const {
    // Same keys as on the bus; QJsonDocument renders the integers as numbers.
    return toVariantMap();
}

ConnectionInfoList connectionsFromVariantMaps(const QList<QVariantMap>& maps) {
    ConnectionInfoList list;
    list.reserve(maps.size());
    for (const QVariantMap& m : maps) {
        ConnectionInfo c;
        if (ConnectionInfo::fromVariantMap(m, &c))
            list.append(c);
    }
    return list;
}

void registerBusTypes() {
    qDBusRegisterMetaType<QList<QVariantMap>>();
    qDBusRegisterMetaType<QMap<QString, QString>>(); // GetPermissions
}

} // namespace weir
