#include "gui/trafficgraph.h"

#include <QPainter>
#include <QPainterPath>

#include <algorithm>

#include "gui/format.h"
#include "gui/palette.h"

namespace weir {

TrafficGraph::TrafficGraph(QWidget* parent)
    : QWidget(parent) {
    setObjectName(QStringLiteral("trafficGraph"));
    setToolTip(tr("Upload (orange) and download (blue) of all connections, last three minutes"));
    setSizePolicy(QSizePolicy::Fixed, QSizePolicy::Fixed);
}

void TrafficGraph::addSample(quint64 sentPerSecond, quint64 receivedPerSecond) {
    sent_.append(sentPerSecond);
    received_.append(receivedPerSecond);
    if (sent_.size() > kSamples) {
        sent_.removeFirst();
        received_.removeFirst();
    }
    update();
}

void TrafficGraph::clear() {
    sent_.clear();
    received_.clear();
    update();
}

quint64 TrafficGraph::peak() const {
    quint64 top = 0;
    for (qsizetype i = 0; i < sent_.size(); ++i)
        top = std::max({top, sent_.at(i), received_.at(i)});
    return top;
}

QSize TrafficGraph::sizeHint() const {
    return {kSamples, fontMetrics().height() + 6};
}

void TrafficGraph::paintEvent(QPaintEvent*) {
    QPainter p(this);
    p.setRenderHint(QPainter::Antialiasing);
    const QRectF area = QRectF(rect()).adjusted(0.5, 1.5, -0.5, -1.5);
    p.setPen(QPen(palette().color(QPalette::Mid), 1));
    p.drawRect(area);
    const quint64 top = std::max<quint64>(peak(), 1024); // an idle line stays at the bottom
    const double step = area.width() / double(kSamples - 1);
    const auto line = [&](const QVector<quint64>& values, const QColor& color) {
        QPainterPath path;
        const qsizetype offset = kSamples - values.size(); // newest at the right edge
        for (qsizetype i = 0; i < values.size(); ++i) {
            const QPointF point(area.left() + double(offset + i) * step,
                                area.bottom() - area.height() * double(values.at(i)) / double(top));
            if (i == 0)
                path.moveTo(point);
            else
                path.lineTo(point);
        }
        p.setPen(QPen(color, 1.5));
        p.drawPath(path);
    };
    line(received_, palette::graphReceived);
    line(sent_, palette::graphSent);
}

} // namespace weir
