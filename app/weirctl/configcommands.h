// `weirctl config ...`: the helper's settings from a terminal. Values are typed by the key table
// (config/settings.h), so what weirctl accepts, the settings file holds and the bus carries agree:
// booleans true/false, numbers decimal or 0x hex, lists comma-separated (an empty value clears one).
#pragma once

#include <QByteArray>
#include <QDBusConnection>
#include <QStringList>
#include <QTextStream>

#include "config/settings.h"

namespace weir::ctl {

// KEY=VALUE arguments -> values. Unknown keys, a missing '=', a key given twice and values that do
// not parse as the key's type are refused: false with *error saying which argument and why.
bool parseAssignments(const QStringList& args, ValueMap* out, QString* error);

// key=value lines in key-table order (keys missing from values are skipped).
QString formatSettings(const ValueMap& values);
// One JSON object, typed: booleans, numbers, strings, arrays.
QByteArray settingsJson(const ValueMap& values);
// Every key with its type and what it means (`weirctl config keys`).
QString formatKeys();

// args: what follows "config" on the command line. Returns an ExitCode.
int runConfig(const QStringList& args, QDBusConnection bus, QTextStream& out, QTextStream& err);

} // namespace weir::ctl
