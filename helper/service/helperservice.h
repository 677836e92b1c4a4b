// HelperService: the object behind io.github.weir.Helper1. Every method goes through one dispatcher
// that looks the method up in a table of Polkit actions (a method without an entry cannot run),
// authorizes asynchronously with a delayed reply, and only then validates the arguments and acts.
// The public properties (Enabled, Mode, Health, HealthReason) are announced with one
// PropertiesChanged whenever any of them differs from what was last announced.
// The live connection feed (Subscribe, GetConnections, the targeted ConnectionsChanged) is
// FeedSubscribers'. This class declares no Qt signal of that name on purpose: the adaptor would
// relay it as a broadcast.
// Single-threaded (the Qt main thread): actions run one at a time, each against the state of the
// moment it runs, not of the moment it was called.
#pragma once

#include <QDBusConnection>
#include <QDBusContext>
#include <QObject>
#include <QTimer>
#include <QVariantMap>

#include <functional>

#include "interface/connectioninfo.h"
#include "service/lastchoice.h"
#include "service/settingsapi.h"

namespace weir::service {

class Engine;
class FeedSubscribers;
enum class AuthResult;
class PolkitAuthorizer;
class SettingsStore;

class HelperService : public QObject, protected QDBusContext {
    Q_OBJECT
    Q_PROPERTY(bool Enabled READ enabled)
    Q_PROPERTY(QString Mode READ mode)
    Q_PROPERTY(QString Health READ health)
    Q_PROPERTY(QString HealthReason READ healthReason)
public:
    HelperService(Engine* engine, SettingsStore* store, const QDBusConnection& bus,
                  QObject* parent = nullptr);
    ~HelperService() override;

    bool enabled() const;
    QString mode() const;
    QString health() const;
    QString healthReason() const;

    // Registers the object and the adaptor at the fixed path; false with *error when it cannot.
    bool registerOn(QDBusConnection bus, QString* error);

    // Turns interception off (used on SIGTERM); announces the change. The last choice stays: a
    // helper that stops is not a user who turned interception off.
    void shutdown();

    // At start, before serving: turns interception back on when restore_enabled and the user's last
    // choice was Enable (see lastchoice.h). GetStatus reports the outcome for this helper's life.
    void restoreAtStart();

public Q_SLOTS: // D-Bus methods; replies are delayed until Polkit answers.
    void Enable();
    void Disable();
    QVariantMap GetStatus();
    QList<QVariantMap> ListConnections();
    QVariantMap GetSettings();
    void SetSettings(const QVariantMap& changes);
    QString PreviewRules(const QVariantMap& changes);
    QMap<QString, QString> GetPermissions();
    void Subscribe();
    void Unsubscribe();
    qulonglong GetConnections(QList<QVariantMap>& rows);
    QList<qulonglong> CloseConnections(const QList<qulonglong>& ids);
    void ClearHistory();

private:
    using Action = std::function<void(const QDBusMessage& call)>;
    void dispatch(Action action);
    void refuse(const QDBusMessage& call, AuthResult result, const QString& actionId, const QString& detail);
    void changeEnabled(const QDBusMessage& call, bool enable);
    void reply(const QDBusMessage& call, const std::optional<CallError>& error, const QVariant& value = {});
    void checkHealth();
    void announceChanges();
    QStringList warnings() const;
    QVariantMap statusMap() const;
    void rememberChoice(bool enabled);
    QList<QVariantMap> connectionMaps();

    // What the last PropertiesChanged said (or the start state).
    struct Announced {
        bool enabled = false;
        QString mode;
        QString health;
        QString healthReason;
        bool operator==(const Announced&) const = default;
    };
    Announced current() const;

    Engine* engine_;
    SettingsStore* store_;
    QDBusConnection bus_;
    PolkitAuthorizer* authorizer_;
    SettingsApi settings_;
    QTimer healthTimer_;
    Announced announced_;
    QString lastError_;
    LastChoiceFile lastChoice_;
    RestoreOutcome restore_;
    QString lastChoiceWarning_; // the last choice could not be saved
    FeedSubscribers* subscribers_;
};

} // namespace weir::service
