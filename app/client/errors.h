// Turns D-Bus errors from the helper into sentences a user can act on.
#pragma once

#include <QDBusError>
#include <QMap>
#include <QString>

namespace weir {

enum class CallFailure { None, HelperUnavailable, NotAuthorized, Failed };

CallFailure classify(const QDBusError& error);
QString describe(const QDBusError& error);
// The per-key errors of io.github.weir.Error.InvalidSettings ("key: why" lines); empty for other errors.
QMap<QString, QString> settingErrors(const QDBusError& error);

} // namespace weir
