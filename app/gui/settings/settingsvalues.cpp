#include "gui/settings/settingsvalues.h"

#include <QDBusArgument>
#include <QDBusMetaType>

#include "config/settings.h"
#include "interface/settingsvariant.h"

namespace weir::settings {

namespace {

const KeyInfo* info(const QString& key) {
    return findKey(key.toStdString());
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

// The bus edge's own conversion (interface/settingsvariant.h), so the GUI sends exactly the types the
// helper documents. A value of the wrong type is left as it is, for validate() and the helper to refuse.
QVariant canonical(const QString& key, const QVariant& value) {
    const KeyInfo* k = info(key);
    if (!k)
        return value;
    // Number lists also come as plain QVariantLists from pages and tests; the bus edge takes QList<uint>.
    const QVariant input = k->kind == ValueKind::UIntList ? QVariant::fromValue(toUIntList(value)) : value;
    std::string why;
    const auto converted = valueFromVariant(*k, input, &why);
    return converted ? valueToVariant(*k, *converted) : value;
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

// What the helper's SetSettings does (type check, then weir::applyValues), on a full map.
FieldErrors validate(const QVariantMap& full) {
    QVariantMap known;
    for (auto it = full.cbegin(); it != full.cend(); ++it)
        if (info(it.key()))
            known.insert(it.key(), canonical(it.key(), it.value()));
    ValueMap values;
    std::vector<SettingError> all = valuesFromVariantMap(known, &values);
    Settings out;
    if (all.empty())
        all = applyValues(Settings{}, values, &out);
    FieldErrors errors;
    for (const SettingError& e : all) {
        const QString key = QString::fromStdString(e.key);
        const QString message = QString::fromStdString(e.message);
        errors[key] = errors.contains(key) ? errors[key] + QLatin1Char('\n') + message : message;
    }
    return errors;
}

} // namespace weir::settings
