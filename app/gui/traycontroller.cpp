#include "gui/traycontroller.h"

#include <QAction>
#include <QMenu>

#include "gui/icons.h"

namespace weir {

TrayController::TrayController(HelperClient* client, QObject* parent)
    : QObject(parent)
    , client_(client)
    , tray_(new QSystemTrayIcon(this))
    , menu_(new QMenu) {
    statusAction_ = menu_->addAction(QString());
    statusAction_->setEnabled(false);
    menu_->addSeparator();
    toggleAction_ = menu_->addAction(tr("Enable interception"));
    connectionsAction_ = menu_->addAction(tr("Connections…"));
    menu_->addSeparator();
    quitAction_ = menu_->addAction(tr("Quit"));
    quitAction_->setMenuRole(QAction::QuitRole);

    connect(toggleAction_, &QAction::triggered, this, [this] { Q_EMIT enableRequested(!state_.enabled); });
    connect(connectionsAction_, &QAction::triggered, this, &TrayController::showWindowRequested);
    connect(quitAction_, &QAction::triggered, this, &TrayController::quitRequested);
    connect(tray_, &QSystemTrayIcon::activated, this, &TrayController::onActivated);
    tray_->setContextMenu(menu_);

    connect(client_, &HelperClient::availabilityChanged, this, &TrayController::updateState);
    connect(client_, &HelperClient::statusChanged, this, &TrayController::updateState);
    updateState();
}

TrayController::~TrayController() {
    // QSystemTrayIcon does not own its menu.
    delete menu_;
}

void TrayController::show() {
    tray_->show();
}

void TrayController::hide() {
    tray_->hide();
}

void TrayController::setBusy(bool busy) {
    busy_ = busy;
    updateState();
}

void TrayController::notify(const QString& title, const QString& message, bool warning) {
    if (tray_->isVisible() && QSystemTrayIcon::supportsMessages())
        tray_->showMessage(title, message, warning ? QSystemTrayIcon::Warning : QSystemTrayIcon::Information);
}

void TrayController::updateState() {
    state_ = trayStateFor(client_->availability(), client_->status(), client_->lastError());
    tray_->setIcon(weir::trayIcon(state_.icon));
    tray_->setToolTip(state_.toolTip);
    statusAction_->setText(state_.summary);
    toggleAction_->setText(state_.toggleText);
    toggleAction_->setEnabled(state_.canToggle && !busy_);
}

void TrayController::onActivated(QSystemTrayIcon::ActivationReason reason) {
    if (reason == QSystemTrayIcon::Trigger)
        Q_EMIT toggleWindowRequested();
}

} // namespace weir
