// AppController: ties the tray, the Connections window, the Settings dialog and the HelperClient
// together.
//
// Polling: every second while the window is visible; every 5 s while only the tray shows the state;
// not at all when neither is shown. Without a system tray the window is the application: it is shown
// at start and closing it quits. Interception is never switched on here unless the user asks.
#pragma once

#include <QObject>

#include <memory>

#include "client/helperclient.h"

namespace weir {

class ConnectionsWindow;
class SettingsDialog;
class TrayController;

class AppController : public QObject {
    Q_OBJECT
public:
    static constexpr int kWindowPollMs = 1000;
    static constexpr int kTrayPollMs = 5000;

    explicit AppController(HelperClient* client, QObject* parent = nullptr);
    ~AppController() override;

    // Shows the tray icon (or, without a tray, the window) and starts polling.
    void start(bool showConnections);

    ConnectionsWindow* window() const { return window_.get(); }
    TrayController* tray() const { return tray_; }                     // null without a system tray
    SettingsDialog* settingsDialog() const { return settings_.get(); } // null until first shown

public Q_SLOTS:
    void showWindow();
    void toggleWindow();
    void requestEnabled(bool enable);
    void requestMode(const QString& mode);
    void showSettings();

private:
    void updatePolling();
    void onEnableFinished(bool requested, bool ok, const QString& message);
    void onSettingsApplied(bool ok, const QString& message);
    void onAvailabilityChanged(HelperClient::Availability availability);
    void setBusy(bool busy);

    HelperClient* client_;
    std::unique_ptr<ConnectionsWindow> window_;
    std::unique_ptr<SettingsDialog> settings_;
    TrayController* tray_ = nullptr;
    HelperClient::Availability lastAvailability_ = HelperClient::Availability::Unknown;
    bool busy_ = false;
    bool modePending_ = false; // the tray's setMode is waiting; its settingsApplied is ours
};

} // namespace weir
