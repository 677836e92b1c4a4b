// The GUI against a real weir-helper (started by tests/integration/gui_live.sh in a network
// namespace on a private system bus with polkitd): the window follows the helper's state and shows its
// warning (a settings file it could not use) in the banner, turning interception on from the GUI
// works, and a real curl shows up in the table, kept live by the helper's ConnectionsChanged deltas
// without resetting the model; a slow download closed through the client (what "Close selected
// connections" calls) ends with a reset and says "closed by user".
#include <QProcess>
#include <QSignalSpy>
#include "gui/connectionfiltermodel.h"
#include <QTableView>
#include <QTest>
#include <QToolButton>

#include "client/helperclient.h"
#include "gui/appcontroller.h"
#include "gui/connectionmodel.h"
#include "gui/connectionswindow.h"
#include "gui/problembanner.h"

using namespace weir;

class TestGuiLive : public QObject {
    Q_OBJECT
private:
    int rowOfDestination(ConnectionModel* model, const QString& destination) {
        for (int row = 0; row < model->rowCount(); ++row) {
            if (model->connectionAt(row).destination == destination)
                return row;
        }
        return -1;
    }

private Q_SLOTS:
    void liveHelper() {
        const QString netns = qEnvironmentVariable("WEIR_TEST_NETNS");
        const QString url = qEnvironmentVariable("WEIR_TEST_URL");
        const QString destination = qEnvironmentVariable("WEIR_TEST_DESTINATION");
        QVERIFY2(!netns.isEmpty() && !url.isEmpty() && !destination.isEmpty(),
                 "run through tests/integration/gui_live.sh");

        HelperClient client(QDBusConnection::systemBus());
        AppController app(&client);
        app.start(/*showConnections=*/true); // as `weir --show-connections`
        ConnectionsWindow& window = *app.window();
        window.resize(1100, 420);
        QVERIFY(window.isVisible());
        QSignalSpy resets(window.model(), &QAbstractItemModel::modelReset);

        QTRY_COMPARE_WITH_TIMEOUT(client.availability(), HelperClient::Availability::Available, 10000);
        QVERIFY(!client.status().enabled); // interception stays off until the user turns it on
        // The helper started on a settings file it could not use (gui_live.sh wrote garbage): its
        // warning is in the banner, as a notice, until dismissed, and stays dismissed across polls.
        QTRY_VERIFY2_WITH_TIMEOUT(
            window.problemText().startsWith(QStringLiteral("Warning from the helper: the settings file")),
            qPrintable(window.problemText()), 5000);
        QVERIFY2(window.problemText().contains(QStringLiteral("defaults are in use")),
                 qPrintable(window.problemText()));
        QCOMPARE(window.banner()->kind(), ProblemBanner::Kind::Notice);
        auto* dismiss = window.banner()->findChild<QToolButton*>();
        QVERIFY(dismiss);
        dismiss->click();
        QVERIFY(window.problemText().isEmpty());
        QTest::qWait(AppController::kWindowPollMs + 500);
        QVERIFY2(window.problemText().isEmpty(), qPrintable(window.problemText()));

        QSignalSpy finished(&client, &HelperClient::enableFinished);
        Q_EMIT window.enableRequested(true); // what the toolbar button does
        QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, 10000);
        QVERIFY2(finished.first().at(1).toBool(), qPrintable(finished.first().at(2).toString()));
        QTRY_VERIFY_WITH_TIMEOUT(client.status().enabled, 5000);
        QTRY_VERIFY2_WITH_TIMEOUT(window.statusText().contains(QStringLiteral("REDIRECT")),
                                  qPrintable(window.statusText()), 5000);
        QVERIFY2(window.stripText().contains(QStringLiteral("ON")), qPrintable(window.stripText()));
        QCOMPARE(window.windowTitle(), QStringLiteral("Weir — Connections"));
        // The table comes from the feed, not from polling.
        QVERIFY(client.isSubscribed());
        QTRY_VERIFY_WITH_TIMEOUT(client.sequence().isLive(), 5000);

        QProcess curl;
        curl.start(QStringLiteral("ip"),
                   {QStringLiteral("netns"), QStringLiteral("exec"), netns, QStringLiteral("curl"),
                    QStringLiteral("-sS"), QStringLiteral("-o"), QStringLiteral("/dev/null"), url});
        QVERIFY(curl.waitForFinished(15000));
        QCOMPARE(curl.exitCode(), 0);

        QTRY_VERIFY_WITH_TIMEOUT(rowOfDestination(window.model(), destination) >= 0, 5000);
        const int row = rowOfDestination(window.model(), destination);
        const QPersistentModelIndex index = window.model()->index(row, ConnectionModel::DestinationColumn);
        QTRY_COMPARE_WITH_TIMEOUT(window.model()->connectionAt(index.row()).state, QStringLiteral("closed"),
                                  5000);
        QVERIFY(window.model()->connectionAt(index.row()).bytesReceived > 0);
        QCOMPARE(index.data().toString(), destination);
        QCOMPARE(window.proxyModel()->rowCount(), window.model()->rowCount()); // shown, not filtered away
        // Several polls later the row is still the same row: updated in place, never reset.
        QTest::qWait(2500);
        QVERIFY(index.isValid());
        QCOMPARE(index.data().toString(), destination);
        QCOMPARE(resets.count(), 0);

        QVERIFY2(client.sequence().lastSeq() > 0, "no ConnectionsChanged applied");
        QCOMPARE(window.countText().isEmpty(), false);

        // A slow download, closed by the user: reset, and the row says why.
        QProcess slow;
        slow.start(QStringLiteral("ip"),
                   {QStringLiteral("netns"), QStringLiteral("exec"), netns, QStringLiteral("curl"),
                    QStringLiteral("-sS"), QStringLiteral("--limit-rate"), QStringLiteral("1k"),
                    QStringLiteral("-o"), QStringLiteral("/dev/null"), url});
        quint64 slowId = 0;
        (void)QTest::qWaitFor(
            [&] {
                for (int r = 0; r < window.model()->rowCount(); ++r) {
                    const ConnectionInfo& c = window.model()->connectionAt(r);
                    if (c.destination == destination && !ConnectionModel::isFinished(c)) {
                        slowId = c.id;
                        return true;
                    }
                }
                return false;
            },
            10000);
        QVERIFY2(slowId != 0, "the slow download never showed as open");
        QSignalSpy closed(&client, &HelperClient::connectionsClosed);
        client.closeConnections({slowId});
        QTRY_COMPARE_WITH_TIMEOUT(closed.count(), 1, 10000);
        QVERIFY2(closed.first().at(0).toBool(), qPrintable(closed.first().at(2).toString()));
        QCOMPARE(closed.first().at(1).value<QList<quint64>>(), QList<quint64>{slowId});
        QTRY_COMPARE_WITH_TIMEOUT(window.model()->connectionAt(window.model()->rowOf(slowId)).closeReason,
                                  QStringLiteral("closed by user"), 5000);
        // curl still drains what its socket had buffered before the reset (1 KiB/s): not waited for.
        slow.kill();
        slow.waitForFinished(5000);
        QCOMPARE(resets.count(), 0);

        const QString shot = qEnvironmentVariable("WEIR_TEST_SCREENSHOT");
        if (!shot.isEmpty())
            QVERIFY(window.grab().save(shot));

        finished.clear();
        Q_EMIT window.enableRequested(false);
        QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, 10000);
        QVERIFY(finished.first().at(1).toBool());
        QTRY_VERIFY_WITH_TIMEOUT(!client.status().enabled, 5000);
    }
};

QTEST_MAIN(TestGuiLive)
#include "tst_guilive.moc"
