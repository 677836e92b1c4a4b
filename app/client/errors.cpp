#include "client/errors.h"

#include <QCoreApplication>
#include <QStringList>

#include "interface/busnames.h"

namespace weir {

CallFailure classify(const QDBusError& error) {
    if (!error.isValid())
        return CallFailure::None;
    switch (error.type()) {
    case QDBusError::ServiceUnknown:
    case QDBusError::NoServer:
    case QDBusError::Disconnected:
    case QDBusError::NoReply:
    case QDBusError::Timeout:
    case QDBusError::TimedOut:
    case QDBusError::UnknownObject:
    case QDBusError::UnknownInterface:
        return CallFailure::HelperUnavailable;
    case QDBusError::AccessDenied:
        return CallFailure::NotAuthorized;
    default:
        break;
    }
    if (error.name() == QLatin1String("org.freedesktop.DBus.Error.Spawn.ExecFailed") ||
        error.name().startsWith(QLatin1String("org.freedesktop.DBus.Error.Spawn.")))
        return CallFailure::HelperUnavailable;
    if (error.name() == QLatin1String("org.freedesktop.DBus.Error.InteractiveAuthorizationRequired") ||
        error.name() == bus::errorNoAuthenticationAgent)
        return CallFailure::NotAuthorized;
    return CallFailure::Failed;
}

QString describe(const QDBusError& error) {
    const QString detail = error.message().isEmpty() ? error.name() : error.message();
    switch (classify(error)) {
    case CallFailure::None:
        return {};
    case CallFailure::HelperUnavailable:
        return QCoreApplication::translate("weir",
                                           "The Weir helper is not available on the system bus "
                                           "(is weir-helper installed and the system bus running?): %1")
            .arg(detail);
    case CallFailure::NotAuthorized:
        return QCoreApplication::translate("weir", "Not authorized: %1").arg(detail);
    case CallFailure::Failed:
        break;
    }
    return detail;
}

QMap<QString, QString> settingErrors(const QDBusError& error) {
    QMap<QString, QString> out;
    if (error.name() != bus::errorInvalidSettings)
        return out;
    const QStringList lines = error.message().split(QLatin1Char('\n'), Qt::SkipEmptyParts);
    for (const QString& line : lines) {
        const qsizetype colon = line.indexOf(QLatin1String(": "));
        if (colon <= 0)
            continue;
        const QString key = line.left(colon).trimmed();
        const QString why = line.mid(colon + 2).trimmed();
        out[key] = out.contains(key) ? out[key] + QLatin1Char('\n') + why : why;
    }
    return out;
}

} // namespace weir
