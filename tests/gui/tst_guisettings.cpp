// The Settings dialog (offscreen) against a real weir-helper, started by
// tests/integration/gui_settings.sh in a network namespace on a private system bus with polkitd:
// picking TPROXY and Apply installs TPROXY rules in the namespace's mangle table, and a bad LAN subnet
// sent as it was typed comes back as the helper's InvalidSettings error, shown at its field. An
// upstream password typed in the dialog reaches the root-only file, never comes back, and survives
// the dialog applying other changes.
#include <QComboBox>
#include <QDir>
#include <QFile>
#include <QSpinBox>
#include <QLineEdit>
#include <QListWidget>
#include <QPlainTextEdit>
#include <QProcess>
#include <QPushButton>
#include <QRadioButton>
#include <QSignalSpy>
#include <QTabWidget>
#include <QTest>

#include "client/helperclient.h"
#include "config/upstream.h"
#include "gui/appcontroller.h"
#include "gui/connectionswindow.h"
#include "gui/settings/rulespreviewdialog.h"
#include "gui/settings/scopepage.h"
#include "gui/settings/settingsdialog.h"

using namespace weir;

namespace {

QString mangleRules(const QString& netns) {
    QProcess p;
    p.start(QStringLiteral("ip"),
            {QStringLiteral("netns"), QStringLiteral("exec"), netns, QStringLiteral("iptables-legacy-save"),
             QStringLiteral("-t"), QStringLiteral("mangle")});
    if (!p.waitForFinished(10000) || p.exitCode() != 0)
        return QStringLiteral("iptables-legacy-save failed: ") +
               QString::fromLocal8Bit(p.readAllStandardError());
    return QString::fromLocal8Bit(p.readAllStandardOutput());
}

QString settingsFile() {
    QFile f(qEnvironmentVariable("WEIR_STATE_DIR") + QStringLiteral("/settings.conf"));
    return f.open(QIODevice::ReadOnly) ? QString::fromUtf8(f.readAll()) : QStringLiteral("<unreadable>");
}

template <typename T> T* child(QWidget* parent, const char* name) {
    T* w = parent->findChild<T*>(QString::fromLatin1(name));
    if (!w)
        qFatal("no widget %s", name);
    return w;
}

void shoot(QWidget* w, const QString& name) {
    const QString dir = qEnvironmentVariable("WEIR_TEST_SCREENSHOT_DIR");
    if (!dir.isEmpty())
        w->grab().save(QDir(dir).filePath(name));
}

} // namespace

class TestGuiSettings : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void settingsAgainstHelper() {
        const QString netns = qEnvironmentVariable("WEIR_TEST_NETNS");
        const QString lanInterface = qEnvironmentVariable("WEIR_TEST_LAN_IF");
        QVERIFY2(!netns.isEmpty() && !lanInterface.isEmpty(),
                 "run through tests/integration/gui_settings.sh");

        HelperClient client(QDBusConnection::systemBus());
        // Polled as the tray does: a first call made while polkitd is still starting can be refused.
        client.setPollInterval(500);
        QTRY_COMPARE_WITH_TIMEOUT(client.availability(), HelperClient::Availability::Available, 10000);
        QSignalSpy enabled(&client, &HelperClient::enableFinished);
        client.setEnabled(true);
        QTRY_COMPARE_WITH_TIMEOUT(enabled.count(), 1, 15000);
        QVERIFY2(enabled.first().at(1).toBool(), qPrintable(enabled.first().at(2).toString()));
        QVERIFY(!mangleRules(netns).contains(QStringLiteral("TPROXY")));

        SettingsDialog dialog(&client);
        dialog.show();
        // The fixture's polkitd may not have read the policy yet ("action ... is not registered"):
        // ask again for a few seconds, as a user reopening the dialog would.
        for (int attempt = 0; attempt < 20; ++attempt) {
            dialog.refresh();
            QTRY_VERIFY_WITH_TIMEOUT(!dialog.isWaiting(), 10000);
            if (dialog.messageText().isEmpty())
                break;
            QTest::qWait(300);
        }
        QVERIFY2(dialog.messageText().isEmpty(), qPrintable(dialog.messageText()));
        QVERIFY(child<QRadioButton>(&dialog, "mode_redirect")->isChecked()); // the helper's default

        // TPROXY, applied through the dialog.
        child<QRadioButton>(&dialog, "mode_tproxy")->setChecked(true);
        QCOMPARE(QStringList(dialog.changes().keys()), QStringList{QStringLiteral("mode")});
        QSignalSpy applied(&client, &HelperClient::settingsApplied);
        QVERIFY(dialog.applyButton()->isEnabled());
        dialog.applyButton()->click();
        QTRY_COMPARE_WITH_TIMEOUT(applied.count(), 1, 30000);
        QVERIFY2(applied.first().at(0).toBool(), qPrintable(applied.first().at(1).toString()));
        QCOMPARE(dialog.messageText(), QStringLiteral("Applied."));
        const QString mangle = mangleRules(netns);
        QVERIFY2(mangle.contains(QStringLiteral(":WEIR_")), qPrintable(mangle));
        QVERIFY2(mangle.contains(QStringLiteral("TPROXY")), qPrintable(mangle));
        QTRY_COMPARE_WITH_TIMEOUT(client.status().mode, QStringLiteral("tproxy"), 5000);
        shoot(&dialog, QStringLiteral("gui-settings-applied.png"));

        // Preview: the helper's text for the current settings with a change, shown read-only.
        child<QRadioButton>(&dialog, "mode_redirect")->setChecked(true);
        QSignalSpy previewed(&client, &HelperClient::previewReceived);
        dialog.previewButton()->click();
        QTRY_COMPARE_WITH_TIMEOUT(previewed.count(), 1, 10000);
        QVERIFY2(previewed.first().at(0).toBool(), qPrintable(previewed.first().at(2).toString()));
        QVERIFY(dialog.previewDialog());
        QVERIFY2(dialog.previewDialog()->text().contains(QStringLiteral("REDIRECT")),
                 qPrintable(dialog.previewDialog()->text()));
        shoot(dialog.previewDialog(), QStringLiteral("gui-settings-preview.png"));
        dialog.previewDialog()->close();
        QVERIFY(mangleRules(netns).contains(QStringLiteral("TPROXY"))); // a preview changes nothing
        child<QRadioButton>(&dialog, "mode_tproxy")->setChecked(true);

        // A LAN subnet the helper must refuse, sent as typed (the dialog's own check is off).
        auto* scope = qobject_cast<ScopePage*>(dialog.pageFor(QStringLiteral("scope")));
        scope->setInterfaces({{lanInterface, {}}});
        child<QRadioButton>(&dialog, "scope_gateway")->setChecked(true);
        child<QListWidget>(&dialog, "gateway_interfaces")->item(0)->setCheckState(Qt::Checked);
        child<QPlainTextEdit>(&dialog, "gateway_sources")->setPlainText(QStringLiteral("10.0.0.0/33"));
        dialog.setInlineValidation(false);
        dialog.tabs()->setCurrentIndex(0);
        applied.clear();
        dialog.applyButton()->click();
        QTRY_COMPARE_WITH_TIMEOUT(applied.count(), 1, 30000);
        QVERIFY(!applied.first().at(0).toBool());
        const auto fieldErrors = applied.first().at(2).value<QMap<QString, QString>>();
        QVERIFY2(fieldErrors.contains(QStringLiteral("gateway_sources")),
                 qPrintable(applied.first().at(1).toString()));
        QCOMPARE(dialog.fieldError(QStringLiteral("gateway_sources")),
                 fieldErrors.value(QStringLiteral("gateway_sources")));
        QVERIFY(dialog.fieldError(QStringLiteral("gateway_sources")).contains(QStringLiteral("33")));
        const int scopeIndex = dialog.pageIndex(QStringLiteral("gateway_sources"));
        QVERIFY(dialog.tabMarked(scopeIndex));
        QCOMPARE(dialog.tabs()->currentIndex(), scopeIndex);
        shoot(&dialog, QStringLiteral("gui-settings-refused.png"));
        // Refused means unchanged: TPROXY for this machine is still installed.
        QVERIFY(mangleRules(netns).contains(QStringLiteral("TPROXY")));

        // Reopened, the dialog shows the helper's state again; a user typed by name goes over the bus
        // as a uid list (au) and comes back as one.
        dialog.setInlineValidation(true);
        dialog.refresh();
        QTRY_VERIFY_WITH_TIMEOUT(!dialog.isWaiting(), 10000);
        QVERIFY(child<QRadioButton>(&dialog, "scope_local")->isChecked());
        QVERIFY(dialog.fieldError(QStringLiteral("gateway_sources")).isEmpty());
        child<QLineEdit>(&dialog, "exclude_uids")->setText(QStringLiteral("root"));
        applied.clear();
        dialog.applyButton()->click();
        QTRY_COMPARE_WITH_TIMEOUT(applied.count(), 1, 30000);
        QVERIFY2(applied.first().at(0).toBool(), qPrintable(applied.first().at(1).toString()));
        QSignalSpy received(&client, &HelperClient::settingsReceived);
        client.fetchSettings();
        QTRY_COMPARE_WITH_TIMEOUT(received.count(), 1, 10000);
        const QVariantMap now = received.first().first().toMap();
        QCOMPARE(settings::toUIntList(now.value(QStringLiteral("exclude_uids"))), QList<uint>{0});
        QVERIFY2(mangleRules(netns).contains(QStringLiteral("--uid-owner 0")),
                 qPrintable(mangleRules(netns)));

        // The tray's mode switch (AppController::requestMode, what the REDIRECT action asks for).
        AppController app(&client);
        app.requestMode(QStringLiteral("redirect"));
        QTRY_COMPARE_WITH_TIMEOUT(client.status().mode, QStringLiteral("redirect"), 30000);
        QTRY_VERIFY_WITH_TIMEOUT(!mangleRules(netns).contains(QStringLiteral("TPROXY")), 5000);
        QVERIFY2(app.window()->problemText().isEmpty(), qPrintable(app.window()->problemText()));

        enabled.clear();
        client.setEnabled(false);
        QTRY_COMPARE_WITH_TIMEOUT(enabled.count(), 1, 15000);
        QVERIFY(enabled.first().at(1).toBool());
    }

    void upstreamPasswordThroughTheDialog() {
        HelperClient client(QDBusConnection::systemBus());
        client.setPollInterval(500);
        QTRY_COMPARE_WITH_TIMEOUT(client.availability(), HelperClient::Availability::Available, 10000);
        SettingsDialog dialog(&client);
        dialog.refresh();
        QTRY_VERIFY_WITH_TIMEOUT(!dialog.isWaiting(), 10000);
        QVERIFY2(dialog.messageText().isEmpty(), qPrintable(dialog.messageText()));
        auto* kind = child<QComboBox>(&dialog, "upstream_kind");
        kind->setCurrentIndex(kind->findData(int(UpstreamKind::Socks5)));
        child<QLineEdit>(&dialog, "upstream_host")->setText(QStringLiteral("192.0.2.10"));
        child<QSpinBox>(&dialog, "upstream_port")->setValue(1080);
        child<QLineEdit>(&dialog, "upstream_user")->setText(QStringLiteral("alice"));
        child<QLineEdit>(&dialog, "upstream_password")->setText(QStringLiteral("s3cr@t pa:ss"));
        QSignalSpy applied(&client, &HelperClient::settingsApplied);
        dialog.applyButton()->click();
        QTRY_COMPARE_WITH_TIMEOUT(applied.count(), 1, 30000);
        QVERIFY2(applied.first().at(0).toBool(), qPrintable(applied.first().at(1).toString()));
        const QString stored = QStringLiteral("upstream=socks5://alice:s3cr%40t%20pa%3Ass@192.0.2.10:1080\n");
        QVERIFY2(settingsFile().contains(stored), qPrintable(settingsFile()));

        // Reopened: the password is not shown (nor sent), the page says one is stored, nothing changed.
        dialog.refresh();
        QTRY_VERIFY_WITH_TIMEOUT(!dialog.isWaiting(), 10000);
        auto* password = child<QLineEdit>(&dialog, "upstream_password");
        QVERIFY(password->text().isEmpty());
        QVERIFY(!password->placeholderText().isEmpty());
        QVERIFY2(dialog.changes().isEmpty(), qPrintable(QStringList(dialog.changes().keys()).join(',')));
        QSignalSpy received(&client, &HelperClient::settingsReceived);
        client.fetchSettings();
        QTRY_COMPARE_WITH_TIMEOUT(received.count(), 1, 10000);
        const QString shown = received.first().first().toMap().value(QStringLiteral("upstream")).toString();
        QCOMPARE(shown, QStringLiteral("socks5://alice:********@192.0.2.10:1080"));

        // Another change applied from the same dialog keeps the stored password.
        QTRY_VERIFY_WITH_TIMEOUT(!dialog.isWaiting(), 10000);
        child<QSpinBox>(&dialog, "connect_timeout")->setValue(5);
        applied.clear();
        dialog.applyButton()->click();
        QTRY_COMPARE_WITH_TIMEOUT(applied.count(), 1, 30000);
        QVERIFY2(applied.first().at(0).toBool(), qPrintable(applied.first().at(1).toString()));
        QVERIFY2(settingsFile().contains(stored), qPrintable(settingsFile()));
        QVERIFY(settingsFile().contains(QStringLiteral("\nconnect_timeout=5\n")));

        // Back to direct.
        QTRY_VERIFY_WITH_TIMEOUT(!dialog.isWaiting(), 10000);
        kind->setCurrentIndex(kind->findData(int(UpstreamKind::Direct)));
        QCOMPARE(QStringList(dialog.changes().keys()), QStringList{QStringLiteral("upstream")});
        QVERIFY2(dialog.applyButton()->isEnabled(), qPrintable(dialog.messageText()));
        applied.clear();
        dialog.applyButton()->click();
        QTRY_COMPARE_WITH_TIMEOUT(applied.count(), 1, 30000);
        QVERIFY(applied.first().at(0).toBool());
        QVERIFY(settingsFile().contains(QStringLiteral("\nupstream=direct\n")));
    }
};

QTEST_MAIN(TestGuiSettings)
#include "tst_guisettings.moc"
