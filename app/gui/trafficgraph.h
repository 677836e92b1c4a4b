// TrafficGraph: total upload and download over the last minutes, one sample a second, drawn as two
// lines scaled to the largest value shown. The window feeds it the sum of the connections' rates.
#pragma once

#include <QVector>
#include <QWidget>

namespace weir {

class TrafficGraph : public QWidget {
    Q_OBJECT
public:
    static constexpr int kSamples = 180; // three minutes at one sample a second

    explicit TrafficGraph(QWidget* parent = nullptr);

    void addSample(quint64 sentPerSecond, quint64 receivedPerSecond);
    void clear();
    int sampleCount() const { return int(sent_.size()); }
    quint64 peak() const; // the largest value kept, either direction

    QSize sizeHint() const override;

protected:
    void paintEvent(QPaintEvent* event) override;

private:
    QVector<quint64> sent_;
    QVector<quint64> received_;
};

} // namespace weir
