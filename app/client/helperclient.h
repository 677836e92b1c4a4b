// HelperClient: the GUI's asynchronous view of weir-helper. It never blocks the event loop: every
// call is async and its result arrives as a signal. It polls status and connections while asked to
// and follows the Enabled property through PropertiesChanged.
#pragma once

#include <QDBusConnection>
#include <QObject>
#include <QTimer>

#include "client/errors.h"
#include "interface/connectioninfo.h"
#include "interface/helperstatus.h"

class HelperProxy;
class QDBusPendingCallWatcher;

namespace weir {

class HelperClient : public QObject {
    Q_OBJECT
public:
    explicit HelperClient(const QDBusConnection& bus = QDBusConnection::systemBus(),
                          QObject* parent = nullptr);
    ~HelperClient() override;

    enum class Availability { Unknown, Available, Unavailable, NotAuthorized };
    Q_ENUM(Availability)

    Availability availability() const { return availability_; }
    const HelperStatus& status() const { return status_; }
    QString lastError() const { return lastError_; }

    // Poll GetStatus and ListConnections every intervalMs (0 stops polling). Starts with one refresh.
    void setPollInterval(int intervalMs);
    int pollInterval() const { return pollTimer_.isActive() ? pollTimer_.interval() : 0; }

public Q_SLOTS:
    void refresh();
    // Enable or Disable; Polkit may ask the user, so the call allows interactive authorization and waits
    // long.
    void setEnabled(bool enabled);
    // Settings (see GetSettings in the interface XML for keys and types). Results arrive as signals.
    void fetchSettings();
    // SetSettings with the given keys; Polkit may ask, so it allows interactive authorization.
    // Values as settingsReceived gives them: bool, QString, QStringList for lists, QList<uint> for
    // number lists, any non-negative integer type for numbers. QVariantList (av) is refused.
    void applySettings(const QVariantMap& changes);
    // PreviewRules for the current settings with these keys changed; touches nothing.
    void previewRules(const QVariantMap& changes);
    // Shortcut for applySettings({mode}); the tray's mode switch.
    void setMode(const QString& mode);

Q_SIGNALS:
    void availabilityChanged(weir::HelperClient::Availability availability);
    void statusChanged(const weir::HelperStatus& status);
    void connectionsReceived(const weir::ConnectionInfoList& connections);
    // Result of setEnabled(); message is empty on success.
    void enableFinished(bool requested, bool ok, const QString& message);
    // Every key with the types of GetSettings, number lists as QList<uint> (see settingsvariant.h to
    // turn it into weir::Settings with applyValues()).
    void settingsReceived(const QVariantMap& settings);
    void settingsFailed(const QString& message);
    // Result of applySettings(). fieldErrors: key -> why, from io.github.weir.Error.InvalidSettings.
    void settingsApplied(bool ok, const QString& message, const QMap<QString, QString>& fieldErrors);
    void previewReceived(bool ok, const QString& text, const QString& message,
                         const QMap<QString, QString>& fieldErrors);

private Q_SLOTS:
    void onPropertiesChanged(const QString& interface, const QVariantMap& changed,
                             const QStringList& invalidated);

private:
    void setAvailability(Availability a, const QString& error = {});
    void handleFailure(const QDBusError& error);
    QString noBusMessage() const;

    QDBusConnection bus_;
    HelperProxy* proxy_ = nullptr;
    QTimer pollTimer_;
    Availability availability_ = Availability::Unknown;
    HelperStatus status_;
    QString lastError_;
    bool statusPending_ = false;
    bool connectionsPending_ = false;
};

} // namespace weir
