// BusLossWatch against a real dbus-daemon of our own: stopping the daemon is noticed once, and a
// connection that stays up says nothing.
#include <QDBusConnection>
#include <QDBusError>
#include <QProcess>
#include <QSignalSpy>
#include <QTest>

#include "service/buslosswatch.h"

using weir::service::BusLossWatch;

class TestBusLossWatch : public QObject {
    Q_OBJECT

    // Starts a private session-type dbus-daemon; returns its address (empty when it did not start).
    static QString startDaemon(QProcess* daemon) {
        daemon->start(QStringLiteral("dbus-daemon"),
                      {QStringLiteral("--session"), QStringLiteral("--nofork"), QStringLiteral("--nopidfile"),
                       QStringLiteral("--print-address=1")});
        if (!daemon->waitForReadyRead(10000))
            return {};
        return QString::fromUtf8(daemon->readLine()).trimmed();
    }

private Q_SLOTS:
    void daemonStoppedIsReportedOnce() {
        QProcess daemon;
        const QString address = startDaemon(&daemon);
        QVERIFY2(!address.isEmpty(), qPrintable(daemon.errorString()));
        QDBusConnection bus = QDBusConnection::connectToBus(address, QStringLiteral("watched"));
        QVERIFY2(bus.isConnected(), qPrintable(bus.lastError().message()));
        BusLossWatch watch(bus);
        QVERIFY(watch.watch());
        QSignalSpy lost(&watch, &BusLossWatch::lost);

        QTest::qWait(200);
        QCOMPARE(lost.count(), 0); // a live bus is no loss

        daemon.terminate();
        QVERIFY(daemon.waitForFinished(10000));
        QTRY_COMPARE_WITH_TIMEOUT(lost.count(), 1, 5000);
        QVERIFY(!bus.isConnected());
        QTest::qWait(200);
        QCOMPARE(lost.count(), 1);
        QDBusConnection::disconnectFromBus(QStringLiteral("watched"));
    }
};

QTEST_GUILESS_MAIN(TestBusLossWatch)
#include "tst_buslosswatch.moc"
