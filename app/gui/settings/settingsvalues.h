// The settings map at the GUI's edge: every key in the D-Bus type the helper documents (GetSettings in
// io.github.weir.Helper1.xml), the difference between two maps, and the same whole-value check the
// helper runs (weir::applyValues from weir_config), so most mistakes are shown before anything is sent.
// The helper's InvalidSettings errors stay the authority; this only saves a round trip.
#pragma once

#include <QMap>
#include <QString>
#include <QVariantMap>

namespace weir::settings {

// key -> why; the shape of HelperClient::settingsApplied's fieldErrors.
using FieldErrors = QMap<QString, QString>;

// The value in its bus type: bool, QString, QStringList, quint16 (proxy_port, worker_threads,
// connect_timeout: keys whose largest value fits), quint32 (other numbers)
// or QList<uint> (exclude_uids, exclude_gids). Accepts what QtDBus hands out (a QDBusArgument for au,
// any integer type) and what tests write. Unknown keys are returned unchanged.
QVariant canonical(const QString& key, const QVariant& value);
QVariantMap canonicalMap(const QVariantMap& map);

// The keys of edited whose canonical value differs from base's, with edited's canonical value.
QVariantMap changes(const QVariantMap& base, const QVariantMap& edited);

// The helper's own rules applied to a full map (every key present): per-key errors, in English as the
// helper words them. Keys whose values are missing are taken as defaults.
FieldErrors validate(const QVariantMap& full);

// Unsigned list helpers used by pages and tests.
QList<uint> toUIntList(const QVariant& value);

} // namespace weir::settings
