// HelperClient without a bus: the GUI must learn that the helper is unavailable instead of waiting
// forever (Qt never finishes calls made on a disconnected connection).
#include <QSignalSpy>
#include <QTest>

#include "client/helperclient.h"

using weir::HelperClient;

class TestHelperClient : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void noBus() {
        HelperClient client(QDBusConnection::connectToBus(QStringLiteral("unix:path=/nonexistent/weir-test"),
                                                          QStringLiteral("helperclient-test")));
        QSignalSpy availability(&client, &HelperClient::availabilityChanged);
        client.refresh();
        QTRY_COMPARE(client.availability(), HelperClient::Availability::Unavailable);
        QCOMPARE(availability.count(), 1);
        QVERIFY2(client.lastError().contains(QStringLiteral("not available")),
                 qPrintable(client.lastError()));

        QSignalSpy finished(&client, &HelperClient::enableFinished);
        client.setEnabled(true);
        QTRY_COMPARE(finished.count(), 1);
        QCOMPARE(finished.first().at(0).toBool(), true);  // requested
        QCOMPARE(finished.first().at(1).toBool(), false); // ok
        QVERIFY(!finished.first().at(2).toString().isEmpty());
    }
};

QTEST_GUILESS_MAIN(TestHelperClient)
#include "tst_helperclient.moc"
