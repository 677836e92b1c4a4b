#include "client/errors.h"

#include <QCoreApplication>
#include <QStringList>

#include "interface/busnames.h"

namespace weir {

namespace {

const QLatin1String kInteractiveAuthRequired("org.freedesktop.DBus.Error.InteractiveAuthorizationRequired");

QString tr(const char* text) {
    return QCoreApplication::translate("weir::errors", text);
}

// The bus daemon answers NoReply both when the call timed out and when the helper left the bus
// (exited, crashed, was killed) before replying; only its text tells them apart: dbus-daemon says
// "Message recipient disconnected from message bus without replying", dbus-broker "Remote peer
// disconnected". A local timeout (libdbus: "Did not receive a reply...") says neither.
bool helperLeft(const QDBusError& error) {
    return error.type() == QDBusError::NoReply &&
           error.message().contains(QLatin1String("disconnected"), Qt::CaseInsensitive);
}

bool noAnswer(const QDBusError& error) {
    switch (error.type()) {
    case QDBusError::NoReply:
    case QDBusError::Timeout:
    case QDBusError::TimedOut:
        return true;
    default:
        return false;
    }
}

QString describeUnavailable(const QDBusError& error) {
    if (helperLeft(error))
        return tr("Weir’s helper stopped before it answered; it may have crashed. Try again: the next "
                  "call starts it again. If it keeps happening, see “journalctl -u weir-helper”.");
    if (noAnswer(error))
        return tr("Weir’s helper did not answer in time. Try again; if it keeps happening, restart it "
                  "with “sudo systemctl restart weir-helper”.");
    if (error.type() == QDBusError::Disconnected)
        return tr("Weir cannot reach the system bus, so it cannot talk to its helper. Log out and in "
                  "again; if that does not help, restart the computer.");
    return tr("The Weir helper is not available: it is not running or not installed. Start it with "
              "“sudo systemctl start weir-helper”; if that fails, install the weir package again.");
}

QString describeNotAuthorized(const QDBusError& error) {
    if (error.name() == bus::errorNoAuthenticationAgent)
        return tr("This needs an administrator’s password, but no password prompt can be shown in "
                  "this session. Use Weir from a desktop session, or ask an administrator to allow "
                  "your account.");
    if (error.name() == kInteractiveAuthRequired)
        return tr("This needs an administrator’s password. Try again and enter it when asked.");
    if (error.name() == bus::errorAuthorityUnavailable)
        return tr("Weir’s helper could not ask Polkit whether you may do this, so it refused; nothing was "
                  "changed. Polkit may be restarting: try again in a moment. If it keeps happening, restart "
                  "it with “sudo systemctl restart polkit”.");
    return tr("Not authorized: the password was not given, or your account may not use Weir. Try "
              "again, or ask an administrator to allow your account.");
}

} // namespace

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
    if (error.name().startsWith(QLatin1String("org.freedesktop.DBus.Error.Spawn.")))
        return CallFailure::HelperUnavailable;
    if (error.name() == kInteractiveAuthRequired || error.name() == bus::errorNoAuthenticationAgent ||
        error.name() == bus::errorAuthorityUnavailable)
        return CallFailure::NotAuthorized;
    return CallFailure::Failed;
}

QString describe(const QDBusError& error) {
    switch (classify(error)) {
    case CallFailure::None:
        return {};
    case CallFailure::HelperUnavailable:
        return describeUnavailable(error);
    case CallFailure::NotAuthorized:
        return describeNotAuthorized(error);
    case CallFailure::Failed:
        break;
    }
    if (error.name() == bus::errorBusy)
        return tr("Weir’s helper is busy with another change. Try again in a moment.");
    if (error.type() == QDBusError::UnknownMethod)
        return tr("Weir’s helper is older than this window and cannot do this. Update the weir package "
                  "and restart the helper.");
    // The helper's own reason (English, from the system): shown as it is, after a sentence of ours.
    const QString reason = error.message().isEmpty() ? error.name() : error.message();
    return tr("Weir’s helper could not do it: %1").arg(reason);
}

QString technicalDetail(const QDBusError& error) {
    if (!error.isValid())
        return {};
    return error.message().isEmpty() ? error.name() : error.name() + QStringLiteral(": ") + error.message();
}

bool asksForPassword(const QDBusError& error) {
    return error.type() == QDBusError::AccessDenied || error.name() == kInteractiveAuthRequired;
}

Remedy remedyFor(const QDBusError& error) {
    if (!error.isValid())
        return Remedy::None;
    if (asksForPassword(error))
        return Remedy::Authenticate;
    return classify(error) == CallFailure::HelperUnavailable ? Remedy::CheckAgain : Remedy::Retry;
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
