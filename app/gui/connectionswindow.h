// ConnectionsWindow: the live table of intercepted connections, a switch for interception and the
// helper's state.
//
// The table is a ConnectionModel fed by the HelperClient's feed (connectionsReset once, then
// connectionsChanged deltas: never polled, never reset) behind a ConnectionFilterModel. Subscribing
// while the window is visible is AppController's business. Layout, sort and filters are kept in
// QSettings under "ConnectionsWindow/".
#pragma once

#include <QMainWindow>
#include <QMap>
#include <QTimer>

#include "client/helperclient.h"
#include "gui/traystate.h"

class QAction;
class QLabel;
class QLineEdit;
class QTableView;
class QToolButton;

namespace weir {

class ConnectionFilterModel;
class ConnectionModel;
class EmptyStateView;
class ProblemBanner;
class StateStrip;
class TrafficGraph;

class ConnectionsWindow : public QMainWindow {
    Q_OBJECT
public:
    explicit ConnectionsWindow(HelperClient* client, QWidget* parent = nullptr);
    ~ConnectionsWindow() override;

    ConnectionModel* model() const { return model_; }
    ConnectionFilterModel* proxyModel() const { return filter_; }
    QTableView* view() const { return view_; }
    const TrayState& state() const { return state_; }
    ProblemBanner* banner() const { return banner_; }
    EmptyStateView* emptyState() const { return empty_; }
    TrafficGraph* graph() const { return graph_; }
    // The banner's text; empty when there is nothing to say. Besides problems and notices it shows
    // the helper's warnings (e.g. its settings file was unusable), until dismissed or they change.
    QString problemText() const;
    QString statusText() const;
    QString countText() const;
    QString stripText() const;
    // A named action ("toggleAction", "pauseAction", "closeSelectedAction", ...), for tests.
    QAction* action(const QString& objectName) const;

    // An Enable/Disable call is running.
    void setBusy(bool busy);
    // A failed call: shown in the banner until the next state change or dismissal. actionText: a
    // button ("Retry", "Authenticate") that emits retryRequested.
    void showError(const QString& message, const QString& actionText = {});
    // Information, not a failure (what Disable leaves running).
    void showNotice(const QString& message);
    bool isPaused() const { return paused_; }
    void setPaused(bool paused);

    void saveSettings() const;
    void restoreSettings();
    // The column layout of a first start: widths from the font, Protocol, Mode, User and Interface
    // hidden, newest first.
    void resetLayout();

Q_SIGNALS:
    void enableRequested(bool enable);
    void settingsRequested();
    void visibilityChanged(bool visible);
    void retryRequested();

protected:
    void showEvent(QShowEvent* event) override;
    void hideEvent(QHideEvent* event) override;

private:
    void buildToolBar();
    void buildTable();
    void buildStatusBar();
    void connectClient();
    void updateState();
    void updateBanner();
    QString warningsText() const;
    void updatePermissions(const QMap<QString, QString>& permissions);
    void scheduleCount();
    void updateCount();
    void tick();
    void onSortIndicatorChanged(int section, Qt::SortOrder order);
    void showHeaderMenu(const QPoint& pos);
    void editColumnFilter(int column);
    void updateColumnFilterButton();
    void onEmptyAction(int reason);
    QList<int> selectedRows() const;
    QList<int> visibleColumns() const;
    QList<quint64> openIds(const QList<int>& proxyRows) const;
    void closeRows(const QList<int>& proxyRows, bool all);
    void copySelection();
    void exportView();

    HelperClient* client_;
    ConnectionModel* model_;
    ConnectionFilterModel* filter_;
    QTableView* view_ = nullptr;
    StateStrip* strip_ = nullptr;
    ProblemBanner* banner_ = nullptr;
    EmptyStateView* empty_ = nullptr;
    TrafficGraph* graph_ = nullptr;
    QAction* toggleAction_ = nullptr;
    QAction* pauseAction_ = nullptr;
    QAction* showClosedAction_ = nullptr;
    QAction* closeSelectedAction_ = nullptr;
    QAction* closeFilteredAction_ = nullptr;
    QAction* clearHistoryAction_ = nullptr;
    QLineEdit* filterEdit_ = nullptr;
    QToolButton* columnFilterButton_ = nullptr;
    QAction* columnFilterAction_ = nullptr; // the button's place in the tool bar (shows or hides it)
    QLabel* statusLabel_ = nullptr;
    QLabel* totalsLabel_ = nullptr;
    QLabel* countLabel_ = nullptr;
    QTimer clock_;
    QTimer filterDelay_;
    QTimer countDelay_;
    TrayState state_;
    QString error_;
    bool warningsShown_ = false; // the banner shows warningsText()
    QString dismissedWarnings_;  // warnings the user closed: not shown again until they change
    QMap<QString, QString> permissions_;
    int lastSortSection_ = -1;
    bool busy_ = false;
    bool paused_ = false;
    bool restoring_ = false;
};

} // namespace weir
