// Names of Weir's D-Bus API, fixed by DESIGN.md. Shared by the helper, the GUI and weirctl.
#pragma once

#include <QString>

namespace weir::bus {

inline const QString serviceName = QStringLiteral("io.github.weir.Helper1");
inline const QString objectPath = QStringLiteral("/io/github/weir/Helper1");
inline const QString interfaceName = QStringLiteral("io.github.weir.Helper1");

inline const QString monitorAction = QStringLiteral("io.github.weir.monitor");
inline const QString controlAction = QStringLiteral("io.github.weir.control");
// In the helper's table of method -> action: the method needs no authorization (it answers only
// about the caller).
inline const QString noAction = QStringLiteral("(none)");

// GetPermissions answers per action.
inline const QString permissionYes = QStringLiteral("yes");
inline const QString permissionAuth = QStringLiteral("auth");
inline const QString permissionNo = QStringLiteral("no");

// Errors the helper replies with besides the standard org.freedesktop.DBus.Error.* ones.
inline const QString errorFailed = QStringLiteral("io.github.weir.Error.Failed");
inline const QString errorBusy = QStringLiteral("io.github.weir.Error.Busy");
// The call needs an administrator's password and no Polkit authentication agent answered for the
// caller (e.g. an ssh session): clients tell the user to run as root or add a Polkit rule.
inline const QString errorNoAuthenticationAgent =
    QStringLiteral("io.github.weir.Error.NoAuthenticationAgent");
// Polkit could not be asked (polkitd not running or not answering), so the call was refused: clients
// say that, instead of asking for a password that would not help.
inline const QString errorAuthorityUnavailable = QStringLiteral("io.github.weir.Error.AuthorityUnavailable");
// Its message has one line per bad key: "key: why".
inline const QString errorInvalidSettings = QStringLiteral("io.github.weir.Error.InvalidSettings");

} // namespace weir::bus
