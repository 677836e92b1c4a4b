// AppController: ties the tray, the Connections window, the Settings dialog and the HelperClient
// together.
//
// The connection table: subscribed to the helper's feed while the window is visible (and not
// minimized), not at all otherwise. Status: polled every 2 s while the window is visible (changes
// also arrive as PropertiesChanged), every 5 s while only the tray shows it, not at all when neither
// is shown.
//
// A failed request is reported once: in the window's banner (with Retry or Authenticate) when the
// window is visible, else as one tray balloon (the window keeps the words, with the button, for when
// the balloon is clicked). Without a system tray the window is the application: it is
// shown at start and closing it quits. Interception is never switched on here unless the user asks.
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
    static constexpr int kWindowPollMs = 2000;
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
    void onEnableFinished(bool requested, bool ok, const QString& message, Remedy remedy);
    // Says it in the window when the window is visible, else in one balloon.
    void report(const QString& title, const QString& message, const QString& actionText, bool warning);
    void retry();
    bool windowShown() const;
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
    // The last request that failed, for the banner's Retry / Authenticate.
    enum class Request { None, Enable, Disable, Mode };
    Request failed_ = Request::None;
    QString failedMode_;
};

} // namespace weir
