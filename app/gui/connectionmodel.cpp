// ConnectionModel's rows: the feed (snapshots, deltas), change detection and sort keys. What the
// rows look like (texts, icons, tooltips) is in connectionmodeldata.cpp.
#include "gui/connectionmodel.h"

#include <QDateTime>
#include <QHostAddress>
#include <QSet>
#include <QtEndian>

#include <algorithm>
#include <bit>

namespace weir {

namespace {

constexpr quint32 bit(int column) {
    return quint32(1) << column;
}
constexpr quint32 kAllColumns = (quint32(1) << ConnectionModel::ColumnCount) - 1;
static_assert(ConnectionModel::ColumnCount <= 32, "one bit per column");
// More changed rows than this in the hinted sort column go out as one dataChanged (applyChanges).
constexpr qsizetype kMaxChangeSignals = 8;

// The columns whose display, tooltip or sort key a change between a and b touches. A state change
// touches the whole row: the state decides the row's colour.
quint32 changedColumns(const ConnectionInfo& a, const ConnectionInfo& b) {
    using M = ConnectionModel;
    if (a.state != b.state)
        return kAllColumns;
    quint32 m = 0;
    const auto mark = [&m](bool changed, quint32 columns) {
        if (changed)
            m |= columns;
    };
    mark(a.process != b.process || a.pid != b.pid || a.exe != b.exe, bit(M::ProcessColumn));
    mark(a.user != b.user || a.uid != b.uid, bit(M::UserColumn) | bit(M::ProcessColumn)); // tooltip
    mark(a.source != b.source, bit(M::SourceColumn));
    mark(a.destination != b.destination, bit(M::DestinationColumn));
    mark(a.host != b.host, bit(M::HostColumn));
    mark(a.via != b.via, bit(M::UpstreamColumn));
    mark(a.interfaceName != b.interfaceName, bit(M::InterfaceColumn));
    mark(a.bytesSent != b.bytesSent, bit(M::SentColumn));
    mark(a.bytesReceived != b.bytesReceived, bit(M::ReceivedColumn));
    mark(a.rateSent != b.rateSent, bit(M::SendRateColumn));
    mark(a.rateReceived != b.rateReceived, bit(M::ReceiveRateColumn));
    mark(a.startedMs != b.startedMs, bit(M::StartedColumn) | bit(M::DurationColumn));
    mark(a.closedMs != b.closedMs || a.durationMs != b.durationMs, bit(M::DurationColumn));
    mark(a.closeReason != b.closeReason, bit(M::CloseReasonColumn) | bit(M::StateColumn)); // tooltip
    mark(a.protocol != b.protocol, bit(M::ProtocolColumn));
    mark(a.mode != b.mode, bit(M::ModeColumn));
    return m;
}

int firstColumn(quint32 mask) {
    return std::countr_zero(mask);
}
int lastColumn(quint32 mask) {
    return 31 - std::countl_zero(mask);
}

// "ip:port" or "[ip]:port" as 16 address bytes (IPv4 mapped into IPv6) plus the port, big endian,
// so addresses sort numerically. Anything unparsable sorts after every address, by its text.
QByteArray addressSortKey(const QString& endpoint) {
    const int colon = endpoint.lastIndexOf(QLatin1Char(':'));
    bool portOk = false;
    const uint port = colon > 0 ? QStringView(endpoint).mid(colon + 1).toUInt(&portOk) : 0;
    QString host = colon > 0 ? endpoint.left(colon) : endpoint;
    if (host.startsWith(QLatin1Char('[')) && host.endsWith(QLatin1Char(']')))
        host = host.mid(1, host.size() - 2);
    QHostAddress address;
    if (!portOk || port > 0xffff || !address.setAddress(host))
        return QByteArray(1, '\xff') + endpoint.toUtf8();
    bool isV4 = false;
    const quint32 v4 = address.toIPv4Address(&isV4);
    Q_IPV6ADDR v6 = address.toIPv6Address();
    if (isV4) { // ::ffff:a.b.c.d
        v6 = Q_IPV6ADDR{};
        v6[10] = v6[11] = 0xff;
        qToBigEndian(v4, v6.c + 12);
    }
    QByteArray key(reinterpret_cast<const char*>(v6.c), 16);
    const quint16 bePort = qToBigEndian(quint16(port));
    key.append(reinterpret_cast<const char*>(&bePort), 2);
    return key;
}

template <typename T> int threeWay(const T& a, const T& b) {
    return a < b ? -1 : (b < a ? 1 : 0);
}

int compareText(const QString& a, const QString& b) {
    return QString::compare(a, b, Qt::CaseInsensitive);
}

} // namespace

ConnectionModel::ConnectionModel(QObject* parent)
    : QAbstractTableModel(parent)
    , now_(QDateTime::currentMSecsSinceEpoch()) {
    updateToday();
}

ConnectionModel::Row ConnectionModel::makeRow(ConnectionInfo c) {
    Row row;
    row.sourceKey = addressSortKey(c.source);
    row.destinationKey = addressSortKey(c.destination);
    row.info = std::move(c);
    return row;
}

void ConnectionModel::refreshKeys(Row* row, const ConnectionInfo& before) {
    if (row->info.source != before.source)
        row->sourceKey = addressSortKey(row->info.source);
    if (row->info.destination != before.destination)
        row->destinationKey = addressSortKey(row->info.destination);
    if (row->info.startedMs != before.startedMs)
        row->startedText.clear();
}

void ConnectionModel::applySnapshot(const ConnectionInfoList& connections) {
    QSet<quint64> present;
    present.reserve(connections.size());
    for (const ConnectionInfo& c : connections)
        present.insert(c.id);
    QList<int> vanished;
    for (int row = 0; row < rows_.size(); ++row) {
        if (!present.contains(rows_.at(row).info.id))
            vanished.append(row);
    }
    removeRowsSorted(std::move(vanished));
    upsert(connections);
}

void ConnectionModel::upsert(const ConnectionInfoList& connections) {
    QVector<Change> changes;
    QHash<int, int> changeIndex; // a feed may repeat an id: the later entry wins
    ConnectionInfoList added;
    for (const ConnectionInfo& c : connections) {
        const int row = rowOf(c.id);
        if (row < 0) {
            added.append(c);
        } else if (auto it = changeIndex.constFind(row); it != changeIndex.constEnd()) {
            changes[*it].value = c;
        } else {
            changeIndex.insert(row, int(changes.size()));
            changes.append({row, 0, c});
        }
    }
    applyChanges(std::move(changes));
    appendRows(std::move(added));
}

void ConnectionModel::applyDelta(const ConnectionsDelta& delta) {
    const QSet<quint64> removed(delta.removed.cbegin(), delta.removed.cend());
    QVector<Change> changes;
    changes.reserve(delta.updated.size());
    QHash<int, int> changeIndex;
    const auto pendingValue = [&](int row) -> ConnectionInfo& {
        auto it = changeIndex.constFind(row);
        if (it == changeIndex.constEnd()) {
            it = changeIndex.insert(row, int(changes.size()));
            changes.append({row, 0, rows_.at(row).info});
        }
        return changes[*it].value;
    };
    static const QString idKey = QStringLiteral("id");
    for (const QVariantMap& partial : delta.updated) {
        const quint64 id = partial.value(idKey).toULongLong();
        const int row = rowOf(id);
        if (row < 0 || removed.contains(id))
            continue;
        ConnectionInfo& value = pendingValue(row);
        if (!value.merge(partial))
            qWarning("ConnectionModel: ignored an update of connection %llu with a value of the wrong type",
                     id);
    }
    ConnectionInfoList added;
    for (const ConnectionInfo& c : delta.added) {
        if (removed.contains(c.id))
            continue; // opened and forgotten within one interval
        const int row = rowOf(c.id);
        if (row >= 0)
            pendingValue(row) = c; // already known (a repeated add): the whole row is replaced
        else
            added.append(c);
    }
    applyChanges(std::move(changes));
    remove(delta.removed);
    appendRows(std::move(added));
}

void ConnectionModel::applyChanges(QVector<Change> changes) {
    for (Change& ch : changes)
        ch.columns = changedColumns(rows_.at(ch.row).info, ch.value);
    changes.removeIf([](const Change& ch) { return ch.columns == 0; });
    if (changes.isEmpty())
        return;
    std::sort(changes.begin(), changes.end(), [](const Change& a, const Change& b) { return a.row < b.row; });
    // A sorting proxy handles each signal that touches its sort column by moving the rows and
    // announcing a new layout: a pass over all its rows per signal. Many such rows (a feed's usual
    // batch when the view sorts on bytes or rates) therefore go out as one rectangle from the first
    // to the last of them: one re-sort per batch. The other rows keep a signal per run of adjacent
    // rows, which costs a proxy next to nothing.
    QVector<Change> sortKeyChanges;
    if (sortColumnHint_ >= 0) {
        const quint32 key = bit(sortColumnHint_);
        const auto touchesKey = [key](const Change& ch) { return (ch.columns & key) != 0; };
        if (std::count_if(changes.cbegin(), changes.cend(), touchesKey) > kMaxChangeSignals) {
            std::copy_if(changes.cbegin(), changes.cend(), std::back_inserter(sortKeyChanges), touchesKey);
            changes.removeIf(touchesKey);
        }
    }
    emitRuns(changes);
    if (!sortKeyChanges.isEmpty()) {
        quint32 all = 0;
        for (Change& ch : sortKeyChanges) {
            all |= ch.columns;
            storeChange(ch);
        }
        Q_EMIT dataChanged(index(sortKeyChanges.first().row, firstColumn(all)),
                           index(sortKeyChanges.last().row, lastColumn(all)));
    }
}

// A row's data changes together with its signal: QSortFilterProxyModel re-sorts a changed row by
// comparing it with its neighbours, which must not hold changes it has not been told about yet.
void ConnectionModel::storeChange(Change& change) {
    Row& row = rows_[change.row];
    const ConnectionInfo before = std::exchange(row.info, std::move(change.value));
    refreshKeys(&row, before);
}

// changes: sorted by row. Adjacent changed rows go out as one rectangle.
void ConnectionModel::emitRuns(QVector<Change>& changes) {
    qsizetype i = 0;
    while (i < changes.size()) {
        const int first = changes.at(i).row;
        quint32 columns = changes.at(i).columns;
        storeChange(changes[i]);
        int last = first;
        while (i + 1 < changes.size() && changes.at(i + 1).row == last + 1) {
            ++i;
            last = changes.at(i).row;
            columns |= changes.at(i).columns;
            storeChange(changes[i]);
        }
        ++i;
        Q_EMIT dataChanged(index(first, firstColumn(columns)), index(last, lastColumn(columns)));
    }
}

void ConnectionModel::setSortColumnHint(int column) {
    sortColumnHint_ = column >= 0 && column < ColumnCount ? column : -1;
}

void ConnectionModel::appendRows(ConnectionInfoList added) {
    // A feed may repeat a new id: the later entry wins.
    QHash<quint64, qsizetype> seen;
    ConnectionInfoList unique;
    unique.reserve(added.size());
    for (ConnectionInfo& c : added) {
        if (auto it = seen.constFind(c.id); it != seen.constEnd()) {
            unique[*it] = std::move(c);
        } else {
            seen.insert(c.id, unique.size());
            unique.append(std::move(c));
        }
    }
    if (unique.isEmpty())
        return;
    const int first = int(rows_.size());
    beginInsertRows({}, first, first + int(unique.size()) - 1);
    // No reserve(): an exact one would copy the whole table on every batch instead of growing it
    // geometrically.
    for (ConnectionInfo& c : unique) {
        rowById_.insert(c.id, int(rows_.size()));
        rows_.append(makeRow(std::move(c)));
    }
    endInsertRows();
}

void ConnectionModel::remove(const QList<quint64>& ids) {
    QList<int> rows;
    rows.reserve(ids.size());
    for (quint64 id : ids) {
        const int row = rowOf(id);
        if (row >= 0)
            rows.append(row);
    }
    std::sort(rows.begin(), rows.end());
    rows.erase(std::unique(rows.begin(), rows.end()), rows.end());
    removeRowsSorted(std::move(rows));
}

void ConnectionModel::clear() {
    if (rows_.isEmpty())
        return;
    beginRemoveRows({}, 0, int(rows_.size()) - 1);
    rows_.clear();
    rowById_.clear();
    endRemoveRows();
}

// rows: ascending, unique. Removes contiguous ranges from the back so earlier row numbers stay valid;
// the id index is rebuilt once at the end.
void ConnectionModel::removeRowsSorted(QList<int> rows) {
    if (rows.isEmpty())
        return;
    qsizetype i = rows.size() - 1;
    while (i >= 0) {
        const int last = rows.at(i);
        int first = last;
        while (i > 0 && rows.at(i - 1) == first - 1)
            first = rows.at(--i);
        --i;
        beginRemoveRows({}, first, last);
        for (int row = first; row <= last; ++row)
            rowById_.remove(rows_.at(row).info.id);
        rows_.remove(first, last - first + 1);
        endRemoveRows();
    }
    reindexFrom(rows.first());
}

void ConnectionModel::reindexFrom(int row) {
    for (int r = row; r < rows_.size(); ++r)
        rowById_[rows_.at(r).info.id] = r;
}

void ConnectionModel::setCurrentTime(qint64 msSinceEpoch) {
    if (msSinceEpoch == now_)
        return;
    now_ = msSinceEpoch;
    int first = DurationColumn;
    if (now_ < todayStartMs_ || now_ >= todayEndMs_) { // a new day: yesterday's times get their date
        updateToday();
        for (const Row& row : std::as_const(rows_))
            row.startedText.clear();
        first = StartedColumn;
    }
    if (!rows_.isEmpty())
        Q_EMIT dataChanged(index(0, first), index(int(rows_.size()) - 1, DurationColumn));
}

void ConnectionModel::updateToday() {
    const QDate today = QDateTime::fromMSecsSinceEpoch(now_).date();
    todayStartMs_ = today.startOfDay().toMSecsSinceEpoch();
    todayEndMs_ = today.addDays(1).startOfDay().toMSecsSinceEpoch();
}

int ConnectionModel::activeCount() const {
    return int(std::count_if(rows_.cbegin(), rows_.cend(), [](const Row& r) { return !isFinished(r.info); }));
}

bool ConnectionModel::isFinished(const ConnectionInfo& c) {
    return c.state == QLatin1String("closed") || c.state == QLatin1String("failed");
}

qint64 ConnectionModel::durationMs(const ConnectionInfo& c) const {
    if (isFinished(c) && c.durationMs > 0)
        return c.durationMs; // the helper's own figure once it is final
    if (c.startedMs <= 0)
        return 0;
    const qint64 end = c.closedMs > 0 ? c.closedMs : now_;
    return std::max<qint64>(0, end - c.startedMs);
}

int ConnectionModel::compare(int rowA, int rowB, int column) const {
    const Row& ra = rows_.at(rowA);
    const Row& rb = rows_.at(rowB);
    const ConnectionInfo& a = ra.info;
    const ConnectionInfo& b = rb.info;
    switch (column) {
    case StateColumn:
        return threeWay(stateRank(a.state), stateRank(b.state));
    case ProcessColumn:
        return compareText(a.process, b.process);
    case UserColumn:
        return compareText(a.user, b.user);
    case SourceColumn:
        return threeWay(ra.sourceKey, rb.sourceKey);
    case DestinationColumn:
        return threeWay(ra.destinationKey, rb.destinationKey);
    case HostColumn:
        return compareText(a.host, b.host);
    case UpstreamColumn:
        return compareText(a.via, b.via);
    case InterfaceColumn:
        return compareText(a.interfaceName, b.interfaceName);
    case SentColumn:
        return threeWay(a.bytesSent, b.bytesSent);
    case ReceivedColumn:
        return threeWay(a.bytesReceived, b.bytesReceived);
    case SendRateColumn:
        return threeWay(a.rateSent, b.rateSent);
    case ReceiveRateColumn:
        return threeWay(a.rateReceived, b.rateReceived);
    case StartedColumn:
        return threeWay(a.startedMs, b.startedMs);
    case DurationColumn:
        return threeWay(durationMs(a), durationMs(b));
    case CloseReasonColumn:
        return compareText(a.closeReason, b.closeReason);
    case ProtocolColumn:
        return compareText(a.protocol, b.protocol);
    case ModeColumn:
        return compareText(a.mode, b.mode);
    default:
        return 0;
    }
}

QVariant ConnectionModel::sortData(const Row& r, int column) const {
    switch (column) {
    case StateColumn:
        return stateRank(r.info.state);
    case SourceColumn:
        return r.sourceKey;
    case DestinationColumn:
        return r.destinationKey;
    default:
        return rawData(r.info, column);
    }
}

} // namespace weir
