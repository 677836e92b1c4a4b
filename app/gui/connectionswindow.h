// ConnectionsWindow: the live table of intercepted connections, a switch for interception and the
// helper's state. It follows a HelperClient; how often the client polls is AppController's business
// (fast while this window is visible, slow or not at all when it is hidden).
#pragma once

#include <QMainWindow>
#include <QTimer>

#include "client/helperclient.h"
#include "gui/traystate.h"

class QAction;
class QLabel;
class QLineEdit;
class QSortFilterProxyModel;
class QTableView;
class QToolButton;

namespace weir {

class ConnectionModel;

class ConnectionsWindow : public QMainWindow {
    Q_OBJECT
public:
    explicit ConnectionsWindow(HelperClient* client, QWidget* parent = nullptr);
    ~ConnectionsWindow() override;

    ConnectionModel* model() const { return model_; }
    QSortFilterProxyModel* proxyModel() const { return proxy_; }
    QTableView* view() const { return view_; }
    const TrayState& state() const { return state_; }
    // The problem banner's text; empty when there is nothing wrong.
    QString problemText() const;
    QString statusText() const;

    // An Enable/Disable call is running.
    void setBusy(bool busy);
    // A failed Enable/Disable: shown in the banner until the next state change or dismissal.
    void showError(const QString& message);

Q_SIGNALS:
    void enableRequested(bool enable);
    void settingsRequested();
    void visibilityChanged(bool visible);

protected:
    void showEvent(QShowEvent* event) override;
    void hideEvent(QHideEvent* event) override;

private:
    void updateState();
    void updateBanner();
    void updateCount();
    void onConnections(const ConnectionInfoList& connections);
    void saveSettings() const;
    void restoreSettings();

    HelperClient* client_;
    ConnectionModel* model_;
    QSortFilterProxyModel* proxy_;
    QTableView* view_;
    QAction* toggleAction_;
    QLineEdit* filterEdit_;
    QWidget* banner_;
    QLabel* bannerText_;
    QToolButton* bannerClose_;
    QLabel* statusLabel_;
    QLabel* countLabel_;
    QLabel* emptyLabel_;
    QTimer clock_;
    QTimer filterDelay_;
    TrayState state_;
    QString error_;
    bool busy_ = false;
};

} // namespace weir
