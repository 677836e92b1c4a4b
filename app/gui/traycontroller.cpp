#include "gui/traycontroller.h"

#include <QAction>
#include <QActionGroup>
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
    noticeAction_ = menu_->addAction(QString());
    noticeAction_->setEnabled(false);
    menu_->addSeparator();
    toggleAction_ = menu_->addAction(tr("Enable interception"));
    menu_->addSection(tr("Mode"));
    // Exclusive and checkable: the checked one is the helper's mode, whatever was clicked last.
    modeGroup_ = new QActionGroup(menu_);
    modeGroup_->setExclusive(true);
    redirectAction_ = menu_->addAction(tr("REDIRECT (TCP)"));
    tproxyAction_ = menu_->addAction(tr("TPROXY (TCP and UDP)"));
    for (QAction* a : {redirectAction_, tproxyAction_}) {
        a->setCheckable(true);
        modeGroup_->addAction(a);
    }
    menu_->addSeparator();
    connectionsAction_ = menu_->addAction(tr("Connections…"));
    settingsAction_ = menu_->addAction(tr("Settings…"));
    settingsAction_->setMenuRole(QAction::PreferencesRole);
    menu_->addSeparator();
    quitAction_ = menu_->addAction(tr("Quit"));
    quitAction_->setMenuRole(QAction::QuitRole);

    connect(toggleAction_, &QAction::triggered, this, [this] { Q_EMIT enableRequested(!state_.enabled); });
    connect(redirectAction_, &QAction::triggered, this, [this] { requestMode(QStringLiteral("redirect")); });
    connect(tproxyAction_, &QAction::triggered, this, [this] { requestMode(QStringLiteral("tproxy")); });
    connect(connectionsAction_, &QAction::triggered, this, &TrayController::showWindowRequested);
    connect(settingsAction_, &QAction::triggered, this, &TrayController::settingsRequested);
    connect(quitAction_, &QAction::triggered, this, &TrayController::quitRequested);
    connect(tray_, &QSystemTrayIcon::activated, this, &TrayController::onActivated);
    connect(tray_, &QSystemTrayIcon::messageClicked, this, &TrayController::messageClicked);
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
    applyState(state_);
}

void TrayController::notify(const QString& title, const QString& message, bool warning) {
    if (tray_->isVisible() && QSystemTrayIcon::supportsMessages())
        tray_->showMessage(title, message, warning ? QSystemTrayIcon::Warning : QSystemTrayIcon::Information);
}

void TrayController::updateState() {
    applyState(trayStateFor(client_->availability(), client_->status(), client_->lastError()));
    announceRestore();
}

// A helper that restarted reports how its restore went for as long as it runs: the balloon says it
// once (see takeRestoreAnnouncement).
void TrayController::announceRestore() {
    if (takeRestoreAnnouncement(client_->availability(), state_, &announcedRestore_))
        notify(state_.restoreTitle, state_.restoreMessage, state_.restoreFailed);
}

void TrayController::applyState(const TrayState& state) {
    state_ = state;
    tray_->setIcon(weir::trayIcon(state_.icon));
    tray_->setToolTip(state_.toolTip);
    statusAction_->setText(state_.summary);
    noticeAction_->setText(state_.notice);
    noticeAction_->setVisible(!state_.notice.isEmpty());
    toggleAction_->setText(state_.toggleText);
    toggleAction_->setEnabled(state_.canToggle && !busy_);
    redirectAction_->setChecked(state_.mode == QLatin1String("redirect"));
    tproxyAction_->setChecked(state_.mode == QLatin1String("tproxy"));
    modeGroup_->setEnabled(state_.canChangeMode && !busy_);
}

void TrayController::requestMode(const QString& mode) {
    // Clicking checked the action at once; show the helper's mode until it confirms the change.
    applyState(state_);
    if (mode != state_.mode)
        Q_EMIT modeRequested(mode);
}

void TrayController::onActivated(QSystemTrayIcon::ActivationReason reason) {
    if (reason == QSystemTrayIcon::Trigger)
        Q_EMIT toggleWindowRequested();
}

} // namespace weir
