// Settings at the bus edge: the a{sv} of GetSettings / SetSettings / PreviewRules <-> weir::ValueMap.
//
// Strict on the way in, because the helper runs as root and a lenient conversion is where type
// confusion starts: a boolean only from D-Bus b, numbers from any integer type (y n q i u x t) when
// not negative, strings from s, string lists from as, number lists from ay/an/aq/ai/au/ax/at. QtDBus
// hands a variant's `as` over as a QStringList and `ay` as a QByteArray, but every other array as an
// undecoded QDBusArgument, which is read here element by element. Anything else is refused with the
// key's name ("exclude_uids: must be a list of unsigned numbers"). The same functions accept the
// in-process forms (QList<uint> etc.) so unit tests and the client can use them without a bus.
//
// On the way out every key has one fixed D-Bus type (see GetSettings in the interface XML).
#pragma once

#include <QString>
#include <QVariant>
#include <QVariantMap>

#include <optional>
#include <string>
#include <vector>

#include "config/settings.h"

namespace weir {

// One value for one key; nullopt with *why (without the key's name) when the type or sign is wrong.
std::optional<Value> valueFromVariant(const KeyInfo& key, const QVariant& variant, std::string* why);

// Every key of the map; unknown keys and wrong types each give one SettingError. *out receives the
// keys that converted, so callers can still validate those and report all problems at once.
std::vector<SettingError> valuesFromVariantMap(const QVariantMap& map, ValueMap* out);

// The typed bus form: q for 16-bit numbers, u for the other numbers, au for number lists, as, b, s.
// Numbers too large for their key's type are sent as t / at rather than cut (the helper refuses them).
QVariant valueToVariant(const KeyInfo& key, const Value& value);
QVariantMap valuesToVariantMap(const ValueMap& values);

// A received GetSettings map with the plain types valueToVariant() makes (QList<uint> instead of the
// QDBusArgument QtDBus leaves for `au`), for clients. Unknown keys and wrong types pass unchanged.
QVariantMap plainSettingsMap(const QVariantMap& received);

// The message of io.github.weir.Error.InvalidSettings: one "key: why" line per bad key (several
// messages for one key are joined with "; "), sorted by key. Control characters are escaped and long
// lines cut, because keys and quoted values come from the caller; at most kMaxErrorLines lines.
inline constexpr int kMaxErrorLines = 40;
QString settingErrorsMessage(const std::vector<SettingError>& errors);

} // namespace weir
