// Turns D-Bus errors from the helper into sentences a user can act on: what happened and what to do,
// in the user's words. Bus error names, Polkit action ids and Qt's own texts stay out of them;
// technicalDetail() keeps those for a tooltip or a log.
#pragma once

#include <QDBusError>
#include <QMap>
#include <QString>

namespace weir {

enum class CallFailure {
    None,
    HelperUnavailable, // not installed, not running, or not answering
    NotAuthorized,     // Polkit refused, or asked for a password nobody could give
    Failed,            // the helper tried and could not (its reason is in the message)
};

CallFailure classify(const QDBusError& error);
// One or two sentences for the user, translated.
QString describe(const QDBusError& error);
// The error's name and the helper's own (English) message, for a "Details" tooltip.
QString technicalDetail(const QDBusError& error);
// Authenticating again may help (a dismissed or failed password prompt): the GUI offers
// "Authenticate" instead of "Retry".
bool asksForPassword(const QDBusError& error);

// What the button next to a failed call's message offers.
enum class Remedy {
    None,
    Retry,        // the same call again (also when Polkit could not be asked: no password helps then)
    Authenticate, // the same call, with a new password prompt (asksForPassword)
    CheckAgain,   // ask the helper again: it was not there
};
Remedy remedyFor(const QDBusError& error);
// The per-key errors of io.github.weir.Error.InvalidSettings ("key: why" lines); empty for other errors.
QMap<QString, QString> settingErrors(const QDBusError& error);

} // namespace weir
