// ConnectionModel: the helper's connection table as a Qt item model, one row per connection id.
//
// Rows are keyed by id, never by position: a feed updates rows in place (dataChanged limited to the
// rows and columns that changed), appends new ids in one insert and removes vanished ids in contiguous
// ranges, so selections and persistent indexes stay on their connection. The model is never reset
// for an update (a reset loses the view's selection and scroll position).
#pragma once

#include <QAbstractTableModel>
#include <QByteArray>
#include <QHash>
#include <QList>
#include <QVector>

#include "interface/connectioninfo.h"

namespace weir {

class ConnectionModel : public QAbstractTableModel {
    Q_OBJECT
public:
    // The order agreed in API7.md. Protocol, Mode, User and Interface are hidden by default (the
    // window decides): they sit where hiding them leaves the useful columns together.
    enum Column {
        StateColumn,
        ProcessColumn,
        UserColumn,
        SourceColumn,
        DestinationColumn,
        HostColumn,
        UpstreamColumn,
        InterfaceColumn,
        SentColumn,
        ReceivedColumn,
        SendRateColumn,
        ReceiveRateColumn,
        StartedColumn,
        DurationColumn,
        CloseReasonColumn,
        ProtocolColumn,
        ModeColumn,
        ColumnCount
    };
    Q_ENUM(Column)

    enum Role {
        // The unformatted value (bytes and rates as quint64, times as ms since the epoch, durations
        // in ms, texts as the helper sent them): for export and copy.
        RawValueRole = Qt::UserRole,
        // A key that sorts correctly: numbers as numbers, addresses numerically (IPv4 before IPv6).
        SortRole,
        IdRole,     // the connection id (quint64), on every column
        BusMapRole, // the whole row as the bus keys (QVariantMap, duration_ms up to date), any column
    };

    explicit ConnectionModel(QObject* parent = nullptr);

    // A full list from the helper (GetConnections): rows for ids not in it are removed, the others
    // updated or added.
    void applySnapshot(const ConnectionInfoList& connections);
    // One ConnectionsChanged signal: updates merged into their rows (ConnectionInfo::merge), then
    // removals, then additions (an added id already present replaces that row). Unknown ids ignored.
    void applyDelta(const ConnectionsDelta& delta);
    // Lower-level feeds: add or replace whole rows / remove the given ids.
    void upsert(const ConnectionInfoList& connections);
    void remove(const QList<quint64>& ids);
    void clear();

    // Open connections' durations run against this clock. setCurrentTime() refreshes the Duration
    // column in one dataChanged; the window calls it once a second. Defaults to the system clock.
    void setCurrentTime(qint64 msSinceEpoch);
    qint64 currentTime() const { return now_; }

    // The column a sorting proxy above sorts on (-1: none, or one that keeps few rows): many changes
    // in it are announced in one dataChanged, so the proxy re-sorts once per batch instead of once
    // per row. ConnectionFilterModel sets it; with several proxies, the last one's hint holds.
    void setSortColumnHint(int column);

    int rowOf(quint64 id) const { return rowById_.value(id, -1); }
    const ConnectionInfo& connectionAt(int row) const { return rows_.at(row).info; }
    int activeCount() const;
    // How the row's connection has lasted so far (open: against currentTime()).
    qint64 durationMs(const ConnectionInfo& c) const;

    // Compares two rows on a column's sort key as SortRole would, without building QVariants:
    // negative, zero or positive. The filter model sorts with it.
    int compare(int rowA, int rowB, int column) const;

    // QAbstractItemModel
    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

    static bool isFinished(const ConnectionInfo& c);
    static QString stateText(const QString& state);
    // connecting, established, closing, closed, failed, then anything unknown: the State sort key.
    static int stateRank(const QString& state);
    // The core's close reasons in the user's words ("reset by destination" -> "Reset by the
    // server"); an unknown reason is shown as it is.
    static QString closeReasonText(const QString& reason);
    // A stable, untranslated name per column (CSV header): mostly the bus key it shows.
    static QString columnKey(int column);
    // Numbers and times are read largest / newest first; texts A to Z.
    static bool isNumericColumn(int column);

private:
    struct Row {
        ConnectionInfo info;
        // Address sort keys, computed when the address changes rather than per comparison.
        QByteArray sourceKey;
        QByteArray destinationKey;
        // Started as shown, made on first paint: formatting a local time costs a time zone lookup.
        mutable QString startedText;
    };
    static Row makeRow(ConnectionInfo c);
    static void refreshKeys(Row* row, const ConnectionInfo& before);

    const QString& startedText(const Row& row) const;
    void updateToday();
    QVariant displayData(const ConnectionInfo& c, int column) const;
    QVariant rawData(const ConnectionInfo& c, int column) const;
    QVariant sortData(const Row& r, int column) const;
    QVariant toolTipData(const ConnectionInfo& c, int column) const;
    // Row updates: the new values of existing rows, emitted as coalesced dataChanged rectangles.
    struct Change {
        int row;
        quint32 columns; // bit per changed column
        ConnectionInfo value;
    };
    void applyChanges(QVector<Change> changes);
    void storeChange(Change& change);
    void emitRuns(QVector<Change>& changes);
    void appendRows(ConnectionInfoList added);
    void removeRowsSorted(QList<int> rows);
    void reindexFrom(int row);

    QVector<Row> rows_;
    QHash<quint64, int> rowById_;
    qint64 now_ = 0;
    int sortColumnHint_ = -1;
    // Today in local time, [start, end) in ms: Started shows only the time of day for these.
    qint64 todayStartMs_ = 0;
    qint64 todayEndMs_ = 0;
};

} // namespace weir
