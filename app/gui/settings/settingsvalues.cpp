#include "gui/settings/settingsvalues.h"

#include <QDBusArgument>
#include <QDBusMetaType>

#include "config/settings.h"

namespace weir::settings {

namespace {

const KeyInfo* info(const QString& key) {
    return findKey(key.toStdString());
}

QStringList toStringList(const QVariant& value) {
    if (value.userType() == qMetaTypeId<QDBusArgument>())
        return qdbus_cast<QStringList>(value.value<QDBusArgument>());
    return value.toStringList();
}

// A ValueMap entry for weir_config, from a canonical QVariant.
Value toValue(ValueKind kind, const QVariant& v) {
    switch (kind) {
    case ValueKind::Bool:
        return v.toBool();
    case ValueKind::UInt:
        return std::uint64_t(v.toULongLong());
    case ValueKind::String:
        return v.toString().toStdString();
    case ValueKind::StringList: {
        std::vector<std::string> out;
        for (const QString& s : v.toStringList())
            out.push_back(s.toStdString());
        return out;
    }
    case ValueKind::UIntList: {
        std::vector<std::uint64_t> out;
        for (uint n : toUIntList(v))
            out.push_back(n);
        return out;
    }
    }
    return false;
}

} // namespace

QList<uint> toUIntList(const QVariant& value) {
    if (value.userType() == qMetaTypeId<QDBusArgument>())
        return qdbus_cast<QList<uint>>(value.value<QDBusArgument>());
    if (value.userType() == qMetaTypeId<QList<uint>>())
        return value.value<QList<uint>>();
    QList<uint> out;
    for (const QVariant& v : value.toList())
        out << v.toUInt();
    return out;
}

QVariant canonical(const QString& key, const QVariant& value) {
    const KeyInfo* k = info(key);
    if (!k)
        return value;
    switch (k->kind) {
    case ValueKind::Bool:
        return value.toBool();
    case ValueKind::UInt:
        if (key == QLatin1String("proxy_port"))
            return QVariant::fromValue(quint16(value.toUInt()));
        return QVariant::fromValue(quint32(value.toUInt()));
    case ValueKind::String:
        return value.toString();
    case ValueKind::StringList:
        return toStringList(value);
    case ValueKind::UIntList:
        return QVariant::fromValue(toUIntList(value));
    }
    return value;
}

QVariantMap canonicalMap(const QVariantMap& map) {
    QVariantMap out;
    for (auto it = map.cbegin(); it != map.cend(); ++it)
        out.insert(it.key(), canonical(it.key(), it.value()));
    return out;
}

QVariantMap changes(const QVariantMap& base, const QVariantMap& edited) {
    QVariantMap out;
    for (auto it = edited.cbegin(); it != edited.cend(); ++it) {
        const QVariant mine = canonical(it.key(), it.value());
        if (!base.contains(it.key()) || canonical(it.key(), base.value(it.key())) != mine)
            out.insert(it.key(), mine);
    }
    return out;
}

FieldErrors validate(const QVariantMap& full) {
    ValueMap values;
    for (auto it = full.cbegin(); it != full.cend(); ++it) {
        if (const KeyInfo* k = info(it.key()))
            values[k->name] = toValue(k->kind, canonical(it.key(), it.value()));
    }
    Settings out;
    FieldErrors errors;
    for (const SettingError& e : applyValues(Settings{}, values, &out)) {
        const QString key = QString::fromStdString(e.key);
        const QString message = QString::fromStdString(e.message);
        errors[key] = errors.contains(key) ? errors[key] + QLatin1Char('\n') + message : message;
    }
    return errors;
}

} // namespace weir::settings
