// The types that cross the bus: a{sv} round trips, defaults for missing keys, D-Bus marshalling.
#include <QDBusArgument>
#include <QDBusMessage>
#include <QDBusMetaType>
#include <QTest>

#include "client/errors.h"
#include "interface/busnames.h"
#include "interface/connectioninfo.h"
#include "interface/helperstatus.h"

using weir::ConnectionInfo;
using weir::HelperStatus;

class TestBusTypes : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase() { weir::registerBusTypes(); }

    void connectionRoundTrip() {
        ConnectionInfo c;
        c.id = 42;
        c.protocol = QStringLiteral("tcp");
        c.mode = QStringLiteral("redirect");
        c.source = QStringLiteral("198.51.100.1:40000");
        c.destination = QStringLiteral("[2001:db8::1]:443");
        c.bytesSent = 1ull << 40;
        c.bytesReceived = 7;
        c.state = QStringLiteral("closed");
        c.startedMs = 1'700'000'000'000;
        c.closedMs = 1'700'000'000'500;
        c.closeReason = QStringLiteral("eof");
        c.interfaceName = QStringLiteral("veth-lan");
        c.rateSent = 12345;
        c.rateReceived = 1ull << 33;
        c.durationMs = 500;
        ConnectionInfo back;
        QVERIFY(ConnectionInfo::fromVariantMap(c.toVariantMap(), &back));
        QCOMPARE(back, c);
    }

    void connectionNeedsId() {
        ConnectionInfo out;
        QVERIFY(!ConnectionInfo::fromVariantMap({{QStringLiteral("source"), QStringLiteral("x")}}, &out));
        QVERIFY(!ConnectionInfo::fromVariantMap({{QStringLiteral("id"), QStringLiteral("nope")}}, &out));
        const auto list = weir::connectionsFromVariantMaps(
            {{{QStringLiteral("id"), 3ull}}, {{QStringLiteral("protocol"), QStringLiteral("tcp")}}});
        QCOMPARE(list.size(), 1);
        QCOMPARE(list.first().id, 3ull);
    }

    // A delta carries the id and exactly the keys that changed; merging it gives the new row back.
    void deltaRoundTrip() {
        ConnectionInfo before;
        before.id = 7;
        before.state = QStringLiteral("established");
        before.bytesSent = 10;
        before.host = QStringLiteral("example.org");
        ConnectionInfo after = before;
        after.state = QStringLiteral("closed");
        after.bytesSent = 20;
        after.closeReason = QStringLiteral("closed by user");
        const QVariantMap delta = after.changedSince(before);
        QCOMPARE(QStringList(delta.keys()),
                 (QStringList{QStringLiteral("bytes_sent"), QStringLiteral("close_reason"),
                              QStringLiteral("id"), QStringLiteral("state")}));
        ConnectionInfo merged = before;
        QVERIFY(merged.merge(delta));
        QCOMPARE(merged, after);
        QCOMPARE(after.changedSince(after).size(), 1); // the id alone
        // A value of the wrong kind changes nothing, not even the good keys beside it.
        ConnectionInfo untouched = before;
        QVERIFY(!untouched.merge({{QStringLiteral("bytes_sent"), QStringLiteral("many")},
                                  {QStringLiteral("state"), QStringLiteral("closed")}}));
        QCOMPARE(untouched, before);
    }

    // The JSON keys of `weirctl connections --json` are a promise to scripts.
    void stableKeys() {
        const QStringList keys = ConnectionInfo{}.toJsonMap().keys();
        for (const char* k :
             {"id", "protocol", "mode", "source", "destination", "bytes_sent", "bytes_received", "state",
              "interface", "rate_sent", "rate_received", "duration_ms"})
            QVERIFY2(keys.contains(QLatin1String(k)), k);
        const QStringList skeys = HelperStatus{}.toJsonMap().keys();
        QVERIFY(skeys.contains(QStringLiteral("enabled")));
        QVERIFY(skeys.contains(QStringLiteral("mode")));
    }

    void statusRoundTrip() {
        HelperStatus s;
        s.enabled = true;
        s.mode = QStringLiteral("redirect");
        s.proxyPort = 41080;
        s.backend = QStringLiteral("iptables-legacy");
        s.activeConnections = 3;
        s.totalConnections = 9;
        s.version = QStringLiteral("0.1.0");
        s.lastError = QStringLiteral("boom");
        QCOMPARE(HelperStatus::fromVariantMap(s.toVariantMap()), s);
        QCOMPARE(HelperStatus::fromVariantMap({}).mode, QStringLiteral("redirect"));
    }

    // aa{sv} survives QtDBus marshalling with the registered type.
    void marshalling() {
        ConnectionInfo a, b;
        a.id = 1;
        b.id = 2;
        const QList<QVariantMap> maps{a.toVariantMap(), b.toVariantMap()};
        QDBusArgument arg;
        arg << maps;
        QCOMPARE(arg.currentSignature(), QStringLiteral("aa{sv}"));
    }

    void errorClassification() {
        using weir::CallFailure;
        QCOMPARE(weir::classify(QDBusError()), CallFailure::None);
        QCOMPARE(weir::classify(QDBusError(QDBusError::ServiceUnknown, QStringLiteral("x"))),
                 CallFailure::HelperUnavailable);
        QCOMPARE(weir::classify(QDBusError(QDBusError::AccessDenied, QStringLiteral("x"))),
                 CallFailure::NotAuthorized);
        QCOMPARE(weir::classify(QDBusError(QDBusError::Failed, QStringLiteral("x"))), CallFailure::Failed);
        // Named errors: decided by the name, whatever the text says.
        QCOMPARE(weir::classify(QDBusError(
                     QDBusMessage::createError(weir::bus::errorNoAuthenticationAgent, QStringLiteral("x")))),
                 CallFailure::NotAuthorized);
        QCOMPARE(weir::classify(QDBusError(QDBusMessage::createError(
                     weir::bus::errorInvalidSettings, QStringLiteral("no Polkit authentication agent")))),
                 CallFailure::Failed);
        // The user's sentence leaves the helper's technical text (Polkit action ids, Qt's ".service
        // files") to technicalDetail().
        const QDBusError denied(QDBusError::AccessDenied,
                                QStringLiteral("not authorized by Polkit for io.github.weir.control"));
        QVERIFY(!weir::describe(denied).contains(QStringLiteral("io.github.weir")));
        QVERIFY(weir::describe(denied).startsWith(QStringLiteral("Not authorized")));
        QVERIFY(weir::technicalDetail(denied).contains(QStringLiteral("io.github.weir.control")));
        const QDBusError missing(
            QDBusError::ServiceUnknown,
            QStringLiteral("The name io.github.weir.Helper1 was not provided by any .service files"));
        QVERIFY(!weir::describe(missing).contains(QStringLiteral(".service")));
        QVERIFY(weir::describe(missing).contains(QStringLiteral("systemctl start weir-helper")));
        // polkitd gone: refused, but no password would help; the sentence says what happened.
        const QDBusError noPolkit(QDBusMessage::createError(
            weir::bus::errorAuthorityUnavailable,
            QStringLiteral("Polkit could not be asked, so io.github.weir.monitor is refused: ...")));
        QCOMPARE(weir::classify(noPolkit), CallFailure::NotAuthorized);
        QVERIFY(!weir::asksForPassword(noPolkit));
        QVERIFY(weir::describe(noPolkit).contains(QStringLiteral("could not ask Polkit")));
        QVERIFY(!weir::describe(noPolkit).contains(QStringLiteral("password")));
        // The button: Authenticate only where a password can help.
        QCOMPARE(weir::remedyFor(denied), weir::Remedy::Authenticate);
        QCOMPARE(weir::remedyFor(noPolkit), weir::Remedy::Retry);
        QCOMPARE(weir::remedyFor(QDBusError(
                     QDBusMessage::createError(weir::bus::errorNoAuthenticationAgent, QStringLiteral("x")))),
                 weir::Remedy::Retry);
        QCOMPARE(weir::remedyFor(missing), weir::Remedy::CheckAgain);
        QCOMPARE(weir::remedyFor(QDBusError(QDBusError::Failed, QStringLiteral("x"))), weir::Remedy::Retry);
        QCOMPARE(weir::remedyFor(QDBusError()), weir::Remedy::None);
        // NoReply: the helper left the bus mid-call (dbus-daemon's and dbus-broker's words) is not a
        // timeout (libdbus's words).
        const QString stopped = QStringLiteral("stopped before it answered");
        for (const QString& left : {QStringLiteral("Message recipient disconnected from message bus without "
                                                   "replying"),
                                    QStringLiteral("Remote peer disconnected")}) {
            const QDBusError gone(QDBusError::NoReply, left);
            QCOMPARE(weir::classify(gone), CallFailure::HelperUnavailable);
            QVERIFY2(weir::describe(gone).contains(stopped), qPrintable(weir::describe(gone)));
        }
        const QDBusError timedOut(
            QDBusError::NoReply,
            QStringLiteral("Did not receive a reply. Possible causes include: the remote "
                           "application did not send a reply, the message bus security "
                           "policy blocked the reply, the reply timeout expired, or the "
                           "network connection was broken."));
        QCOMPARE(weir::classify(timedOut), CallFailure::HelperUnavailable);
        QVERIFY(weir::describe(timedOut).contains(QStringLiteral("did not answer in time")));
        QVERIFY(!weir::describe(timedOut).contains(stopped));
    }
};

QTEST_GUILESS_MAIN(TestBusTypes)
#include "tst_bustypes.moc"
