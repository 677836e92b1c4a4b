#include "weirctl/livetable.h"

#include <QDBusArgument>
#include <QDBusMetaType>

namespace weir::ctl {

namespace {

// From the bus a container arrives as a QDBusArgument, built locally as the type itself.
template <typename T> bool carries(const QVariant& v, const char* signature) {
    if (v.metaType() == QMetaType::fromType<QDBusArgument>())
        return v.value<QDBusArgument>().currentSignature() == QLatin1String(signature);
    return v.metaType() == QMetaType::fromType<T>();
}

} // namespace

void LiveTable::reset(quint64 seq, const ConnectionInfoList& rows) {
    rows_.clear();
    for (const ConnectionInfo& c : rows)
        rows_[c.id] = c;
    seq_ = seq;
    hasSnapshot_ = true;
}

LiveTable::Applied LiveTable::apply(const ConnectionsDelta& delta) {
    if (!hasSnapshot_)
        return Applied::NeedsReset;
    if (delta.seq <= seq_)
        return Applied::Stale;
    if (delta.seq != seq_ + 1)
        return Applied::NeedsReset;
    for (const ConnectionInfo& c : delta.added)
        rows_[c.id] = c;
    for (const QVariantMap& partial : delta.updated) {
        const auto it = rows_.find(partial.value(QStringLiteral("id")).toULongLong());
        // An update of a row we do not have, or one that does not fit: our copy is off.
        if (it == rows_.end() || !it->second.merge(partial))
            return Applied::NeedsReset;
    }
    for (quint64 id : delta.removed)
        rows_.erase(id);
    seq_ = delta.seq;
    return Applied::Yes;
}

ConnectionInfoList LiveTable::rows() const {
    ConnectionInfoList list;
    list.reserve(static_cast<qsizetype>(rows_.size()));
    for (const auto& [id, row] : rows_)
        list.append(row);
    return list;
}

bool deltaFromSignal(const QDBusMessage& signal, ConnectionsDelta* out) {
    const QVariantList args = signal.arguments();
    if (args.size() != 4 || args.at(0).metaType() != QMetaType::fromType<qulonglong>() ||
        !carries<QList<QVariantMap>>(args.at(1), "aa{sv}") ||
        !carries<QList<QVariantMap>>(args.at(2), "aa{sv}") || !carries<QList<qulonglong>>(args.at(3), "at"))
        return false;
    ConnectionsDelta d;
    d.seq = args.at(0).toULongLong();
    d.added = connectionsFromVariantMaps(qdbus_cast<QList<QVariantMap>>(args.at(1)));
    d.updated = qdbus_cast<QList<QVariantMap>>(args.at(2));
    d.removed = qdbus_cast<QList<qulonglong>>(args.at(3));
    *out = d;
    return true;
}

} // namespace weir::ctl
