#include "service/helperservice.h"

#include <QDBusConnectionInterface>
#include <QDBusMessage>
#include <QHash>

#include <memory>

#include "helper1adaptor.h"
#include "interface/busnames.h"
#include "interface/helperstatus.h"
#include "service/engine.h"
#include "service/feedsubscribers.h"
#include "service/nftprobe.h"
#include "service/polkitauthorizer.h"
#include "service/settingsstore.h"

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
        {QStringLiteral("GetPermissions"), bus::noAction},
        {QStringLiteral("Subscribe"), bus::monitorAction},
        {QStringLiteral("Unsubscribe"), bus::noAction}, // only removes the caller
        {QStringLiteral("GetConnections"), bus::monitorAction},
        {QStringLiteral("CloseConnections"), bus::controlAction},
        {QStringLiteral("ClearHistory"), bus::controlAction},
    };
    return table;
}

// Health is checked this often while enabled (drift: another tool flushed a table).
constexpr int kHealthIntervalMs = 2000;
// CloseConnections takes at most this many ids in one call.
constexpr qsizetype kMaxCloseIds = 100'000;

QString invalidArgs() {
    return QStringLiteral("org.freedesktop.DBus.Error.InvalidArgs");
}

} // namespace

HelperService::HelperService(Engine* engine, SettingsStore* store, const QDBusConnection& bus,
                             QObject* parent)
    : QObject(parent)
    , engine_(engine)
    , store_(store)
    , bus_(bus)
    , authorizer_(new PolkitAuthorizer(bus, this))
    , settings_(engine, store)
    , announced_(current())
    , lastChoice_(store->directory())
    , subscribers_(new FeedSubscribers(
          bus, [engine] { return engine->connections(); }, this)) {
    registerBusTypes();
    new Helper1Adaptor(this);
    healthTimer_.setInterval(kHealthIntervalMs);
    connect(&healthTimer_, &QTimer::timeout, this, &HelperService::checkHealth);
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
    return QString::fromLatin1(toString(engine_->settings().mode));
}

QString HelperService::health() const {
    return current().health;
}

QString HelperService::healthReason() const {
    return current().healthReason;
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
    if (actionId == bus::noAction) {
        action(call);
        return;
    }
    authorizer_->check(call, actionId,
                       [this, call, actionId, action](AuthResult result, const QString& detail) {
                           if (result == AuthResult::Authorized)
                               action(call);
                           else
                               refuse(call, result, actionId, detail);
                       });
}

void HelperService::refuse(const QDBusMessage& call, AuthResult result, const QString& actionId,
                           const QString& detail) {
    switch (result) {
    case AuthResult::Authorized:
        return;
    case AuthResult::ChallengeRequired:
        // Polkit wants a password. Without the interactive flag the client may retry with it; with
        // it, no authentication agent answered for the caller (a named error: clients say what to do).
        if (!call.isInteractiveAuthorizationAllowed())
            bus_.send(call.createErrorReply(
                QStringLiteral("org.freedesktop.DBus.Error.InteractiveAuthorizationRequired"),
                QStringLiteral("%1 needs authentication (%2); retry with interactive authorization allowed")
                    .arg(call.member(), actionId)));
        else
            bus_.send(call.createErrorReply(
                bus::errorNoAuthenticationAgent,
                QStringLiteral("%1 needs authentication (%2) and no Polkit authentication agent answered")
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
            bus::errorAuthorityUnavailable,
            QStringLiteral("Polkit could not be asked, so %1 is refused: %2").arg(actionId, detail)));
        return;
    }
}

void HelperService::reply(const QDBusMessage& call, const std::optional<CallError>& error,
                          const QVariant& value) {
    if (error)
        bus_.send(call.createErrorReply(error->name, error->message));
    else
        bus_.send(value.isValid() ? call.createReply(value) : call.createReply());
}

void HelperService::Enable() {
    dispatch([this](const QDBusMessage& call) { changeEnabled(call, true); });
}

void HelperService::Disable() {
    dispatch([this](const QDBusMessage& call) { changeEnabled(call, false); });
}

void HelperService::changeEnabled(const QDBusMessage& call, bool enable) {
    std::string error;
    if (!(enable ? engine_->enable(&error) : engine_->disable(&error))) {
        lastError_ = QString::fromStdString(error);
        reply(call,
              CallError{bus::errorFailed,
                        QStringLiteral("cannot %1 interception: %2")
                            .arg(enable ? QStringLiteral("enable") : QStringLiteral("disable"), lastError_)});
        return;
    }
    lastError_.clear();
    rememberChoice(enable);
    reply(call, std::nullopt);
    checkHealth();
}

// The call succeeded whatever happens here; a choice that cannot be saved is a warning, because the
// next helper would then restore an older one.
void HelperService::rememberChoice(bool enabled) {
    std::string error;
    if (lastChoice_.write(enabled ? LastChoice::Enabled : LastChoice::Disabled, &error)) {
        lastChoiceWarning_.clear();
        return;
    }
    lastChoiceWarning_ =
        QStringLiteral("your choice to turn interception %1 could not be saved, so the helper "
                       "may not start the same way next time: %2")
            .arg(enabled ? QStringLiteral("on") : QStringLiteral("off"), QString::fromStdString(error));
    qWarning("weir-helper: %s", qPrintable(lastChoiceWarning_));
}

void HelperService::restoreAtStart() {
    restore_ = restoreLastChoice(*engine_, lastChoice_, engine_->settings().restoreEnabled);
    announced_ = current(); // nobody listens yet: the first PropertiesChanged is for a later change
    if (engine_->isEnabled())
        healthTimer_.start();
}

QVariantMap HelperService::GetStatus() {
    dispatch([this](const QDBusMessage& call) { reply(call, std::nullopt, statusMap()); });
    return {};
}

QList<QVariantMap> HelperService::ListConnections() {
    dispatch([this](const QDBusMessage& call) {
        reply(call, std::nullopt, QVariant::fromValue(connectionMaps()));
    });
    return {};
}

QMap<QString, QString> HelperService::GetPermissions() {
    dispatch([this](const QDBusMessage& call) {
        static const QStringList actions{bus::monitorAction, bus::controlAction};
        auto answers = std::make_shared<QMap<QString, QString>>();
        for (const QString& actionId : actions) {
            authorizer_->check(
                call, actionId,
                [this, call, actionId, answers](AuthResult result, const QString&) {
                    answers->insert(actionId, result == AuthResult::Authorized          ? bus::permissionYes
                                              : result == AuthResult::ChallengeRequired ? bus::permissionAuth
                                                                                        : bus::permissionNo);
                    if (answers->size() == actions.size())
                        reply(call, std::nullopt, QVariant::fromValue(*answers));
                },
                PolkitAuthorizer::Interaction::Never);
        }
    });
    return {};
}

QVariantMap HelperService::GetSettings() {
    dispatch([this](const QDBusMessage& call) { reply(call, std::nullopt, settings_.get()); });
    return {};
}

void HelperService::SetSettings(const QVariantMap& changes) {
    dispatch([this, changes](const QDBusMessage& call) {
        const auto error = settings_.set(changes);
        if (error && error->name == bus::errorFailed)
            lastError_ = error->message;
        reply(call, error);
        if (!error)
            checkHealth(); // new settings, new plan: announce Mode and a fresh Health
    });
}

QString HelperService::PreviewRules(const QVariantMap& changes) {
    dispatch([this, changes](const QDBusMessage& call) {
        std::optional<CallError> error;
        const QString text = settings_.preview(changes, &error);
        reply(call, error, text);
    });
    return {};
}

void HelperService::shutdown() {
    std::string error;
    if (!engine_->disable(&error))
        qWarning("weir-helper: cannot remove the interception rules: %s", error.c_str());
    checkHealth();
}

void HelperService::checkHealth() {
    if (engine_->isEnabled())
        engine_->checkHealth();
    if (engine_->isEnabled() != healthTimer_.isActive()) {
        if (engine_->isEnabled())
            healthTimer_.start();
        else
            healthTimer_.stop();
    }
    announceChanges();
}

// Degraded when what was installed drifted, or when the upstream fails (connections through it are
// being refused): both reasons are given when both hold. Polled by the 2 s health timer.
HelperService::Announced HelperService::current() const {
    const bool on = engine_->isEnabled();
    // While disabled nothing is installed, so nothing can have drifted.
    QStringList reasons;
    if (on && !engine_->health().ok)
        reasons.append(QString::fromStdString(engine_->health().reason));
    const core::UpstreamHealth upstream = engine_->upstreamHealth();
    if (on && upstream.failing)
        reasons.append(QStringLiteral("upstream failing: ") + QString::fromStdString(upstream.reason));
    return {on, mode(), reasons.isEmpty() ? QStringLiteral("ok") : QStringLiteral("degraded"),
            reasons.join(QStringLiteral("; "))};
}

void HelperService::announceChanges() {
    const Announced now = current();
    if (now == announced_)
        return;
    QVariantMap changed;
    if (now.enabled != announced_.enabled)
        changed.insert(QStringLiteral("Enabled"), now.enabled);
    if (now.mode != announced_.mode)
        changed.insert(QStringLiteral("Mode"), now.mode);
    if (now.health != announced_.health)
        changed.insert(QStringLiteral("Health"), now.health);
    if (now.healthReason != announced_.healthReason)
        changed.insert(QStringLiteral("HealthReason"), now.healthReason);
    announced_ = now;
    // PropertiesChanged carries only public state, never connection data.
    QDBusMessage signal =
        QDBusMessage::createSignal(bus::objectPath, QStringLiteral("org.freedesktop.DBus.Properties"),
                                   QStringLiteral("PropertiesChanged"));
    signal << bus::interfaceName << changed << QStringList();
    bus_.send(signal);
}

QStringList HelperService::warnings() const {
    QStringList list;
    if (!store_->warning().empty())
        list.append(QString::fromStdString(store_->warning()));
    if (!lastChoiceWarning_.isEmpty())
        list.append(lastChoiceWarning_);
    // Health is ok again after a repair, but another tool keeps removing the rules: say so.
    if (!engine_->lastReapply().empty())
        list.append(QStringLiteral("another tool changed what Weir installed; it was re-applied (last: %1)")
                        .arg(QString::fromStdString(engine_->lastReapply())));
    std::string error;
    if (const auto chains = listNftChainsAtWeirHooks(&error)) {
        const std::string warning = nftCoexistenceWarning(*chains, engine_->backendName());
        if (!warning.empty())
            list.append(QString::fromStdString(warning));
    }
    // A failed probe is no warning: without nf_tables there is nothing to coexist with.
    return list;
}

QVariantMap HelperService::statusMap() const {
    const Announced now = current();
    HelperStatus s;
    s.enabled = now.enabled;
    s.mode = now.mode;
    s.proxyPort = engine_->settings().proxyPort;
    s.scope = QString::fromLatin1(toString(engine_->settings().scope));
    s.health = now.health;
    s.healthReason = now.healthReason;
    s.warnings = warnings();
    s.backend = QString::fromStdString(engine_->backendName());
    // describe(): kind, host and port, never the credentials.
    s.upstream = QString::fromStdString(engine_->settings().upstream.describe());
    const core::UpstreamHealth upstream = engine_->upstreamHealth();
    s.upstreamFailing = upstream.failing;
    s.upstreamReason = QString::fromStdString(upstream.reason);
    s.version = QStringLiteral(WEIR_VERSION);
    s.lastError = lastError_;
    s.restore = QString::fromLatin1(restore_.stateName());
    s.restoreError = QString::fromStdString(restore_.error);
    // Counted by the table itself: no copy of it.
    const auto counts = engine_->connectionCounts();
    s.totalConnections = static_cast<decltype(s.totalConnections)>(counts.total);
    s.activeConnections = static_cast<decltype(s.activeConnections)>(counts.open);
    QVariantMap map = s.toVariantMap();
    map.insert(QStringLiteral("subscribers"), static_cast<uint>(subscribers_->count()));
    return map;
}

QList<QVariantMap> HelperService::connectionMaps() {
    // Rates from the feed's samples (this call is one more); durations as of now.
    const ConnectionInfoList rows = subscribers_->rows();
    QList<QVariantMap> list;
    list.reserve(rows.size());
    for (const ConnectionInfo& c : rows)
        list.append(c.toVariantMap());
    return list;
}

void HelperService::Subscribe() {
    dispatch([this](const QDBusMessage& call) {
        subscribers_->subscribe(call.service());
        reply(call, std::nullopt);
    });
}

void HelperService::Unsubscribe() {
    dispatch([this](const QDBusMessage& call) {
        subscribers_->unsubscribe(call.service());
        reply(call, std::nullopt);
    });
}

qulonglong HelperService::GetConnections(QList<QVariantMap>&) {
    dispatch([this](const QDBusMessage& call) {
        // Whatever changed since the last signal goes out first, so the answer is the table at seq.
        ConnectionInfoList table;
        const quint64 seq = subscribers_->snapshot(&table);
        QList<QVariantMap> rows;
        rows.reserve(table.size());
        for (const ConnectionInfo& c : table)
            rows.append(c.toVariantMap());
        bus_.send(
            call.createReply(QVariantList{QVariant::fromValue<qulonglong>(seq), QVariant::fromValue(rows)}));
    });
    return 0;
}

QList<qulonglong> HelperService::CloseConnections(const QList<qulonglong>& ids) {
    dispatch([this, ids](const QDBusMessage& call) {
        if (ids.isEmpty()) {
            reply(call, CallError{invalidArgs(), QStringLiteral("CloseConnections: no connection id given")});
            return;
        }
        if (ids.size() > kMaxCloseIds) {
            reply(call, CallError{invalidArgs(), QStringLiteral("CloseConnections: %1 ids given, at most %2 "
                                                                "are taken in one call")
                                                     .arg(ids.size())
                                                     .arg(kMaxCloseIds)});
            return;
        }
        const std::vector<std::uint64_t> closed =
            engine_->closeConnections(std::vector<std::uint64_t>(ids.cbegin(), ids.cend()));
        reply(call, std::nullopt, QVariant::fromValue(QList<qulonglong>(closed.cbegin(), closed.cend())));
    });
    return {};
}

void HelperService::ClearHistory() {
    dispatch([this](const QDBusMessage& call) {
        engine_->clearHistory();
        reply(call, std::nullopt);
        subscribers_->publish(); // the removed rows go out now, not at the next tick
    });
}

} // namespace weir::service
