#include "gui/icons.h"

#include <QColor>
#include <QHash>
#include <QImageReader>
#include <QLoggingCategory>
#include <QPainter>
#include <QPixmap>

namespace weir {

namespace {

Q_LOGGING_CATEGORY(lcIcons, "weir.gui.icons")

QColor fallbackColor(StateIcon icon) {
    switch (icon) {
    case StateIcon::Redirect:
        return QColor(0x2e, 0x9d, 0x4f);
    case StateIcon::Tproxy:
        return QColor(0x2f, 0x6f, 0xd6);
    case StateIcon::Degraded:
        return QColor(0xd9, 0x96, 0x0f);
    case StateIcon::Off:
        return QColor(0x7d, 0x84, 0x8d);
    case StateIcon::Unavailable:
        break;
    }
    return QColor(0xd3, 0x2f, 0x2f);
}

QIcon paintedIcon(const QColor& color, bool crossed) {
    QIcon icon;
    for (int size : {16, 22, 32, 48, 64}) {
        QPixmap pm(size, size);
        pm.fill(Qt::transparent);
        QPainter p(&pm);
        p.setRenderHint(QPainter::Antialiasing);
        p.setPen(Qt::NoPen);
        p.setBrush(color);
        p.drawEllipse(QRectF(0.5, 0.5, size - 1.0, size - 1.0));
        p.setPen(QPen(Qt::white, size / 8.0, Qt::SolidLine, Qt::RoundCap));
        p.drawLine(QPointF(size * 0.22, size * 0.5), QPointF(size * 0.78, size * 0.5));
        if (crossed)
            p.drawLine(QPointF(size * 0.25, size * 0.75), QPointF(size * 0.75, size * 0.25));
        p.end();
        icon.addPixmap(pm);
    }
    return icon;
}

} // namespace

bool svgIconsSupported() {
    static const bool supported = [] {
        const bool ok = QImageReader::supportedImageFormats().contains("svg");
        if (!ok)
            qCWarning(lcIcons) << "Qt cannot read SVG (install the Qt SVG plugins, Debian: libqt6svg6);"
                                  " using plain icons";
        return ok;
    }();
    return supported;
}

QIcon trayIcon(StateIcon icon) {
    static QHash<int, QIcon> cache;
    auto it = cache.find(int(icon));
    if (it != cache.end())
        return *it;
    const QIcon result = svgIconsSupported()
                             ? QIcon(iconPathFor(icon))
                             : paintedIcon(fallbackColor(icon), icon == StateIcon::Unavailable);
    return *cache.insert(int(icon), result);
}

QIcon applicationIcon() {
    const QIcon embedded = svgIconsSupported() ? QIcon(QStringLiteral(":/icons/io.github.weir.Weir.svg"))
                                               : paintedIcon(QColor(0x1d, 0x4f, 0x7c), false);
    return QIcon::fromTheme(QStringLiteral("io.github.weir.Weir"), embedded);
}

} // namespace weir
