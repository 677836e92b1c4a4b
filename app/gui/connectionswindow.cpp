#include "gui/connectionswindow.h"

#include <QAction>
#include <QDateTime>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QStatusBar>
#include <QStyle>
#include <QTableView>
#include <QToolBar>
#include <QToolButton>
#include <QVBoxLayout>

#include "gui/connectionfiltermodel.h"
#include "gui/connectionmodel.h"
#include "gui/emptystate.h"
#include "gui/format.h"
#include "gui/icons.h"
#include "gui/problembanner.h"
#include "gui/statestrip.h"
#include "gui/trafficgraph.h"
#include "interface/busnames.h"

namespace weir {

namespace {
constexpr int kClockIntervalMs = 1000;
constexpr int kFilterDelayMs = 150; // typing in the filter must not re-filter thousands of rows per key
} // namespace

ConnectionsWindow::ConnectionsWindow(HelperClient* client, QWidget* parent)
    : QMainWindow(parent)
    , client_(client)
    , model_(new ConnectionModel(this))
    , filter_(new ConnectionFilterModel(this)) {
    setObjectName(QStringLiteral("ConnectionsWindow"));
    // Exactly this: main() sets no application display name, which Qt would append ("… — Weir").
    setWindowTitle(tr("Weir — Connections"));
    setWindowIcon(applicationIcon());
    filter_->setSourceModel(model_);

    buildToolBar();
    strip_ = new StateStrip;
    banner_ = new ProblemBanner;
    connect(banner_, &ProblemBanner::actionTriggered, this, &ConnectionsWindow::retryRequested);
    connect(banner_, &ProblemBanner::dismissed, this, [this] {
        error_.clear();
        if (warningsShown_)
            dismissedWarnings_ = warningsText();
        warningsShown_ = false;
    });
    buildTable();

    auto* central = new QWidget;
    auto* layout = new QVBoxLayout(central);
    layout->setContentsMargins(6, 6, 6, 0);
    layout->setSpacing(6);
    layout->addWidget(strip_);
    layout->addWidget(banner_);
    layout->addWidget(view_, 1);
    setCentralWidget(central);
    buildStatusBar();
    connectClient();

    restoreSettings();
    updateState();
}

ConnectionsWindow::~ConnectionsWindow() {
    if (isVisible())
        saveSettings();
}

void ConnectionsWindow::buildToolBar() {
    auto* toolBar = addToolBar(tr("Main"));
    toolBar->setObjectName(QStringLiteral("MainToolBar"));
    toolBar->setMovable(false);
    toolBar->setFloatable(false);
    toolBar->setToolButtonStyle(Qt::ToolButtonTextBesideIcon);
    toolBar->toggleViewAction()->setVisible(false);
    const auto named = [](QAction* a, const char* name) {
        a->setObjectName(QLatin1String(name));
        return a;
    };
    toggleAction_ = named(toolBar->addAction(tr("Enable interception")), "toggleAction");
    connect(toggleAction_, &QAction::triggered, this, [this] { Q_EMIT enableRequested(!state_.enabled); });
    pauseAction_ = named(toolBar->addAction(tr("Pause")), "pauseAction");
    pauseAction_->setCheckable(true);
    pauseAction_->setIcon(style()->standardIcon(QStyle::SP_MediaPause));
    pauseAction_->setToolTip(tr("Freeze the table to read it; the connections themselves go on"));
    connect(pauseAction_, &QAction::toggled, this, &ConnectionsWindow::setPaused);
    showClosedAction_ = named(toolBar->addAction(tr("Show ended")), "showClosedAction");
    showClosedAction_->setCheckable(true);
    showClosedAction_->setChecked(true);
    showClosedAction_->setToolTip(tr("Show connections that have ended (the helper keeps the latest ones)"));
    connect(showClosedAction_, &QAction::toggled, filter_, &ConnectionFilterModel::setShowClosed);

    QAction* settingsAction = named(toolBar->addAction(tr("Settings…")), "settingsAction");
    settingsAction->setShortcut(QKeySequence::Preferences);
    settingsAction->setToolTip(tr("Mode, scope, what to intercept and exclusions"));
    connect(settingsAction, &QAction::triggered, this, &ConnectionsWindow::settingsRequested);

    auto* spacer = new QWidget(toolBar);
    spacer->setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Preferred);
    toolBar->addWidget(spacer);
    columnFilterButton_ = new QToolButton(toolBar);
    columnFilterButton_->setObjectName(QStringLiteral("columnFilterButton"));
    columnFilterButton_->setToolButtonStyle(Qt::ToolButtonTextBesideIcon);
    columnFilterButton_->setIcon(style()->standardIcon(QStyle::SP_DialogResetButton));
    connect(columnFilterButton_, &QToolButton::clicked, this, [this] {
        filter_->clearColumnFilters();
        updateColumnFilterButton();
    });
    columnFilterAction_ = toolBar->addWidget(columnFilterButton_);
    filterEdit_ = new QLineEdit(toolBar);
    filterEdit_->setObjectName(QStringLiteral("quickFilter"));
    filterEdit_->setPlaceholderText(tr("Filter: program, host, address, port…"));
    filterEdit_->setClearButtonEnabled(true);
    filterEdit_->setMinimumWidth(fontMetrics().averageCharWidth() * 26);
    filterEdit_->setToolTip(tr("Show only connections whose program, host, address or port contains "
                               "every word typed here (Ctrl+F). Right-click a column title to filter "
                               "that column."));
    toolBar->addWidget(filterEdit_);

    filterDelay_.setSingleShot(true);
    filterDelay_.setInterval(kFilterDelayMs);
    connect(filterEdit_, &QLineEdit::textChanged, &filterDelay_, qOverload<>(&QTimer::start));
    connect(&filterDelay_, &QTimer::timeout, this, [this] { filter_->setQuickFilter(filterEdit_->text()); });

    auto* findAction = new QAction(this);
    findAction->setShortcut(QKeySequence::Find);
    connect(findAction, &QAction::triggered, this, [this] {
        filterEdit_->setFocus(Qt::ShortcutFocusReason);
        filterEdit_->selectAll();
    });
    addAction(findAction);
    auto* clearFilter = new QAction(filterEdit_);
    clearFilter->setShortcut(Qt::Key_Escape);
    clearFilter->setShortcutContext(Qt::WidgetShortcut);
    connect(clearFilter, &QAction::triggered, filterEdit_, &QLineEdit::clear);
    filterEdit_->addAction(clearFilter);
    auto* closeWindow = new QAction(this);
    closeWindow->setShortcut(QKeySequence::Close);
    connect(closeWindow, &QAction::triggered, this, &QWidget::close);
    addAction(closeWindow);
}

void ConnectionsWindow::buildTable() {
    view_ = new QTableView;
    view_->setObjectName(QStringLiteral("connectionsView"));
    view_->setModel(filter_);
    view_->setSortingEnabled(true);
    view_->setAlternatingRowColors(true);
    view_->setSelectionBehavior(QAbstractItemView::SelectRows);
    view_->setSelectionMode(QAbstractItemView::ExtendedSelection);
    view_->setEditTriggers(QAbstractItemView::NoEditTriggers);
    view_->setShowGrid(false);
    view_->setWordWrap(false);
    view_->setHorizontalScrollMode(QAbstractItemView::ScrollPerPixel);
    // Uniform rows: a fixed height means the view never measures rows (fast with thousands).
    view_->verticalHeader()->hide();
    view_->verticalHeader()->setSectionResizeMode(QHeaderView::Fixed);
    view_->verticalHeader()->setDefaultSectionSize(fontMetrics().height() + 8);
    QHeaderView* header = view_->horizontalHeader();
    header->setStretchLastSection(true);
    header->setSectionsMovable(true);
    header->setHighlightSections(false);
    header->setDefaultAlignment(Qt::AlignLeft | Qt::AlignVCenter);
    header->setContextMenuPolicy(Qt::CustomContextMenu);
    connect(header, &QWidget::customContextMenuRequested, this, &ConnectionsWindow::showHeaderMenu);
    connect(header, &QHeaderView::sortIndicatorChanged, this, &ConnectionsWindow::onSortIndicatorChanged);

    // Row actions, in the context menu and as shortcuts.
    auto* copyAction = new QAction(tr("Copy"), view_);
    copyAction->setObjectName(QStringLiteral("copyAction"));
    copyAction->setShortcut(QKeySequence::Copy);
    copyAction->setShortcutContext(Qt::WidgetShortcut);
    connect(copyAction, &QAction::triggered, this, &ConnectionsWindow::copySelection);
    closeSelectedAction_ = new QAction(tr("Close selected connections…"), view_);
    closeSelectedAction_->setObjectName(QStringLiteral("closeSelectedAction"));
    closeSelectedAction_->setShortcut(QKeySequence::Delete);
    closeSelectedAction_->setShortcutContext(Qt::WidgetShortcut);
    connect(closeSelectedAction_, &QAction::triggered, this, [this] { closeRows(selectedRows(), false); });
    closeFilteredAction_ = new QAction(tr("Close all shown connections…"), view_);
    closeFilteredAction_->setObjectName(QStringLiteral("closeFilteredAction"));
    connect(closeFilteredAction_, &QAction::triggered, this, [this] {
        QList<int> rows;
        for (int r = 0; r < filter_->rowCount(); ++r)
            rows << r;
        closeRows(rows, true);
    });
    auto* exportAction = new QAction(tr("Export shown connections…"), view_);
    exportAction->setObjectName(QStringLiteral("exportAction"));
    exportAction->setShortcut(QKeySequence::Save);
    connect(exportAction, &QAction::triggered, this, &ConnectionsWindow::exportView);
    clearHistoryAction_ = new QAction(tr("Forget ended connections"), view_);
    clearHistoryAction_->setObjectName(QStringLiteral("clearHistoryAction"));
    connect(clearHistoryAction_, &QAction::triggered, client_, &HelperClient::clearHistory);
    auto* separator = new QAction(view_);
    separator->setSeparator(true);
    view_->addActions({copyAction, exportAction, separator, closeSelectedAction_, closeFilteredAction_,
                       clearHistoryAction_});
    view_->setContextMenuPolicy(Qt::ActionsContextMenu);
    addAction(exportAction); // Ctrl+S from anywhere in the window

    // Says why the table is empty, so an empty table never looks like a broken one.
    empty_ = new EmptyStateView(view_->viewport());
    auto* emptyLayout = new QVBoxLayout(view_->viewport());
    emptyLayout->addWidget(empty_);
    connect(empty_, &EmptyStateView::actionTriggered, this,
            [this](EmptyReason reason) { onEmptyAction(int(reason)); });
}

void ConnectionsWindow::buildStatusBar() {
    statusLabel_ = new QLabel;
    statusLabel_->setTextInteractionFlags(Qt::TextSelectableByMouse);
    statusLabel_->setMinimumWidth(0);
    statusLabel_->setSizePolicy(QSizePolicy::Ignored, QSizePolicy::Preferred);
    graph_ = new TrafficGraph;
    totalsLabel_ = new QLabel;
    totalsLabel_->setObjectName(QStringLiteral("totalsLabel"));
    countLabel_ = new QLabel;
    countLabel_->setObjectName(QStringLiteral("countLabel"));
    statusBar()->addWidget(statusLabel_, 1);
    statusBar()->addPermanentWidget(graph_);
    statusBar()->addPermanentWidget(totalsLabel_);
    statusBar()->addPermanentWidget(countLabel_);

    // The count follows the source model as well as the filter: closed rows leaving the model change
    // "x of y" even when no shown row changes.
    countDelay_.setSingleShot(true);
    countDelay_.setInterval(0);
    connect(&countDelay_, &QTimer::timeout, this, &ConnectionsWindow::updateCount);
    for (QAbstractItemModel* m :
         {static_cast<QAbstractItemModel*>(model_), static_cast<QAbstractItemModel*>(filter_)}) {
        connect(m, &QAbstractItemModel::rowsInserted, this, &ConnectionsWindow::scheduleCount);
        connect(m, &QAbstractItemModel::rowsRemoved, this, &ConnectionsWindow::scheduleCount);
        connect(m, &QAbstractItemModel::modelReset, this, &ConnectionsWindow::scheduleCount);
        connect(m, &QAbstractItemModel::layoutChanged, this, &ConnectionsWindow::scheduleCount);
    }
    clock_.setInterval(kClockIntervalMs);
    connect(&clock_, &QTimer::timeout, this, &ConnectionsWindow::tick);
}

void ConnectionsWindow::connectClient() {
    connect(client_, &HelperClient::availabilityChanged, this, [this](HelperClient::Availability a) {
        if (a != HelperClient::Availability::Available) {
            model_->clear(); // rows from a helper that is gone would look live
            graph_->clear();
        } else if (isVisible()) {
            client_->fetchPermissions();
        }
        updateState();
    });
    connect(client_, &HelperClient::statusChanged, this, &ConnectionsWindow::updateState);
    connect(client_, &HelperClient::connectionsReset, this, [this](const ConnectionInfoList& rows) {
        model_->setCurrentTime(QDateTime::currentMSecsSinceEpoch());
        model_->applySnapshot(rows);
    });
    connect(client_, &HelperClient::connectionsChanged, this, [this](const ConnectionsDelta& delta) {
        if (!paused_)
            model_->applyDelta(delta);
    });
    connect(client_, &HelperClient::permissionsReceived, this, &ConnectionsWindow::updatePermissions);
    connect(client_, &HelperClient::connectionsClosed, this,
            [this](bool ok, const QList<quint64>&, const QString& message) {
                if (!ok)
                    showError(tr("Could not close the connections: %1").arg(message));
            });
    connect(client_, &HelperClient::historyCleared, this, [this](bool ok, const QString& message) {
        if (!ok)
            showError(tr("Could not forget the ended connections: %1").arg(message));
    });
}

QString ConnectionsWindow::problemText() const {
    return banner_->text();
}

QString ConnectionsWindow::statusText() const {
    return statusLabel_->text();
}

QString ConnectionsWindow::countText() const {
    return countLabel_->text();
}

QString ConnectionsWindow::stripText() const {
    return strip_->text();
}

QAction* ConnectionsWindow::action(const QString& objectName) const {
    return findChild<QAction*>(objectName);
}

void ConnectionsWindow::setBusy(bool busy) {
    busy_ = busy;
    updateState();
}

void ConnectionsWindow::showError(const QString& message, const QString& actionText) {
    error_ = message;
    if (message.isEmpty()) {
        updateState();
    } else {
        banner_->setMessage(message, ProblemBanner::Kind::Error, actionText);
        warningsShown_ = false;
    }
}

void ConnectionsWindow::showNotice(const QString& message) {
    error_.clear();
    warningsShown_ = false;
    banner_->setMessage(message, ProblemBanner::Kind::Notice);
}

void ConnectionsWindow::setPaused(bool paused) {
    if (paused == paused_)
        return;
    paused_ = paused;
    pauseAction_->setChecked(paused);
    pauseAction_->setText(paused ? tr("Resume") : tr("Pause"));
    pauseAction_->setIcon(style()->standardIcon(paused ? QStyle::SP_MediaPlay : QStyle::SP_MediaPause));
    if (!paused)
        client_->refetchConnections(); // what happened meanwhile, in one go
    updateState();
}

void ConnectionsWindow::showEvent(QShowEvent* event) {
    QMainWindow::showEvent(event);
    model_->setCurrentTime(QDateTime::currentMSecsSinceEpoch());
    clock_.start();
    client_->fetchPermissions();
    Q_EMIT visibilityChanged(true);
}

void ConnectionsWindow::hideEvent(QHideEvent* event) {
    QMainWindow::hideEvent(event);
    clock_.stop();
    saveSettings();
    Q_EMIT visibilityChanged(false);
}

void ConnectionsWindow::updateState() {
    state_ = trayStateFor(client_->availability(), client_->status(), client_->lastError());
    strip_->setState(state_);
    toggleAction_->setText(state_.toggleText);
    toggleAction_->setIcon(trayIcon(state_.enabled ? StateIcon::Off : StateIcon::Redirect));
    toggleAction_->setEnabled(state_.canToggle && !busy_);
    updatePermissions(permissions_);

    // The status bar keeps to one line; the banner carries the full sentence when something is wrong.
    QString status = state_.problem ? state_.summary : state_.statusText;
    if (paused_)
        status = tr("Paused: the table is not updated. %1").arg(status);
    statusLabel_->setText(status);
    statusLabel_->setToolTip(client_->lastError());
    if (error_.isEmpty())
        updateBanner();
    scheduleCount();
}

// A problem with the helper's state; else its warnings, as the Settings dialog shows them, unless
// another notice (an export, what Disable left running) is showing or these were dismissed.
void ConnectionsWindow::updateBanner() {
    const bool helperProblem = client_->availability() != HelperClient::Availability::Available;
    const QString warnings = warningsText();
    if (warnings.isEmpty())
        dismissedWarnings_.clear(); // the same warning coming back later is news again
    const bool free = banner_->text().isEmpty() || banner_->kind() == ProblemBanner::Kind::Error;
    if (state_.problem) {
        banner_->setMessage(state_.statusText, ProblemBanner::Kind::Error, {}, !helperProblem);
        warningsShown_ = false;
    } else if (!warnings.isEmpty() && warnings != dismissedWarnings_ && (free || warningsShown_)) {
        banner_->setMessage(warnings, ProblemBanner::Kind::Notice);
        warningsShown_ = true;
    } else if (banner_->kind() == ProblemBanner::Kind::Error || warningsShown_) {
        banner_->setMessage({});
        warningsShown_ = false;
    }
}

QString ConnectionsWindow::warningsText() const {
    QStringList lines;
    for (const QString& warning : client_->status().warnings)
        lines << tr("Warning from the helper: %1").arg(warning);
    return lines.join(QLatin1Char('\n'));
}

void ConnectionsWindow::updatePermissions(const QMap<QString, QString>& permissions) {
    permissions_ = permissions;
    const QString control = permissions.value(bus::controlAction);
    const bool allowed = state_.canToggle && !busy_;
    for (QAction* a : {toggleAction_, closeSelectedAction_, closeFilteredAction_, clearHistoryAction_}) {
        const QString text = a == toggleAction_ ? state_.toggleText : a->text();
        if (control == bus::permissionNo) {
            a->setEnabled(false);
            a->setToolTip(tr("%1: your account is not allowed to do this. Ask an administrator.").arg(text));
        } else {
            a->setEnabled(a == toggleAction_ ? allowed : state_.canToggle);
            a->setToolTip(control == bus::permissionAuth
                              ? tr("%1 (asks for your password)").arg(text)
                              : (busy_ && a == toggleAction_ ? tr("Waiting for the helper…") : text));
        }
        if (a != toggleAction_)
            a->setIcon(control == bus::permissionAuth ? padlockIcon() : QIcon());
    }
    if (control == bus::permissionAuth)
        toggleAction_->setIcon(padlockIcon());
}

void ConnectionsWindow::scheduleCount() {
    countDelay_.start();
}

void ConnectionsWindow::updateCount() {
    const int total = model_->rowCount();
    const int shown = filter_->rowCount();
    countLabel_->setText(shown == total ? tr("%n connection(s)", nullptr, total)
                                        : tr("%1 of %n connection(s) shown", nullptr, total).arg(shown));
    EmptyInputs in;
    in.availability = client_->availability();
    in.enabled = client_->status().enabled;
    in.totalRows = total;
    in.shownRows = shown;
    in.filtered = filter_->hasFilter();
    empty_->setState(emptyStateFor(in));
}

void ConnectionsWindow::tick() {
    model_->setCurrentTime(QDateTime::currentMSecsSinceEpoch());
    quint64 up = 0, down = 0, sent = 0, received = 0;
    for (int row = 0; row < model_->rowCount(); ++row) {
        const ConnectionInfo& c = model_->connectionAt(row);
        up += c.rateSent;
        down += c.rateReceived;
        sent += c.bytesSent;
        received += c.bytesReceived;
    }
    if (!paused_)
        graph_->addSample(up, down);
    const auto rate = [](quint64 v) { return v ? formatRate(v) : tr("0 B/s"); };
    totalsLabel_->setText(tr("↑ %1  ↓ %2").arg(rate(up), rate(down)));
    totalsLabel_->setToolTip(
        tr("Now: ↑ %1/s ↓ %2/s. In the list: %3 sent, %4 received.")
            .arg(formatBytes(up), formatBytes(down), formatBytes(sent), formatBytes(received)));
}

void ConnectionsWindow::onEmptyAction(int reason) {
    switch (EmptyReason(reason)) {
    case EmptyReason::InterceptionOff:
        Q_EMIT enableRequested(true);
        break;
    case EmptyReason::HelperMissing:
    case EmptyReason::NotAuthorized:
        client_->refresh();
        break;
    case EmptyReason::NothingMatches:
        filterEdit_->clear();
        filter_->setQuickFilter({});
        filter_->clearColumnFilters();
        updateColumnFilterButton();
        break;
    case EmptyReason::OnlyClosedHidden:
        showClosedAction_->setChecked(true);
        break;
    default:
        break;
    }
}

} // namespace weir
