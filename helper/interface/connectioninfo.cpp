#include "interface/connectioninfo.h"

#include <QDBusMetaType>

#include <array>

namespace weir {

namespace {

// Every key of a connection row, in one table, so the bus map, the reader, merge() and the delta
// cannot disagree on a key or its type.
struct Field {
    QString key;
    QVariant (*get)(const ConnectionInfo&);
    // false when the value cannot be read as the field's type
    bool (*set)(const QVariant&, ConnectionInfo*);
};

template <typename T> bool readNumber(const QVariant& v, T* out) {
    bool ok = false;
    if constexpr (std::is_signed_v<T>) {
        const qlonglong n = v.toLongLong(&ok);
        if (ok)
            *out = static_cast<T>(n);
    } else {
        const qulonglong n = v.toULongLong(&ok);
        if (ok)
            *out = static_cast<T>(n);
    }
    return ok;
}

bool readText(const QVariant& v, QString* out) {
    if (!v.canConvert<QString>())
        return false;
    *out = v.toString();
    return true;
}

#define WEIR_TEXT_FIELD(name, member)                                                                        \
    Field {                                                                                                  \
        QStringLiteral(name), [](const ConnectionInfo& c) { return QVariant(c.member); },                    \
            [](const QVariant& v, ConnectionInfo* c) { return readText(v, &c->member); }                     \
    }
#define WEIR_NUMBER_FIELD(name, member)                                                                      \
    Field {                                                                                                  \
        QStringLiteral(name),                                                                                \
            [](const ConnectionInfo& c) { return QVariant::fromValue<decltype(c.member)>(c.member); },       \
            [](const QVariant& v, ConnectionInfo* c) { return readNumber(v, &c->member); }                   \
    }

const std::array<Field, 22>& fields() {
    static const std::array<Field, 22> table{
        WEIR_NUMBER_FIELD("id", id),
        WEIR_TEXT_FIELD("protocol", protocol),
        WEIR_TEXT_FIELD("mode", mode),
        WEIR_TEXT_FIELD("source", source),
        WEIR_TEXT_FIELD("destination", destination),
        WEIR_NUMBER_FIELD("bytes_sent", bytesSent),
        WEIR_NUMBER_FIELD("bytes_received", bytesReceived),
        WEIR_TEXT_FIELD("state", state),
        WEIR_NUMBER_FIELD("started_ms", startedMs),
        WEIR_NUMBER_FIELD("closed_ms", closedMs),
        WEIR_TEXT_FIELD("close_reason", closeReason),
        WEIR_TEXT_FIELD("via", via),
        WEIR_TEXT_FIELD("host", host),
        WEIR_NUMBER_FIELD("pid", pid),
        WEIR_TEXT_FIELD("process", process),
        WEIR_TEXT_FIELD("exe", exe),
        WEIR_NUMBER_FIELD("uid", uid),
        WEIR_TEXT_FIELD("user", user),
        WEIR_TEXT_FIELD("interface", interfaceName),
        WEIR_NUMBER_FIELD("rate_sent", rateSent),
        WEIR_NUMBER_FIELD("rate_received", rateReceived),
        WEIR_NUMBER_FIELD("duration_ms", durationMs),
    };
    return table;
}

#undef WEIR_TEXT_FIELD
#undef WEIR_NUMBER_FIELD

const QString idKey = QStringLiteral("id");

} // namespace

QVariantMap ConnectionInfo::toVariantMap() const {
    QVariantMap map;
    for (const Field& f : fields())
        map.insert(f.key, f.get(*this));
    return map;
}

bool ConnectionInfo::fromVariantMap(const QVariantMap& map, ConnectionInfo* out) {
    bool ok = false;
    const quint64 id = map.value(idKey).toULongLong(&ok);
    if (!ok || id == 0)
        return false;
    ConnectionInfo c;
    c.id = id;
    // A key of the wrong kind keeps its default, as a missing one does.
    for (const Field& f : fields()) {
        const auto it = map.constFind(f.key);
        if (it != map.cend() && f.key != idKey)
            f.set(*it, &c);
    }
    *out = c;
    return true;
}

bool ConnectionInfo::merge(const QVariantMap& partial) {
    ConnectionInfo changed = *this;
    for (const Field& f : fields()) {
        const auto it = partial.constFind(f.key);
        if (it == partial.cend() || f.key == idKey)
            continue;
        if (!f.set(*it, &changed))
            return false;
    }
    *this = changed;
    return true;
}

QVariantMap ConnectionInfo::changedSince(const ConnectionInfo& before) const {
    QVariantMap map{{idKey, QVariant::fromValue<quint64>(id)}};
    for (const Field& f : fields()) {
        QVariant now = f.get(*this);
        if (f.key != idKey && now != f.get(before))
            map.insert(f.key, std::move(now));
    }
    return map;
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
    qDBusRegisterMetaType<QList<quint64>>();         // CloseConnections, ConnectionsChanged
}

} // namespace weir
