#include "gui/connectionexport.h"

#include <QAbstractItemModel>
#include <QDateTime>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QStringList>

#include <numeric>

#include "gui/connectionmodel.h"

namespace weir::ConnectionExport {

namespace {

QList<int> columnsOrAll(const QAbstractItemModel* model, const QList<int>& columns) {
    if (!columns.isEmpty())
        return columns;
    QList<int> all(model->columnCount());
    std::iota(all.begin(), all.end(), 0);
    return all;
}

enum class TimeStyle { IsoUtc, IsoLocal };

// The raw value of a cell as text: numbers in C locale, Started as ISO 8601.
QString rawText(const QAbstractItemModel* model, int row, int column, TimeStyle style) {
    const QVariant raw = model->index(row, column).data(ConnectionModel::RawValueRole);
    if (column == ConnectionModel::StartedColumn) {
        const qint64 ms = raw.toLongLong();
        if (ms <= 0)
            return QString();
        if (style == TimeStyle::IsoUtc)
            return QDateTime::fromMSecsSinceEpoch(ms, Qt::UTC).toString(Qt::ISODateWithMs); // ends in "Z"
        const QDateTime t = QDateTime::fromMSecsSinceEpoch(ms);
        // Qt writes a local time without its offset; say it, so a pasted time is unambiguous.
        return t.toOffsetFromUtc(t.offsetFromUtc()).toString(Qt::ISODate);
    }
    return raw.toString();
}

// RFC 4180: a field with a comma, a quote or a line break is quoted, its quotes doubled.
QString csvField(const QString& value) {
    if (!value.contains(QLatin1Char(',')) && !value.contains(QLatin1Char('"')) &&
        !value.contains(QLatin1Char('\n')) && !value.contains(QLatin1Char('\r')))
        return value;
    QString quoted = value;
    quoted.replace(QLatin1Char('"'), QLatin1String("\"\""));
    return QLatin1Char('"') + quoted + QLatin1Char('"');
}

QString tabField(QString value) {
    for (QChar& ch : value) {
        if (ch == QLatin1Char('\t') || ch == QLatin1Char('\n') || ch == QLatin1Char('\r'))
            ch = QLatin1Char(' ');
    }
    return value;
}

} // namespace

QByteArray toCsv(const QAbstractItemModel* model, const QList<int>& rows, const QList<int>& columns) {
    const QList<int> cols = columnsOrAll(model, columns);
    QStringList fields;
    for (int column : cols)
        fields << csvField(ConnectionModel::columnKey(column));
    QString out = fields.join(QLatin1Char(',')) + QLatin1String("\r\n");
    for (int row : rows) {
        fields.clear();
        for (int column : cols)
            fields << csvField(rawText(model, row, column, TimeStyle::IsoUtc));
        out += fields.join(QLatin1Char(',')) + QLatin1String("\r\n");
    }
    return out.toUtf8();
}

QByteArray toJson(const QAbstractItemModel* model, const QList<int>& rows) {
    QJsonArray array;
    for (int row : rows) {
        const QVariantMap map = model->index(row, 0).data(ConnectionModel::BusMapRole).toMap();
        array.append(QJsonObject::fromVariantMap(map));
    }
    return QJsonDocument(array).toJson(QJsonDocument::Indented);
}

QString toClipboardText(const QAbstractItemModel* model, const QList<int>& rows, const QList<int>& columns) {
    const QList<int> cols = columnsOrAll(model, columns);
    QStringList fields;
    for (int column : cols)
        fields << tabField(model->headerData(column, Qt::Horizontal).toString());
    QString out = fields.join(QLatin1Char('\t')) + QLatin1Char('\n');
    for (int row : rows) {
        fields.clear();
        for (int column : cols)
            fields << tabField(rawText(model, row, column, TimeStyle::IsoLocal));
        out += fields.join(QLatin1Char('\t')) + QLatin1Char('\n');
    }
    return out;
}

} // namespace weir::ConnectionExport
