// TrayController: the tray icon and its menu. It shows the helper's state (icon per state, tooltip,
// a status line at the top of the menu) and turns clicks into requests; AppController acts on them.
// The icon's identity (title, id) never changes with the state, only its picture and tooltip do:
// desktop shells remember "hide this icon" choices by identity.
#pragma once

#include <QObject>
#include <QSystemTrayIcon>

#include "gui/traystate.h"

class QAction;
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
    // An Enable/Disable call is running: the action is disabled until it returns.
    void setBusy(bool busy);
    void notify(const QString& title, const QString& message, bool warning);

    const TrayState& state() const { return state_; }
    QSystemTrayIcon* trayIcon() const { return tray_; }

Q_SIGNALS:
    void enableRequested(bool enable);
    void toggleWindowRequested();
    void showWindowRequested();
    void quitRequested();

private:
    void updateState();
    void onActivated(QSystemTrayIcon::ActivationReason reason);

    HelperClient* client_;
    QSystemTrayIcon* tray_;
    QMenu* menu_;
    QAction* statusAction_;
    QAction* toggleAction_;
    QAction* connectionsAction_;
    QAction* quitAction_;
    TrayState state_;
    bool busy_ = false;
};

} // namespace weir
