// The Connections window: against a bus without a helper (ctest runs this under dbus-run-session, so
// the session bus is a private, empty one) it must say so, clearly; fed by the client's deltas it keeps
// its count, empty state, columns, sort and filters right; its layout and filters survive a restart.
#include <QAction>
#include <QApplication>
#include <QClipboard>
#include <QDBusConnection>
#include <QDBusMessage>
#include <QHeaderView>
#include <QLineEdit>
#include <QPushButton>
#include <QScrollBar>
#include <QSettings>
#include <QStandardPaths>
#include <QTabWidget>
#include <QTableView>
#include <QTemporaryDir>
#include <QToolButton>
#include <QTranslator>
#include <QtTest>

#include "client/errors.h"
#include "client/helperclient.h"
#include "gui/appcontroller.h"
#include "gui/connectionfiltermodel.h"
#include "gui/connectionmodel.h"
#include "gui/connectionswindow.h"
#include "gui/emptystate.h"
#include "gui/problembanner.h"
#include "gui/settings/settingsdialog.h"
#include "gui/trafficgraph.h"
#include "interface/busnames.h"

using weir::ConnectionModel;
using weir::EmptyReason;
using A = weir::HelperClient::Availability;

namespace {
QDBusConnection noBus(const char* name) {
    return QDBusConnection::connectToBus(QStringLiteral("unix:path=/nonexistent/weir-test-bus"),
                                         QLatin1String(name));
}

weir::ConnectionInfo connection(quint64 id, const QString& state, const QString& destination) {
    weir::ConnectionInfo c;
    c.id = id;
    c.protocol = QStringLiteral("tcp");
    c.mode = QStringLiteral("redirect");
    c.source = QStringLiteral("192.0.2.1:%1").arg(40000 + id);
    c.destination = destination;
    c.state = state;
    c.startedMs = 1'700'000'000'000 + qint64(id) * 1000;
    c.bytesSent = 100 * id;
    c.bytesReceived = 1000 * id;
    c.process = QStringLiteral("curl");
    c.pid = 4000 + quint32(id);
    return c;
}
} // namespace

class TestConnectionsWindow : public QObject {
    Q_OBJECT
    QTemporaryDir settingsDir_;
    QTranslator english_;

private Q_SLOTS:
    void initTestCase() {
        // QSettings go to a fresh temporary directory, never the user's.
        QVERIFY(settingsDir_.isValid());
        QSettings::setDefaultFormat(QSettings::IniFormat);
        QSettings::setPath(QSettings::IniFormat, QSettings::UserScope, settingsDir_.path());
        QCoreApplication::setOrganizationName(QStringLiteral("weir-test"));
        QCoreApplication::setApplicationName(QStringLiteral("tst_gui_connectionswindow"));
        QVERIFY(english_.load(QStringLiteral(":/i18n/weir_en.qm"))); // English plural forms, as main()
        QCoreApplication::installTranslator(&english_);
    }

    void init() { QSettings().clear(); }

    void helperMissingIsShown() {
        // A running bus where nobody owns io.github.weir.Helper1: calls fail with ServiceUnknown, as on a
        // machine where weir-helper is not installed.
        const QDBusConnection bus = QDBusConnection::sessionBus();
        QVERIFY2(bus.isConnected(), "run under dbus-run-session");
        weir::HelperClient client(bus);
        weir::ConnectionsWindow window(&client);
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        QCOMPARE(window.windowTitle(), QStringLiteral("Weir — Connections"));

        client.refresh();
        QTRY_COMPARE_WITH_TIMEOUT(client.availability(), A::Unavailable, 5000);
        QTRY_VERIFY_WITH_TIMEOUT(
            window.problemText().contains(QStringLiteral("not running or not installed")), 5000);
        QVERIFY(window.problemText().contains(QStringLiteral("sudo systemctl start weir-helper")));
        for (const QString& jargon :
             {QStringLiteral("README"), QStringLiteral(".service"), QStringLiteral("io.github.weir")})
            QVERIFY2(!window.problemText().contains(jargon), qPrintable(window.problemText()));
        QCOMPARE(window.statusText(), QStringLiteral("Helper not available"));
        QVERIFY(window.stripText().contains(QStringLiteral("Helper not running")));
        QVERIFY(!window.state().canToggle);
        QVERIFY(!window.action(QStringLiteral("toggleAction"))->isEnabled());
        QTRY_COMPARE(window.emptyState()->state().reason, EmptyReason::HelperMissing);
        QVERIFY(window.emptyState()->text().contains(QStringLiteral("systemctl start weir-helper")));
        QCOMPARE(window.emptyState()->actionButton()->text(), QStringLiteral("Check again"));

        // The table is set up for a live feed: sortable on raw values, read-only, whole rows.
        QTableView* view = window.view();
        QVERIFY(view->isSortingEnabled());
        QCOMPARE(window.proxyModel()->sortRole(), int(ConnectionModel::SortRole));
        QCOMPARE(view->editTriggers(), QAbstractItemView::NoEditTriggers);
        QCOMPARE(view->selectionBehavior(), QAbstractItemView::SelectRows);
        QCOMPARE(view->horizontalHeader()->count(), int(ConnectionModel::ColumnCount));

        // A failed call is shown with its action button.
        window.showError(QStringLiteral("Could not enable interception: denied"), QStringLiteral("Retry"));
        QVERIFY(window.problemText().contains(QStringLiteral("denied")));
        QCOMPARE(window.banner()->actionText(), QStringLiteral("Retry"));
        QSignalSpy retries(&window, &weir::ConnectionsWindow::retryRequested);
        window.banner()->actionButton()->click();
        QCOMPARE(retries.size(), 1);
        window.hide();
    }

    // Offscreen there is no system tray: the window is the application, it follows the feed while shown,
    // and a refused Enable is reported once, in it, with a button.
    void controllerWithoutTray() {
        weir::HelperClient client(QDBusConnection::sessionBus());
        weir::AppController controller(&client);
        QVERIFY(!controller.tray());
        controller.start(false);
        QVERIFY(controller.window()->isVisible());
        QVERIFY(QApplication::quitOnLastWindowClosed());
        QCOMPARE(client.pollInterval(), int(weir::AppController::kWindowPollMs));
        QVERIFY(client.isSubscribed());
        controller.window()->hide();
        QCOMPARE(client.pollInterval(), 0);
        QVERIFY(!client.isSubscribed());
        controller.showWindow();
        QVERIFY(client.isSubscribed());

        QTRY_COMPARE_WITH_TIMEOUT(client.availability(), A::Unavailable, 5000);
        QSignalSpy finished(&client, &weir::HelperClient::enableFinished);
        controller.requestEnabled(true);
        QTRY_COMPARE_WITH_TIMEOUT(finished.size(), 1, 5000);
        QCOMPARE(finished.at(0).at(1).toBool(), false);
        QVERIFY(controller.window()->problemText().contains(QStringLiteral("Could not enable interception")));
        QCOMPARE(controller.window()->banner()->actionText(), QStringLiteral("Check again"));
        // Retry asks again.
        controller.window()->banner()->actionButton()->click();
        QTRY_COMPARE_WITH_TIMEOUT(finished.size(), 2, 5000);

        // Refused by Polkit: a new password prompt may help after AccessDenied, never when Polkit could
        // not be asked at all (AuthorityUnavailable: polkitd down), where only trying again can.
        const QDBusError denied(QDBusError::AccessDenied, QStringLiteral("not authorized"));
        Q_EMIT client.enableFinished(true, false, weir::describe(denied), weir::remedyFor(denied));
        QCOMPARE(controller.window()->banner()->actionText(), QStringLiteral("Authenticate"));
        const QDBusError noPolkit(QDBusMessage::createError(weir::bus::errorAuthorityUnavailable,
                                                            QStringLiteral("Polkit could not be asked")));
        Q_EMIT client.enableFinished(true, false, weir::describe(noPolkit), weir::remedyFor(noPolkit));
        QVERIFY(controller.window()->problemText().contains(QStringLiteral("could not ask Polkit")));
        QCOMPARE(controller.window()->banner()->actionText(), QStringLiteral("Retry"));

        // Settings… in the window opens the dialog, which says it could not read the settings.
        controller.window()->action(QStringLiteral("settingsAction"))->trigger();
        weir::SettingsDialog* dialog = controller.settingsDialog();
        QVERIFY(dialog);
        QTRY_VERIFY_WITH_TIMEOUT(
            dialog->messageText().startsWith(QStringLiteral("Could not read the settings")), 5000);
        dialog->hide();

        // A refused mode switch (the tray's REDIRECT/TPROXY) is reported in the window like Enable.
        QSignalSpy applied(&client, &weir::HelperClient::settingsApplied);
        controller.requestMode(QStringLiteral("tproxy"));
        QTRY_COMPARE_WITH_TIMEOUT(applied.size(), 1, 5000);
        QVERIFY(controller.window()->problemText().contains(QStringLiteral("Could not switch the mode")));
        controller.window()->hide();
    }

    // The model is fed by the client's signals; the count follows the source model when rows leave.
    void deltasFeedTheModel() {
        weir::HelperClient client(noBus("weir-test-nobus-deltas"));
        weir::ConnectionsWindow window(&client);
        QSignalSpy resets(window.model(), &QAbstractItemModel::modelReset);
        Q_EMIT client.connectionsReset(
            {connection(1, QStringLiteral("established"), QStringLiteral("198.51.100.1:443")),
             connection(2, QStringLiteral("established"), QStringLiteral("198.51.100.2:443")),
             connection(3, QStringLiteral("closed"), QStringLiteral("198.51.100.3:80"))});
        QCOMPARE(window.model()->rowCount(), 3);
        QTRY_COMPARE(window.countText(), QStringLiteral("3 connections"));

        window.action(QStringLiteral("showClosedAction"))->setChecked(false);
        QCOMPARE(window.proxyModel()->rowCount(), 2);
        QTRY_COMPARE(window.countText(), QStringLiteral("2 of 3 connections shown"));

        // The closed row leaves the helper's history: no shown row changes, the count must still.
        weir::ConnectionsDelta delta;
        delta.seq = 2;
        delta.removed = {3};
        Q_EMIT client.connectionsChanged(delta);
        QCOMPARE(window.model()->rowCount(), 2);
        QTRY_COMPARE(window.countText(), QStringLiteral("2 connections"));

        // An update and an addition, in place.
        weir::ConnectionsDelta next;
        next.seq = 3;
        next.updated = {
            {{QStringLiteral("id"), quint64(1)}, {QStringLiteral("state"), QStringLiteral("closed")}}};
        next.added = {connection(4, QStringLiteral("connecting"), QStringLiteral("203.0.113.4:443"))};
        Q_EMIT client.connectionsChanged(next);
        QCOMPARE(window.model()->rowCount(), 3);
        QTRY_COMPARE(window.countText(), QStringLiteral("2 of 3 connections shown"));

        // Paused: deltas wait; the table stays as it is.
        window.setPaused(true);
        weir::ConnectionsDelta later;
        later.seq = 4;
        later.removed = {4};
        Q_EMIT client.connectionsChanged(later);
        QCOMPARE(window.model()->rowCount(), 3);
        QVERIFY(window.statusText().startsWith(QStringLiteral("Paused")));
        window.setPaused(false);

        // Every row closed and closed ones hidden: the empty state says so and offers to show them.
        window.action(QStringLiteral("showClosedAction"))->setChecked(true);
        auto* edit = window.findChild<QLineEdit*>(QStringLiteral("quickFilter"));
        edit->setText(QStringLiteral("no-such-host"));
        QTRY_COMPARE(window.proxyModel()->rowCount(), 0);
        QTRY_COMPARE(window.emptyState()->state().reason, EmptyReason::NothingMatches);
        window.emptyState()->actionButton()->click();
        QTRY_COMPARE(window.proxyModel()->rowCount(), 3);
        QCOMPARE(edit->text(), QString());
        QCOMPARE(resets.size(), 0); // never a reset

        // For a look at it: WEIR_TEST_SCREENSHOT_DIR=dir writes the window at 760 px wide.
        const QString shots = qEnvironmentVariable("WEIR_TEST_SCREENSHOT_DIR");
        if (!shots.isEmpty()) {
            window.resize(760, 420);
            window.show();
            QVERIFY(QTest::qWaitForWindowExposed(&window));
            QVERIFY(window.grab().save(shots + QStringLiteral("/connections-760.png")));
            window.hide();
        }
    }

    void emptyStates_data() {
        QTest::addColumn<int>("availability");
        QTest::addColumn<bool>("enabled");
        QTest::addColumn<int>("total");
        QTest::addColumn<int>("shown");
        QTest::addColumn<bool>("filtered");
        QTest::addColumn<int>("reason");
        QTest::addColumn<QString>("says");
        QTest::addColumn<QString>("button");
        QTest::newRow("rows") << int(A::Available) << true << 3 << 2 << false << int(EmptyReason::None) << ""
                              << "";
        QTest::newRow("connecting") << int(A::Unknown) << false << 0 << 0 << false
                                    << int(EmptyReason::Connecting) << "Connecting"
                                    << "";
        QTest::newRow("helper missing") << int(A::Unavailable) << false << 0 << 0 << false
                                        << int(EmptyReason::HelperMissing) << "install the weir package"
                                        << "Check again";
        QTest::newRow("not authorized") << int(A::NotAuthorized) << false << 0 << 0 << false
                                        << int(EmptyReason::NotAuthorized) << "Ask an administrator"
                                        << "Try again";
        QTest::newRow("off") << int(A::Available) << false << 0 << 0 << false
                             << int(EmptyReason::InterceptionOff) << "Interception is off"
                             << "Turn interception on";
        QTest::newRow("nothing yet") << int(A::Available) << true << 0 << 0 << false
                                     << int(EmptyReason::NoConnectionYet) << "No connection yet"
                                     << "";
        QTest::newRow("filter") << int(A::Available) << true << 5 << 0 << true
                                << int(EmptyReason::NothingMatches) << "matches the filter"
                                << "Clear the filter";
        QTest::newRow("closed hidden")
            << int(A::Available) << true << 5 << 0 << false << int(EmptyReason::OnlyClosedHidden) << "ended"
            << "Show ended connections";
    }

    void emptyStates() {
        QFETCH(int, availability);
        QFETCH(bool, enabled);
        QFETCH(int, total);
        QFETCH(int, shown);
        QFETCH(bool, filtered);
        QFETCH(int, reason);
        QFETCH(QString, says);
        QFETCH(QString, button);
        weir::EmptyInputs in;
        in.availability = A(availability);
        in.enabled = enabled;
        in.totalRows = total;
        in.shownRows = shown;
        in.filtered = filtered;
        const weir::EmptyState s = weir::emptyStateFor(in);
        QCOMPARE(int(s.reason), reason);
        QVERIFY2(s.text.contains(says), qPrintable(s.text));
        QCOMPARE(s.actionText, button);
    }

    // Protocol, Mode, User and Interface start hidden; bytes, rates, times and Close reason fit a
    // 760 px window; a first click on a number or time sorts it largest first.
    void defaultLayout() {
        weir::HelperClient client(noBus("weir-test-nobus-layout"));
        weir::ConnectionsWindow window(&client);
        window.resize(760, 480);
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        QHeaderView* header = window.view()->horizontalHeader();
        for (int c : {ConnectionModel::ProtocolColumn, ConnectionModel::ModeColumn,
                      ConnectionModel::UserColumn, ConnectionModel::InterfaceColumn})
            QVERIFY2(header->isSectionHidden(c), qPrintable(QString::number(c)));
        for (int c :
             {ConnectionModel::StateColumn, ConnectionModel::ProcessColumn, ConnectionModel::HostColumn,
              ConnectionModel::SentColumn, ConnectionModel::CloseReasonColumn})
            QVERIFY(!header->isSectionHidden(c));
        const int viewport = window.view()->viewport()->width();
        for (int c :
             {ConnectionModel::SentColumn, ConnectionModel::ReceivedColumn, ConnectionModel::SendRateColumn,
              ConnectionModel::ReceiveRateColumn, ConnectionModel::StartedColumn,
              ConnectionModel::DurationColumn, ConnectionModel::CloseReasonColumn}) {
            const int right = header->sectionViewportPosition(c) + header->sectionSize(c);
            QVERIFY2(right <= viewport, qPrintable(QStringLiteral("%1 ends at %2 of %3")
                                                       .arg(ConnectionModel::columnKey(c))
                                                       .arg(right)
                                                       .arg(viewport)));
        }
        // Close reason is wide enough for its longer texts.
        const QString reason = ConnectionModel::closeReasonText(QStringLiteral("reset by destination"));
        QVERIFY(header->sectionSize(ConnectionModel::CloseReasonColumn) >
                window.view()->fontMetrics().horizontalAdvance(reason));

        QCOMPARE(header->sortIndicatorSection(), int(ConnectionModel::StartedColumn));
        QCOMPARE(header->sortIndicatorOrder(), Qt::DescendingOrder);
        // What a click on a new section does: Qt asks for ascending, the window turns it around.
        header->setSortIndicator(ConnectionModel::ReceivedColumn, Qt::AscendingOrder);
        QCOMPARE(header->sortIndicatorOrder(), Qt::DescendingOrder);
        header->setSortIndicator(ConnectionModel::ReceivedColumn, Qt::AscendingOrder); // second click
        QCOMPARE(header->sortIndicatorOrder(), Qt::AscendingOrder);
        header->setSortIndicator(ConnectionModel::HostColumn, Qt::AscendingOrder); // texts: A to Z
        QCOMPARE(header->sortIndicatorOrder(), Qt::AscendingOrder);
        window.hide();
    }

    // Layout, sort and filters go to QSettings when the window hides and come back in a new window.
    void persistence() {
        {
            weir::HelperClient client(noBus("weir-test-nobus-persist1"));
            weir::ConnectionsWindow window(&client);
            window.show();
            QHeaderView* header = window.view()->horizontalHeader();
            header->setSectionHidden(ConnectionModel::HostColumn, true);
            header->setSectionHidden(ConnectionModel::ModeColumn, false);
            header->resizeSection(ConnectionModel::DestinationColumn, 333);
            header->setSortIndicator(ConnectionModel::SentColumn, Qt::DescendingOrder);
            window.proxyModel()->setColumnFilter(ConnectionModel::UpstreamColumn, QStringLiteral("socks5"));
            window.findChild<QLineEdit*>(QStringLiteral("quickFilter"))->setText(QStringLiteral("curl"));
            window.action(QStringLiteral("showClosedAction"))->setChecked(false);
            window.hide(); // saves
        }
        QVERIFY(QFile::exists(QSettings().fileName()));
        weir::HelperClient client(noBus("weir-test-nobus-persist2"));
        weir::ConnectionsWindow window(&client);
        QHeaderView* header = window.view()->horizontalHeader();
        QVERIFY(header->isSectionHidden(ConnectionModel::HostColumn));
        QVERIFY(!header->isSectionHidden(ConnectionModel::ModeColumn));
        QCOMPARE(header->sectionSize(ConnectionModel::DestinationColumn), 333);
        QCOMPARE(header->sortIndicatorSection(), int(ConnectionModel::SentColumn));
        QCOMPARE(header->sortIndicatorOrder(), Qt::DescendingOrder);
        QCOMPARE(window.proxyModel()->columnFilter(ConnectionModel::UpstreamColumn),
                 QStringLiteral("socks5"));
        QCOMPARE(window.proxyModel()->quickFilter(), QStringLiteral("curl"));
        QVERIFY(!window.proxyModel()->showClosed());
        QVERIFY(!window.action(QStringLiteral("showClosedAction"))->isChecked());
        auto* filters = window.findChild<QToolButton*>(QStringLiteral("columnFilterButton"));
        QVERIFY2(filters->text().startsWith(QStringLiteral("1 column filter")), qPrintable(filters->text()));
        window.show();
        QTRY_VERIFY(filters->isVisible());
        filters->click(); // removes them, and the button goes
        QCOMPARE(window.proxyModel()->columnFilter(ConnectionModel::UpstreamColumn), QString());
        QTRY_VERIFY(!filters->isVisible());
        window.hide();
    }

    // Padlocks from GetPermissions: "auth" asks for a password, "no" is disabled with the reason.
    void permissions() {
        weir::HelperClient client(noBus("weir-test-nobus-perm"));
        weir::ConnectionsWindow window(&client);
        QAction* close = window.action(QStringLiteral("closeSelectedAction"));
        Q_EMIT client.permissionsReceived({{weir::bus::controlAction, weir::bus::permissionAuth}});
        QVERIFY2(close->toolTip().contains(QStringLiteral("asks for your password")),
                 qPrintable(close->toolTip()));
        QVERIFY(!close->icon().isNull());
        Q_EMIT client.permissionsReceived({{weir::bus::controlAction, weir::bus::permissionNo}});
        QVERIFY(!close->isEnabled());
        QVERIFY(close->toolTip().contains(QStringLiteral("not allowed")));
        QVERIFY(!window.action(QStringLiteral("toggleAction"))->isEnabled());
    }

    // Copy: a header line, then the selected rows, tab separated.
    void copyRows() {
        weir::HelperClient client(noBus("weir-test-nobus-copy"));
        weir::ConnectionsWindow window(&client);
        Q_EMIT client.connectionsReset(
            {connection(1, QStringLiteral("established"), QStringLiteral("198.51.100.1:443")),
             connection(2, QStringLiteral("closed"), QStringLiteral("198.51.100.2:443"))});
        window.view()->selectAll();
        window.findChild<QAction*>(QStringLiteral("copyAction"))->trigger();
        const QStringList lines =
            QApplication::clipboard()->text().split(QLatin1Char('\n'), Qt::SkipEmptyParts);
        QCOMPARE(lines.size(), 3);
        QVERIFY2(lines.first().contains(QStringLiteral("Destination")), qPrintable(lines.first()));
        QVERIFY(lines.at(1).contains(QLatin1Char('\t')));
    }

    void trafficGraphKeepsMinutes() {
        weir::TrafficGraph graph;
        for (int i = 0; i < weir::TrafficGraph::kSamples + 20; ++i)
            graph.addSample(quint64(i), 2 * quint64(i));
        QCOMPARE(graph.sampleCount(), int(weir::TrafficGraph::kSamples));
        QCOMPARE(graph.peak(), quint64(2 * (weir::TrafficGraph::kSamples + 19)));
        graph.resize(graph.sizeHint());
        QVERIFY(!graph.grab().isNull());
    }
};

QTEST_MAIN(TestConnectionsWindow)
#include "tst_connectionswindow.moc"
