#include "gui/format.h"

#include <QCoreApplication>
#include <QLocale>

#include <limits>

namespace weir {

QString formatBytes(quint64 bytes) {
    return QLocale().formattedDataSize(
        qint64(qMin<quint64>(bytes, quint64(std::numeric_limits<qint64>::max()))), 1,
        QLocale::DataSizeIecFormat);
}

QString formatRate(quint64 bytesPerSecond) {
    if (bytesPerSecond == 0)
        return QString();
    return QCoreApplication::translate("weir::format", "%1/s").arg(formatBytes(bytesPerSecond));
}

QString formatDuration(qint64 ms) {
    const qint64 total = qMax<qint64>(ms, 0) / 1000;
    const qint64 days = total / 86400;
    const int hours = int(total / 3600 % 24);
    const int minutes = int(total / 60 % 60);
    const int seconds = int(total % 60);
    const auto two = [](int v) { return QStringLiteral("%1").arg(v, 2, 10, QLatin1Char('0')); };
    if (days > 0)
        return QCoreApplication::translate("weir::format", "%1 d %2:%3:%4")
            .arg(days)
            .arg(two(hours), two(minutes), two(seconds));
    return QStringLiteral("%1:%2:%3").arg(hours).arg(two(minutes), two(seconds));
}

} // namespace weir
