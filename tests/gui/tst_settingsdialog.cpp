// SettingsDialog and the tray's mode switch, offscreen, without a helper: the dialog shows a loaded
// map, sends exactly the changed keys in their bus types, checks fields before sending, and puts the
// helper's per-key errors next to their fields. WEIR_TEST_SCREENSHOT_DIR, when set, receives a PNG of
// every page.
#include <QAction>
#include <QCheckBox>
#include <QComboBox>
#include <QDBusConnection>
#include <QDir>
#include <QLineEdit>
#include <QListWidget>
#include <QMenu>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QRadioButton>
#include <QSpinBox>
#include <QTabWidget>
#include <QTranslator>
#include <QtTest>

#include <unistd.h>

#include "gui/settings/scopepage.h"
#include "gui/settings/settingsdialog.h"
#include "gui/settings/settingspage.h"
#include "gui/settings/upstreampage.h"
#include "gui/traycontroller.h"
#include "gui/traystate.h"

using namespace weir;

namespace {

// What GetSettings returns for a machine with a LAN on eth1, as QtDBus hands it out.
QVariantMap sample() {
    return {
        {"mode", "redirect"},
        {"scope", "both"},
        {"gateway_interfaces", QStringList{"eth1"}},
        {"gateway_sources", QStringList{"192.168.50.0/24"}},
        {"ip_forward", true},
        {"ipv6", false},
        {"udp", false},
        {"bypass", QStringList{"203.0.113.0/24"}},
        {"bypass_private", true},
        {"ports", QStringList{"80", "443", "8000-8100"}},
        {"exclude_uids", QVariant::fromValue(QList<uint>{0})},
        {"exclude_gids", QVariant::fromValue(QList<uint>{})},
        {"exclude_cgroups", QStringList{"/system.slice/sshd.service"}},
        {"proxy_port", QVariant::fromValue(quint16(41080))},
        {"outgoing_mark", QVariant::fromValue(quint32(0x5745))},
        {"fwmark", QVariant::fromValue(quint32(0x5746))},
        {"route_table", QVariant::fromValue(quint32(22341))},
        {"upstream", "direct"},
        {"udp_without_upstream", "direct"},
        {"max_connections", QVariant::fromValue(quint32(0))},
        {"worker_threads", QVariant::fromValue(quint16(0))},
        {"connect_timeout", QVariant::fromValue(quint16(10))},
        {"tcp_idle_timeout", QVariant::fromValue(quint32(0))},
        {"history_limit", QVariant::fromValue(quint32(1000))},
        {"reapply_on_drift", true},
        {"restore_enabled", true},
    };
}

// The same with an authenticated SOCKS5 upstream, its password masked as the helper sends it.
QVariantMap withUpstream() {
    QVariantMap map = sample();
    map["upstream"] = QStringLiteral("socks5://alice:%1@192.0.2.10:1080").arg(QLatin1String(kMaskedPassword));
    return map;
}

template <typename T> T* child(QWidget* parent, const QString& name) {
    T* w = parent->findChild<T*>(name);
    if (!w)
        qFatal("no widget %s", qPrintable(name));
    return w;
}

} // namespace

class TestSettingsDialog : public QObject {
    Q_OBJECT
    // A client on a bus that does not exist: every call fails at once, nothing is ever sent.
    HelperClient client_{QDBusConnection(QStringLiteral("none"))};

    std::unique_ptr<SettingsDialog> makeDialog() {
        auto d = std::make_unique<SettingsDialog>(&client_);
        auto* scope = qobject_cast<ScopePage*>(d->pageFor(QStringLiteral("scope")));
        scope->setInterfaces({{"eth1", {"192.168.50.0/24"}}, {"wlan0", {"10.7.0.0/16"}}});
        d->load(sample());
        return d;
    }

private Q_SLOTS:
    void showsLoadedValues() {
        auto d = makeDialog();
        QVERIFY(child<QRadioButton>(d.get(), "mode_redirect")->isChecked());
        QVERIFY(child<QRadioButton>(d.get(), "scope_both")->isChecked());
        QCOMPARE(child<QPlainTextEdit>(d.get(), "gateway_sources")->toPlainText(), "192.168.50.0/24");
        auto* interfaces = child<QListWidget>(d.get(), "gateway_interfaces");
        QCOMPARE(interfaces->count(), 2);
        QCOMPARE(interfaces->item(0)->checkState(), Qt::Checked);
        QCOMPARE(interfaces->item(1)->checkState(), Qt::Unchecked);
        QVERIFY(child<QCheckBox>(d.get(), "ip_forward")->isChecked());
        QVERIFY(!child<QCheckBox>(d.get(), "ipv6")->isChecked());
        QCOMPARE(child<QLineEdit>(d.get(), "ports")->text(), "80,443,8000-8100");
        QCOMPARE(child<QPlainTextEdit>(d.get(), "bypass")->toPlainText(), "203.0.113.0/24");
        QCOMPARE(child<QLineEdit>(d.get(), "exclude_uids")->text(), "root"); // uid 0, shown by name
        QCOMPARE(child<QSpinBox>(d.get(), "proxy_port")->value(), 41080);
        QCOMPARE(child<QLineEdit>(d.get(), "fwmark")->text(), "0x5746");
        QCOMPARE(child<QLineEdit>(d.get(), "route_table")->text(), "22341");
        QVERIFY(d->changes().isEmpty());
        QVERIFY(!d->applyButton()->isEnabled()); // nothing to apply yet
        QVERIFY(d->fieldError(QStringLiteral("gateway_sources")).isEmpty());
    }

    // Without the helper nothing can be edited; its settings arriving later make the pages editable.
    void loadFailureThenSettings() {
        SettingsDialog d(&client_);
        d.refresh(); // the bus does not exist: fails at once
        QVERIFY(d.messageText().startsWith("Could not read the settings"));
        QVERIFY(!d.tabs()->isEnabled());
        QVERIFY(!d.applyButton()->isEnabled());
        QVERIFY(!d.previewButton()->isEnabled());
        d.onSettingsReceived(sample());
        QVERIFY(d.tabs()->isEnabled());
        QVERIFY(d.messageText().isEmpty());
        QVERIFY(d.previewButton()->isEnabled());
        QVERIFY(child<QRadioButton>(&d, "scope_both")->isChecked());
    }

    // A map as QtDBus delivers it (au as a QDBusArgument is covered by canonical(); plain ints here)
    // compares equal to what the pages write back.
    void looseTypesAreNotChanges() {
        QVariantMap loose = sample();
        loose["proxy_port"] = 41080;
        loose["exclude_uids"] = QVariantList{0};
        SettingsDialog d(&client_);
        qobject_cast<ScopePage*>(d.pageFor("scope"))->setInterfaces({{"eth1", {}}});
        d.load(loose);
        QVERIFY2(d.changes().isEmpty(), qPrintable(QStringList(d.changes().keys()).join(',')));
    }

    void editsProduceTypedChanges() {
        auto d = makeDialog();
        child<QRadioButton>(d.get(), "mode_tproxy")->setChecked(true);
        child<QCheckBox>(d.get(), "udp")->setChecked(true);
        child<QLineEdit>(d.get(), "ports")->setText("443, 8443");
        child<QSpinBox>(d.get(), "proxy_port")->setValue(12345);
        child<QLineEdit>(d.get(), "fwmark")->setText("0x100");
        child<QLineEdit>(d.get(), "exclude_uids")->setText(QStringLiteral("root, %1").arg(getuid() + 4242));
        child<QCheckBox>(d.get(), "restore_enabled")->setChecked(false);

        const QVariantMap c = d->changes();
        QCOMPARE(QStringList(c.keys()), (QStringList{"exclude_uids", "fwmark", "mode", "ports", "proxy_port",
                                                     "restore_enabled", "udp"}));
        QCOMPARE(c["restore_enabled"].userType(), QMetaType::Bool);
        QCOMPARE(c["restore_enabled"].toBool(), false);
        QCOMPARE(c["mode"].userType(), QMetaType::QString);
        QCOMPARE(c["mode"].toString(), "tproxy");
        QCOMPARE(c["udp"].userType(), QMetaType::Bool);
        QCOMPARE(c["udp"].toBool(), true);
        QCOMPARE(c["ports"].userType(), QMetaType::QStringList);
        QCOMPARE(c["ports"].toStringList(), (QStringList{"443", "8443"}));
        QCOMPARE(c["proxy_port"].userType(), QMetaType::UShort);
        QCOMPARE(c["proxy_port"].value<quint16>(), quint16(12345));
        QCOMPARE(c["fwmark"].userType(), QMetaType::UInt);
        QCOMPARE(c["fwmark"].toUInt(), 0x100u);
        QCOMPARE(c["exclude_uids"].userType(), qMetaTypeId<QList<uint>>());
        QCOMPARE(c["exclude_uids"].value<QList<uint>>(), (QList<uint>{0, getuid() + 4242}));
        QVERIFY(d->applyButton()->isEnabled());

        // Back to the loaded value: no longer a change.
        child<QSpinBox>(d.get(), "proxy_port")->setValue(41080);
        QVERIFY(!d->changes().contains("proxy_port"));
    }

    void udpOnlyWithTproxy() {
        auto d = makeDialog();
        auto* udp = child<QCheckBox>(d.get(), "udp");
        QVERIFY(!udp->isEnabled());
        child<QRadioButton>(d.get(), "mode_tproxy")->setChecked(true);
        QVERIFY(udp->isEnabled());
        udp->setChecked(true);
        child<QRadioButton>(d.get(), "mode_redirect")->setChecked(true);
        QVERIFY(!udp->isEnabled());
        QVERIFY(!udp->isChecked());
        QVERIFY(d->changes().isEmpty()); // udp stays false with REDIRECT
        child<QRadioButton>(d.get(), "mode_tproxy")->setChecked(true);
        QVERIFY(udp->isChecked()); // the user's choice comes back with TPROXY
    }

    void badSubnetIsMarkedInline() {
        auto d = makeDialog();
        auto* sources = child<QPlainTextEdit>(d.get(), "gateway_sources");
        sources->setPlainText("192.168.50.0/24\n10.0.0.0/33");
        const QString error = d->fieldError("gateway_sources");
        QVERIFY2(error.contains("10.0.0.0/33"), qPrintable(error));
        QVERIFY(sources->property("weirBad").toBool());
        QVERIFY(d->tabMarked(d->pageIndex("gateway_sources")));
        QVERIFY(!d->tabMarked(d->pageIndex("mode")));
        QVERIFY(!d->applyButton()->isEnabled());
        QVERIFY(!d->previewButton()->isEnabled());
        sources->setPlainText("192.168.50.0/24\n10.0.0.0/8");
        QVERIFY(d->fieldError("gateway_sources").isEmpty());
        QVERIFY(!sources->property("weirBad").toBool());
        QVERIFY(!d->tabMarked(d->pageIndex("gateway_sources")));
        QVERIFY(d->applyButton()->isEnabled());
    }

    // Rules across keys come from weir_config, as the helper words them.
    void combinationsAreChecked() {
        auto d = makeDialog();
        child<QRadioButton>(d.get(), "scope_local")->setChecked(true);
        QVERIFY2(!d->fieldError("ip_forward").isEmpty(), "ip_forward needs a gateway scope");
        child<QLineEdit>(d.get(), "ports")->setText("80,99999");
        QVERIFY(d->fieldError("ports").contains("99999"));
        child<QLineEdit>(d.get(), "exclude_uids")->setText("no-such-user-weir");
        QVERIFY(d->fieldError("exclude_uids").contains("no-such-user-weir"));
    }

    void helperErrorsAppearAtTheirField() {
        auto d = makeDialog();
        child<QLineEdit>(d.get(), "route_table")->setText("100");
        d->tabs()->setCurrentIndex(0);
        QSignalSpy busy(d.get(), &SettingsDialog::busyChanged);
        bool checkedWhileWaiting = false;
        connect(d.get(), &SettingsDialog::busyChanged, this, [&](bool waiting) {
            if (!waiting)
                return;
            QVERIFY(!d->applyButton()->isEnabled());
            QVERIFY(!d->previewButton()->isEnabled());
            QVERIFY(d->messageText().contains("may ask for your password"));
            checkedWhileWaiting = true;
        });
        d->apply(); // the bus does not exist: fails at once
        QVERIFY(checkedWhileWaiting);
        QCOMPARE(busy.count(), 2);
        QVERIFY(!d->isWaiting());

        d->onSettingsApplied(false, "gateway_sources: \"10.0.0.0/33\" has a bad prefix length (0 to 32)",
                             {{"gateway_sources", "\"10.0.0.0/33\" has a bad prefix length (0 to 32)"}});
        QCOMPARE(d->fieldError("gateway_sources"), "\"10.0.0.0/33\" has a bad prefix length (0 to 32)");
        QVERIFY(d->fieldError("route_table").isEmpty());
        const int scopePage = d->pageIndex("gateway_sources");
        QVERIFY(d->tabMarked(scopePage));
        QCOMPARE(d->tabs()->currentIndex(), scopePage); // shown to the user
        QVERIFY(d->messageText().contains("marked"));

        // A key no page shows goes to the message.
        d->onSettingsApplied(false, "strange: no", {{"strange", "no"}});
        QVERIFY(d->messageText().contains("strange"));
        // Without field errors (Polkit said no): a plain message.
        d->onSettingsApplied(false, "Not authorized", {});
        QVERIFY(d->messageText().contains("Not authorized"));
        QVERIFY(!d->tabMarked(scopePage));
    }

    void appliedBecomesTheBase() {
        auto d = makeDialog();
        child<QLineEdit>(d.get(), "route_table")->setText("100");
        QCOMPARE(d->changes().size(), 1);
        d->onSettingsApplied(true, {}, {});
        QVERIFY(d->changes().isEmpty());
        QCOMPARE(d->messageText(), "Applied.");
    }

    void foreignResultsAreIgnored() {
        auto d = makeDialog();
        child<QLineEdit>(d.get(), "route_table")->setText("100");
        // settingsApplied from a call the dialog did not make (the tray's mode switch) is not its own.
        Q_EMIT client_.settingsApplied(false, "x", {{"route_table", "bad"}});
        QVERIFY(d->fieldError("route_table").isEmpty());
    }

    // The mode changed elsewhere (the tray): an unedited dialog reads the settings again, an edited
    // one keeps the user's edits.
    // The helper's warnings (a settings file it could not use) are shown above the pages, and go
    // when the helper no longer reports them.
    void showsHelperWarnings() {
        SettingsDialog dialog(&client_);
        QVERIFY(!dialog.helperWarningsShown());
        HelperStatus s;
        s.warnings = {QStringLiteral("the settings file is not valid; defaults are in use")};
        Q_EMIT client_.statusChanged(s);
        QVERIFY(dialog.helperWarningsShown());
        QCOMPARE(
            dialog.helperWarningsText(),
            QStringLiteral("Warning from the helper: the settings file is not valid; defaults are in use"));
        Q_EMIT client_.statusChanged(HelperStatus{});
        QVERIFY(!dialog.helperWarningsShown());
    }

    void followsModeChangedElsewhere() {
        auto d = makeDialog();
        d->show();
        HelperStatus s;
        s.mode = "tproxy";
        child<QLineEdit>(d.get(), "route_table")->setText("100");
        Q_EMIT client_.statusChanged(s);
        QVERIFY(d->messageText().isEmpty());
        QCOMPARE(d->changes().size(), 1);
        child<QLineEdit>(d.get(), "route_table")->setText("22341");
        Q_EMIT client_.statusChanged(s);
        QVERIFY2(d->messageText().startsWith("Could not read the settings"), qPrintable(d->messageText()));
    }

    void trayModeActions() {
        TrayController tray(&client_);
        // The client cannot reach a helper: no mode can be chosen.
        QVERIFY(!tray.redirectAction()->isEnabled());
        QVERIFY(!tray.tproxyAction()->isEnabled());
        QVERIFY(tray.settingsAction()->isEnabled());

        HelperStatus s;
        s.mode = "tproxy";
        s.enabled = true;
        tray.applyState(trayStateFor(HelperClient::Availability::Available, s));
        QVERIFY(tray.tproxyAction()->isChecked());
        QVERIFY(!tray.redirectAction()->isChecked());
        QVERIFY(tray.redirectAction()->isEnabled());

        QSignalSpy requested(&tray, &TrayController::modeRequested);
        tray.redirectAction()->trigger();
        QCOMPARE(requested.count(), 1);
        QCOMPARE(requested.first().first().toString(), "redirect");
        QVERIFY(tray.tproxyAction()->isChecked()); // until the helper says otherwise

        tray.setBusy(true);
        QVERIFY(!tray.redirectAction()->isEnabled());
        tray.setBusy(false);
        s.mode = "redirect";
        tray.applyState(trayStateFor(HelperClient::Availability::Available, s));
        QVERIFY(tray.redirectAction()->isChecked());
        QVERIFY(!tray.tproxyAction()->isChecked());

        // Degraded: a second, disabled line in the menu says why.
        s.health = "degraded";
        s.healthReason = "rules gone";
        tray.applyState(trayStateFor(HelperClient::Availability::Available, s));
        const QList<QAction*> actions = tray.menu()->actions();
        QCOMPARE(actions.at(1)->text(), "Degraded: rules gone");
        QVERIFY(actions.at(1)->isVisible());
        QVERIFY(tray.trayIcon()->toolTip().endsWith("\nDegraded: rules gone"));

        tray.applyState(trayStateFor(HelperClient::Availability::Unavailable, s));
        QVERIFY(!actions.at(1)->isVisible());
        QVERIFY(!tray.redirectAction()->isEnabled());
        QVERIFY(!tray.tproxyAction()->isEnabled());
    }

    // A stored password is never shown; the untouched page sends nothing; the masked URL goes back
    // when other upstream fields stay; a typed password replaces it.
    void upstreamKeepsTheStoredPassword() {
        SettingsDialog d(&client_);
        qobject_cast<ScopePage*>(d.pageFor("scope"))->setInterfaces({{"eth1", {}}});
        d.load(withUpstream());
        QVERIFY2(d.changes().isEmpty(), qPrintable(QStringList(d.changes().keys()).join(',')));
        auto* password = child<QLineEdit>(&d, "upstream_password");
        QVERIFY(password->text().isEmpty()); // never the mask
        QCOMPARE(password->echoMode(), QLineEdit::Password);
        QVERIFY(!password->placeholderText().isEmpty());
        QCOMPARE(child<QLineEdit>(&d, "upstream_host")->text(), "192.0.2.10");
        QCOMPARE(child<QSpinBox>(&d, "upstream_port")->value(), 1080);
        QCOMPARE(child<QLineEdit>(&d, "upstream_user")->text(), "alice");
        // Only UDP through HTTP is asked about.
        QVERIFY(!child<QComboBox>(&d, "udp_without_upstream")->isEnabled());

        child<QSpinBox>(&d, "connect_timeout")->setValue(5); // another page: upstream unchanged
        QCOMPARE(QStringList(d.changes().keys()), QStringList{"connect_timeout"});
        QCOMPARE(d.changes()["connect_timeout"].userType(), QMetaType::UShort);

        password->setText("n3w:p@ss");
        QCOMPARE(d.changes()["upstream"].toString(), "socks5://alice:n3w%3Ap%40ss@192.0.2.10:1080");
        QVERIFY(d.fieldError("upstream").isEmpty());
    }

    // Another host with the stored password kept would send the mask to a new proxy: the page asks
    // for the password again instead. Empty hosts and bad URLs are shown at the fields.
    void upstreamFieldsAreCheckedInline() {
        SettingsDialog d(&client_);
        qobject_cast<ScopePage*>(d.pageFor("scope"))->setInterfaces({{"eth1", {}}});
        d.load(withUpstream());
        auto* host = child<QLineEdit>(&d, "upstream_host");
        host->setText("192.0.2.99");
        QVERIFY2(d.fieldError("upstream").contains("password again"), qPrintable(d.fieldError("upstream")));
        QVERIFY(host->property("weirBad").toBool());
        QVERIFY(!d.applyButton()->isEnabled());
        child<QLineEdit>(&d, "upstream_password")->setText("secret");
        QVERIFY(d.fieldError("upstream").isEmpty());
        host->setText("");
        QVERIFY(d.fieldError("upstream").contains("host"));
        host->setText("exa mple");
        QVERIFY2(!d.fieldError("upstream").isEmpty(), "a host with a space is refused (weir_config's rule)");
        host->setText("[2001:db8::1]");
        QVERIFY(d.fieldError("upstream").isEmpty());
        QCOMPARE(d.changes()["upstream"].toString(), "socks5://alice:secret@[2001:db8::1]:1080");

        // HTTP: its usual port, and the UDP choice becomes meaningful.
        auto* kind = child<QComboBox>(&d, "upstream_kind");
        kind->setCurrentIndex(kind->findData(int(UpstreamKind::Http)));
        QCOMPARE(child<QSpinBox>(&d, "upstream_port")->value(), 3128);
        auto* udp = child<QComboBox>(&d, "udp_without_upstream");
        QVERIFY(udp->isEnabled());
        udp->setCurrentIndex(udp->findData("block"));
        QCOMPARE(d.changes()["udp_without_upstream"].toString(), "block");
        // Direct: no proxy fields, and the URL is just "direct". Choosing it is an edit like any other.
        d.onSettingsApplied(true, {}, {});
        kind->setCurrentIndex(kind->findData(int(UpstreamKind::Direct)));
        QVERIFY(d.messageText().isEmpty());
        QVERIFY(d.applyButton()->isEnabled());
        QVERIFY(!host->isEnabled());
        QCOMPARE(d.changes()["upstream"].toString(), "direct");

        // The helper's own error (a host it cannot resolve) lands at the same field.
        d.onSettingsApplied(false, "upstream: cannot resolve proxy.lan",
                            {{"upstream", "cannot resolve proxy.lan"}});
        QCOMPARE(d.fieldError("upstream"), "cannot resolve proxy.lan");
        QCOMPARE(d.tabs()->currentIndex(), d.pageIndex("upstream"));
    }

    void limitsOnTheAdvancedPage() {
        auto d = makeDialog();
        QCOMPARE(d->pageIndex("max_connections"), d->pageIndex("proxy_port"));
        auto* workers = child<QSpinBox>(d.get(), "worker_threads");
        QCOMPARE(workers->text(), workers->specialValueText()); // 0 reads as a word
        workers->setValue(4);
        child<QSpinBox>(d.get(), "tcp_idle_timeout")->setValue(300);
        child<QSpinBox>(d.get(), "max_connections")->setValue(20000);
        auto* history = child<QSpinBox>(d.get(), "history_limit");
        QCOMPARE(history->value(), 1000);
        history->setValue(0);
        QCOMPARE(history->text(), history->specialValueText()); // "None", not 0
        const QVariantMap c = d->changes();
        QCOMPARE(QStringList(c.keys()),
                 (QStringList{"history_limit", "max_connections", "tcp_idle_timeout", "worker_threads"}));
        QCOMPARE(c["history_limit"].toUInt(), 0u);
        QCOMPARE(c["worker_threads"].userType(), QMetaType::UShort);
        QCOMPARE(c["max_connections"].userType(), QMetaType::UInt);
        QCOMPARE(c["tcp_idle_timeout"].toUInt(), 300u);
    }

    void screenshots() {
        const QString dir = qEnvironmentVariable("WEIR_TEST_SCREENSHOT_DIR");
        if (dir.isEmpty())
            QSKIP("WEIR_TEST_SCREENSHOT_DIR not set");
        // WEIR_TEST_LOCALE=zh_CN: the same pages in Chinese, to check that longer or wider texts fit.
        QTranslator translator;
        const QString locale = qEnvironmentVariable("WEIR_TEST_LOCALE");
        if (!locale.isEmpty()) {
            QVERIFY(translator.load(QLocale(locale), "weir", "_", ":/i18n"));
            QCoreApplication::installTranslator(&translator);
        }
        auto d = makeDialog();
        child<QPlainTextEdit>(d.get(), "gateway_sources")->setPlainText("192.168.50.0/24\n10.0.0.0/33");
        d->show();
        for (int i = 0; i < d->tabs()->count(); ++i) {
            d->tabs()->setCurrentIndex(i);
            QTest::qWait(50);
            const QString name = QStringLiteral("settings-%1%2.png").arg(locale).arg(i);
            QVERIFY(d->grab().save(QDir(dir).filePath(name)));
        }
        // The tray menu with the mode switch, as the helper in TPROXY mode makes it.
        TrayController tray(&client_);
        HelperStatus s;
        s.mode = "tproxy";
        s.enabled = true;
        s.health = "degraded";
        s.healthReason = "WEIR_PRE chain missing";
        tray.applyState(trayStateFor(HelperClient::Availability::Available, s));
        tray.menu()->adjustSize();
        QVERIFY(tray.menu()->grab().save(QDir(dir).filePath(QStringLiteral("tray-menu%1.png").arg(locale))));
        QCoreApplication::removeTranslator(&translator);
    }
};

QTEST_MAIN(TestSettingsDialog)
#include "tst_settingsdialog.moc"
