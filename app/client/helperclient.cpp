#include "client/helperclient.h"

#include <QDBusPendingCallWatcher>
#include <QDBusPendingReply>

#include "helper1proxy.h"
#include "interface/busnames.h"
#include "interface/settingsvariant.h"

namespace weir {

namespace {
constexpr int kReadTimeoutMs = 10'000;
// Enable/Disable may wait for a Polkit password dialog; the D-Bus default (25 s) is too short.
constexpr int kChangeTimeoutMs = 180'000;

} // namespace

HelperClient::HelperClient(const QDBusConnection& bus, QObject* parent)
    : QObject(parent)
    , bus_(bus)
    , proxy_(new HelperProxy(bus::serviceName, bus::objectPath, bus, this)) {
    registerBusTypes();
    proxy_->setTimeout(kReadTimeoutMs);
    connect(&pollTimer_, &QTimer::timeout, this, &HelperClient::refresh);
    bus_.connect(bus::serviceName, bus::objectPath, QStringLiteral("org.freedesktop.DBus.Properties"),
                 QStringLiteral("PropertiesChanged"), this,
                 SLOT(onPropertiesChanged(QString, QVariantMap, QStringList)));
}

HelperClient::~HelperClient() = default;

void HelperClient::setPollInterval(int intervalMs) {
    if (intervalMs <= 0) {
        pollTimer_.stop();
        return;
    }
    pollTimer_.start(intervalMs);
    refresh();
}

QString HelperClient::noBusMessage() const {
    // A disconnected QDBusConnection fails calls without ever finishing their watchers (Qt 6.4), so
    // this case is caught before calling.
    const QString detail = bus_.lastError().message().isEmpty()
                               ? QStringLiteral("no connection to the system bus")
                               : bus_.lastError().message();
    return describe(QDBusError(QDBusError::Disconnected, detail));
}

void HelperClient::refresh() {
    if (!bus_.isConnected()) {
        setAvailability(Availability::Unavailable, noBusMessage());
        return;
    }
    // One request of each kind in flight at most: a slow helper must not pile up calls.
    if (!statusPending_) {
        statusPending_ = true;
        auto* w = new QDBusPendingCallWatcher(proxy_->GetStatus(), this);
        connect(w, &QDBusPendingCallWatcher::finished, this, [this](QDBusPendingCallWatcher* w) {
            w->deleteLater();
            statusPending_ = false;
            QDBusPendingReply<QVariantMap> reply = *w;
            if (reply.isError()) {
                handleFailure(reply.error());
                return;
            }
            setAvailability(Availability::Available);
            const HelperStatus s = HelperStatus::fromVariantMap(reply.value());
            if (s != status_) {
                status_ = s;
                Q_EMIT statusChanged(status_);
            }
        });
    }
    if (!connectionsPending_) {
        connectionsPending_ = true;
        auto* w = new QDBusPendingCallWatcher(proxy_->ListConnections(), this);
        connect(w, &QDBusPendingCallWatcher::finished, this, [this](QDBusPendingCallWatcher* w) {
            w->deleteLater();
            connectionsPending_ = false;
            QDBusPendingReply<QList<QVariantMap>> reply = *w;
            if (reply.isError()) {
                handleFailure(reply.error());
                return;
            }
            Q_EMIT connectionsReceived(connectionsFromVariantMaps(reply.value()));
        });
    }
}

void HelperClient::setEnabled(bool enabled) {
    if (!bus_.isConnected()) {
        setAvailability(Availability::Unavailable, noBusMessage());
        Q_EMIT enableFinished(enabled, false, noBusMessage());
        return;
    }
    const QString method = enabled ? QStringLiteral("Enable") : QStringLiteral("Disable");
    QDBusMessage call =
        QDBusMessage::createMethodCall(bus::serviceName, bus::objectPath, bus::interfaceName, method);
    call.setInteractiveAuthorizationAllowed(true);
    auto* w = new QDBusPendingCallWatcher(bus_.asyncCall(call, kChangeTimeoutMs), this);
    connect(w, &QDBusPendingCallWatcher::finished, this, [this, enabled](QDBusPendingCallWatcher* w) {
        w->deleteLater();
        QDBusPendingReply<> reply = *w;
        if (reply.isError()) {
            const QString message = describe(reply.error());
            if (classify(reply.error()) == CallFailure::HelperUnavailable)
                setAvailability(Availability::Unavailable, message);
            Q_EMIT enableFinished(enabled, false, message);
            return;
        }
        setAvailability(Availability::Available);
        Q_EMIT enableFinished(enabled, true, {});
        refresh();
    });
}

void HelperClient::fetchSettings() {
    if (!bus_.isConnected()) {
        Q_EMIT settingsFailed(noBusMessage());
        return;
    }
    auto* w = new QDBusPendingCallWatcher(proxy_->GetSettings(), this);
    connect(w, &QDBusPendingCallWatcher::finished, this, [this](QDBusPendingCallWatcher* w) {
        w->deleteLater();
        QDBusPendingReply<QVariantMap> reply = *w;
        if (reply.isError()) {
            handleFailure(reply.error());
            Q_EMIT settingsFailed(describe(reply.error()));
            return;
        }
        Q_EMIT settingsReceived(plainSettingsMap(reply.value()));
    });
}

void HelperClient::applySettings(const QVariantMap& changes) {
    if (!bus_.isConnected()) {
        Q_EMIT settingsApplied(false, noBusMessage(), {});
        return;
    }
    QDBusMessage call = QDBusMessage::createMethodCall(bus::serviceName, bus::objectPath, bus::interfaceName,
                                                       QStringLiteral("SetSettings"));
    call << changes;
    call.setInteractiveAuthorizationAllowed(true);
    auto* w = new QDBusPendingCallWatcher(bus_.asyncCall(call, kChangeTimeoutMs), this);
    connect(w, &QDBusPendingCallWatcher::finished, this, [this](QDBusPendingCallWatcher* w) {
        w->deleteLater();
        QDBusPendingReply<> reply = *w;
        if (reply.isError()) {
            if (classify(reply.error()) == CallFailure::HelperUnavailable)
                setAvailability(Availability::Unavailable, describe(reply.error()));
            Q_EMIT settingsApplied(false, describe(reply.error()), settingErrors(reply.error()));
            return;
        }
        Q_EMIT settingsApplied(true, {}, {});
        refresh();
    });
}

void HelperClient::previewRules(const QVariantMap& changes) {
    if (!bus_.isConnected()) {
        Q_EMIT previewReceived(false, {}, noBusMessage(), {});
        return;
    }
    auto* w = new QDBusPendingCallWatcher(proxy_->PreviewRules(changes), this);
    connect(w, &QDBusPendingCallWatcher::finished, this, [this](QDBusPendingCallWatcher* w) {
        w->deleteLater();
        QDBusPendingReply<QString> reply = *w;
        if (reply.isError()) {
            Q_EMIT previewReceived(false, {}, describe(reply.error()), settingErrors(reply.error()));
            return;
        }
        Q_EMIT previewReceived(true, reply.value(), {}, {});
    });
}

void HelperClient::setMode(const QString& mode) {
    applySettings({{QStringLiteral("mode"), mode}});
}

void HelperClient::onPropertiesChanged(const QString& interface, const QVariantMap& changed,
                                       const QStringList&) {
    if (interface != bus::interfaceName)
        return;
    bool any = false;
    HelperStatus s = status_;
    if (changed.contains(QStringLiteral("Enabled"))) {
        s.enabled = changed.value(QStringLiteral("Enabled")).toBool();
        any = true;
    }
    if (changed.contains(QStringLiteral("Mode"))) {
        s.mode = changed.value(QStringLiteral("Mode")).toString();
        any = true;
    }
    if (changed.contains(QStringLiteral("Health"))) {
        s.health = changed.value(QStringLiteral("Health")).toString();
        any = true;
    }
    if (changed.contains(QStringLiteral("HealthReason"))) {
        s.healthReason = changed.value(QStringLiteral("HealthReason")).toString();
        any = true;
    }
    if (any && s != status_) {
        status_ = s;
        Q_EMIT statusChanged(status_);
    }
}

void HelperClient::handleFailure(const QDBusError& error) {
    switch (classify(error)) {
    case CallFailure::HelperUnavailable:
        setAvailability(Availability::Unavailable, describe(error));
        break;
    case CallFailure::NotAuthorized:
        setAvailability(Availability::NotAuthorized, describe(error));
        break;
    default:
        lastError_ = describe(error);
        break;
    }
}

void HelperClient::setAvailability(Availability a, const QString& error) {
    lastError_ = error;
    if (a == availability_)
        return;
    availability_ = a;
    Q_EMIT availabilityChanged(a);
}

} // namespace weir
