// ConnectionsWindow, the parts that act on rows and columns: the column layout and its persistence,
// per-column filters, copy, export and closing connections.
#include <QAction>
#include <QApplication>
#include <QClipboard>
#include <QFile>
#include <QFileDialog>
#include <QHeaderView>
#include <QInputDialog>
#include <QItemSelectionModel>
#include <QLineEdit>
#include <QMenu>
#include <QMessageBox>
#include <QSaveFile>
#include <QSettings>
#include <QStyle>
#include <QTableView>
#include <QToolButton>

#include "gui/connectionexport.h"
#include "gui/connectionfiltermodel.h"
#include "gui/connectionmodel.h"
#include "gui/connectionswindow.h"
#include "gui/format.h"
#include "gui/problembanner.h"

namespace weir {

namespace {
const QString kGeometryKey = QStringLiteral("ConnectionsWindow/geometry");
const QString kHeaderKey = QStringLiteral("ConnectionsWindow/header");
const QString kQuickFilterKey = QStringLiteral("ConnectionsWindow/quickFilter");
const QString kColumnFiltersKey = QStringLiteral("ConnectionsWindow/columnFilters");
const QString kShowClosedKey = QStringLiteral("ConnectionsWindow/showClosed");

// A sample of each column's widest usual content; the width is that plus the cell's padding.
QString widthSample(int column) {
    switch (column) {
    case ConnectionModel::StateColumn: // the icon tells the state; longer words are elided
        return ConnectionModel::stateText(QStringLiteral("closed"));
    case ConnectionModel::ProcessColumn:
        return QStringLiteral("firefox");
    case ConnectionModel::UserColumn:
        return QStringLiteral("username");
    case ConnectionModel::SourceColumn:
    case ConnectionModel::DestinationColumn:
        return QStringLiteral("192.168.100.100:65535");
    case ConnectionModel::HostColumn:
        return QStringLiteral("www.example.com");
    case ConnectionModel::UpstreamColumn:
        return QStringLiteral("socks5 10.0.0.1:1080");
    case ConnectionModel::InterfaceColumn:
        return QStringLiteral("enp0s31f6");
    case ConnectionModel::SentColumn:
    case ConnectionModel::ReceivedColumn: { // "1,023 bytes" is wider than "999.9 MiB" in most locales
        const QString small = formatBytes(1023), large = formatBytes(quint64(999.9 * 1024 * 1024));
        return small.size() > large.size() ? small : large;
    }
    case ConnectionModel::SendRateColumn:
    case ConnectionModel::ReceiveRateColumn:
        return QStringLiteral("999.9 KiB/s");
    case ConnectionModel::StartedColumn:
        return QStringLiteral("00:00:00");
    case ConnectionModel::DurationColumn:
        return QStringLiteral("0:00:00");
    case ConnectionModel::CloseReasonColumn:
        return ConnectionModel::closeReasonText(QStringLiteral("reset by destination"));
    case ConnectionModel::ProtocolColumn:
        return QStringLiteral("TCP");
    case ConnectionModel::ModeColumn:
        return QStringLiteral("REDIRECT");
    default:
        return QStringLiteral("xxxxxxxx");
    }
}
} // namespace

void ConnectionsWindow::resetLayout() {
    QHeaderView* header = view_->horizontalHeader();
    const int padding = style()->pixelMetric(QStyle::PM_HeaderMargin) * 2 + 2;
    const int iconWidth = style()->pixelMetric(QStyle::PM_SmallIconSize) + 4;
    for (int c = 0; c < ConnectionModel::ColumnCount; ++c) {
        const QString title = model_->headerData(c, Qt::Horizontal).toString();
        int width = qMax(fontMetrics().horizontalAdvance(widthSample(c)),
                         header->fontMetrics().horizontalAdvance(title) + 12); // room for the sort arrow
        if (c == ConnectionModel::StateColumn || c == ConnectionModel::ProcessColumn)
            width += iconWidth;
        header->resizeSection(c, width + padding);
        header->moveSection(header->visualIndex(c), c);
    }
    // Constant in most setups (one mode, TCP, local programs): out of the way until asked for.
    for (int c : {ConnectionModel::ProtocolColumn, ConnectionModel::ModeColumn, ConnectionModel::UserColumn,
                  ConnectionModel::InterfaceColumn})
        header->setSectionHidden(c, true);
    for (int c :
         {ConnectionModel::StateColumn, ConnectionModel::ProcessColumn, ConnectionModel::SourceColumn,
          ConnectionModel::DestinationColumn, ConnectionModel::HostColumn, ConnectionModel::UpstreamColumn,
          ConnectionModel::SentColumn, ConnectionModel::ReceivedColumn, ConnectionModel::SendRateColumn,
          ConnectionModel::ReceiveRateColumn, ConnectionModel::StartedColumn, ConnectionModel::DurationColumn,
          ConnectionModel::CloseReasonColumn})
        header->setSectionHidden(c, false);
    // Who, then how much, how fast, how long and how it ended; then where to. A 760 px window shows the
    // program and every number without scrolling; the addresses follow (the quick filter and tooltips
    // find them).
    for (int c : {ConnectionModel::HostColumn, ConnectionModel::DestinationColumn,
                  ConnectionModel::SourceColumn, ConnectionModel::UpstreamColumn})
        header->moveSection(header->visualIndex(c), ConnectionModel::ColumnCount - 1);
    lastSortSection_ = ConnectionModel::StartedColumn;
    view_->sortByColumn(ConnectionModel::StartedColumn, Qt::DescendingOrder);
}

void ConnectionsWindow::saveSettings() const {
    QSettings settings;
    settings.setValue(kGeometryKey, saveGeometry());
    settings.setValue(kHeaderKey, view_->horizontalHeader()->saveState());
    settings.setValue(kQuickFilterKey, filterEdit_->text());
    QStringList columns;
    for (int c = 0; c < ConnectionModel::ColumnCount; ++c)
        columns << filter_->columnFilter(c);
    settings.setValue(kColumnFiltersKey, columns);
    settings.setValue(kShowClosedKey, filter_->showClosed());
}

void ConnectionsWindow::restoreSettings() {
    QSettings settings;
    if (!restoreGeometry(settings.value(kGeometryKey).toByteArray()))
        resize(fontMetrics().averageCharWidth() * 150, fontMetrics().height() * 36);
    resetLayout();
    QHeaderView* header = view_->horizontalHeader();
    if (header->restoreState(settings.value(kHeaderKey).toByteArray()))
        lastSortSection_ = header->sortIndicatorSection();
    filterEdit_->setText(settings.value(kQuickFilterKey).toString());
    filter_->setQuickFilter(filterEdit_->text());
    filterDelay_.stop();
    const QStringList columns = settings.value(kColumnFiltersKey).toStringList();
    for (int c = 0; c < ConnectionModel::ColumnCount; ++c)
        filter_->setColumnFilter(c, columns.value(c));
    showClosedAction_->setChecked(settings.value(kShowClosedKey, true).toBool());
    updateColumnFilterButton();
}

void ConnectionsWindow::onSortIndicatorChanged(int section, Qt::SortOrder order) {
    // A first click on a column sorts it the way it is read: sizes, rates and times largest first.
    const int previous = lastSortSection_;
    lastSortSection_ = section;
    const Qt::SortOrder wanted = ConnectionFilterModel::defaultSortOrder(section);
    if (section != previous && order != wanted)
        view_->horizontalHeader()->setSortIndicator(section, wanted);
}

void ConnectionsWindow::showHeaderMenu(const QPoint& pos) {
    QHeaderView* header = view_->horizontalHeader();
    const int column = header->logicalIndexAt(pos);
    QMenu menu(this);
    if (column >= 0) {
        const QString title = model_->headerData(column, Qt::Horizontal).toString();
        menu.addAction(tr("Filter “%1”…").arg(title), this, [this, column] { editColumnFilter(column); });
    }
    QAction* clear = menu.addAction(tr("Clear column filters"), this, [this] {
        filter_->clearColumnFilters();
        updateColumnFilterButton();
    });
    clear->setEnabled(columnFilterAction_->isVisible());
    menu.addSection(tr("Columns"));
    for (int c = 0; c < model_->columnCount(); ++c) {
        QAction* a = menu.addAction(model_->headerData(c, Qt::Horizontal).toString());
        a->setCheckable(true);
        a->setChecked(!header->isSectionHidden(c));
        connect(a, &QAction::toggled, header, [header, c](bool on) { header->setSectionHidden(c, !on); });
    }
    menu.addSeparator();
    menu.addAction(tr("Reset columns"), this, &ConnectionsWindow::resetLayout);
    menu.exec(header->mapToGlobal(pos));
}

void ConnectionsWindow::editColumnFilter(int column) {
    const QString title = model_->headerData(column, Qt::Horizontal).toString();
    bool ok = false;
    const QString text = QInputDialog::getText(this, tr("Filter a column"),
                                               tr("Show only rows whose “%1” contains:").arg(title),
                                               QLineEdit::Normal, filter_->columnFilter(column), &ok);
    if (!ok)
        return;
    filter_->setColumnFilter(column, text);
    updateColumnFilterButton();
}

void ConnectionsWindow::updateColumnFilterButton() {
    QStringList active;
    for (int c = 0; c < ConnectionModel::ColumnCount; ++c) {
        if (!filter_->columnFilter(c).isEmpty())
            active << tr("%1 contains “%2”")
                          .arg(model_->headerData(c, Qt::Horizontal).toString(), filter_->columnFilter(c));
    }
    columnFilterButton_->setText(tr("%n column filter(s)", nullptr, int(active.size())));
    columnFilterButton_->setToolTip(active.join(QLatin1Char('\n')) + QLatin1Char('\n') +
                                    tr("Click to remove the column filters"));
    columnFilterAction_->setVisible(!active.isEmpty());
    scheduleCount();
}

QList<int> ConnectionsWindow::selectedRows() const {
    QList<int> rows;
    for (const QModelIndex& index : view_->selectionModel()->selectedRows())
        rows << index.row();
    std::sort(rows.begin(), rows.end()); // view order
    return rows;
}

QList<int> ConnectionsWindow::visibleColumns() const {
    QList<int> columns;
    const QHeaderView* header = view_->horizontalHeader();
    for (int v = 0; v < header->count(); ++v) {
        const int c = header->logicalIndex(v);
        if (!header->isSectionHidden(c))
            columns << c;
    }
    return columns;
}

QList<quint64> ConnectionsWindow::openIds(const QList<int>& proxyRows) const {
    QList<quint64> ids;
    for (int row : proxyRows) {
        const int source = filter_->mapToSource(filter_->index(row, 0)).row();
        if (source >= 0 && !ConnectionModel::isFinished(model_->connectionAt(source)))
            ids << model_->connectionAt(source).id;
    }
    return ids;
}

void ConnectionsWindow::closeRows(const QList<int>& proxyRows, bool all) {
    const QList<quint64> ids = openIds(proxyRows);
    if (ids.isEmpty()) {
        showNotice(all ? tr("None of the shown connections is still open.")
                       : tr("Select one or more open connections to close them."));
        return;
    }
    const QString question = all ? tr("Close all %n shown open connection(s)?", nullptr, int(ids.size()))
                                 : tr("Close %n selected connection(s)?", nullptr, int(ids.size()));
    const auto answer = QMessageBox::question(
        this, tr("Close connections"),
        question + QStringLiteral("\n\n") +
            tr("Both ends are reset: the programs see the connection fail and may open a new one."),
        QMessageBox::Yes | QMessageBox::Cancel, QMessageBox::Cancel);
    if (answer == QMessageBox::Yes)
        client_->closeConnections(ids);
}

void ConnectionsWindow::copySelection() {
    const QList<int> rows = selectedRows();
    if (!rows.isEmpty())
        QApplication::clipboard()->setText(
            ConnectionExport::toClipboardText(filter_, rows, visibleColumns()));
}

void ConnectionsWindow::exportView() {
    QString chosenFilter;
    QString path =
        QFileDialog::getSaveFileName(this, tr("Export connections"), QStringLiteral("weir-connections.csv"),
                                     tr("CSV (*.csv);;JSON (*.json)"), &chosenFilter);
    if (path.isEmpty())
        return;
    const bool json = path.endsWith(QLatin1String(".json"), Qt::CaseInsensitive) ||
                      (!path.endsWith(QLatin1String(".csv"), Qt::CaseInsensitive) &&
                       chosenFilter.contains(QLatin1String("json"), Qt::CaseInsensitive));
    QList<int> rows;
    for (int r = 0; r < filter_->rowCount(); ++r)
        rows << r;
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly) ||
        file.write(json ? ConnectionExport::toJson(filter_, rows)
                        : ConnectionExport::toCsv(filter_, rows, visibleColumns())) < 0 ||
        !file.commit()) {
        showError(tr("Could not write %1: %2. Choose another place.").arg(path, file.errorString()));
        return;
    }
    showNotice(tr("Exported %n connection(s) to %1.", nullptr, int(rows.size())).arg(path));
}

} // namespace weir
