#include "gui/connectionmodel.h"

#include <QColor>
#include <QDateTime>
#include <QGuiApplication>
#include <QHostAddress>
#include <QIcon>
#include <QLocale>
#include <QPainter>
#include <QPalette>
#include <QPixmap>
#include <QSet>
#include <QtEndian>

#include <algorithm>

#include "gui/format.h"

namespace weir {

namespace {

// The columns a change of one field touches. A state change touches the whole row: the state
// decides the row's colour.
struct ColumnSpan {
    int first = ConnectionModel::ColumnCount;
    int last = -1;
    void add(int column) {
        first = std::min(first, column);
        last = std::max(last, column);
    }
    bool isEmpty() const { return last < 0; }
};

ColumnSpan changedColumns(const ConnectionInfo& a, const ConnectionInfo& b) {
    using M = ConnectionModel;
    ColumnSpan span;
    if (a.state != b.state) {
        span.add(0);
        span.add(M::ColumnCount - 1);
        return span;
    }
    if (a.protocol != b.protocol)
        span.add(M::ProtocolColumn);
    if (a.mode != b.mode)
        span.add(M::ModeColumn);
    if (a.source != b.source)
        span.add(M::SourceColumn);
    if (a.destination != b.destination)
        span.add(M::DestinationColumn);
    if (a.bytesSent != b.bytesSent)
        span.add(M::SentColumn);
    if (a.bytesReceived != b.bytesReceived)
        span.add(M::ReceivedColumn);
    if (a.startedMs != b.startedMs) {
        span.add(M::StartedColumn);
        span.add(M::DurationColumn);
    }
    if (a.closedMs != b.closedMs)
        span.add(M::DurationColumn);
    if (a.closeReason != b.closeReason) {
        span.add(M::StateColumn); // the state's tooltip carries the reason
        span.add(M::CloseReasonColumn);
    }
    return span;
}

int stateRank(const QString& state) {
    static const QStringList order = {QStringLiteral("connecting"), QStringLiteral("established"),
                                      QStringLiteral("closing"), QStringLiteral("closed"),
                                      QStringLiteral("failed")};
    const int i = order.indexOf(state);
    return i < 0 ? int(order.size()) : i;
}

// "ip:port" or "[ip]:port" as 16 address bytes (IPv4 mapped into IPv6) plus the port, big endian,
// so addresses sort numerically. Anything unparsable sorts after every address, by its text.
QByteArray addressSortKey(const QString& endpoint) {
    const int colon = endpoint.lastIndexOf(QLatin1Char(':'));
    bool portOk = false;
    const uint port = colon > 0 ? endpoint.mid(colon + 1).toUInt(&portOk) : 0;
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

QColor stateColor(const QString& state) {
    switch (stateRank(state)) {
    case 0:
        return QColor(0xd9, 0x96, 0x0f); // connecting: amber
    case 1:
        return QColor(0x2e, 0x9d, 0x4f); // established: green
    case 2:
        return QColor(0x8a, 0xa0, 0x5a); // closing: fading green
    case 3:
        return QColor(0x9a, 0xa0, 0xa8); // closed: grey
    case 4:
        return QColor(0xd3, 0x2f, 0x2f); // failed: red
    default:
        return QColor(0x9a, 0xa0, 0xa8);
    }
}

// A small disc in the state's colour; icons are cached, one per colour.
QIcon stateIcon(const QString& state) {
    static QHash<QRgb, QIcon> cache;
    const QColor color = stateColor(state);
    auto it = cache.find(color.rgb());
    if (it != cache.end())
        return *it;
    QIcon icon;
    for (int size : {16, 32}) {
        QPixmap pm(size, size);
        pm.fill(Qt::transparent);
        QPainter p(&pm);
        p.setRenderHint(QPainter::Antialiasing);
        p.setPen(QPen(color.darker(130), size / 16.0));
        p.setBrush(color);
        const qreal m = size * 0.22;
        p.drawEllipse(QRectF(m, m, size - 2 * m, size - 2 * m));
        p.end();
        icon.addPixmap(pm);
    }
    return *cache.insert(color.rgb(), icon);
}

} // namespace

ConnectionModel::ConnectionModel(QObject* parent)
    : QAbstractTableModel(parent)
    , now_(QDateTime::currentMSecsSinceEpoch()) {}

void ConnectionModel::applySnapshot(const ConnectionInfoList& connections) {
    QSet<quint64> present;
    present.reserve(connections.size());
    for (const ConnectionInfo& c : connections)
        present.insert(c.id);
    QList<int> vanished;
    for (int row = 0; row < rows_.size(); ++row) {
        if (!present.contains(rows_.at(row).id))
            vanished.append(row);
    }
    removeRowsSorted(std::move(vanished));
    upsert(connections);
}

void ConnectionModel::upsert(const ConnectionInfoList& connections) {
    struct Change {
        int row;
        ColumnSpan span;
        const ConnectionInfo* value;
    };
    QVector<Change> changes;
    ConnectionInfoList added;
    QHash<quint64, int> addedIndex; // a feed may repeat an id: the later entry wins
    QHash<int, int> changeIndex;
    for (const ConnectionInfo& c : connections) {
        const int row = rowById_.value(c.id, -1);
        if (row >= 0) {
            if (auto it = changeIndex.constFind(row); it != changeIndex.constEnd())
                changes[*it].value = &c;
            else {
                changeIndex.insert(row, int(changes.size()));
                changes.append({row, {}, &c});
            }
        } else if (auto it = addedIndex.constFind(c.id); it != addedIndex.constEnd()) {
            added[*it] = c;
        } else {
            addedIndex.insert(c.id, int(added.size()));
            added.append(c);
        }
    }

    for (Change& ch : changes)
        ch.span = changedColumns(rows_.at(ch.row), *ch.value);
    changes.removeIf([](const Change& ch) { return ch.span.isEmpty(); });

    // A row's data changes together with its signal: QSortFilterProxyModel re-sorts a changed row by
    // comparing it with its neighbours, which must not hold changes it has not been told about yet.
    if (!changes.isEmpty()) {
        if (changes.size() > rows_.size() / 2) {
            // Many changed rows: one signal for the whole table is cheaper for the views than many.
            ColumnSpan all;
            for (const Change& ch : std::as_const(changes)) {
                rows_[ch.row] = *ch.value;
                all.add(ch.span.first);
                all.add(ch.span.last);
            }
            Q_EMIT dataChanged(index(0, all.first), index(int(rows_.size()) - 1, all.last));
        } else {
            std::sort(changes.begin(), changes.end(),
                      [](const Change& a, const Change& b) { return a.row < b.row; });
            // Adjacent changed rows go out as one rectangle.
            qsizetype i = 0;
            while (i < changes.size()) {
                const int first = changes.at(i).row;
                ColumnSpan span = changes.at(i).span;
                rows_[first] = *changes.at(i).value;
                int last = first;
                while (i + 1 < changes.size() && changes.at(i + 1).row == last + 1) {
                    ++i;
                    last = changes.at(i).row;
                    rows_[last] = *changes.at(i).value;
                    span.add(changes.at(i).span.first);
                    span.add(changes.at(i).span.last);
                }
                ++i;
                Q_EMIT dataChanged(index(first, span.first), index(last, span.last));
            }
        }
    }

    if (!added.isEmpty()) {
        const int first = int(rows_.size());
        beginInsertRows({}, first, first + int(added.size()) - 1);
        rows_.reserve(first + added.size());
        for (ConnectionInfo& c : added) {
            rowById_.insert(c.id, int(rows_.size()));
            rows_.append(std::move(c));
        }
        endInsertRows();
    }
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
            rowById_.remove(rows_.at(row).id);
        rows_.remove(first, last - first + 1);
        endRemoveRows();
    }
    reindexFrom(rows.first());
}

void ConnectionModel::reindexFrom(int row) {
    for (int r = row; r < rows_.size(); ++r)
        rowById_[rows_.at(r).id] = r;
}

void ConnectionModel::setCurrentTime(qint64 msSinceEpoch) {
    if (msSinceEpoch == now_)
        return;
    now_ = msSinceEpoch;
    if (!rows_.isEmpty())
        Q_EMIT dataChanged(index(0, DurationColumn), index(int(rows_.size()) - 1, DurationColumn));
}

int ConnectionModel::activeCount() const {
    return int(
        std::count_if(rows_.cbegin(), rows_.cend(), [](const ConnectionInfo& c) { return !isFinished(c); }));
}

bool ConnectionModel::isFinished(const ConnectionInfo& c) {
    return c.state == QLatin1String("closed") || c.state == QLatin1String("failed");
}

QString ConnectionModel::stateText(const QString& state) {
    switch (stateRank(state)) {
    case 0:
        return tr("Connecting");
    case 1:
        return tr("Established");
    case 2:
        return tr("Closing");
    case 3:
        return tr("Closed");
    case 4:
        return tr("Failed");
    default:
        return state;
    }
}

int ConnectionModel::rowCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : int(rows_.size());
}

int ConnectionModel::columnCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : ColumnCount;
}

qint64 ConnectionModel::durationMs(const ConnectionInfo& c) const {
    if (c.startedMs <= 0)
        return 0;
    const qint64 end = c.closedMs > 0 ? c.closedMs : now_;
    return std::max<qint64>(0, end - c.startedMs);
}

QVariant ConnectionModel::data(const QModelIndex& index, int role) const {
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const ConnectionInfo& c = rows_.at(index.row());
    const int column = index.column();
    switch (role) {
    case Qt::DisplayRole:
        return displayData(c, column);
    case RawValueRole:
        return rawData(c, column);
    case SortRole:
        return sortData(c, column);
    case IdRole:
        return QVariant::fromValue(c.id);
    case Qt::DecorationRole:
        if (column == StateColumn)
            return stateIcon(c.state);
        return {};
    case Qt::ForegroundRole:
        if (isFinished(c))
            return QGuiApplication::palette().brush(QPalette::Disabled, QPalette::Text);
        return {};
    case Qt::TextAlignmentRole:
        if (column == SentColumn || column == ReceivedColumn || column == DurationColumn)
            return QVariant(Qt::AlignRight | Qt::AlignVCenter);
        return {};
    case Qt::ToolTipRole:
        switch (column) {
        case StateColumn:
            return c.closeReason.isEmpty() ? stateText(c.state)
                                           : tr("%1: %2").arg(stateText(c.state), c.closeReason);
        case SentColumn:
            return tr("%1 bytes").arg(QLocale().toString(c.bytesSent));
        case ReceivedColumn:
            return tr("%1 bytes").arg(QLocale().toString(c.bytesReceived));
        case StartedColumn:
            return c.startedMs > 0
                       ? QLocale().toString(QDateTime::fromMSecsSinceEpoch(c.startedMs), QLocale::LongFormat)
                       : QVariant();
        default:
            return displayData(c, column);
        }
    default:
        return {};
    }
}

QVariant ConnectionModel::displayData(const ConnectionInfo& c, int column) const {
    switch (column) {
    case StateColumn:
        return stateText(c.state);
    case ProtocolColumn:
        return c.protocol.toUpper();
    case ModeColumn:
        return c.mode.toUpper();
    case SourceColumn:
        return c.source;
    case DestinationColumn:
        return c.destination;
    case SentColumn:
        return formatBytes(c.bytesSent);
    case ReceivedColumn:
        return formatBytes(c.bytesReceived);
    case StartedColumn: {
        if (c.startedMs <= 0)
            return QString();
        const QDateTime started = QDateTime::fromMSecsSinceEpoch(c.startedMs);
        const bool today = started.date() == QDateTime::fromMSecsSinceEpoch(now_).date();
        return QLocale().toString(started,
                                  today ? QStringLiteral("HH:mm:ss") : QStringLiteral("yyyy-MM-dd HH:mm:ss"));
    }
    case DurationColumn:
        return c.startedMs > 0 ? formatDuration(durationMs(c)) : QString();
    case CloseReasonColumn:
        return c.closeReason;
    default:
        return {};
    }
}

QVariant ConnectionModel::rawData(const ConnectionInfo& c, int column) const {
    switch (column) {
    case StateColumn:
        return c.state;
    case ProtocolColumn:
        return c.protocol;
    case ModeColumn:
        return c.mode;
    case SourceColumn:
        return c.source;
    case DestinationColumn:
        return c.destination;
    case SentColumn:
        return QVariant::fromValue(c.bytesSent);
    case ReceivedColumn:
        return QVariant::fromValue(c.bytesReceived);
    case StartedColumn:
        return QVariant::fromValue(c.startedMs);
    case DurationColumn:
        return QVariant::fromValue(durationMs(c));
    case CloseReasonColumn:
        return c.closeReason;
    default:
        return {};
    }
}

QVariant ConnectionModel::sortData(const ConnectionInfo& c, int column) const {
    switch (column) {
    case StateColumn:
        return stateRank(c.state);
    case SourceColumn:
        return addressSortKey(c.source);
    case DestinationColumn:
        return addressSortKey(c.destination);
    default:
        return rawData(c, column);
    }
}

QVariant ConnectionModel::headerData(int section, Qt::Orientation orientation, int role) const {
    if (orientation != Qt::Horizontal || section < 0 || section >= ColumnCount)
        return QAbstractTableModel::headerData(section, orientation, role);
    if (role == Qt::DisplayRole) {
        switch (section) {
        case StateColumn:
            return tr("State");
        case ProtocolColumn:
            return tr("Protocol");
        case ModeColumn:
            return tr("Mode");
        case SourceColumn:
            return tr("Source");
        case DestinationColumn:
            return tr("Destination");
        case SentColumn:
            return tr("Sent");
        case ReceivedColumn:
            return tr("Received");
        case StartedColumn:
            return tr("Started");
        case DurationColumn:
            return tr("Duration");
        case CloseReasonColumn:
            return tr("Close reason");
        }
    } else if (role == Qt::ToolTipRole) {
        switch (section) {
        case SourceColumn:
            return tr("The program's end of the connection (address:port)");
        case DestinationColumn:
            return tr("Where the connection was going: the original destination recovered from the kernel");
        case SentColumn:
            return tr("Bytes sent from the source to the destination");
        case ReceivedColumn:
            return tr("Bytes received from the destination");
        case StartedColumn:
            return tr("When the connection was intercepted (local time)");
        case ModeColumn:
            return tr("How the connection was intercepted: REDIRECT (NAT) or TPROXY");
        default:
            break;
        }
    } else if (role == Qt::TextAlignmentRole) {
        if (section == SentColumn || section == ReceivedColumn || section == DurationColumn)
            return QVariant(Qt::AlignRight | Qt::AlignVCenter);
    }
    return {};
}

} // namespace weir
