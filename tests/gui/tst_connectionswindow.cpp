// The Connections window against a bus without a helper (ctest runs this under dbus-run-session, so the
// session bus is a private, empty one): it must say so, clearly.
#include <QAction>
#include <QApplication>
#include <QPushButton>
#include <QTabWidget>
#include <QDBusConnection>
#include <QHeaderView>
#include <QLineEdit>
#include <QSortFilterProxyModel>
#include <QStandardPaths>
#include <QTableView>
#include <QtTest>

#include "client/helperclient.h"
#include "gui/appcontroller.h"
#include "gui/connectionmodel.h"
#include "gui/connectionswindow.h"
#include "gui/settings/settingsdialog.h"

class TestConnectionsWindow : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase() {
        QStandardPaths::setTestModeEnabled(true); // QSettings go to a test location
        QCoreApplication::setOrganizationName(QStringLiteral("weir-test"));
        QCoreApplication::setApplicationName(QStringLiteral("tst_gui_connectionswindow"));
    }

    void helperMissingIsShown() {
        // A running bus where nobody owns io.github.weir.Helper1: calls fail with ServiceUnknown, as on a
        // machine where weir-helper is not installed.
        const QDBusConnection bus = QDBusConnection::sessionBus();
        QVERIFY2(bus.isConnected(), "run under dbus-run-session");
        weir::HelperClient client(bus);
        weir::ConnectionsWindow window(&client);
        QSignalSpy enableRequests(&window, &weir::ConnectionsWindow::enableRequested);
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        QCOMPARE(window.problemText(), QString());

        client.refresh();
        QTRY_COMPARE_WITH_TIMEOUT(client.availability(), weir::HelperClient::Availability::Unavailable, 5000);
        QTRY_VERIFY_WITH_TIMEOUT(
            window.problemText().contains(QStringLiteral("not running or not installed")), 5000);
        QVERIFY(window.problemText().contains(QStringLiteral("systemctl status weir-helper")));
        QCOMPARE(window.statusText(), QStringLiteral("Helper not available"));
        QVERIFY(window.state().problem);
        QVERIFY(!window.state().canToggle); // nothing to switch on without a helper
        QCOMPARE(window.model()->rowCount(), 0);

        // The table is set up for a live feed: sortable, sorted on raw values, read-only, whole rows.
        QTableView* view = window.view();
        QVERIFY(view->isSortingEnabled());
        QCOMPARE(window.proxyModel()->sortRole(), int(weir::ConnectionModel::SortRole));
        QCOMPARE(view->editTriggers(), QAbstractItemView::NoEditTriggers);
        QCOMPARE(view->selectionBehavior(), QAbstractItemView::SelectRows);
        QVERIFY(view->alternatingRowColors());
        QCOMPARE(view->horizontalHeader()->count(), int(weir::ConnectionModel::ColumnCount));

        // A failed Enable/Disable is shown too and can be dismissed once the helper is back.
        window.showError(QStringLiteral("Could not enable interception: denied"));
        QVERIFY(window.problemText().contains(QStringLiteral("denied")));
        QCOMPARE(enableRequests.size(), 0);
    }

    // Offscreen there is no system tray: the window is the application, it polls while shown, and a
    // refused Enable is reported in it.
    void controllerWithoutTray() {
        weir::HelperClient client(QDBusConnection::sessionBus());
        weir::AppController controller(&client);
        QVERIFY(!controller.tray());
        controller.start(false);
        QVERIFY(controller.window()->isVisible());
        QVERIFY(QApplication::quitOnLastWindowClosed());
        QCOMPARE(client.pollInterval(), int(weir::AppController::kWindowPollMs));
        controller.window()->hide();
        QCOMPARE(client.pollInterval(), 0);
        controller.showWindow();
        QCOMPARE(client.pollInterval(), int(weir::AppController::kWindowPollMs));

        QTRY_COMPARE_WITH_TIMEOUT(client.availability(), weir::HelperClient::Availability::Unavailable, 5000);
        QSignalSpy finished(&client, &weir::HelperClient::enableFinished);
        controller.requestEnabled(true);
        QTRY_COMPARE_WITH_TIMEOUT(finished.size(), 1, 5000);
        QCOMPARE(finished.at(0).at(1).toBool(), false);
        QVERIFY(controller.window()->problemText().contains(QStringLiteral("Could not enable interception")));

        // Settings… in the window opens the dialog, which says it could not read the settings.
        auto* settingsAction = controller.window()->findChild<QAction*>(QStringLiteral("settingsAction"));
        QVERIFY(settingsAction);
        QVERIFY(!controller.settingsDialog());
        settingsAction->trigger();
        weir::SettingsDialog* dialog = controller.settingsDialog();
        QVERIFY(dialog);
        QVERIFY(dialog->isVisible());
        QTRY_VERIFY_WITH_TIMEOUT(
            dialog->messageText().startsWith(QStringLiteral("Could not read the settings")), 5000);
        QVERIFY(!dialog->tabs()->isEnabled());
        QVERIFY(!dialog->applyButton()->isEnabled());
        dialog->hide();

        // A refused mode switch (the tray's REDIRECT/TPROXY) is reported in the window like Enable.
        QSignalSpy applied(&client, &weir::HelperClient::settingsApplied);
        controller.requestMode(QStringLiteral("tproxy"));
        QTRY_COMPARE_WITH_TIMEOUT(applied.size(), 1, 5000);
        QVERIFY(controller.window()->problemText().contains(QStringLiteral("Could not switch the mode")));
        QVERIFY(
            dialog->messageText().startsWith(QStringLiteral("Could not read the settings"))); // not its call
        controller.window()->hide();
    }

    void filterMatchesAnyColumn() {
        const QDBusConnection bus = QDBusConnection::connectToBus(
            QStringLiteral("unix:path=/nonexistent/weir-test-bus"), QStringLiteral("weir-test-nobus2"));
        weir::HelperClient client(bus);
        weir::ConnectionsWindow window(&client);
        weir::ConnectionInfo a;
        a.id = 1;
        a.source = QStringLiteral("192.0.2.1:5000");
        a.destination = QStringLiteral("203.0.113.9:443");
        a.state = QStringLiteral("established");
        weir::ConnectionInfo b = a;
        b.id = 2;
        b.destination = QStringLiteral("198.51.100.7:80");
        window.model()->applySnapshot({a, b});
        QCOMPARE(window.proxyModel()->rowCount(), 2);
        auto* edit = window.findChild<QLineEdit*>();
        QVERIFY(edit);
        edit->setText(QStringLiteral("198.51"));
        QTRY_COMPARE(window.proxyModel()->rowCount(), 1);
        edit->clear();
        QTRY_COMPARE(window.proxyModel()->rowCount(), 2);
    }
};

QTEST_MAIN(TestConnectionsWindow)
#include "tst_connectionswindow.moc"
