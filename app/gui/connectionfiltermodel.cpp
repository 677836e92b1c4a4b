#include "gui/connectionfiltermodel.h"

#include <algorithm>
#include <numeric>

#include "gui/connectionmodel.h"

namespace weir {

ConnectionFilterModel::ConnectionFilterModel(QObject* parent)
    : QSortFilterProxyModel(parent)
    , columnFilters_(ConnectionModel::ColumnCount) {
    setSortRole(ConnectionModel::SortRole);
    setDynamicSortFilter(true);
}

void ConnectionFilterModel::setSourceModel(QAbstractItemModel* model) {
    if (model_) {
        model_->setSortColumnHint(-1);
        disconnect(model_, nullptr, this, nullptr);
    }
    model_ = qobject_cast<ConnectionModel*>(model);
    quickMatches_.clear();
    // Connected before the base class connects its own handler, so the cached answers of changed rows
    // are gone before it re-tests them.
    if (model_)
        connect(model_, &QAbstractItemModel::dataChanged, this, &ConnectionFilterModel::forgetQuickMatches);
    QSortFilterProxyModel::setSourceModel(model);
    updateSortHint();
}

void ConnectionFilterModel::setQuickFilter(const QString& text) {
    const QStringList words = text.simplified().split(QLatin1Char(' '), Qt::SkipEmptyParts);
    quickFilter_ = text;
    if (words == quickWords_)
        return;
    quickWords_ = words;
    quickMatchers_.clear();
    quickMatches_.clear();
    for (const QString& word : words)
        quickMatchers_.append(QStringMatcher(word, Qt::CaseInsensitive));
    invalidateRowsFilter();
    updateSortHint();
}

void ConnectionFilterModel::setColumnFilter(int column, const QString& text) {
    if (column < 0 || column >= columnFilters_.size())
        return;
    const QString filter = text.trimmed();
    if (filter == columnFilters_.at(column))
        return;
    columnFilters_[column] = filter;
    hasColumnFilter_ = std::any_of(columnFilters_.cbegin(), columnFilters_.cend(),
                                   [](const QString& f) { return !f.isEmpty(); });
    invalidateRowsFilter();
    updateSortHint();
}

QString ConnectionFilterModel::columnFilter(int column) const {
    return columnFilters_.value(column);
}

void ConnectionFilterModel::clearColumnFilters() {
    if (!hasColumnFilter_)
        return;
    columnFilters_.fill(QString());
    hasColumnFilter_ = false;
    invalidateRowsFilter();
    updateSortHint();
}

bool ConnectionFilterModel::hasFilter() const {
    return !quickWords_.isEmpty() || hasColumnFilter_;
}

void ConnectionFilterModel::setShowClosed(bool show) {
    if (show == showClosed_)
        return;
    showClosed_ = show;
    invalidateRowsFilter();
}

void ConnectionFilterModel::sort(int column, Qt::SortOrder order) {
    QSortFilterProxyModel::sort(column, order);
    updateSortHint();
}

// One dataChanged for a batch makes this proxy test its filter on every row in the range and
// re-sort all it shows; a signal per row makes it re-sort once per shown row that changed. The first
// is cheaper when all rows are shown, the second when a filter keeps only some (the filter test
// itself is the larger cost then).
void ConnectionFilterModel::updateSortHint() {
    if (model_)
        model_->setSortColumnHint(hasFilter() ? -1 : sortColumn());
}

Qt::SortOrder ConnectionFilterModel::defaultSortOrder(int column) {
    return ConnectionModel::isNumericColumn(column) ? Qt::DescendingOrder : Qt::AscendingOrder;
}

QList<quint64> ConnectionFilterModel::idsOfRows(const QList<int>& proxyRows) const {
    QList<quint64> ids;
    ids.reserve(proxyRows.size());
    for (int row : proxyRows) {
        const QModelIndex source = mapToSource(index(row, 0));
        if (source.isValid() && model_)
            ids.append(model_->connectionAt(source.row()).id);
    }
    return ids;
}

QList<quint64> ConnectionFilterModel::allIds() const {
    QList<int> rows(rowCount());
    std::iota(rows.begin(), rows.end(), 0);
    return idsOfRows(rows);
}

bool ConnectionFilterModel::filterAcceptsRow(int sourceRow, const QModelIndex& sourceParent) const {
    if (!model_ || sourceParent.isValid())
        return false;
    if (!showClosed_ && ConnectionModel::isFinished(model_->connectionAt(sourceRow)))
        return false;
    return matchesQuickFilter(sourceRow) && matchesColumnFilters(sourceRow);
}

void ConnectionFilterModel::forgetQuickMatches(const QModelIndex& topLeft, const QModelIndex& bottomRight) {
    if (quickMatches_.isEmpty())
        return;
    static constexpr int kMatched[] = {ConnectionModel::ProcessColumn, ConnectionModel::SourceColumn,
                                       ConnectionModel::DestinationColumn, ConnectionModel::HostColumn};
    const bool touched = std::any_of(std::begin(kMatched), std::end(kMatched), [&](int column) {
        return column >= topLeft.column() && column <= bottomRight.column();
    });
    if (!touched)
        return;
    if (bottomRight.row() - topLeft.row() > 1000) {
        quickMatches_.clear();
        return;
    }
    for (int row = topLeft.row(); row <= bottomRight.row(); ++row)
        quickMatches_.remove(model_->connectionAt(row).id);
}

bool ConnectionFilterModel::matchesQuickFilter(int sourceRow) const {
    if (quickMatchers_.isEmpty())
        return true;
    const ConnectionInfo& c = model_->connectionAt(sourceRow);
    if (const auto it = quickMatches_.constFind(c.id); it != quickMatches_.cend())
        return *it;
    if (quickMatches_.size() > 2 * model_->rowCount() + 1024)
        quickMatches_.clear(); // answers for connections long gone
    const auto found = [&c](const QStringMatcher& word) {
        return word.indexIn(c.process) >= 0 || word.indexIn(c.host) >= 0 || word.indexIn(c.source) >= 0 ||
               word.indexIn(c.destination) >= 0;
    };
    const bool matches = std::all_of(quickMatchers_.cbegin(), quickMatchers_.cend(), found);
    quickMatches_.insert(c.id, matches);
    return matches;
}

bool ConnectionFilterModel::matchesColumnFilters(int sourceRow) const {
    if (!hasColumnFilter_)
        return true;
    for (int column = 0; column < columnFilters_.size(); ++column) {
        const QString& filter = columnFilters_.at(column);
        if (filter.isEmpty())
            continue;
        const QString text = model_->index(sourceRow, column).data(Qt::DisplayRole).toString();
        if (!text.contains(filter, Qt::CaseInsensitive))
            return false;
    }
    return true;
}

bool ConnectionFilterModel::lessThan(const QModelIndex& left, const QModelIndex& right) const {
    if (!model_)
        return QSortFilterProxyModel::lessThan(left, right);
    const int order = model_->compare(left.row(), right.row(), left.column());
    if (order != 0)
        return order < 0;
    // Ties: by id, so equal rows keep one order whatever arrives.
    return model_->connectionAt(left.row()).id < model_->connectionAt(right.row()).id;
}

} // namespace weir
