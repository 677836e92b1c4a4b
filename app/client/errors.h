// Turns D-Bus errors from the helper into sentences a user can act on.
#pragma once

#include <QDBusError>
#include <QString>

namespace weir {

enum class CallFailure { None, HelperUnavailable, NotAuthorized, Failed };

CallFailure classify(const QDBusError& error);
QString describe(const QDBusError& error);

} // namespace weir
