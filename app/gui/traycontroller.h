// TrayController: the tray icon and its menu. It shows the helper's state (icon per state, tooltip,
// a status line at the top of the menu) and turns clicks into requests; AppController acts on them.
// The icon's identity (title, id) never changes with the state, only its picture and tooltip do:
// desktop shells remember "hide this icon" choices by identity.
#pragma once

#include <QObject>
#include <QSystemTrayIcon>

#include "gui/traystate.h"

class QAction;
class QActionGroup;
class QMenu;

namespace weir {

class TrayController : public QObject {
    Q_OBJECT
public:
    explicit TrayController(HelperClient* client, QObject* parent = nullptr);
    ~TrayController() override;

    static bool isSystemTrayAvailable() { return QSystemTrayIcon::isSystemTrayAvailable(); }

    void show();
    void hide();
    // An Enable/Disable or settings call is running: the actions that change state are disabled until
    // it returns.
    void setBusy(bool busy);
    void notify(const QString& title, const QString& message, bool warning);

    const TrayState& state() const { return state_; }
    // Shows a state: icon, tooltip, menu texts, which actions are enabled and the checked mode.
    // updateState() calls it with trayStateFor(the client's state); tests call it directly.
    void applyState(const TrayState& state);
    QSystemTrayIcon* trayIcon() const { return tray_; }
    QMenu* menu() const { return menu_; }
    QAction* redirectAction() const { return redirectAction_; }
    QAction* tproxyAction() const { return tproxyAction_; }
    QAction* settingsAction() const { return settingsAction_; }

Q_SIGNALS:
    void enableRequested(bool enable);
    void modeRequested(const QString& mode); // "redirect" | "tproxy"
    void settingsRequested();
    void toggleWindowRequested();
    void showWindowRequested();
    void quitRequested();
    void messageClicked(); // the user clicked the last balloon

private:
    void updateState();
    void announceRestore();
    void onActivated(QSystemTrayIcon::ActivationReason reason);
    void requestMode(const QString& mode);

    HelperClient* client_;
    QSystemTrayIcon* tray_;
    QMenu* menu_;
    QAction* statusAction_;
    QAction* noticeAction_;
    QAction* toggleAction_;
    QActionGroup* modeGroup_;
    QAction* redirectAction_;
    QAction* tproxyAction_;
    QAction* settingsAction_;
    QAction* connectionsAction_;
    QAction* quitAction_;
    TrayState state_;
    bool busy_ = false;
    QString announcedRestore_; // the restore outcome the balloon told, so it is told once per helper
};

} // namespace weir
