// ConnectionModel's cells: display texts (translated), raw values, tooltips, icons and headers.
#include "gui/connectionmodel.h"

#include <QApplication>
#include <QColor>
#include <QDateTime>
#include <QIcon>
#include <QLocale>
#include <QPainter>
#include <QPalette>
#include <QPixmap>
#include <QStyle>

#include "gui/format.h"

namespace weir {

namespace {

QColor stateColor(int rank) {
    switch (rank) {
    case 0:
        return QColor(0xd9, 0x96, 0x0f); // connecting: amber
    case 1:
        return QColor(0x2e, 0x9d, 0x4f); // established: green
    case 2:
        return QColor(0x8a, 0xa0, 0x5a); // closing: fading green
    case 4:
        return QColor(0xd3, 0x2f, 0x2f); // failed: red
    default:
        return QColor(0x9a, 0xa0, 0xa8); // closed, unknown: grey
    }
}

// A small disc in the state's colour; icons are cached, one per colour.
QIcon stateIcon(const QString& state) {
    static QHash<QRgb, QIcon> cache;
    const QColor color = stateColor(ConnectionModel::stateRank(state));
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

// The desktop's icon for a program, looked up once per name (theme lookups touch the disk): the
// process name as an icon name ("firefox"), else a generic program icon.
QIcon processIcon(const QString& name) {
    static QHash<QString, QIcon> cache;
    if (auto it = cache.constFind(name); it != cache.constEnd())
        return *it;
    static const QIcon generic = [] {
        QIcon icon = QIcon::fromTheme(QStringLiteral("application-x-executable"));
        if (icon.isNull() && qobject_cast<QApplication*>(QCoreApplication::instance()))
            icon = QApplication::style()->standardIcon(QStyle::SP_ComputerIcon);
        return icon;
    }();
    QIcon icon = QIcon::fromTheme(name.toLower());
    if (icon.isNull())
        icon = generic;
    return *cache.insert(name, icon);
}

QString upstreamText(const QString& via) {
    if (via == QLatin1String("direct"))
        return ConnectionModel::tr("Direct");
    return via;
}

bool isRightAligned(int column) {
    return ConnectionModel::isNumericColumn(column) && column != ConnectionModel::StartedColumn;
}

// "connect: Connection refused" and the like: the system's error text after a prefix.
QString connectErrorText(const QString& error) {
    if (error.compare(QLatin1String("Connection refused"), Qt::CaseInsensitive) == 0)
        return ConnectionModel::tr("Refused by the destination");
    if (error.contains(QLatin1String("timed out"), Qt::CaseInsensitive))
        return ConnectionModel::tr("The destination did not answer");
    if (error.contains(QLatin1String("unreachable"), Qt::CaseInsensitive) ||
        error.contains(QLatin1String("No route"), Qt::CaseInsensitive))
        return ConnectionModel::tr("The destination cannot be reached");
    return ConnectionModel::tr("Could not connect (%1)").arg(error);
}

} // namespace

int ConnectionModel::stateRank(const QString& state) {
    static const QStringList order = {QStringLiteral("connecting"), QStringLiteral("established"),
                                      QStringLiteral("closing"), QStringLiteral("closed"),
                                      QStringLiteral("failed")};
    const int i = int(order.indexOf(state));
    return i < 0 ? int(order.size()) : i;
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

QString ConnectionModel::closeReasonText(const QString& reason) {
    if (reason.isEmpty())
        return QString();
    static const QHash<QString, const char*> exact = {
        {QStringLiteral("eof"), QT_TR_NOOP("Ended normally")},
        {QStringLiteral("reset by client"), QT_TR_NOOP("Reset by the program")},
        {QStringLiteral("reset by destination"), QT_TR_NOOP("Reset by the destination")},
        {QStringLiteral("idle timeout"), QT_TR_NOOP("Idle for too long")},
        {QStringLiteral("closed by user"), QT_TR_NOOP("Closed by you")},
        {QStringLiteral("core stopped"), QT_TR_NOOP("Interception stopped")},
        {QStringLiteral("interception turned off"), QT_TR_NOOP("Interception was turned off")},
        {QStringLiteral("interception settings changed"),
         QT_TR_NOOP("No longer intercepted after a settings change")},
        {QStringLiteral("connection limit"), QT_TR_NOOP("Too many connections at once")},
        {QStringLiteral("session limit"), QT_TR_NOOP("Too many UDP sessions at once")},
        {QStringLiteral("upstream refused"), QT_TR_NOOP("Refused by the upstream proxy")},
        {QStringLiteral("upstream timeout"), QT_TR_NOOP("The upstream proxy did not answer")},
        {QStringLiteral("upstream closed during handshake"), QT_TR_NOOP("The upstream proxy hung up")},
        {QStringLiteral("original destination unknown"), QT_TR_NOOP("Original destination unknown")},
    };
    if (const auto it = exact.constFind(reason); it != exact.constEnd())
        return tr(*it);
    const auto after = [&reason](QLatin1String prefix) { return reason.mid(prefix.size()).trimmed(); };
    if (reason.startsWith(QLatin1String("loop:")))
        return tr("Refused: it would loop back into Weir");
    if (reason.startsWith(QLatin1String("connect:")))
        return connectErrorText(after(QLatin1String("connect:")));
    if (reason.startsWith(QLatin1String("upstream connect:")) ||
        reason.startsWith(QLatin1String("upstream:")))
        return tr("Upstream proxy error (%1)")
            .arg(reason.mid(reason.indexOf(QLatin1Char(':')) + 1).trimmed());
    if (reason.startsWith(QLatin1String("source not allowed")))
        return tr("Source not allowed");
    if (reason.startsWith(QLatin1String("client:")))
        return tr("Error on the program's side (%1)").arg(after(QLatin1String("client:")));
    if (reason.startsWith(QLatin1String("destination:")))
        return tr("Error on the destination's side (%1)").arg(after(QLatin1String("destination:")));
    return reason;
}

QString ConnectionModel::columnKey(int column) {
    static const QStringList keys = {
        QStringLiteral("state"),          QStringLiteral("process"),     QStringLiteral("user"),
        QStringLiteral("source"),         QStringLiteral("destination"), QStringLiteral("host"),
        QStringLiteral("upstream"),       QStringLiteral("interface"),   QStringLiteral("bytes_sent"),
        QStringLiteral("bytes_received"), QStringLiteral("rate_sent"),   QStringLiteral("rate_received"),
        QStringLiteral("started"),        QStringLiteral("duration_ms"), QStringLiteral("close_reason"),
        QStringLiteral("protocol"),       QStringLiteral("mode"),
    };
    static_assert(ColumnCount == 17, "a key per column");
    return column >= 0 && column < keys.size() ? keys.at(column) : QString();
}

bool ConnectionModel::isNumericColumn(int column) {
    switch (column) {
    case SentColumn:
    case ReceivedColumn:
    case SendRateColumn:
    case ReceiveRateColumn:
    case StartedColumn:
    case DurationColumn:
        return true;
    default:
        return false;
    }
}

int ConnectionModel::rowCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : int(rows_.size());
}

int ConnectionModel::columnCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant ConnectionModel::data(const QModelIndex& index, int role) const {
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const Row& r = rows_.at(index.row());
    const ConnectionInfo& c = r.info;
    const int column = index.column();
    switch (role) {
    case Qt::DisplayRole:
        if (column == StartedColumn)
            return startedText(r);
        return displayData(c, column);
    case RawValueRole:
        return rawData(c, column);
    case SortRole:
        return sortData(r, column);
    case IdRole:
        return QVariant::fromValue(c.id);
    case BusMapRole: {
        QVariantMap map = c.toJsonMap();
        map.insert(QStringLiteral("duration_ms"), QVariant::fromValue(durationMs(c)));
        return map;
    }
    case Qt::DecorationRole:
        if (column == StateColumn)
            return stateIcon(c.state);
        if (column == ProcessColumn && !c.process.isEmpty())
            return processIcon(c.process);
        return {};
    case Qt::ForegroundRole:
        if (isFinished(c))
            return QGuiApplication::palette().brush(QPalette::Disabled, QPalette::Text);
        return {};
    case Qt::TextAlignmentRole:
        if (isRightAligned(column))
            return QVariant(Qt::AlignRight | Qt::AlignVCenter);
        return {};
    case Qt::ToolTipRole:
        return toolTipData(c, column);
    default:
        return {};
    }
}

const QString& ConnectionModel::startedText(const Row& row) const {
    const qint64 started = row.info.startedMs;
    if (row.startedText.isEmpty() && started > 0) {
        const bool today = started >= todayStartMs_ && started < todayEndMs_;
        row.startedText =
            QLocale().toString(QDateTime::fromMSecsSinceEpoch(started),
                               today ? QStringLiteral("HH:mm:ss") : QStringLiteral("yyyy-MM-dd HH:mm:ss"));
    }
    return row.startedText;
}

QVariant ConnectionModel::toolTipData(const ConnectionInfo& c, int column) const {
    switch (column) {
    case StateColumn:
        return c.closeReason.isEmpty() ? stateText(c.state)
                                       : tr("%1: %2").arg(stateText(c.state), closeReasonText(c.closeReason));
    case ProcessColumn: {
        if (c.pid == 0)
            return c.interfaceName.isEmpty() ? QVariant()
                                             : tr("A client on the network (%1)").arg(c.interfaceName);
        QStringList lines{tr("%1 (pid %2)").arg(c.process).arg(c.pid)};
        if (!c.exe.isEmpty())
            lines << c.exe;
        lines << tr("User: %1 (uid %2)").arg(c.user.isEmpty() ? QStringLiteral("?") : c.user).arg(c.uid);
        return lines.join(QLatin1Char('\n'));
    }
    case UserColumn:
        return c.pid == 0 ? QVariant() : tr("%1 (uid %2)").arg(c.user).arg(c.uid);
    case SentColumn:
        return tr("%1 bytes").arg(QLocale().toString(c.bytesSent));
    case ReceivedColumn:
        return tr("%1 bytes").arg(QLocale().toString(c.bytesReceived));
    case SendRateColumn:
        return tr("%1 bytes/s").arg(QLocale().toString(c.rateSent));
    case ReceiveRateColumn:
        return tr("%1 bytes/s").arg(QLocale().toString(c.rateReceived));
    case StartedColumn:
        return c.startedMs > 0
                   ? QLocale().toString(QDateTime::fromMSecsSinceEpoch(c.startedMs), QLocale::LongFormat)
                   : QVariant();
    case CloseReasonColumn:
        return c.closeReason; // the helper's own words, for a bug report
    case UpstreamColumn:
        return c.via;
    default:
        return displayData(c, column);
    }
}

QVariant ConnectionModel::displayData(const ConnectionInfo& c, int column) const {
    switch (column) {
    case StateColumn:
        return stateText(c.state);
    case ProcessColumn:
        return c.process;
    case UserColumn:
        return c.user;
    case SourceColumn:
        return c.source;
    case DestinationColumn:
        return c.destination;
    case HostColumn:
        return c.host;
    case UpstreamColumn:
        return upstreamText(c.via);
    case InterfaceColumn:
        return c.interfaceName;
    case SentColumn:
        return formatBytes(c.bytesSent);
    case ReceivedColumn:
        return formatBytes(c.bytesReceived);
    case SendRateColumn:
        return formatRate(c.rateSent);
    case ReceiveRateColumn:
        return formatRate(c.rateReceived);
    case StartedColumn:
        return QString(); // data() answers from the row's cache (startedText)
    case DurationColumn:
        return c.startedMs > 0 ? formatDuration(durationMs(c)) : QString();
    case CloseReasonColumn:
        return closeReasonText(c.closeReason);
    case ProtocolColumn:
        return c.protocol.toUpper();
    case ModeColumn:
        return c.mode.toUpper();
    default:
        return {};
    }
}

QVariant ConnectionModel::rawData(const ConnectionInfo& c, int column) const {
    switch (column) {
    case StateColumn:
        return c.state;
    case ProcessColumn:
        return c.process;
    case UserColumn:
        return c.user;
    case SourceColumn:
        return c.source;
    case DestinationColumn:
        return c.destination;
    case HostColumn:
        return c.host;
    case UpstreamColumn:
        return c.via;
    case InterfaceColumn:
        return c.interfaceName;
    case SentColumn:
        return QVariant::fromValue(c.bytesSent);
    case ReceivedColumn:
        return QVariant::fromValue(c.bytesReceived);
    case SendRateColumn:
        return QVariant::fromValue(c.rateSent);
    case ReceiveRateColumn:
        return QVariant::fromValue(c.rateReceived);
    case StartedColumn:
        return QVariant::fromValue(c.startedMs);
    case DurationColumn:
        return QVariant::fromValue(durationMs(c));
    case CloseReasonColumn:
        return c.closeReason;
    case ProtocolColumn:
        return c.protocol;
    case ModeColumn:
        return c.mode;
    default:
        return {};
    }
}

QVariant ConnectionModel::headerData(int section, Qt::Orientation orientation, int role) const {
    if (orientation != Qt::Horizontal || section < 0 || section >= ColumnCount)
        return QAbstractTableModel::headerData(section, orientation, role);
    if (role == Qt::DisplayRole) {
        switch (section) {
        case StateColumn:
            return tr("State");
        case ProcessColumn:
            return tr("Process");
        case UserColumn:
            return tr("User");
        case SourceColumn:
            return tr("Source");
        case DestinationColumn:
            return tr("Destination");
        case HostColumn:
            return tr("Host");
        case UpstreamColumn:
            return tr("Upstream");
        case InterfaceColumn:
            return tr("Interface");
        case SentColumn:
            return tr("Sent");
        case ReceivedColumn:
            return tr("Received");
        case SendRateColumn:
            return tr("↑ Rate");
        case ReceiveRateColumn:
            return tr("↓ Rate");
        case StartedColumn:
            return tr("Started");
        case DurationColumn:
            return tr("Duration");
        case CloseReasonColumn:
            return tr("Close reason");
        case ProtocolColumn:
            return tr("Protocol");
        case ModeColumn:
            return tr("Mode");
        }
    } else if (role == Qt::ToolTipRole) {
        switch (section) {
        case ProcessColumn:
            return tr("The program on this computer that opened the connection (empty for a client on the "
                      "network)");
        case SourceColumn:
            return tr("The program's end of the connection (address:port)");
        case DestinationColumn:
            return tr("Where the connection was going: the original destination recovered from the kernel");
        case HostColumn:
            return tr("The host name the program asked for (TLS server name or HTTP Host)");
        case UpstreamColumn:
            return tr("What carried the connection: directly, or through which upstream proxy");
        case InterfaceColumn:
            return tr("The network interface a client on the network came in through");
        case SentColumn:
            return tr("Bytes sent from the source and acknowledged by the destination");
        case ReceivedColumn:
            return tr("Bytes received from the destination and acknowledged by the program");
        case SendRateColumn:
            return tr("Upload speed over the last seconds");
        case ReceiveRateColumn:
            return tr("Download speed over the last seconds");
        case StartedColumn:
            return tr("When the connection was intercepted (local time)");
        case ModeColumn:
            return tr("How the connection was intercepted: REDIRECT (NAT) or TPROXY");
        default:
            break;
        }
    } else if (role == Qt::TextAlignmentRole) {
        if (isRightAligned(section))
            return QVariant(Qt::AlignRight | Qt::AlignVCenter);
    }
    return {};
}

} // namespace weir
