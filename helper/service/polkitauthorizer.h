// Asks polkitd whether the sender of a D-Bus message may perform an action. The subject is always the
// caller's unique bus name (never a pid or an argument), and the call is asynchronous so a password
// dialog never freezes the helper.
#pragma once

#include <QDBusConnection>
#include <QDBusMessage>
#include <QObject>

#include <functional>

namespace weir::service {

enum class AuthResult { Authorized, Denied, ChallengeRequired, Error };

class PolkitAuthorizer : public QObject {
    Q_OBJECT
public:
    explicit PolkitAuthorizer(const QDBusConnection& bus, QObject* parent = nullptr);

    using Callback = std::function<void(AuthResult, const QString& detail)>;
    // Calls back exactly once. Interactive authorization is allowed only when the caller's message
    // carries the ALLOW_INTERACTIVE_AUTHORIZATION flag, and never with Interaction::Never.
    enum class Interaction { AsTheCallerAllows, Never };
    void check(const QDBusMessage& callerMessage, const QString& actionId, Callback callback,
               Interaction interaction = Interaction::AsTheCallerAllows);

private:
    QDBusConnection bus_;
};

} // namespace weir::service
