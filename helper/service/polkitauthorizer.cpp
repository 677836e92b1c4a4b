#include "service/polkitauthorizer.h"

#include <QDBusArgument>
#include <QDBusMetaType>
#include <QDBusPendingCallWatcher>
#include <QDBusPendingReply>
#include <QUuid>

namespace weir::service {

namespace {
// An authentication dialog can stay open for minutes; a non-interactive check answers at once.
constexpr int kInteractiveTimeoutMs = 300'000;
constexpr int kCheckTimeoutMs = 25'000;
constexpr uint kAllowUserInteraction = 0x1;
} // namespace

PolkitAuthorizer::PolkitAuthorizer(const QDBusConnection& bus, QObject* parent)
    : QObject(parent)
    , bus_(bus) {
    qDBusRegisterMetaType<QMap<QString, QString>>();
}

void PolkitAuthorizer::check(const QDBusMessage& callerMessage, const QString& actionId, Callback callback,
                             Interaction interaction) {
    QDBusMessage call = QDBusMessage::createMethodCall(
        QStringLiteral("org.freedesktop.PolicyKit1"), QStringLiteral("/org/freedesktop/PolicyKit1/Authority"),
        QStringLiteral("org.freedesktop.PolicyKit1.Authority"), QStringLiteral("CheckAuthorization"));

    // subject (sa{sv}): ("system-bus-name", {"name": <caller's unique name>})
    QDBusArgument subject;
    subject.beginStructure();
    subject << QStringLiteral("system-bus-name");
    subject.beginMap(QMetaType::fromType<QString>(), QMetaType::fromType<QDBusVariant>());
    subject.beginMapEntry();
    subject << QStringLiteral("name") << QDBusVariant(callerMessage.service());
    subject.endMapEntry();
    subject.endMap();
    subject.endStructure();

    const bool interactive =
        interaction == Interaction::AsTheCallerAllows && callerMessage.isInteractiveAuthorizationAllowed();
    call << QVariant::fromValue(subject) << actionId << QVariant::fromValue(QMap<QString, QString>())
         << uint(interactive ? kAllowUserInteraction : 0)
         << QUuid::createUuid().toString(QUuid::WithoutBraces);

    auto* watcher = new QDBusPendingCallWatcher(
        bus_.asyncCall(call, interactive ? kInteractiveTimeoutMs : kCheckTimeoutMs), this);
    connect(watcher, &QDBusPendingCallWatcher::finished, this, [callback](QDBusPendingCallWatcher* w) {
        w->deleteLater();
        const QDBusMessage reply = w->reply();
        if (reply.type() != QDBusMessage::ReplyMessage || reply.arguments().isEmpty()) {
            // Fail closed: without an answer from polkitd nobody is authorized.
            callback(AuthResult::Error,
                     reply.errorMessage().isEmpty() ? reply.errorName() : reply.errorMessage());
            return;
        }
        const QDBusArgument result = reply.arguments().at(0).value<QDBusArgument>();
        bool authorized = false;
        bool challenge = false;
        QMap<QString, QString> details;
        result.beginStructure();
        result >> authorized >> challenge >> details;
        result.endStructure();
        if (authorized)
            callback(AuthResult::Authorized, {});
        else if (challenge)
            callback(AuthResult::ChallengeRequired, {});
        else
            callback(AuthResult::Denied, details.value(QStringLiteral("polkit.dismissed")).isEmpty()
                                             ? QString()
                                             : QStringLiteral("the authentication dialog was dismissed"));
    });
}

} // namespace weir::service
