#include "client/helperclient.h"

#include <QDBusArgument>
#include <QDBusMessage>
#include <QDBusMetaType>
#include <QDBusPendingCallWatcher>
#include <QDBusPendingReply>
#include <QDBusServiceWatcher>

#include "helper1proxy.h"
#include "interface/busnames.h"
#include "interface/settingsvariant.h"

namespace weir {

namespace {
constexpr int kReadTimeoutMs = 10'000;
// Enable/Disable may wait for a Polkit password dialog; the D-Bus default (25 s) is too short.
constexpr int kChangeTimeoutMs = 180'000;
const QString kConnectionsChanged = QStringLiteral("ConnectionsChanged");

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
    // A helper that (re)starts knows no subscriber: subscribe to the new one.
    ownerWatcher_ =
        new QDBusServiceWatcher(bus::serviceName, bus_, QDBusServiceWatcher::WatchForOwnerChange, this);
    connect(ownerWatcher_, &QDBusServiceWatcher::serviceOwnerChanged, this,
            [this](const QString&, const QString&, const QString& newOwner) {
                sequence_.stop();
                if (subscribed_ && !newOwner.isEmpty())
                    subscribe();
            });
}

HelperClient::~HelperClient() {
    if (subscribed_)
        unsubscribe();
}

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
    return describe(QDBusError(QDBusError::Disconnected, bus_.lastError().message()));
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
}

void HelperClient::setEnabled(bool enabled) {
    if (!bus_.isConnected()) {
        setAvailability(Availability::Unavailable, noBusMessage());
        Q_EMIT enableFinished(enabled, false, noBusMessage(), Remedy::CheckAgain);
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
            Q_EMIT enableFinished(enabled, false, message, remedyFor(reply.error()));
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
    if (a != Availability::Available)
        sequence_.stop();
    else if (subscribed_ && !sequence_.isLive() && !sequence_.isFetching())
        subscribe();
    Q_EMIT availabilityChanged(a);
}

QDBusPendingCallWatcher* HelperClient::call(const QString& method, const QVariantList& args,
                                            bool interactive) {
    QDBusMessage message =
        QDBusMessage::createMethodCall(bus::serviceName, bus::objectPath, bus::interfaceName, method);
    message.setArguments(args);
    message.setInteractiveAuthorizationAllowed(interactive);
    return new QDBusPendingCallWatcher(
        bus_.asyncCall(message, interactive ? kChangeTimeoutMs : kReadTimeoutMs), this);
}

void HelperClient::setSubscribed(bool subscribed) {
    if (subscribed == subscribed_)
        return;
    subscribed_ = subscribed;
    if (subscribed)
        subscribe();
    else
        unsubscribe();
}

void HelperClient::subscribe() {
    if (!bus_.isConnected()) {
        setAvailability(Availability::Unavailable, noBusMessage());
        return;
    }
    // Listen before subscribing so no signal falls between the two. Only the helper's own signals:
    // QtDBus matches the sender against the current owner of the well-known name.
    if (!signalConnected_)
        signalConnected_ = bus_.connect(bus::serviceName, bus::objectPath, bus::interfaceName,
                                        kConnectionsChanged, this, SLOT(onConnectionsChanged(QDBusMessage)));
    sequence_.startFetch(); // nothing is applied until the table arrives
    auto* w = call(QStringLiteral("Subscribe"), {}, false);
    connect(w, &QDBusPendingCallWatcher::finished, this, [this](QDBusPendingCallWatcher* w) {
        w->deleteLater();
        QDBusPendingReply<> reply = *w;
        if (!subscribed_)
            return;
        if (reply.isError()) {
            sequence_.stop();
            handleFailure(reply.error());
            return;
        }
        fetchConnections();
    });
}

void HelperClient::refetchConnections() {
    if (subscribed_ && sequence_.isLive())
        fetchConnections();
}

void HelperClient::fetchConnections() {
    sequence_.startFetch();
    const quint64 generation = ++fetchGeneration_;
    auto* w = call(QStringLiteral("GetConnections"), {}, false);
    connect(w, &QDBusPendingCallWatcher::finished, this, [this, generation](QDBusPendingCallWatcher* w) {
        w->deleteLater();
        if (!subscribed_ || generation != fetchGeneration_)
            return; // unsubscribed meanwhile, or a newer fetch is running
        QDBusPendingReply<qulonglong, QList<QVariantMap>> reply = *w;
        if (reply.isError()) {
            sequence_.stop();
            handleFailure(reply.error());
            return;
        }
        setAvailability(Availability::Available);
        sequence_.fetched(reply.argumentAt<0>());
        Q_EMIT connectionsReset(connectionsFromVariantMaps(reply.argumentAt<1>()));
    });
}

void HelperClient::unsubscribe() {
    sequence_.stop();
    ++fetchGeneration_;
    if (signalConnected_) {
        bus_.disconnect(bus::serviceName, bus::objectPath, bus::interfaceName, kConnectionsChanged, this,
                        SLOT(onConnectionsChanged(QDBusMessage)));
        signalConnected_ = false;
    }
    if (bus_.isConnected()) // no answer wanted: it may run from the destructor
        bus_.send(QDBusMessage::createMethodCall(bus::serviceName, bus::objectPath, bus::interfaceName,
                                                 QStringLiteral("Unsubscribe")));
}

void HelperClient::onConnectionsChanged(const QDBusMessage& message) {
    ConnectionsDelta delta;
    if (!subscribed_ || !deltaFromMessage(message, &delta))
        return;
    switch (sequence_.onSignal(delta.seq)) {
    case DeltaSequence::Verdict::Apply:
        Q_EMIT connectionsChanged(delta);
        break;
    case DeltaSequence::Verdict::Ignore:
        break;
    case DeltaSequence::Verdict::Refetch:
        fetchConnections();
        break;
    }
}

void HelperClient::closeConnections(const QList<quint64>& ids) {
    if (!bus_.isConnected()) {
        Q_EMIT connectionsClosed(false, {}, noBusMessage());
        return;
    }
    QList<qulonglong> list(ids.begin(), ids.end());
    auto* w = call(QStringLiteral("CloseConnections"), {QVariant::fromValue(list)}, true);
    connect(w, &QDBusPendingCallWatcher::finished, this, [this](QDBusPendingCallWatcher* w) {
        w->deleteLater();
        QDBusPendingReply<QList<qulonglong>> reply = *w;
        if (reply.isError()) {
            if (classify(reply.error()) == CallFailure::HelperUnavailable)
                setAvailability(Availability::Unavailable, describe(reply.error()));
            Q_EMIT connectionsClosed(false, {}, describe(reply.error()));
            return;
        }
        const QList<qulonglong> closed = reply.value();
        Q_EMIT connectionsClosed(true, QList<quint64>(closed.begin(), closed.end()), {});
    });
}

void HelperClient::clearHistory() {
    if (!bus_.isConnected()) {
        Q_EMIT historyCleared(false, noBusMessage());
        return;
    }
    auto* w = call(QStringLiteral("ClearHistory"), {}, true);
    connect(w, &QDBusPendingCallWatcher::finished, this, [this](QDBusPendingCallWatcher* w) {
        w->deleteLater();
        QDBusPendingReply<> reply = *w;
        if (reply.isError()) {
            if (classify(reply.error()) == CallFailure::HelperUnavailable)
                setAvailability(Availability::Unavailable, describe(reply.error()));
            Q_EMIT historyCleared(false, describe(reply.error()));
            return;
        }
        Q_EMIT historyCleared(true, {});
    });
}

void HelperClient::fetchPermissions() {
    if (!bus_.isConnected())
        return;
    auto* w = call(QStringLiteral("GetPermissions"), {}, false);
    connect(w, &QDBusPendingCallWatcher::finished, this, [this](QDBusPendingCallWatcher* w) {
        w->deleteLater();
        QDBusPendingReply<QMap<QString, QString>> reply = *w;
        if (reply.isError()) {
            handleFailure(reply.error());
            return;
        }
        Q_EMIT permissionsReceived(reply.value());
    });
}

namespace {
// A received argument is a QDBusArgument to check by its signature; one made in this process (tests)
// is the value itself.
bool hasType(const QVariant& value, const char* signature, QMetaType type) {
    if (value.metaType() == QMetaType::fromType<QDBusArgument>())
        return value.value<QDBusArgument>().currentSignature() == QLatin1String(signature);
    return value.metaType() == type;
}
} // namespace

bool deltaFromMessage(const QDBusMessage& message, ConnectionsDelta* out) {
    const QVariantList args = message.arguments();
    if (args.size() != 4 || args.at(0).metaType() != QMetaType::fromType<qulonglong>() ||
        !hasType(args.at(1), "aa{sv}", QMetaType::fromType<QList<QVariantMap>>()) ||
        !hasType(args.at(2), "aa{sv}", QMetaType::fromType<QList<QVariantMap>>()) ||
        !hasType(args.at(3), "at", QMetaType::fromType<QList<qulonglong>>()))
        return false;
    out->seq = args.at(0).toULongLong();
    out->added = connectionsFromVariantMaps(qdbus_cast<QList<QVariantMap>>(args.at(1)));
    out->updated = qdbus_cast<QList<QVariantMap>>(args.at(2));
    const QList<qulonglong> removed = qdbus_cast<QList<qulonglong>>(args.at(3));
    out->removed = QList<quint64>(removed.begin(), removed.end());
    return true;
}

} // namespace weir
