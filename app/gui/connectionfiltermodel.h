// ConnectionFilterModel: what the connections window shows of a ConnectionModel, and in which order.
//
// Filters: a quick filter (every word must occur in the process, host, source or destination,
// ignoring case; an address and a port are both parts of "ip:port"), one text per column (a
// substring of the cell's display text) and whether closed connections are shown. Each filter is
// prepared once when it is set (lower-cased words, no regular expression) and the rows are
// re-filtered only when a filter really changed.
//
// Sorting runs on the model's sort keys with the connection id as the last tie-break, so the order
// is total: rows with equal values never swap places when an update arrives.
#pragma once

#include <QHash>
#include <QSortFilterProxyModel>
#include <QStringMatcher>
#include <QStringList>
#include <QVector>

namespace weir {

class ConnectionModel;

class ConnectionFilterModel : public QSortFilterProxyModel {
    Q_OBJECT
public:
    explicit ConnectionFilterModel(QObject* parent = nullptr);

    // Must be a ConnectionModel (anything else shows no rows).
    void setSourceModel(QAbstractItemModel* model) override;
    ConnectionModel* connectionModel() const { return model_; }

    void setQuickFilter(const QString& text);
    QString quickFilter() const { return quickFilter_; }
    // An empty text removes the column's filter.
    void setColumnFilter(int column, const QString& text);
    QString columnFilter(int column) const;
    void clearColumnFilters();
    bool hasFilter() const; // any quick or column filter (showClosed does not count)

    void setShowClosed(bool show);
    bool showClosed() const { return showClosed_; }

    void sort(int column, Qt::SortOrder order = Qt::AscendingOrder) override;

    // The order a first click on a column's header should sort in: numbers and times descending
    // (the biggest, fastest, newest first), texts ascending.
    static Qt::SortOrder defaultSortOrder(int column);

    // The source rows of the given proxy rows, e.g. for "close all filtered".
    QList<quint64> idsOfRows(const QList<int>& proxyRows) const;
    QList<quint64> allIds() const;

protected:
    bool filterAcceptsRow(int sourceRow, const QModelIndex& sourceParent) const override;
    bool lessThan(const QModelIndex& left, const QModelIndex& right) const override;

private:
    bool matchesQuickFilter(int sourceRow) const;
    bool matchesColumnFilters(int sourceRow) const;
    void updateSortHint();
    void forgetQuickMatches(const QModelIndex& topLeft, const QModelIndex& bottomRight);

    ConnectionModel* model_ = nullptr;
    QString quickFilter_;
    QStringList quickWords_;              // the quick filter split on spaces
    QList<QStringMatcher> quickMatchers_; // one per word, case-insensitive, built once
    // The quick filter's answer per connection id: a change anywhere in a row (the clock's Duration
    // column, every row once a second) makes the proxy re-test it, but the answer changes only with
    // the process, the host or the addresses.
    mutable QHash<quint64, bool> quickMatches_;
    QVector<QString> columnFilters_;
    bool hasColumnFilter_ = false;
    bool showClosed_ = true;
};

} // namespace weir
