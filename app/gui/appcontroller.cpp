#include "gui/appcontroller.h"

#include <QApplication>

#include "gui/connectionswindow.h"
#include "gui/settings/settingsdialog.h"
#include "gui/traycontroller.h"

namespace weir {

AppController::AppController(HelperClient* client, QObject* parent)
    : QObject(parent)
    , client_(client)
    , window_(std::make_unique<ConnectionsWindow>(client)) {
    if (TrayController::isSystemTrayAvailable()) {
        tray_ = new TrayController(client_, this);
        connect(tray_, &TrayController::enableRequested, this, &AppController::requestEnabled);
        connect(tray_, &TrayController::modeRequested, this, &AppController::requestMode);
        connect(tray_, &TrayController::settingsRequested, this, &AppController::showSettings);
        connect(tray_, &TrayController::toggleWindowRequested, this, &AppController::toggleWindow);
        connect(tray_, &TrayController::showWindowRequested, this, &AppController::showWindow);
        connect(tray_, &TrayController::quitRequested, qApp, &QCoreApplication::quit, Qt::QueuedConnection);
        connect(tray_, &TrayController::messageClicked, this, &AppController::showWindow);
    }
    connect(window_.get(), &ConnectionsWindow::enableRequested, this, &AppController::requestEnabled);
    connect(window_.get(), &ConnectionsWindow::settingsRequested, this, &AppController::showSettings);
    connect(window_.get(), &ConnectionsWindow::visibilityChanged, this, &AppController::updatePolling);
    connect(window_.get(), &ConnectionsWindow::retryRequested, this, &AppController::retry);
    connect(client_, &HelperClient::enableFinished, this, &AppController::onEnableFinished);
    connect(client_, &HelperClient::settingsApplied, this,
            [this](bool ok, const QString& message) { onSettingsApplied(ok, message); });
    connect(client_, &HelperClient::availabilityChanged, this, &AppController::onAvailabilityChanged);
}

AppController::~AppController() = default;

void AppController::start(bool showConnections) {
    // With a tray the app lives in the tray; without one the window is all there is.
    QApplication::setQuitOnLastWindowClosed(tray_ == nullptr);
    if (tray_)
        tray_->show();
    if (showConnections || !tray_)
        showWindow();
    updatePolling();
}

void AppController::showWindow() {
    window_->show();
    window_->setWindowState((window_->windowState() & ~Qt::WindowMinimized) | Qt::WindowActive);
    window_->raise();
    window_->activateWindow();
}

void AppController::toggleWindow() {
    if (window_->isVisible() && !window_->isMinimized())
        window_->hide();
    else
        showWindow();
}

void AppController::requestEnabled(bool enable) {
    if (busy_)
        return;
    setBusy(true);
    failed_ = Request::None;
    window_->showError({});
    client_->setEnabled(enable);
}

void AppController::requestMode(const QString& mode) {
    if (busy_)
        return;
    setBusy(true);
    failed_ = Request::None;
    failedMode_ = mode;
    modePending_ = true;
    window_->showError({});
    client_->setMode(mode);
}

void AppController::onSettingsApplied(bool ok, const QString& message) {
    if (!modePending_)
        return; // the Settings dialog's Apply; the dialog shows its result
    modePending_ = false;
    setBusy(false);
    if (ok)
        return;
    failed_ = Request::Mode;
    report(tr("Could not switch the mode"), message, tr("Retry"), true);
}

void AppController::showSettings() {
    if (!settings_) {
        settings_ = std::make_unique<SettingsDialog>(client_);
        connect(settings_.get(), &SettingsDialog::busyChanged, this, &AppController::setBusy);
    }
    if (!settings_->isVisible())
        settings_->refresh(); // what the helper has now, not what was left in the dialog last time
    settings_->show();
    settings_->raise();
    settings_->activateWindow();
}

void AppController::onEnableFinished(bool requested, bool ok, const QString& message, Remedy remedy) {
    const bool hadConnections = client_->status().activeConnections > 0;
    setBusy(false);
    if (ok) {
        // Disable resets the connections Weir relayed (without the rules they could not go on): say
        // so, or the resets look like a failure of the programs that had them.
        if (!requested && hadConnections)
            report(tr("Interception is off"),
                   tr("New connections go out directly. The connections Weir was relaying were closed; "
                      "programs connect again on their own, directly."),
                   {}, false);
        return;
    }
    failed_ = requested ? Request::Enable : Request::Disable;
    const QString title =
        requested ? tr("Could not enable interception") : tr("Could not disable interception");
    const QString action = remedy == Remedy::Authenticate ? tr("Authenticate")
                           : remedy == Remedy::CheckAgain ? tr("Check again")
                                                          : tr("Retry");
    report(title, message, action, true);
}

bool AppController::windowShown() const {
    return window_->isVisible() && !window_->isMinimized();
}

void AppController::report(const QString& title, const QString& message, const QString& actionText,
                           bool warning) {
    if (windowShown() || !tray_) {
        const QString text = title + QStringLiteral(": ") + message;
        if (warning)
            window_->showError(text, actionText);
        else
            window_->showNotice(text);
        return;
    }
    tray_->notify(title, message, warning);
    // One balloon, no buttons: clicking it opens the window, where the same words wait with the button.
    if (warning)
        window_->showError(title + QStringLiteral(": ") + message, actionText);
}

void AppController::retry() {
    const Request request = failed_;
    failed_ = Request::None;
    switch (request) {
    case Request::Enable:
    case Request::Disable:
        requestEnabled(request == Request::Enable);
        break;
    case Request::Mode:
        requestMode(failedMode_);
        break;
    case Request::None:
        window_->showError({});
        client_->refresh();
        break;
    }
}

void AppController::onAvailabilityChanged(HelperClient::Availability availability) {
    // Tell the user when the helper goes away under a running session (crash, package removal); at
    // start the window or tooltip says it. Its rules go with it, so traffic is no longer proxied.
    if (tray_ && lastAvailability_ == HelperClient::Availability::Available &&
        availability == HelperClient::Availability::Unavailable && !windowShown())
        tray_->notify(tr("Weir helper stopped"),
                      tr("Interception is off: the helper removed its rules, so traffic now goes out "
                         "directly, without the proxy. Start the helper again to resume."),
                      true);
    lastAvailability_ = availability;
}

void AppController::setBusy(bool busy) {
    busy_ = busy;
    window_->setBusy(busy);
    if (tray_)
        tray_->setBusy(busy);
}

void AppController::updatePolling() {
    const bool shown = windowShown();
    client_->setSubscribed(shown);
    if (shown)
        client_->setPollInterval(kWindowPollMs);
    else if (tray_)
        client_->setPollInterval(kTrayPollMs);
    else
        client_->setPollInterval(0);
}

} // namespace weir
