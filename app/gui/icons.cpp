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
        return QColor(0x6b, 0x72, 0x7a);
    case StateIcon::NotAuthorized:
        return QColor(0x9a, 0xa0, 0xa8);
    case StateIcon::Unavailable:
        break;
    }
    return QColor(0xd3, 0x2f, 0x2f);
}

// The badge or mark that tells a state by shape (see StateIcon).
void paintMark(QPainter& p, StateIcon icon, int size) {
    const double s = size;
    switch (icon) {
    case StateIcon::Unavailable:
        p.setPen(QPen(Qt::white, s / 8.0, Qt::SolidLine, Qt::RoundCap));
        p.drawLine(QPointF(s * 0.25, s * 0.75), QPointF(s * 0.75, s * 0.25));
        break;
    case StateIcon::NotAuthorized:
        p.setPen(Qt::NoPen);
        p.setBrush(QColor(0xf0, 0xc4, 0x19));
        p.drawRect(QRectF(s * 0.55, s * 0.62, s * 0.4, s * 0.33));
        p.setPen(QPen(QColor(0xf0, 0xc4, 0x19), s / 12.0));
        p.setBrush(Qt::NoBrush);
        p.drawArc(QRectF(s * 0.62, s * 0.45, s * 0.26, s * 0.34), 0, 180 * 16);
        break;
    case StateIcon::Degraded:
        p.setPen(Qt::NoPen);
        p.setBrush(Qt::white);
        p.drawEllipse(QRectF(s * 0.55, s * 0.55, s * 0.42, s * 0.42));
        p.setPen(QPen(QColor(0xb3, 0x6b, 0x00), s / 10.0, Qt::SolidLine, Qt::RoundCap));
        p.drawLine(QPointF(s * 0.76, s * 0.62), QPointF(s * 0.76, s * 0.8));
        p.drawPoint(QPointF(s * 0.76, s * 0.9));
        break;
    default:
        break;
    }
}

QIcon paintedIcon(StateIcon state) {
    const QColor color = fallbackColor(state);
    QIcon icon;
    for (int size : {16, 22, 32, 48, 64}) {
        QPixmap pm(size, size);
        pm.fill(Qt::transparent);
        QPainter p(&pm);
        p.setRenderHint(QPainter::Antialiasing);
        if (state == StateIcon::Off) { // a hollow ring: nothing flows
            p.setPen(QPen(color, size / 8.0));
            p.setBrush(Qt::NoBrush);
            p.drawEllipse(QRectF(size / 8.0, size / 8.0, size * 0.75, size * 0.75));
            p.setPen(QPen(color, size / 8.0, Qt::SolidLine, Qt::RoundCap));
        } else {
            p.setPen(Qt::NoPen);
            p.setBrush(color);
            p.drawEllipse(QRectF(0.5, 0.5, size - 1.0, size - 1.0));
            p.setPen(QPen(Qt::white, size / 8.0, Qt::SolidLine, Qt::RoundCap));
        }
        p.drawLine(QPointF(size * 0.3, size * 0.5), QPointF(size * 0.7, size * 0.5));
        paintMark(p, state, size);
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
    const QIcon result = svgIconsSupported() ? QIcon(iconPathFor(icon)) : paintedIcon(icon);
    return *cache.insert(int(icon), result);
}

QIcon applicationIcon() {
    const QIcon embedded = svgIconsSupported() ? QIcon(QStringLiteral(":/icons/io.github.weir.Weir.svg"))
                                               : paintedIcon(StateIcon::Tproxy);
    return QIcon::fromTheme(QStringLiteral("io.github.weir.Weir"), embedded);
}

QIcon padlockIcon() {
    static const QIcon painted = [] {
        QIcon icon;
        for (int size : {16, 22, 32}) {
            QPixmap pm(size, size);
            pm.fill(Qt::transparent);
            QPainter p(&pm);
            p.setRenderHint(QPainter::Antialiasing);
            const double s = size;
            p.setPen(QPen(QColor(0x5b, 0x4a, 0x00), s / 9.0));
            p.setBrush(Qt::NoBrush);
            p.drawArc(QRectF(s * 0.28, s * 0.08, s * 0.44, s * 0.6), 0, 180 * 16);
            p.drawLine(QPointF(s * 0.28, s * 0.38), QPointF(s * 0.28, s * 0.48));
            p.drawLine(QPointF(s * 0.72, s * 0.38), QPointF(s * 0.72, s * 0.48));
            p.setPen(Qt::NoPen);
            p.setBrush(QColor(0xf0, 0xc4, 0x19));
            p.drawRoundedRect(QRectF(s * 0.15, s * 0.45, s * 0.7, s * 0.5), s / 10.0, s / 10.0);
            p.end();
            icon.addPixmap(pm);
        }
        return icon;
    }();
    return QIcon::fromTheme(QStringLiteral("object-locked"), painted);
}

} // namespace weir
