// ConnectionExport: CSV, JSON and clipboard text of the rows a filter model shows, field by field.
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QtTest>

#include <time.h>

#include "gui/connectionexport.h"
#include "gui/connectionfiltermodel.h"
#include "gui/connectionmodel.h"

using weir::ConnectionFilterModel;
using weir::ConnectionInfo;
using weir::ConnectionModel;
namespace Export = weir::ConnectionExport;

namespace {

constexpr qint64 kStarted = 1'700'000'000'000; // 2023-11-14T22:13:20Z

// RFC 4180 reader: records of fields; quoted fields may hold commas, doubled quotes and line breaks.
QList<QStringList> parseCsv(const QString& text) {
    QList<QStringList> records;
    QStringList record;
    QString field;
    bool quoted = false;
    for (qsizetype i = 0; i < text.size(); ++i) {
        const QChar ch = text.at(i);
        if (quoted) {
            if (ch == QLatin1Char('"') && i + 1 < text.size() && text.at(i + 1) == QLatin1Char('"')) {
                field += QLatin1Char('"');
                ++i;
            } else if (ch == QLatin1Char('"')) {
                quoted = false;
            } else {
                field += ch;
            }
        } else if (ch == QLatin1Char('"')) {
            quoted = true;
        } else if (ch == QLatin1Char(',')) {
            record << field;
            field.clear();
        } else if (ch == QLatin1Char('\r') && i + 1 < text.size() && text.at(i + 1) == QLatin1Char('\n')) {
            record << field;
            records << record;
            record.clear();
            field.clear();
            ++i;
        } else {
            field += ch;
        }
    }
    return records;
}

ConnectionInfo tricky() {
    ConnectionInfo c;
    c.id = 7;
    c.protocol = QStringLiteral("tcp");
    c.mode = QStringLiteral("tproxy");
    c.source = QStringLiteral("[fd00::2]:40000");
    c.destination = QStringLiteral("203.0.113.9:443");
    c.host = QStringLiteral("a,b \"quoted\"\nnext\tline");
    c.process = QStringLiteral("curl");
    c.pid = 4242;
    c.exe = QStringLiteral("/usr/bin/curl");
    c.uid = 1000;
    c.user = QStringLiteral("alice");
    c.via = QStringLiteral("socks5 10.0.0.1:1080");
    c.bytesSent = 1234567890123;
    c.bytesReceived = 42;
    c.rateSent = 2048;
    c.state = QStringLiteral("closed");
    c.startedMs = kStarted;
    c.closedMs = kStarted + 61'000;
    c.durationMs = 61'000;
    c.closeReason = QStringLiteral("connect: Connection refused");
    return c;
}

ConnectionInfo plain() {
    ConnectionInfo c;
    c.id = 8;
    c.protocol = QStringLiteral("udp");
    c.mode = QStringLiteral("redirect");
    c.source = QStringLiteral("192.168.1.5:5353");
    c.destination = QStringLiteral("8.8.8.8:53");
    c.interfaceName = QStringLiteral("eth1");
    c.via = QStringLiteral("direct");
    c.state = QStringLiteral("established");
    c.startedMs = kStarted + 1000;
    c.bytesSent = 100;
    c.bytesReceived = 200;
    return c;
}

} // namespace

class TestConnectionExport : public QObject {
    Q_OBJECT
    ConnectionModel model_;
    ConnectionFilterModel proxy_;

private Q_SLOTS:
    void initTestCase() {
        QLocale::setDefault(QLocale::c());
        qputenv("TZ", "Asia/Shanghai"); // UTC+8 all year: the clipboard's local times are known
        tzset();
        model_.setCurrentTime(kStarted + 120'000);
        model_.applySnapshot({plain(), tricky()});
        proxy_.setSourceModel(&model_);
        proxy_.sort(ConnectionModel::ReceivedColumn, Qt::DescendingOrder); // view order: 8, then 7
    }

    void csvHoldsRawValuesQuotedPerRfc4180() {
        const QByteArray csv = Export::toCsv(&proxy_, {0, 1});
        const QString text = QString::fromUtf8(csv);
        QVERIFY(text.endsWith(QLatin1String("\r\n")));
        // The tricky host, quoted with its quotes doubled; the line break kept inside the quotes.
        QVERIFY2(text.contains(QLatin1String("\"a,b \"\"quoted\"\"\nnext\tline\"")), csv.constData());

        const QList<QStringList> records = parseCsv(text);
        QCOMPARE(records.size(), 3);
        QStringList header;
        for (int column = 0; column < ConnectionModel::ColumnCount; ++column)
            header << ConnectionModel::columnKey(column);
        QCOMPARE(records.at(0), header);
        for (const QStringList& r : records)
            QCOMPARE(r.size(), int(ConnectionModel::ColumnCount));

        const QStringList& first = records.at(1); // id 8: received 200 > 42
        QCOMPARE(first.at(ConnectionModel::StateColumn), QStringLiteral("established"));
        QCOMPARE(first.at(ConnectionModel::InterfaceColumn), QStringLiteral("eth1"));
        QCOMPARE(first.at(ConnectionModel::UpstreamColumn), QStringLiteral("direct"));
        QCOMPARE(first.at(ConnectionModel::StartedColumn), QStringLiteral("2023-11-14T22:13:21.000Z"));
        QCOMPARE(first.at(ConnectionModel::DurationColumn),
                 QStringLiteral("119000")); // open: against the clock
        QCOMPARE(first.at(ConnectionModel::ProtocolColumn), QStringLiteral("udp"));

        const QStringList& second = records.at(2); // id 7
        QCOMPARE(second.at(ConnectionModel::StateColumn), QStringLiteral("closed"));
        QCOMPARE(second.at(ConnectionModel::ProcessColumn), QStringLiteral("curl"));
        QCOMPARE(second.at(ConnectionModel::UserColumn), QStringLiteral("alice"));
        QCOMPARE(second.at(ConnectionModel::SourceColumn), QStringLiteral("[fd00::2]:40000"));
        QCOMPARE(second.at(ConnectionModel::DestinationColumn), QStringLiteral("203.0.113.9:443"));
        QCOMPARE(second.at(ConnectionModel::HostColumn), QStringLiteral("a,b \"quoted\"\nnext\tline"));
        QCOMPARE(second.at(ConnectionModel::UpstreamColumn), QStringLiteral("socks5 10.0.0.1:1080"));
        QCOMPARE(second.at(ConnectionModel::SentColumn), QStringLiteral("1234567890123"));
        QCOMPARE(second.at(ConnectionModel::ReceivedColumn), QStringLiteral("42"));
        QCOMPARE(second.at(ConnectionModel::SendRateColumn), QStringLiteral("2048"));
        QCOMPARE(second.at(ConnectionModel::ReceiveRateColumn), QStringLiteral("0"));
        QCOMPARE(second.at(ConnectionModel::StartedColumn), QStringLiteral("2023-11-14T22:13:20.000Z"));
        QCOMPARE(second.at(ConnectionModel::DurationColumn), QStringLiteral("61000"));
        QCOMPARE(second.at(ConnectionModel::CloseReasonColumn),
                 QStringLiteral("connect: Connection refused"));
        QCOMPARE(second.at(ConnectionModel::ModeColumn), QStringLiteral("tproxy"));

        // Chosen columns, in the given order; only the given rows.
        const QList<QStringList> some = parseCsv(QString::fromUtf8(
            Export::toCsv(&proxy_, {1}, {ConnectionModel::SentColumn, ConnectionModel::HostColumn})));
        QCOMPARE(some.size(), 2);
        QCOMPARE(some.at(0), QStringList({QStringLiteral("bytes_sent"), QStringLiteral("host")}));
        QCOMPARE(some.at(1), QStringList({QStringLiteral("1234567890123"),
                                          QStringLiteral("a,b \"quoted\"\nnext\tline")}));
    }

    void jsonHasTheBusKeysWithNumbersAsNumbers() {
        QJsonParseError error;
        const QJsonDocument doc = QJsonDocument::fromJson(Export::toJson(&proxy_, {1, 0}), &error);
        QCOMPARE(error.error, QJsonParseError::NoError);
        QVERIFY(doc.isArray());
        const QJsonArray array = doc.array();
        QCOMPARE(array.size(), 2);
        const QJsonObject o = array.at(0).toObject(); // row 1 of the view: id 7
        QStringList keys = tricky().toVariantMap().keys();
        QStringList got = o.keys();
        std::sort(keys.begin(), keys.end());
        std::sort(got.begin(), got.end());
        QCOMPARE(got, keys);
        QVERIFY(o.value(QStringLiteral("id")).isDouble());
        QCOMPARE(o.value(QStringLiteral("id")).toInteger(), 7);
        QVERIFY(o.value(QStringLiteral("bytes_sent")).isDouble());
        QCOMPARE(o.value(QStringLiteral("bytes_sent")).toInteger(), 1234567890123);
        QCOMPARE(o.value(QStringLiteral("bytes_received")).toInteger(), 42);
        QCOMPARE(o.value(QStringLiteral("pid")).toInteger(), 4242);
        QCOMPARE(o.value(QStringLiteral("started_ms")).toInteger(), kStarted);
        QCOMPARE(o.value(QStringLiteral("duration_ms")).toInteger(), 61000);
        QCOMPARE(o.value(QStringLiteral("host")).toString(), QStringLiteral("a,b \"quoted\"\nnext\tline"));
        QCOMPARE(o.value(QStringLiteral("close_reason")).toString(),
                 QStringLiteral("connect: Connection refused"));
        QCOMPARE(o.value(QStringLiteral("via")).toString(), QStringLiteral("socks5 10.0.0.1:1080"));
        const QJsonObject open = array.at(1).toObject(); // id 8, open: duration counted by the model
        QCOMPARE(open.value(QStringLiteral("id")).toInteger(), 8);
        QCOMPARE(open.value(QStringLiteral("duration_ms")).toInteger(), 119000);
        QCOMPARE(open.value(QStringLiteral("interface")).toString(), QStringLiteral("eth1"));
        QCOMPARE(Export::toJson(&proxy_, {}).trimmed(), QByteArray("[\n]"));
    }

    void clipboardHasAHeaderAndLocalTimes() {
        const QString text =
            Export::toClipboardText(&proxy_, {1},
                                    {ConnectionModel::ProcessColumn, ConnectionModel::HostColumn,
                                     ConnectionModel::SentColumn, ConnectionModel::StartedColumn});
        const QStringList lines = text.split(QLatin1Char('\n'));
        QCOMPARE(lines.size(), 3); // header, the row, and the empty rest after the last line break
        QCOMPARE(lines.at(0), QStringLiteral("Process\tHost\tSent\tStarted"));
        QCOMPARE(lines.at(1).split(QLatin1Char('\t')),
                 QStringList({QStringLiteral("curl"), QStringLiteral("a,b \"quoted\" next line"),
                              QStringLiteral("1234567890123"), QStringLiteral("2023-11-15T06:13:20+08:00")}));
        QCOMPARE(lines.at(2), QString());

        // Every column by default: as many fields in each line as the header has.
        const QStringList all = Export::toClipboardText(&proxy_, {0, 1}).split(QLatin1Char('\n'));
        QCOMPARE(all.size(), 4);
        for (int i = 0; i < 3; ++i)
            QCOMPARE(all.at(i).count(QLatin1Char('\t')), int(ConnectionModel::ColumnCount) - 1);
    }
};

QTEST_MAIN(TestConnectionExport)
#include "tst_connectionexport.moc"
