// weirctl's command line, output formats and exit codes (the D-Bus paths run in the integration tests).
#include <QDBusConnection>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTest>

#include "weirctl/commands.h"

using namespace weir::ctl;

class TestWeirctl : public QObject {
    Q_OBJECT
private:
    int run(const QStringList& args, QString* out, QString* err) {
        QTextStream o(out), e(err);
        // A bus that does not exist: commands that get that far must say the helper is unavailable.
        QDBusConnection bus = QDBusConnection::connectToBus(
            QStringLiteral("unix:path=/nonexistent/weir-test"), QStringLiteral("weirctl-test"));
        const int rc = weir::ctl::run(args, bus, o, e);
        o.flush();
        e.flush();
        return rc;
    }

private Q_SLOTS:
    void usage() {
        QString out, err;
        QCOMPARE(run({}, &out, &err), int(Usage));
        QVERIFY(err.contains(QStringLiteral("Usage: weirctl")));
        QCOMPARE(run({QStringLiteral("--help")}, &out, &err), int(Ok));
        QVERIFY(out.contains(QStringLiteral("connections [--json]")));
        err.clear();
        QCOMPARE(run({QStringLiteral("frobnicate")}, &out, &err), int(Usage));
        QVERIFY(err.contains(QStringLiteral("unknown command 'frobnicate'")));
        err.clear();
        QCOMPARE(run({QStringLiteral("enable"), QStringLiteral("--json")}, &out, &err), int(Usage));
        QVERIFY(err.contains(QStringLiteral("unexpected argument '--json'")));
    }

    void helperUnavailable() {
        QString out, err;
        QCOMPARE(run({QStringLiteral("status")}, &out, &err), int(HelperUnavailable));
        QVERIFY2(err.contains(QStringLiteral("system bus")), qPrintable(err));
        QVERIFY(out.isEmpty());
    }

    void connectionsJsonShape() {
        weir::ConnectionInfo c;
        c.id = 7;
        c.protocol = QStringLiteral("tcp");
        c.mode = QStringLiteral("redirect");
        c.source = QStringLiteral("198.51.100.1:40000");
        c.destination = QStringLiteral("198.51.100.2:80");
        c.bytesSent = 79;
        c.bytesReceived = 2000253;
        c.state = QStringLiteral("closed");
        const QJsonArray a = QJsonDocument::fromJson(connectionsJson({c})).array();
        QCOMPARE(a.size(), 1);
        const QJsonObject o = a.first().toObject();
        QCOMPARE(o.value(QStringLiteral("id")).toInteger(), 7);
        QCOMPARE(o.value(QStringLiteral("destination")).toString(), QStringLiteral("198.51.100.2:80"));
        QCOMPARE(o.value(QStringLiteral("bytes_received")).toInteger(), 2000253);
        QVERIFY(o.value(QStringLiteral("bytes_sent")).isDouble()); // a number, not a string
        QCOMPARE(QJsonDocument::fromJson(connectionsJson({})).array().size(), 0);
    }

    void statusJsonShape() {
        weir::HelperStatus s;
        s.enabled = true;
        const QJsonObject o = QJsonDocument::fromJson(statusJson(s)).object();
        QCOMPARE(o.value(QStringLiteral("enabled")).toBool(), true);
        QCOMPARE(o.value(QStringLiteral("mode")).toString(), QStringLiteral("redirect"));
    }

    void table() {
        weir::ConnectionInfo c;
        c.id = 12;
        c.state = QStringLiteral("established");
        c.destination = QStringLiteral("[2001:db8::1]:443");
        c.bytesReceived = 3 * 1024 * 1024;
        c.startedMs = 1000;
        const QString text = formatConnections({c}, 1000 + 65'000);
        QVERIFY(text.startsWith(QStringLiteral("ID")));
        QVERIFY(text.contains(QStringLiteral("[2001:db8::1]:443")));
        QVERIFY(text.contains(QStringLiteral("3.0 MiB")));
        QVERIFY(text.contains(QStringLiteral("1m05s")));
        QVERIFY(formatConnections({}, 0).contains(QStringLiteral("(no connections)")));
    }

    void bytes() {
        QCOMPARE(formatBytes(0), QStringLiteral("0 B"));
        QCOMPARE(formatBytes(1023), QStringLiteral("1023 B"));
        QCOMPARE(formatBytes(1536), QStringLiteral("1.5 KiB"));
        QCOMPARE(formatBytes(5ull << 30), QStringLiteral("5.0 GiB"));
    }
};

QTEST_GUILESS_MAIN(TestWeirctl)
#include "tst_weirctl.moc"
