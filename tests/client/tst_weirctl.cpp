// weirctl's command line, output formats and exit codes (the D-Bus paths run in the integration tests).
#include <QDBusConnection>
#include <QDBusError>
#include <QDBusMessage>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTest>

#include "interface/busnames.h"
#include "interface/settingsvariant.h"
#include "weirctl/commands.h"
#include "weirctl/configcommands.h"
#include "weirctl/connectioncommands.h"
#include "weirctl/livetable.h"

using namespace weir::ctl;
using weir::ConnectionInfo;
using weir::ConnectionsDelta;
using weir::Value;
using weir::ValueMap;

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
        c.pid = 4242;
        c.process = QStringLiteral("firefox");
        c.host = QStringLiteral("example.org");
        const QString text = formatConnections({c}, 1000 + 65'000);
        QVERIFY(text.contains(QStringLiteral("firefox/4242")));
        QVERIFY(text.contains(QStringLiteral("example.org")));
        QVERIFY(text.startsWith(QStringLiteral("ID")));
        QVERIFY(text.contains(QStringLiteral("[2001:db8::1]:443")));
        QVERIFY(text.contains(QStringLiteral("3.0 MiB")));
        QVERIFY(text.contains(QStringLiteral("1m05s")));
        QVERIFY(formatConnections({}, 0).contains(QStringLiteral("(no connections)")));
    }

    // KEY=VALUE, typed by the key table; everything a user can get wrong is caught before the bus.
    void assignments() {
        ValueMap values;
        QString error;
        QVERIFY(parseAssignments({QStringLiteral("proxy_port=0x1f90"), QStringLiteral("udp=true"),
                                  QStringLiteral("bypass=192.0.2.0/24, 10.0.0.0/8"),
                                  QStringLiteral("exclude_uids=1000,1001"), QStringLiteral("ports="),
                                  QStringLiteral("mode=tproxy")},
                                 &values, &error));
        QCOMPARE(values.at("proxy_port"), Value{std::uint64_t{8080}});
        QCOMPARE(values.at("udp"), Value{true});
        QCOMPARE(values.at("bypass"), (Value{std::vector<std::string>{"192.0.2.0/24", "10.0.0.0/8"}}));
        QCOMPARE(values.at("exclude_uids"), (Value{std::vector<std::uint64_t>{1000, 1001}}));
        QCOMPARE(values.at("ports"), Value{std::vector<std::string>{}});
        QCOMPARE(values.at("mode"), Value{std::string("tproxy")});
        // The bus form: a number that does not fit its key is sent whole for the helper to refuse.
        QCOMPARE(weir::valuesToVariantMap(values).value(QStringLiteral("proxy_port")).metaType().id(),
                 int(QMetaType::UShort));

        const std::pair<QString, QString> bad[] = {
            {QStringLiteral("nosuchkey=1"), QStringLiteral("unknown setting 'nosuchkey'")},
            {QStringLiteral("udp"), QStringLiteral("'udp' is not KEY=VALUE")},
            {QStringLiteral("=1"), QStringLiteral("'=1' is not KEY=VALUE")},
            {QStringLiteral("udp=yes"), QStringLiteral("udp: \"yes\" is not true or false")},
            {QStringLiteral("proxy_port=-1"), QStringLiteral("proxy_port: \"-1\" is not a number")},
            {QStringLiteral("exclude_uids=1,x"), QStringLiteral("exclude_uids: \"x\" is not a number")},
        };
        for (const auto& [arg, why] : bad) {
            ValueMap v;
            QVERIFY2(!parseAssignments({arg}, &v, &error), qPrintable(arg));
            QVERIFY2(error.contains(why), qPrintable(error));
        }
        ValueMap twice;
        QVERIFY(!parseAssignments({QStringLiteral("udp=true"), QStringLiteral("udp=false")}, &twice, &error));
        QVERIFY(error.contains(QStringLiteral("twice")));
    }

    void configUsage() {
        QString out, err;
        QCOMPARE(
            run({QStringLiteral("config"), QStringLiteral("set"), QStringLiteral("nosuchkey=1")}, &out, &err),
            int(Usage));
        QVERIFY2(err.contains(QStringLiteral("unknown setting 'nosuchkey'")), qPrintable(err));
        QCOMPARE(run({QStringLiteral("config"), QStringLiteral("set")}, &out, &err), int(Usage));
        QCOMPARE(run({QStringLiteral("config"), QStringLiteral("get"), QStringLiteral("--yaml")}, &out, &err),
                 int(Usage));
        QCOMPARE(run({QStringLiteral("config"), QStringLiteral("frob")}, &out, &err), int(Usage));
        QCOMPARE(run({QStringLiteral("config")}, &out, &err), int(Usage));
        // Valid command lines get as far as the (missing) bus.
        QCOMPARE(
            run({QStringLiteral("config"), QStringLiteral("set"), QStringLiteral("udp=true")}, &out, &err),
            int(HelperUnavailable));
        QCOMPARE(run({QStringLiteral("config"), QStringLiteral("preview")}, &out, &err),
                 int(HelperUnavailable));
        out.clear();
        QCOMPARE(run({QStringLiteral("config"), QStringLiteral("keys")}, &out, &err), int(Ok));
        QVERIFY(out.startsWith(QStringLiteral("mode ")));
        QCOMPARE(out.count(QLatin1Char('\n')), qsizetype(weir::settingKeys().size()));
        QCOMPARE(run({QStringLiteral("--help")}, &out, &err), int(Ok));
        QVERIFY(out.contains(QStringLiteral("config set KEY=VALUE")));
    }

    void settingsOutput() {
        const ValueMap values = weir::toValues(weir::Settings{});
        const QStringList lines = formatSettings(values).split(QLatin1Char('\n'), Qt::SkipEmptyParts);
        QCOMPARE(lines.size(), qsizetype(weir::settingKeys().size()));
        QCOMPARE(lines.first(), QStringLiteral("mode=redirect")); // key-table order
        QVERIFY(lines.contains(QStringLiteral("exclude_uids=")));
        const QJsonObject o = QJsonDocument::fromJson(settingsJson(values)).object();
        QCOMPARE(o.value(QStringLiteral("proxy_port")).toInteger(), 41080);
        QVERIFY(o.value(QStringLiteral("udp")).isBool());
        QVERIFY(o.value(QStringLiteral("bypass")).isArray());
        QVERIFY(o.value(QStringLiteral("exclude_uids")).isArray());
        QCOMPARE(o.value(QStringLiteral("mode")).toString(), QStringLiteral("redirect"));
    }

    // Exit codes and output come from the error's name, never from its English text.
    void errorsByName() {
        QString text;
        QTextStream err(&text);
        const QDBusError invalid(QDBusMessage::createError(
            weir::bus::errorInvalidSettings,
            QStringLiteral("proxy_port: too large\nudp: redirect carries TCP only")));
        QCOMPARE(failWith(invalid, err), int(Failed));
        QVERIFY2(text.contains(QStringLiteral("weirctl: proxy_port: too large\n")), qPrintable(text));
        QVERIFY(text.contains(QStringLiteral("weirctl: udp: redirect carries TCP only\n")));
        text.clear();
        const QDBusError noAgent(QDBusMessage::createError(weir::bus::errorNoAuthenticationAgent,
                                                           QStringLiteral("whatever it says")));
        QCOMPARE(failWith(noAgent, err), int(NotAuthorized));
        QVERIFY(text.contains(QStringLiteral("run it as root")));
        text.clear();
        // The same English text under another name gets no hint.
        const QDBusError failed(QDBusMessage::createError(
            weir::bus::errorFailed, QStringLiteral("no Polkit authentication agent answered")));
        QCOMPARE(failWith(failed, err), int(Failed));
        QVERIFY(!text.contains(QStringLiteral("run it as root")));
        // Arguments the helper refused: a usage error.
        const QDBusError invalidArgs(QDBusMessage::createError(
            QDBusError::InvalidArgs, QStringLiteral("CloseConnections: no connection id")));
        QCOMPARE(failWith(invalidArgs, err), int(Usage));
        // The helper left the bus before it replied: unavailable (3), said as such, not as a timeout.
        text.clear();
        const QDBusError left(
            QDBusError::NoReply,
            QStringLiteral("Message recipient disconnected from message bus without replying"));
        QCOMPARE(failWith(left, err), int(HelperUnavailable));
        QVERIFY2(text.contains(QStringLiteral("stopped before it answered")), qPrintable(text));
        QVERIFY(!text.contains(QStringLiteral("in time")));
    }

    void statusText() {
        weir::HelperStatus s;
        s.scope = QStringLiteral("both");
        s.health = QStringLiteral("degraded");
        s.healthReason = QStringLiteral("WEIR_OUTPUT is gone");
        s.warnings = {QStringLiteral("first"), QStringLiteral("second")};
        const QString text = formatStatus(s);
        QVERIFY(text.contains(QStringLiteral("Scope:        both\n")));
        QVERIFY(text.contains(QStringLiteral("Health:       degraded (WEIR_OUTPUT is gone)\n")));
        QVERIFY(text.contains(QStringLiteral("Warning:      first\n")));
        QVERIFY(text.contains(QStringLiteral("Warning:      second\n")));
        const QJsonObject o = QJsonDocument::fromJson(statusJson(s)).object();
        QCOMPARE(o.value(QStringLiteral("health_reason")).toString(), s.healthReason);
        QCOMPARE(o.value(QStringLiteral("warnings")).toArray().size(), 2);
        QCOMPARE(o.value(QStringLiteral("scope")).toString(), QStringLiteral("both"));
        QVERIFY(text.contains(QStringLiteral("Upstream:     direct\n")));
    }

    void statusShowsTheUpstreamAndItsFailure() {
        weir::HelperStatus s;
        s.upstream = QStringLiteral("socks5 10.0.0.1:1080");
        s.upstreamFailing = true;
        s.upstreamReason = QStringLiteral("upstream refused");
        QVERIFY(formatStatus(s).contains(
            QStringLiteral("Upstream:     socks5 10.0.0.1:1080 (failing: upstream refused)\n")));
        const QJsonObject o = QJsonDocument::fromJson(statusJson(s)).object();
        QCOMPARE(o.value(QStringLiteral("upstream")).toString(), s.upstream);
        QCOMPARE(o.value(QStringLiteral("upstream_failing")).toBool(), true);
        QCOMPARE(weir::HelperStatus::fromVariantMap(s.toVariantMap()), s);
    }

    // A helper that turned interception back on at start (or could not) says so; one that had
    // nothing to restore prints no line.
    void statusShowsTheRestore() {
        weir::HelperStatus s;
        QVERIFY(!formatStatus(s).contains(QStringLiteral("Restore:")));
        s.enabled = true;
        s.restore = QStringLiteral("restored");
        QVERIFY(formatStatus(s).contains(QStringLiteral(
            "Restore:      restored (interception was turned back on when the helper started)\n")));
        s.enabled = false;
        s.restore = QStringLiteral("failed");
        s.restoreError = QStringLiteral("port 41080 is in use");
        QVERIFY(formatStatus(s).contains(
            QStringLiteral("Restore:      failed (port 41080 is in use); interception stayed off\n")));
        const QJsonObject o = QJsonDocument::fromJson(statusJson(s)).object();
        QCOMPARE(o.value(QStringLiteral("restore")).toString(), QStringLiteral("failed"));
        QCOMPARE(o.value(QStringLiteral("restore_error")).toString(), s.restoreError);
        QCOMPARE(weir::HelperStatus::fromVariantMap(s.toVariantMap()), s);
    }

    // config get shows what the helper sent (masked); config set parses a URL with credentials.
    void upstreamKeysParseAndShowMasked() {
        ValueMap values;
        QString error;
        QVERIFY2(parseAssignments({QStringLiteral("upstream=http://u:s%40cret@proxy:3128"),
                                   QStringLiteral("udp_without_upstream=block"),
                                   QStringLiteral("connect_timeout=5")},
                                  &values, &error),
                 qPrintable(error));
        QCOMPARE(std::get<std::string>(values.at("upstream")), std::string("http://u:s%40cret@proxy:3128"));
        weir::Settings s;
        s.upstream = *weir::Upstream::parse("http://u:s%40cret@proxy:3128");
        const QString shown = formatSettings(weir::toValues(s));
        QVERIFY2(shown.contains(QStringLiteral("upstream=http://u:********@proxy:3128\n")),
                 qPrintable(shown));
        QVERIFY(!shown.contains(QStringLiteral("cret")));
        QVERIFY(formatKeys().contains(QStringLiteral("udp_without_upstream")));
    }

    void closeAndWatchCommandLines() {
        QString out, err;
        QCOMPARE(run({QStringLiteral("--help")}, &out, &err), int(Ok));
        QVERIFY(out.contains(QStringLiteral("close ID...")));
        QVERIFY(out.contains(QStringLiteral("--watch")));
        const std::pair<QStringList, QString> bad[] = {
            {{QStringLiteral("close")}, QStringLiteral("at least one connection id")},
            {{QStringLiteral("close"), QStringLiteral("abc")},
             QStringLiteral("'abc' is not a connection id")},
            {{QStringLiteral("close"), QStringLiteral("0")}, QStringLiteral("'0' is not a connection id")},
            {{QStringLiteral("close"), QStringLiteral("-3")}, QStringLiteral("'-3' is not a connection id")},
            {{QStringLiteral("close"), QStringLiteral("--json")},
             QStringLiteral("'--json' is not a connection id")},
            {{QStringLiteral("connections"), QStringLiteral("--watch"), QStringLiteral("--all")},
             QStringLiteral("unexpected argument '--all'")},
            {{QStringLiteral("status"), QStringLiteral("--watch")},
             QStringLiteral("unexpected argument '--watch'")},
        };
        for (const auto& [args, why] : bad) {
            err.clear();
            QCOMPARE(run(args, &out, &err), int(Usage));
            QVERIFY2(err.contains(why), qPrintable(err));
        }
        // Valid command lines get as far as the (missing) bus.
        QCOMPARE(run({QStringLiteral("close"), QStringLiteral("12"), QStringLiteral("13")}, &out, &err),
                 int(HelperUnavailable));
        QCOMPARE(run({QStringLiteral("connections"), QStringLiteral("--watch")}, &out, &err),
                 int(HelperUnavailable));
        QCOMPARE(run({QStringLiteral("connections"), QStringLiteral("--watch"), QStringLiteral("--json")},
                     &out, &err),
                 int(HelperUnavailable));
    }

    void ids() {
        QList<qulonglong> ids;
        QString error;
        QVERIFY(parseIds({QStringLiteral("7"), QStringLiteral("18446744073709551615"), QStringLiteral("7")},
                         &ids, &error));
        QCOMPARE(ids, (QList<qulonglong>{7, 18446744073709551615ull})); // duplicates dropped
        QVERIFY(!parseIds({QStringLiteral("+7")}, &ids, &error));
        QVERIFY(!parseIds({QStringLiteral("18446744073709551616")}, &ids, &error)); // too large
        QVERIFY(!parseIds({QStringLiteral("0x10")}, &ids, &error));
        QStringList many;
        for (int i = 1; i <= 100'001; ++i)
            many.append(QString::number(i));
        QVERIFY(!parseIds(many, &ids, &error));
        QVERIFY2(error.contains(QStringLiteral("at most 100000")), qPrintable(error));
        many.removeLast();
        QVERIFY(parseIds(many, &ids, &error));
        QCOMPARE(ids.size(), 100'000);
    }

    // The watch's copy of the table: in-order deltas apply, older ones are ignored, a gap or an
    // update of an unknown row asks for a new snapshot.
    void liveTable() {
        LiveTable table;
        ConnectionsDelta d;
        d.seq = 1;
        QCOMPARE(table.apply(d), LiveTable::Applied::NeedsReset); // no snapshot yet
        ConnectionInfo a;
        a.id = 1;
        a.state = QStringLiteral("established");
        ConnectionInfo b;
        b.id = 2;
        table.reset(10, {a, b});
        d.seq = 10;
        QCOMPARE(table.apply(d), LiveTable::Applied::Stale);
        d.seq = 11;
        ConnectionInfo c;
        c.id = 3;
        d.added = {c};
        d.updated = {QVariantMap{{QStringLiteral("id"), 1ull}, {QStringLiteral("bytes_received"), 4096ull}}};
        d.removed = {2};
        QCOMPARE(table.apply(d), LiveTable::Applied::Yes);
        QCOMPARE(table.seq(), 11u);
        const weir::ConnectionInfoList rows = table.rows();
        QCOMPARE(rows.size(), 2);
        QCOMPARE(rows.at(0).id, 1u);
        QCOMPARE(rows.at(0).bytesReceived, 4096u);
        QCOMPARE(rows.at(0).state, QStringLiteral("established")); // untouched keys stay
        QCOMPARE(rows.at(1).id, 3u);
        ConnectionsDelta gap;
        gap.seq = 13;
        QCOMPARE(table.apply(gap), LiveTable::Applied::NeedsReset);
        ConnectionsDelta unknown;
        unknown.seq = 12;
        unknown.updated = {
            QVariantMap{{QStringLiteral("id"), 99ull}, {QStringLiteral("state"), QStringLiteral("closed")}}};
        QCOMPARE(table.apply(unknown), LiveTable::Applied::NeedsReset);
    }

    void deltaFromItsSignal() {
        weir::registerBusTypes();
        ConnectionInfo a;
        a.id = 5;
        a.host = QStringLiteral("example.org");
        QDBusMessage signal = QDBusMessage::createSignal(weir::bus::objectPath, weir::bus::interfaceName,
                                                         QStringLiteral("ConnectionsChanged"));
        signal << QVariant::fromValue<qulonglong>(4)
               << QVariant::fromValue(QList<QVariantMap>{a.toVariantMap()})
               << QVariant::fromValue(QList<QVariantMap>{{{QStringLiteral("id"), 6ull}}})
               << QVariant::fromValue(QList<qulonglong>{7, 8});
        ConnectionsDelta d;
        QVERIFY(deltaFromSignal(signal, &d));
        QCOMPARE(d.seq, 4u);
        QCOMPARE(d.added.size(), 1);
        QCOMPARE(d.added.first().host, QStringLiteral("example.org"));
        QCOMPARE(d.updated.size(), 1);
        QCOMPARE(d.removed, (QList<quint64>{7, 8}));
        QDBusMessage other = QDBusMessage::createSignal(weir::bus::objectPath, weir::bus::interfaceName,
                                                        QStringLiteral("ConnectionsChanged"));
        other << QStringLiteral("not a delta");
        QVERIFY(!deltaFromSignal(other, &d));
    }

    void rates() {
        QCOMPARE(formatRate(0), QStringLiteral("0 B/s"));
        QCOMPARE(formatRate(1536), QStringLiteral("1.5 KiB/s"));
        ConnectionInfo open;
        open.id = 1;
        open.state = QStringLiteral("established");
        open.rateReceived = 3 * 1024 * 1024;
        ConnectionInfo closed;
        closed.id = 2;
        closed.state = QStringLiteral("closed");
        closed.closedMs = 2000;
        closed.rateReceived = 999; // not shown: a closed connection moves nothing
        const QStringList lines = formatConnections({open, closed}, 5000).split(QLatin1Char('\n'));
        QVERIFY(lines.at(0).contains(QStringLiteral("SENT/S")));
        QVERIFY(lines.at(0).contains(QStringLiteral("RECV/S")));
        QVERIFY2(lines.at(1).contains(QStringLiteral("3.0 MiB/s")), qPrintable(lines.at(1)));
        QVERIFY(!lines.at(2).contains(QStringLiteral("/s")));
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
