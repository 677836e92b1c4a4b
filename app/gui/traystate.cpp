#include "gui/traystate.h"

#include <QCoreApplication>

namespace weir {

QString iconPathFor(StateIcon icon) {
    switch (icon) {
    case StateIcon::Off:
        return QStringLiteral(":/icons/weir-off.svg");
    case StateIcon::Redirect:
        return QStringLiteral(":/icons/weir-redirect.svg");
    case StateIcon::Tproxy:
        return QStringLiteral(":/icons/weir-tproxy.svg");
    case StateIcon::Degraded:
        return QStringLiteral(":/icons/weir-degraded.svg");
    case StateIcon::NotAuthorized:
        return QStringLiteral(":/icons/weir-unauthorized.svg");
    case StateIcon::Unavailable:
        break;
    }
    return QStringLiteral(":/icons/weir-unavailable.svg");
}

namespace {

// Degraded health (the helper found its rules changed and has not put them back), the last error and
// the helper's warnings: each one line of the tooltip and a part of the status text.
void addProblems(const HelperStatus& status, TrayState* s, QStringList* details) {
    QStringList parts;
    if (status.degraded()) {
        s->icon = StateIcon::Degraded;
        parts << (status.healthReason.isEmpty()
                      ? QCoreApplication::translate("weir::TrayState", "Degraded")
                      : QCoreApplication::translate("weir::TrayState", "Degraded: %1")
                            .arg(status.healthReason));
        s->problem = true;
    }
    if (!status.lastError.isEmpty()) {
        if (status.enabled)
            s->icon = StateIcon::Degraded;
        parts << QCoreApplication::translate("weir::TrayState", "Problem: %1").arg(status.lastError);
        s->problem = true;
    }
    for (const QString& warning : status.warnings)
        parts << QCoreApplication::translate("weir::TrayState", "Warning: %1").arg(warning);
    for (const QString& part : std::as_const(parts))
        s->statusText += QStringLiteral(" · ") + part;
    *details << parts;
    s->notice = parts.join(QStringLiteral(" · "));
}

// The helper's report of its start: interception turned back on as the user left it, or not.
void addRestore(const HelperStatus& status, TrayState* s, QStringList* details) {
    const bool restored = status.restore == QLatin1String("restored") && status.enabled;
    const bool failed = status.restore == QLatin1String("failed") && !status.enabled;
    if (!restored && !failed)
        return; // nothing to say, or the user has changed the state since
    if (restored) {
        s->restoreTitle = QCoreApplication::translate("weir::TrayState", "Interception back on");
        s->restoreMessage = QCoreApplication::translate(
            "weir::TrayState", "Weir turned interception back on after its helper restarted.");
    } else {
        s->restoreTitle = QCoreApplication::translate("weir::TrayState", "Interception is off");
        s->restoreMessage =
            QCoreApplication::translate("weir::TrayState",
                                        "Weir could not turn interception back on after its helper "
                                        "restarted: %1. Traffic goes out directly.")
                .arg(status.restoreError);
        s->restoreFailed = true;
        s->problem = true;
    }
    s->restoreKey = status.restore + QLatin1Char('\n') + status.restoreError;
    *details << s->restoreMessage;
}

} // namespace

// Strings use QCoreApplication::translate with a literal context (not a macro) so lupdate sees them.
TrayState trayStateFor(HelperClient::Availability availability, const HelperStatus& status,
                       const QString& clientError) {
    using A = HelperClient::Availability;
    TrayState s;
    s.enabled = availability == A::Available && status.enabled;
    s.mode = status.mode.compare(QLatin1String("tproxy"), Qt::CaseInsensitive) == 0
                 ? QStringLiteral("tproxy")
                 : QStringLiteral("redirect");
    s.toggleText = s.enabled ? QCoreApplication::translate("weir::TrayState", "Disable interception")
                             : QCoreApplication::translate("weir::TrayState", "Enable interception");
    QStringList details; // further tooltip lines

    switch (availability) {
    case A::Unknown:
        s.icon = StateIcon::Off;
        s.summary = QCoreApplication::translate("weir::TrayState", "Connecting to the helper…");
        s.statusText = QCoreApplication::translate("weir::TrayState", "Connecting to the Weir helper…");
        s.stripText = s.statusText;
        break;
    case A::Unavailable:
        s.icon = StateIcon::Unavailable;
        s.summary = QCoreApplication::translate("weir::TrayState", "Helper not available");
        s.statusText = QCoreApplication::translate(
            "weir::TrayState",
            "Weir’s helper is not running or not installed, so nothing is intercepted. Start it with "
            "“sudo systemctl start weir-helper”, or install the weir package if it is missing.");
        s.stripText =
            QCoreApplication::translate("weir::TrayState", "Helper not running: nothing is intercepted");
        s.problem = true;
        break;
    case A::NotAuthorized:
        s.icon = StateIcon::NotAuthorized;
        s.summary = QCoreApplication::translate("weir::TrayState", "Not allowed to use the helper");
        s.statusText = clientError.isEmpty()
                           ? QCoreApplication::translate(
                                 "weir::TrayState",
                                 "Your account is not allowed to use Weir’s helper. Ask an administrator "
                                 "to allow it, or sign in to a desktop session at this computer.")
                           : clientError;
        s.stripText = QCoreApplication::translate("weir::TrayState",
                                                  "Not allowed: Weir cannot show or change anything");
        s.problem = true;
        break;
    case A::Available: {
        s.canToggle = true;
        s.canChangeMode = true;
        const bool tproxy = s.mode == QLatin1String("tproxy");
        const QString mode = tproxy ? QStringLiteral("TPROXY") : QStringLiteral("REDIRECT");
        if (!status.enabled) {
            s.icon = StateIcon::Off;
            s.summary = QCoreApplication::translate("weir::TrayState", "Interception off");
            s.statusText = s.summary;
            s.stripText = QCoreApplication::translate("weir::TrayState",
                                                      "Interception is OFF: connections go out directly");
        } else {
            const QString active = QCoreApplication::translate("weir::TrayState", "%n active connection(s)",
                                                               nullptr, int(status.activeConnections));
            s.icon = tproxy ? StateIcon::Tproxy : StateIcon::Redirect;
            s.summary = QCoreApplication::translate("weir::TrayState", "Interception on (%1)").arg(mode);
            s.statusText = QCoreApplication::translate("weir::TrayState", "%1 · %2").arg(s.summary, active);
            s.stripText = QCoreApplication::translate("weir::TrayState",
                                                      "Interception is ON (%1): connections go through Weir")
                              .arg(mode);
            details << active;
        }
        addProblems(status, &s, &details);
        addRestore(status, &s, &details);
        break;
    }
    }
    s.toolTip = QCoreApplication::translate("weir::TrayState", "Weir — %1").arg(s.summary);
    for (const QString& line : std::as_const(details))
        s.toolTip += QLatin1Char('\n') + line;
    s.iconPath = iconPathFor(s.icon);
    return s;
}

bool takeRestoreAnnouncement(HelperClient::Availability availability, const TrayState& state,
                             QString* announced) {
    if (availability != HelperClient::Availability::Available) {
        announced->clear();
        return false;
    }
    if (state.restoreKey.isEmpty() || state.restoreKey == *announced)
        return false;
    *announced = state.restoreKey;
    return true;
}

} // namespace weir
