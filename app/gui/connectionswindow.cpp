#include "gui/connectionswindow.h"

#include <QAction>
#include <QApplication>
#include <QClipboard>
#include <QDateTime>
#include <QFrame>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QItemSelectionModel>
#include <QLabel>
#include <QLineEdit>
#include <QMenu>
#include <QSettings>
#include <QSortFilterProxyModel>
#include <QStatusBar>
#include <QStyle>
#include <QTableView>
#include <QToolBar>
#include <QToolButton>
#include <QVBoxLayout>

#include "gui/connectionmodel.h"
#include "gui/icons.h"
#include "gui/palette.h"

namespace weir {

namespace {
const QString kGeometryKey = QStringLiteral("ConnectionsWindow/geometry");
const QString kHeaderKey = QStringLiteral("ConnectionsWindow/header");
constexpr int kClockIntervalMs = 1000;
constexpr int kFilterDelayMs = 150; // typing in the filter must not re-filter thousands of rows per key
} // namespace

ConnectionsWindow::ConnectionsWindow(HelperClient* client, QWidget* parent)
    : QMainWindow(parent)
    , client_(client)
    , model_(new ConnectionModel(this))
    , proxy_(new QSortFilterProxyModel(this)) {
    setObjectName(QStringLiteral("ConnectionsWindow"));
    setWindowTitle(tr("Weir — Connections"));
    setWindowIcon(applicationIcon());

    proxy_->setSourceModel(model_);
    proxy_->setSortRole(ConnectionModel::SortRole);
    proxy_->setFilterKeyColumn(-1);
    proxy_->setFilterCaseSensitivity(Qt::CaseInsensitive);
    proxy_->setDynamicSortFilter(true);

    // Tool bar: the switch and the filter.
    auto* toolBar = addToolBar(tr("Main"));
    toolBar->setObjectName(QStringLiteral("MainToolBar"));
    toolBar->setMovable(false);
    toolBar->setFloatable(false);
    toolBar->setToolButtonStyle(Qt::ToolButtonTextBesideIcon);
    toolBar->toggleViewAction()->setVisible(false);
    toggleAction_ = toolBar->addAction(tr("Enable interception"));
    connect(toggleAction_, &QAction::triggered, this, [this] { Q_EMIT enableRequested(!state_.enabled); });
    QAction* settingsAction = toolBar->addAction(tr("Settings…"));
    settingsAction->setObjectName(QStringLiteral("settingsAction"));
    settingsAction->setShortcut(QKeySequence::Preferences);
    settingsAction->setToolTip(tr("Mode, scope, what to intercept and exclusions"));
    connect(settingsAction, &QAction::triggered, this, &ConnectionsWindow::settingsRequested);
    auto* spacer = new QWidget(toolBar);
    spacer->setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Preferred);
    toolBar->addWidget(spacer);
    filterEdit_ = new QLineEdit(toolBar);
    filterEdit_->setPlaceholderText(tr("Filter (any column)…"));
    filterEdit_->setClearButtonEnabled(true);
    filterEdit_->setMinimumWidth(fontMetrics().averageCharWidth() * 32);
    filterEdit_->setToolTip(tr("Show only connections whose text contains this (Ctrl+F)"));
    toolBar->addWidget(filterEdit_);

    filterDelay_.setSingleShot(true);
    filterDelay_.setInterval(kFilterDelayMs);
    connect(filterEdit_, &QLineEdit::textChanged, &filterDelay_, qOverload<>(&QTimer::start));
    connect(&filterDelay_, &QTimer::timeout, this, [this] {
        proxy_->setFilterFixedString(filterEdit_->text().trimmed());
        updateCount();
    });

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
    auto* closeAction = new QAction(this);
    closeAction->setShortcut(QKeySequence::Close);
    connect(closeAction, &QAction::triggered, this, &QWidget::close);
    addAction(closeAction);

    // Problem banner above the table: helper missing or refusing, or a failed Enable/Disable.
    banner_ = new QFrame;
    banner_->setObjectName(QStringLiteral("problemBanner"));
    banner_->setStyleSheet(palette::bannerStyleSheet(banner_->objectName()));
    auto* bannerIcon = new QLabel(banner_);
    const int iconSize = style()->pixelMetric(QStyle::PM_SmallIconSize) * 2;
    bannerIcon->setPixmap(trayIcon(StateIcon::Unavailable).pixmap(iconSize, iconSize));
    bannerText_ = new QLabel(banner_);
    bannerText_->setWordWrap(true);
    bannerText_->setTextInteractionFlags(Qt::TextSelectableByMouse);
    bannerClose_ = new QToolButton(banner_);
    bannerClose_->setAutoRaise(true);
    bannerClose_->setIcon(style()->standardIcon(QStyle::SP_TitleBarCloseButton));
    bannerClose_->setToolTip(tr("Dismiss"));
    connect(bannerClose_, &QToolButton::clicked, this, [this] { showError({}); });
    auto* bannerLayout = new QHBoxLayout(banner_);
    bannerLayout->setContentsMargins(8, 6, 6, 6);
    bannerLayout->addWidget(bannerIcon, 0, Qt::AlignTop);
    bannerLayout->addWidget(bannerText_, 1);
    bannerLayout->addWidget(bannerClose_, 0, Qt::AlignTop);

    // The table.
    view_ = new QTableView;
    view_->setModel(proxy_);
    view_->setSortingEnabled(true);
    view_->sortByColumn(ConnectionModel::StartedColumn, Qt::DescendingOrder);
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
    const auto width = [this](const QString& sample) { return fontMetrics().horizontalAdvance(sample) + 24; };
    const int iconWidth = style()->pixelMetric(QStyle::PM_SmallIconSize) + 6;
    header->resizeSection(ConnectionModel::StateColumn,
                          width(ConnectionModel::stateText(QStringLiteral("established"))) + iconWidth);
    header->resizeSection(ConnectionModel::ProtocolColumn, width(QStringLiteral("Protocol")));
    header->resizeSection(ConnectionModel::ModeColumn, width(QStringLiteral("REDIRECT")));
    header->resizeSection(ConnectionModel::SourceColumn, width(QStringLiteral("192.168.100.100:65535")));
    header->resizeSection(ConnectionModel::DestinationColumn, width(QStringLiteral("192.168.100.100:65535")));
    header->resizeSection(ConnectionModel::SentColumn, width(QStringLiteral("999.9 MiB")));
    header->resizeSection(ConnectionModel::ReceivedColumn, width(QStringLiteral("999.9 MiB")));
    header->resizeSection(ConnectionModel::StartedColumn, width(QStringLiteral("00:00:00")));
    header->resizeSection(ConnectionModel::DurationColumn, width(QStringLiteral("00:00:00")));

    // Right-click on the header: show or hide columns.
    header->setContextMenuPolicy(Qt::CustomContextMenu);
    connect(header, &QWidget::customContextMenuRequested, this, [this, header](const QPoint& pos) {
        QMenu menu;
        for (int c = 0; c < model_->columnCount(); ++c) {
            QAction* a = menu.addAction(model_->headerData(c, Qt::Horizontal).toString());
            a->setCheckable(true);
            a->setChecked(!header->isSectionHidden(c));
            connect(a, &QAction::toggled, header, [header, c](bool on) { header->setSectionHidden(c, !on); });
        }
        menu.exec(header->mapToGlobal(pos));
    });

    // Copy: the selected rows as tab-separated raw values, the way a spreadsheet pastes them.
    auto* copyAction = new QAction(tr("Copy"), view_);
    copyAction->setShortcut(QKeySequence::Copy);
    copyAction->setShortcutContext(Qt::WidgetShortcut);
    connect(copyAction, &QAction::triggered, this, [this] {
        QStringList lines;
        const QModelIndexList rows = view_->selectionModel()->selectedRows();
        for (const QModelIndex& row : rows) {
            QStringList cells;
            for (int c = 0; c < proxy_->columnCount(); ++c)
                cells << proxy_->index(row.row(), c).data(ConnectionModel::RawValueRole).toString();
            lines << cells.join(QLatin1Char('\t'));
        }
        if (!lines.isEmpty())
            QApplication::clipboard()->setText(lines.join(QLatin1Char('\n')) + QLatin1Char('\n'));
    });
    view_->addAction(copyAction);
    view_->setContextMenuPolicy(Qt::ActionsContextMenu);

    // Says why the table is empty, so an empty table never looks like a broken one.
    emptyLabel_ = new QLabel(view_->viewport());
    emptyLabel_->setAlignment(Qt::AlignCenter);
    emptyLabel_->setWordWrap(true);
    emptyLabel_->setEnabled(false); // drawn in the palette's disabled (grey) text colour
    emptyLabel_->setAttribute(Qt::WA_TransparentForMouseEvents);
    auto* emptyLayout = new QVBoxLayout(view_->viewport());
    emptyLayout->addWidget(emptyLabel_);

    auto* central = new QWidget;
    auto* layout = new QVBoxLayout(central);
    layout->setContentsMargins(6, 6, 6, 0);
    layout->setSpacing(6);
    layout->addWidget(banner_);
    layout->addWidget(view_, 1);
    setCentralWidget(central);

    statusLabel_ = new QLabel;
    statusLabel_->setTextInteractionFlags(Qt::TextSelectableByMouse);
    countLabel_ = new QLabel;
    statusBar()->addWidget(statusLabel_, 1);
    statusBar()->addPermanentWidget(countLabel_);

    connect(proxy_, &QAbstractItemModel::rowsInserted, this, &ConnectionsWindow::updateCount);
    connect(proxy_, &QAbstractItemModel::rowsRemoved, this, &ConnectionsWindow::updateCount);
    connect(proxy_, &QAbstractItemModel::modelReset, this, &ConnectionsWindow::updateCount);
    connect(proxy_, &QAbstractItemModel::layoutChanged, this, &ConnectionsWindow::updateCount);

    clock_.setInterval(kClockIntervalMs);
    connect(&clock_, &QTimer::timeout, this,
            [this] { model_->setCurrentTime(QDateTime::currentMSecsSinceEpoch()); });

    connect(client_, &HelperClient::availabilityChanged, this, [this](HelperClient::Availability a) {
        if (a != HelperClient::Availability::Available)
            model_->clear(); // rows from a helper that is gone would look live
        updateState();
    });
    connect(client_, &HelperClient::statusChanged, this, &ConnectionsWindow::updateState);
    connect(client_, &HelperClient::connectionsReceived, this, &ConnectionsWindow::onConnections);

    restoreSettings();
    updateState();
}

ConnectionsWindow::~ConnectionsWindow() {
    if (isVisible())
        saveSettings();
}

QString ConnectionsWindow::problemText() const {
    return banner_->isHidden() ? QString() : bannerText_->text();
}

QString ConnectionsWindow::statusText() const {
    return statusLabel_->text();
}

void ConnectionsWindow::setBusy(bool busy) {
    busy_ = busy;
    updateState();
}

void ConnectionsWindow::showError(const QString& message) {
    error_ = message;
    updateBanner();
}

void ConnectionsWindow::showEvent(QShowEvent* event) {
    QMainWindow::showEvent(event);
    model_->setCurrentTime(QDateTime::currentMSecsSinceEpoch());
    clock_.start();
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

    toggleAction_->setText(state_.toggleText);
    toggleAction_->setIcon(trayIcon(state_.enabled ? StateIcon::Off : StateIcon::Redirect));
    toggleAction_->setEnabled(state_.canToggle && !busy_);
    toggleAction_->setToolTip(busy_ ? tr("Waiting for the helper…") : state_.toggleText);

    // The status bar keeps to one line; the banner carries the full sentence when something is wrong.
    statusLabel_->setText(state_.problem ? state_.summary : state_.statusText);
    statusLabel_->setStyleSheet(state_.problem ? palette::errorLabelStyleSheet(true) : QString());
    statusLabel_->setToolTip(client_->lastError());
    updateBanner();
    updateCount();
}

void ConnectionsWindow::updateBanner() {
    QString text = error_;
    if (state_.problem) {
        text = state_.statusText;
        const QString detail = client_->lastError();
        if (client_->availability() == HelperClient::Availability::Unavailable && !detail.isEmpty())
            text += QStringLiteral("\n") + tr("Details: %1").arg(detail);
        if (!error_.isEmpty())
            text += QStringLiteral("\n") + error_;
    }
    bannerText_->setText(text);
    bannerClose_->setVisible(!error_.isEmpty() && !state_.problem);
    banner_->setVisible(!text.isEmpty());
}

void ConnectionsWindow::updateCount() {
    const int total = model_->rowCount();
    const int shown = proxy_->rowCount();
    countLabel_->setText(shown == total ? tr("%n connection(s)", nullptr, total)
                                        : tr("%1 of %n connection(s) shown", nullptr, total).arg(shown));

    QString empty;
    if (shown == 0) {
        if (total > 0)
            empty = tr("No connection matches the filter.");
        else if (state_.canToggle && !state_.enabled)
            empty = tr("Interception is off. Connections appear here once it is on.");
        else if (state_.enabled)
            empty = tr("No connections yet.");
    }
    emptyLabel_->setText(empty);
    emptyLabel_->setVisible(!empty.isEmpty());
}

void ConnectionsWindow::onConnections(const ConnectionInfoList& connections) {
    // A hidden window drops updates; AppController refreshes at once when it is shown again.
    if (!isVisible())
        return;
    model_->applySnapshot(connections);
    model_->setCurrentTime(QDateTime::currentMSecsSinceEpoch());
}

void ConnectionsWindow::saveSettings() const {
    QSettings settings;
    settings.setValue(kGeometryKey, saveGeometry());
    settings.setValue(kHeaderKey, view_->horizontalHeader()->saveState());
}

void ConnectionsWindow::restoreSettings() {
    QSettings settings;
    if (!restoreGeometry(settings.value(kGeometryKey).toByteArray()))
        resize(fontMetrics().averageCharWidth() * 185, fontMetrics().height() * 36);
    view_->horizontalHeader()->restoreState(settings.value(kHeaderKey).toByteArray());
}

} // namespace weir
