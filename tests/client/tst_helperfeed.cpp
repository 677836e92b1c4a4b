// HelperClient's live feed over a real dbus-daemon (ctest runs this under dbus-run-session, a private
// bus): a stand-in owns io.github.weir.Helper1 on a second connection and answers Subscribe,
// GetConnections and Unsubscribe the way API7 describes, then sends targeted ConnectionsChanged signals.
// Checked: subscribe then fetch, in-order deltas applied, a gap fetches the table again, a signal from
// anyone but the helper's name is ignored, Unsubscribe when unsubscribed and on destruction.
#include <QDBusConnection>
#include <QDBusConnectionInterface>
#include <QDBusMessage>
#include <QSignalSpy>
#include <QTest>

#include "client/helperclient.h"
#include "interface/busnames.h"

using weir::HelperClient;

class FeedStandIn : public QObject {
    Q_OBJECT
    Q_CLASSINFO("D-Bus Interface", "io.github.weir.Helper1")
public:
    explicit FeedStandIn(const QDBusConnection& bus)
        : bus_(bus) {}

    QStringList subscribers;
    int fetches = 0;
    int unsubscribes = 0;
    quint64 seq = 0;
    QList<QVariantMap> rows;

    void send(quint64 signalSeq, const QList<QVariantMap>& added, const QList<QVariantMap>& updated,
              const QList<qulonglong>& removed, QDBusConnection via) {
        for (const QString& to : std::as_const(subscribers)) {
            QDBusMessage m = QDBusMessage::createTargetedSignal(
                to, weir::bus::objectPath, weir::bus::interfaceName, QStringLiteral("ConnectionsChanged"));
            m << signalSeq << QVariant::fromValue(added) << QVariant::fromValue(updated)
              << QVariant::fromValue(removed);
            QVERIFY(via.send(m));
        }
    }

public Q_SLOTS:
    void Subscribe(const QDBusMessage& call) {
        if (!subscribers.contains(call.service()))
            subscribers << call.service();
    }
    void Unsubscribe(const QDBusMessage& call) {
        subscribers.removeAll(call.service());
        ++unsubscribes;
    }
    void GetConnections(const QDBusMessage& call) {
        ++fetches;
        call.setDelayedReply(true);
        bus_.send(call.createReply({QVariant::fromValue(qulonglong(seq)), QVariant::fromValue(rows)}));
    }

private:
    QDBusConnection bus_;
};

namespace {
QVariantMap row(quint64 id, const QString& state) {
    return {{QStringLiteral("id"), id}, {QStringLiteral("state"), state}};
}
} // namespace

class TestHelperFeed : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void liveFeed() {
        weir::registerBusTypes();
        QDBusConnection helperBus =
            QDBusConnection::connectToBus(QDBusConnection::SessionBus, QStringLiteral("standin-helper"));
        QVERIFY2(helperBus.isConnected(), "run under dbus-run-session");
        FeedStandIn standIn(helperBus);
        QVERIFY(helperBus.registerObject(weir::bus::objectPath, &standIn, QDBusConnection::ExportAllSlots));
        QVERIFY(helperBus.registerService(weir::bus::serviceName));
        standIn.seq = 5;
        standIn.rows = {row(1, QStringLiteral("established")), row(2, QStringLiteral("closed"))};

        auto* client = new HelperClient(QDBusConnection::sessionBus());
        QSignalSpy resets(client, &HelperClient::connectionsReset);
        QSignalSpy changes(client, &HelperClient::connectionsChanged);
        client->setSubscribed(true);
        QTRY_COMPARE(resets.count(), 1);
        QCOMPARE(standIn.subscribers, QStringList{QDBusConnection::sessionBus().baseService()});
        QCOMPARE(standIn.fetches, 1);
        QCOMPARE(resets.first().first().value<weir::ConnectionInfoList>().size(), 2);
        QCOMPARE(client->sequence().lastSeq(), quint64(5));

        // In order: applied.
        standIn.send(6, {row(3, QStringLiteral("connecting"))}, {}, {}, helperBus);
        QTRY_COMPARE(changes.count(), 1);
        const auto delta = changes.first().first().value<weir::ConnectionsDelta>();
        QCOMPARE(delta.seq, quint64(6));
        QCOMPARE(delta.added.size(), 1);
        QCOMPARE(delta.added.first().id, quint64(3));

        // Someone else sends the helper's signal: ignored (not even counted as a gap).
        QDBusConnection other =
            QDBusConnection::connectToBus(QDBusConnection::SessionBus, QStringLiteral("standin-other"));
        standIn.send(7, {row(66, QStringLiteral("established"))}, {}, {}, other);
        // Then the helper's own 7 and 8: only those arrive.
        standIn.send(
            7, {},
            {{{QStringLiteral("id"), quint64(3)}, {QStringLiteral("state"), QStringLiteral("established")}}},
            {}, helperBus);
        standIn.send(8, {}, {}, {2}, helperBus);
        QTRY_COMPARE(changes.count(), 3);
        QCOMPARE(changes.at(1).first().value<weir::ConnectionsDelta>().seq, quint64(7));
        QCOMPARE(changes.at(1).first().value<weir::ConnectionsDelta>().updated.size(), 1);
        QCOMPARE(changes.at(2).first().value<weir::ConnectionsDelta>().removed, QList<quint64>{2});
        QCOMPARE(resets.count(), 1);

        // A gap (9 and 10 lost): the table is fetched again, and signals resume from its seq.
        standIn.seq = 11;
        standIn.rows = {row(1, QStringLiteral("closed"))};
        standIn.send(11, {}, {}, {3}, helperBus);
        QTRY_COMPARE(resets.count(), 2);
        QCOMPARE(standIn.fetches, 2);
        QCOMPARE(changes.count(), 3); // the signal that showed the gap is in the new table
        QCOMPARE(resets.last().first().value<weir::ConnectionInfoList>().size(), 1);
        standIn.send(12, {row(4, QStringLiteral("connecting"))}, {}, {}, helperBus);
        QTRY_COMPARE(changes.count(), 4);

        // Unsubscribed: the helper is told, and signals sent anyway are not applied.
        client->setSubscribed(false);
        QTRY_COMPARE(standIn.unsubscribes, 1);
        QVERIFY(standIn.subscribers.isEmpty());

        // Destroyed while subscribed: Unsubscribe is still sent.
        client->setSubscribed(true);
        QTRY_COMPARE(resets.count(), 3);
        QCOMPARE(standIn.subscribers.size(), 1);
        delete client;
        QTRY_COMPARE(standIn.unsubscribes, 2);
        QVERIFY(standIn.subscribers.isEmpty());
    }
};

QTEST_GUILESS_MAIN(TestHelperFeed)
#include "tst_helperfeed.moc"
