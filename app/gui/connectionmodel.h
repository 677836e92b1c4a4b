// ConnectionModel: the helper's connection table as a Qt item model, one row per connection id.
//
// Rows are keyed by id, never by position: a feed updates rows in place (dataChanged limited to the
// rows and columns that changed), appends new ids in one insert and removes vanished ids in contiguous
// ranges, so selections and persistent indexes stay on their connection. The model is never reset
// for an update (a reset loses the view's selection and scroll position).
#pragma once

#include <QAbstractTableModel>
#include <QHash>
#include <QList>
#include <QVector>

#include <functional>

#include "interface/connectioninfo.h"

namespace weir {

class ConnectionModel : public QAbstractTableModel {
    Q_OBJECT
public:
    enum Column {
        StateColumn,
        ProtocolColumn,
        ModeColumn,
        SourceColumn,
        DestinationColumn,
        SentColumn,
        ReceivedColumn,
        StartedColumn,
        DurationColumn,
        CloseReasonColumn,
        ColumnCount
    };
    Q_ENUM(Column)

    enum Role {
        // The unformatted value (bytes as quint64, times as ms since the epoch, durations in ms,
        // texts as the helper sent them): for export and copy.
        RawValueRole = Qt::UserRole,
        // A key that sorts correctly: numbers as numbers, addresses numerically (IPv4 before IPv6).
        SortRole,
        IdRole, // the connection id (quint64), on every column
    };

    explicit ConnectionModel(QObject* parent = nullptr);

    // A full list from the helper: rows for ids not in it are removed, the others updated or added.
    void applySnapshot(const ConnectionInfoList& connections);
    // Deltas: add or update the given connections / remove the given ids. Unknown ids are ignored.
    void upsert(const ConnectionInfoList& connections);
    void remove(const QList<quint64>& ids);
    void clear();

    // Open connections' durations run against this clock. setCurrentTime() refreshes the Duration
    // column in one dataChanged; the window calls it once a second. Defaults to the system clock.
    void setCurrentTime(qint64 msSinceEpoch);
    qint64 currentTime() const { return now_; }

    int rowOf(quint64 id) const { return rowById_.value(id, -1); }
    const ConnectionInfo& connectionAt(int row) const { return rows_.at(row); }
    int activeCount() const;

    // QAbstractItemModel
    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

    static bool isFinished(const ConnectionInfo& c);
    static QString stateText(const QString& state);

private:
    QVariant displayData(const ConnectionInfo& c, int column) const;
    QVariant rawData(const ConnectionInfo& c, int column) const;
    QVariant sortData(const ConnectionInfo& c, int column) const;
    qint64 durationMs(const ConnectionInfo& c) const;
    void removeRowsSorted(QList<int> rows);
    void reindexFrom(int row);

    QVector<ConnectionInfo> rows_;
    QHash<quint64, int> rowById_;
    qint64 now_ = 0;
};

} // namespace weir
