// HelperClient: the GUI's asynchronous view of weir-helper. It never blocks the event loop: every
// call is async and its result arrives as a signal. It polls the status while asked to, follows the
// Enabled property through PropertiesChanged, and, while subscribed, keeps a live connection table
// from ConnectionsChanged deltas (see DeltaSequence for the seq rules).
#pragma once

#include <QDBusConnection>
#include <QMap>
#include <QObject>
#include <QTimer>

#include "client/deltasequence.h"
#include "client/errors.h"
#include "interface/connectioninfo.h"
#include "interface/helperstatus.h"

class HelperProxy;
class QDBusMessage;
class QDBusPendingCallWatcher;
class QDBusServiceWatcher;

namespace weir {

class HelperClient : public QObject {
    Q_OBJECT
public:
    explicit HelperClient(const QDBusConnection& bus = QDBusConnection::systemBus(),
                          QObject* parent = nullptr);
    ~HelperClient() override; // unsubscribes

    enum class Availability { Unknown, Available, Unavailable, NotAuthorized };
    Q_ENUM(Availability)

    Availability availability() const { return availability_; }
    const HelperStatus& status() const { return status_; }
    // The user's sentence for the last failure (availability, a refused call); empty when none.
    QString lastError() const { return lastError_; }

    // Poll GetStatus every intervalMs (0 stops polling). Starts with one refresh.
    void setPollInterval(int intervalMs);
    int pollInterval() const { return pollTimer_.isActive() ? pollTimer_.interval() : 0; }

    // While true: Subscribe, then GetConnections (-> connectionsReset), then every ConnectionsChanged
    // in order (-> connectionsChanged); a missed signal fetches the table again. False: Unsubscribe.
    // A restarted helper is subscribed to again.
    void setSubscribed(bool subscribed);
    bool isSubscribed() const { return subscribed_; }
    const DeltaSequence& sequence() const { return sequence_; }

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
    // Fetch the table once more (e.g. after a pause); connectionsReset follows. Only while subscribed.
    void refetchConnections();
    // CloseConnections (Polkit may ask) -> connectionsClosed.
    void closeConnections(const QList<quint64>& ids);
    // ClearHistory (Polkit may ask) -> historyCleared.
    void clearHistory();
    // GetPermissions -> permissionsReceived (nothing on failure: the caller keeps what it had).
    void fetchPermissions();

Q_SIGNALS:
    void availabilityChanged(weir::HelperClient::Availability availability);
    void statusChanged(const weir::HelperStatus& status);
    // The whole table (after subscribing, after a gap, after refetchConnections()).
    void connectionsReset(const weir::ConnectionInfoList& connections);
    // One in-order ConnectionsChanged.
    void connectionsChanged(const weir::ConnectionsDelta& delta);
    // Result of setEnabled(); message is empty on success. remedy says what may help (e.g.
    // "Authenticate" after a refused password).
    void enableFinished(bool requested, bool ok, const QString& message,
                        weir::Remedy remedy = weir::Remedy::None);
    // Every key with the types of GetSettings, number lists as QList<uint> (see settingsvariant.h to
    // turn it into weir::Settings with applyValues()).
    void settingsReceived(const QVariantMap& settings);
    void settingsFailed(const QString& message);
    // Result of applySettings(). fieldErrors: key -> why, from io.github.weir.Error.InvalidSettings.
    void settingsApplied(bool ok, const QString& message, const QMap<QString, QString>& fieldErrors);
    void previewReceived(bool ok, const QString& text, const QString& message,
                         const QMap<QString, QString>& fieldErrors);
    // Result of closeConnections(): the ids that were open and are now reset.
    void connectionsClosed(bool ok, const QList<quint64>& closed, const QString& message);
    void historyCleared(bool ok, const QString& message);
    // action id -> "yes" | "auth" | "no" (bus::permission*).
    void permissionsReceived(const QMap<QString, QString>& permissions);

private Q_SLOTS:
    void onPropertiesChanged(const QString& interface, const QVariantMap& changed,
                             const QStringList& invalidated);
    void onConnectionsChanged(const QDBusMessage& message);

private:
    void setAvailability(Availability a, const QString& error = {});
    void handleFailure(const QDBusError& error);
    QString noBusMessage() const;
    // A method call on the helper's interface; interactive: Polkit may show a password dialog.
    QDBusPendingCallWatcher* call(const QString& method, const QVariantList& args, bool interactive);
    void subscribe();
    void fetchConnections();
    void unsubscribe();

    QDBusConnection bus_;
    HelperProxy* proxy_ = nullptr;
    QDBusServiceWatcher* ownerWatcher_ = nullptr;
    QTimer pollTimer_;
    Availability availability_ = Availability::Unknown;
    HelperStatus status_;
    QString lastError_;
    bool statusPending_ = false;
    bool subscribed_ = false;
    bool signalConnected_ = false;
    quint64 fetchGeneration_ = 0; // answers of older fetches are dropped
    DeltaSequence sequence_;
};

// The ConnectionsChanged arguments (t, aa{sv}, aa{sv}, at) as a delta; false when they are not that.
bool deltaFromMessage(const QDBusMessage& message, ConnectionsDelta* out);

} // namespace weir
