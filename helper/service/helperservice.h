// HelperService: the object behind io.github.weir.Helper1. Every method goes through one dispatcher
// that looks the method up in a table of Polkit actions (a method without an entry cannot run),
// validates, authorizes asynchronously with a delayed reply, and only then acts.
#pragma once

#include <QDBusConnection>
#include <QDBusContext>
#include <QObject>
#include <QVariantMap>

#include <functional>

#include "interface/connectioninfo.h"

namespace weir::service {

class Engine;
class PolkitAuthorizer;

class HelperService : public QObject, protected QDBusContext {
    Q_OBJECT
    Q_PROPERTY(bool Enabled READ enabled)
    Q_PROPERTY(QString Mode READ mode)
    Q_PROPERTY(QString Health READ health)
    Q_PROPERTY(QString HealthReason READ healthReason)
public:
    HelperService(Engine* engine, const QDBusConnection& bus, QObject* parent = nullptr);
    ~HelperService() override;

    bool enabled() const;
    QString mode() const;
    QString health() const;
    QString healthReason() const;

    // Registers the object and the adaptor at the fixed path; false with *error when it cannot.
    bool registerOn(QDBusConnection bus, QString* error);

    // Turns interception off (used on SIGTERM); announces the change.
    void shutdown();

public Q_SLOTS: // D-Bus methods; replies are delayed until Polkit answers.
    void Enable();
    void Disable();
    QVariantMap GetStatus();
    QList<QVariantMap> ListConnections();
    QVariantMap GetSettings();
    void SetSettings(const QVariantMap& changes);
    QString PreviewRules(const QVariantMap& changes);

private:
    using Action = std::function<void(const QDBusMessage& call)>;
    void dispatch(Action action);
    void changeEnabled(const QDBusMessage& call, bool enable);
    void setEnabledState(bool wasEnabled);
    QVariantMap statusMap() const;
    QList<QVariantMap> connectionMaps() const;

    Engine* engine_;
    QDBusConnection bus_;
    PolkitAuthorizer* authorizer_;
    QString lastError_;
};

} // namespace weir::service
