#include "service/helperservice.h"

#include <QDBusConnectionInterface>
#include <QDBusMessage>
#include <QHash>

#include "helper1adaptor.h"
#include "interface/busnames.h"
#include "interface/helperstatus.h"
#include "service/engine.h"
#include "service/polkitauthorizer.h"

namespace weir::service {

namespace {

// The one table that says which Polkit action guards which method. A method that is not listed
// here is refused before anything else happens, so a new method cannot forget its check.
const QHash<QString, QString>& methodActions() {
    static const QHash<QString, QString> table{
        {QStringLiteral("Enable"), bus::controlAction},
        {QStringLiteral("Disable"), bus::controlAction},
        {QStringLiteral("GetStatus"), bus::monitorAction},
        {QStringLiteral("ListConnections"), bus::monitorAction},
        {QStringLiteral("GetSettings"), bus::monitorAction},
        {QStringLiteral("PreviewRules"), bus::monitorAction},
        {QStringLiteral("SetSettings"), bus::controlAction},
    };
    return table;
}

QString modeName(core::InterceptMode mode) {
    return QString::fromLatin1(core::toString(mode));
}

ConnectionInfo toInfo(const core::ConnectionRecord& r) {
    ConnectionInfo c;
    c.id = r.id;
    c.protocol = QString::fromLatin1(core::toString(r.protocol));
    c.mode = modeName(r.mode);
    c.source = QString::fromStdString(r.source.toString());
    c.destination = QString::fromStdString(r.destination.toString());
    c.bytesSent = r.bytesSent;
    c.bytesReceived = r.bytesReceived;
    c.state = QString::fromLatin1(core::toString(r.state));
    c.startedMs = r.startedMs;
    c.closedMs = r.closedMs;
    c.closeReason = QString::fromStdString(r.closeReason);
    return c;
}

} // namespace

HelperService::HelperService(Engine* engine, const QDBusConnection& bus, QObject* parent)
    : QObject(parent)
    , engine_(engine)
    , bus_(bus)
    , authorizer_(new PolkitAuthorizer(bus, this)) {
    registerBusTypes();
    new Helper1Adaptor(this);
}

HelperService::~HelperService() = default;

bool HelperService::registerOn(QDBusConnection bus, QString* error) {
    if (!bus.registerObject(bus::objectPath, this, QDBusConnection::ExportAdaptors)) {
        *error = QStringLiteral("cannot register %1: %2").arg(bus::objectPath, bus.lastError().message());
        return false;
    }
    return true;
}

bool HelperService::enabled() const {
    return engine_->isEnabled();
}

QString HelperService::mode() const {
    return modeName(engine_->settings().mode);
}

void HelperService::dispatch(Action action) {
    const QDBusMessage call = message();
    const QString actionId = methodActions().value(call.member());
    setDelayedReply(true);
    if (actionId.isEmpty()) {
        bus_.send(call.createErrorReply(QDBusError::AccessDenied,
                                        QStringLiteral("%1 has no authorization rule").arg(call.member())));
        return;
    }
    authorizer_->check(
        call, actionId, [this, call, actionId, action](AuthResult result, const QString& detail) {
            switch (result) {
            case AuthResult::Authorized:
                action(call);
                return;
            case AuthResult::ChallengeRequired:
                // Polkit wants a password. Without the interactive flag the client may retry with it;
                // with it, no authentication agent answered for the caller.
                if (!call.isInteractiveAuthorizationAllowed())
                    bus_.send(call.createErrorReply(
                        QStringLiteral("org.freedesktop.DBus.Error.InteractiveAuthorizationRequired"),
                        QStringLiteral(
                            "%1 needs authentication (%2); retry with interactive authorization allowed")
                            .arg(call.member(), actionId)));
                else
                    bus_.send(call.createErrorReply(
                        QDBusError::AccessDenied,
                        QStringLiteral(
                            "%1 needs authentication (%2) and no Polkit authentication agent answered")
                            .arg(call.member(), actionId)));
                return;
            case AuthResult::Denied:
                bus_.send(call.createErrorReply(
                    QDBusError::AccessDenied,
                    QStringLiteral("not authorized by Polkit for %1%2")
                        .arg(actionId, detail.isEmpty() ? QString() : QStringLiteral(": ") + detail)));
                return;
            case AuthResult::Error:
                bus_.send(call.createErrorReply(
                    QDBusError::AccessDenied,
                    QStringLiteral("Polkit could not be asked, so %1 is refused: %2").arg(actionId, detail)));
                return;
            }
        });
}

void HelperService::Enable() {
    dispatch([this](const QDBusMessage& call) { changeEnabled(call, true); });
}

void HelperService::Disable() {
    dispatch([this](const QDBusMessage& call) { changeEnabled(call, false); });
}

void HelperService::changeEnabled(const QDBusMessage& call, bool enable) {
    const bool was = engine_->isEnabled();
    std::string error;
    if (!(enable ? engine_->enable(&error) : engine_->disable(&error))) {
        lastError_ = QString::fromStdString(error);
        bus_.send(call.createErrorReply(
            bus::errorFailed,
            QStringLiteral("cannot %1 interception: %2")
                .arg(enable ? QStringLiteral("enable") : QStringLiteral("disable"), lastError_)));
        return;
    }
    lastError_.clear();
    bus_.send(call.createReply());
    setEnabledState(was);
}

QVariantMap HelperService::GetStatus() {
    dispatch([this](const QDBusMessage& call) { bus_.send(call.createReply(statusMap())); });
    return {};
}

QList<QVariantMap> HelperService::ListConnections() {
    dispatch([this](const QDBusMessage& call) {
        bus_.send(call.createReply(QVariant::fromValue(connectionMaps())));
    });
    return {};
}

// Interim bodies: the a{sv} conversion and InvalidSettings errors come with the settings API.
QVariantMap HelperService::GetSettings() {
    dispatch([this](const QDBusMessage& call) { bus_.send(call.createReply(QVariantMap())); });
    return {};
}

void HelperService::SetSettings(const QVariantMap&) {
    dispatch([this](const QDBusMessage& call) {
        bus_.send(call.createErrorReply(bus::errorFailed, QStringLiteral("not implemented yet")));
    });
}

QString HelperService::PreviewRules(const QVariantMap&) {
    dispatch([this](const QDBusMessage& call) {
        std::string error;
        bus_.send(
            call.createReply(QString::fromStdString(engine_->previewRules(engine_->settings(), &error))));
    });
    return {};
}

QString HelperService::health() const {
    return engine_->health().ok ? QStringLiteral("ok") : QStringLiteral("degraded");
}

QString HelperService::healthReason() const {
    return QString::fromStdString(engine_->health().reason);
}

void HelperService::shutdown() {
    const bool was = engine_->isEnabled();
    std::string error;
    if (!engine_->disable(&error))
        qWarning("weir-helper: cannot remove the interception rules: %s", error.c_str());
    setEnabledState(was);
}

void HelperService::setEnabledState(bool wasEnabled) {
    if (wasEnabled == engine_->isEnabled())
        return;
    // PropertiesChanged carries only public state (Enabled), never connection data.
    QDBusMessage signal =
        QDBusMessage::createSignal(bus::objectPath, QStringLiteral("org.freedesktop.DBus.Properties"),
                                   QStringLiteral("PropertiesChanged"));
    signal << bus::interfaceName << QVariantMap{{QStringLiteral("Enabled"), engine_->isEnabled()}}
           << QStringList();
    bus_.send(signal);
}

QVariantMap HelperService::statusMap() const {
    HelperStatus s;
    s.enabled = engine_->isEnabled();
    s.mode = mode();
    s.proxyPort = engine_->settings().proxyPort;
    s.scope = QString::fromLatin1(toString(engine_->settings().scope));
    s.health = engine_->health().ok ? QStringLiteral("ok") : QStringLiteral("degraded");
    s.healthReason = QString::fromStdString(engine_->health().reason);
    s.backend = QString::fromStdString(engine_->backendName());
    s.version = QStringLiteral(WEIR_VERSION);
    s.lastError = lastError_;
    for (const auto& r : engine_->connections()) {
        ++s.totalConnections;
        if (r.state != core::ConnectionState::Closed && r.state != core::ConnectionState::Failed)
            ++s.activeConnections;
    }
    return s.toVariantMap();
}

QList<QVariantMap> HelperService::connectionMaps() const {
    QList<QVariantMap> list;
    const auto records = engine_->connections();
    list.reserve(static_cast<qsizetype>(records.size()));
    for (const auto& r : records)
        list.append(toInfo(r).toVariantMap());
    return list;
}

} // namespace weir::service
