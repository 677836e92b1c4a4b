// HelperClient: without a bus it must learn that the helper is unavailable instead of waiting forever
// (Qt never finishes calls made on a disconnected connection); the seq rules of the live feed
// (DeltaSequence); and the ConnectionsChanged arguments turned into a delta.
#include <QDBusArgument>
#include <QDBusMessage>
#include <QDBusMetaType>
#include <QSignalSpy>
#include <QTest>

#include "client/deltasequence.h"
#include "client/helperclient.h"
#include "interface/busnames.h"

using weir::DeltaSequence;
using weir::HelperClient;
using Verdict = weir::DeltaSequence::Verdict;

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
        QVERIFY2(client.lastError().contains(QStringLiteral("system bus")), qPrintable(client.lastError()));

        QSignalSpy finished(&client, &HelperClient::enableFinished);
        client.setEnabled(true);
        QTRY_COMPARE(finished.count(), 1);
        QCOMPARE(finished.first().at(0).toBool(), true);  // requested
        QCOMPARE(finished.first().at(1).toBool(), false); // ok
        QVERIFY(!finished.first().at(2).toString().isEmpty());

        // The live feed fails the same way, without a call that never finishes.
        client.setSubscribed(true);
        QVERIFY(client.isSubscribed());
        QVERIFY(!client.sequence().isLive());
        QSignalSpy closed(&client, &HelperClient::connectionsClosed);
        client.closeConnections({1, 2});
        QCOMPARE(closed.count(), 1);
        QCOMPARE(closed.first().at(0).toBool(), false);
        client.setSubscribed(false);
    }

    void sequenceInOrder() {
        DeltaSequence s;
        QCOMPARE(s.onSignal(1), Verdict::Ignore); // not subscribed: no table to apply it to
        s.startFetch();
        QCOMPARE(s.onSignal(7), Verdict::Ignore); // the fetch will contain it
        s.fetched(7);
        QVERIFY(s.isLive());
        QCOMPARE(s.onSignal(7), Verdict::Ignore); // late: already in the table
        QCOMPARE(s.onSignal(8), Verdict::Apply);
        QCOMPARE(s.onSignal(9), Verdict::Apply);
        QCOMPARE(s.lastSeq(), quint64(9));
    }

    void sequenceGapRefetches() {
        DeltaSequence s;
        s.startFetch();
        s.fetched(3);
        QCOMPARE(s.onSignal(4), Verdict::Apply);
        QCOMPARE(s.onSignal(6), Verdict::Refetch); // 5 was lost
        QVERIFY(s.isFetching());
        QCOMPARE(s.onSignal(7), Verdict::Ignore); // nothing applies until the new table is there
        s.fetched(7);
        QCOMPARE(s.onSignal(8), Verdict::Apply);
        s.stop();
        QCOMPARE(s.onSignal(9), Verdict::Ignore);
        QVERIFY(!s.isLive());
    }

    void deltaFromSignal() {
        weir::registerBusTypes();
        QDBusMessage m = QDBusMessage::createSignal(weir::bus::objectPath, weir::bus::interfaceName,
                                                    QStringLiteral("ConnectionsChanged"));
        const QList<QVariantMap> added{{{QStringLiteral("id"), quint64(5)},
                                        {QStringLiteral("state"), QStringLiteral("established")},
                                        {QStringLiteral("host"), QStringLiteral("example.org")}}};
        const QList<QVariantMap> updated{
            {{QStringLiteral("id"), quint64(3)}, {QStringLiteral("bytes_received"), quint64(4096)}}};
        m << quint64(12) << QVariant::fromValue(added) << QVariant::fromValue(updated)
          << QVariant::fromValue(QList<qulonglong>{1, 2});
        weir::ConnectionsDelta delta;
        QVERIFY(weir::deltaFromMessage(m, &delta));
        QCOMPARE(delta.seq, quint64(12));
        QCOMPARE(delta.added.size(), 1);
        QCOMPARE(delta.added.first().id, quint64(5));
        QCOMPARE(delta.added.first().host, QStringLiteral("example.org"));
        QCOMPARE(delta.updated.size(), 1);
        QCOMPARE(delta.updated.first().value(QStringLiteral("bytes_received")).toULongLong(), quint64(4096));
        QCOMPARE(delta.removed, (QList<quint64>{1, 2}));

        QDBusMessage wrong = QDBusMessage::createSignal(m.path(), m.interface(), m.member());
        wrong << quint64(1);
        QVERIFY(!weir::deltaFromMessage(wrong, &delta));
    }
};

QTEST_GUILESS_MAIN(TestHelperClient)
#include "tst_helperclient.moc"
