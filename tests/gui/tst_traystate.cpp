// trayStateFor: every helper state gets its own icon and words; icons exist as resources.
#include <QFile>
#include <QRegularExpression>
#include <QSet>
#include <QTranslator>
#include <QtTest>

#include "gui/icons.h"
#include "gui/traystate.h"

using weir::HelperStatus;
using weir::StateIcon;
using weir::TrayState;
using A = weir::HelperClient::Availability;

namespace {
HelperStatus status(bool enabled, const QString& mode = QStringLiteral("redirect"), quint32 active = 0,
                    const QString& lastError = {}) {
    HelperStatus s;
    s.enabled = enabled;
    s.mode = mode;
    s.activeConnections = active;
    s.lastError = lastError;
    s.version = QStringLiteral("0.1.0");
    return s;
}
HelperStatus degraded(const QString& reason, const QStringList& warnings = {}) {
    HelperStatus s = status(true, QStringLiteral("tproxy"), 0);
    s.health = QStringLiteral("degraded");
    s.healthReason = reason;
    s.warnings = warnings;
    return s;
}

HelperStatus warned(const QStringList& warnings) {
    HelperStatus s = status(true, QStringLiteral("redirect"), 1);
    s.warnings = warnings;
    return s;
}
} // namespace

class TestTrayState : public QObject {
    Q_OBJECT
    QTranslator english_;

private Q_SLOTS:
    // As main() does without a catalogue for the locale: English plural forms.
    void initTestCase() {
        QVERIFY(english_.load(QStringLiteral(":/i18n/weir_en.qm")));
        QVERIFY(QCoreApplication::installTranslator(&english_));
    }

    void states_data() {
        QTest::addColumn<int>("availability");
        QTest::addColumn<HelperStatus>("status");
        QTest::addColumn<QString>("clientError");
        QTest::addColumn<int>("icon");
        QTest::addColumn<QString>("toolTip");
        QTest::addColumn<QString>("statusText");
        QTest::addColumn<bool>("canToggle");
        QTest::addColumn<bool>("enabled");
        QTest::addColumn<bool>("problem");

        // A helper that is not there hides whatever status was seen before.
        QTest::newRow("unknown") << int(A::Unknown) << status(true) << QString() << int(StateIcon::Off)
                                 << "Weir — Connecting to the helper…"
                                 << "Connecting to the Weir helper…" << false << false << false;
        QTest::newRow("unavailable")
            << int(A::Unavailable) << status(true) << QStringLiteral("ServiceUnknown")
            << int(StateIcon::Unavailable) << "Weir — Helper not available"
            << "Weir’s helper is not running or not installed, so nothing is intercepted. Start it with "
               "“sudo systemctl start weir-helper”, or install the weir package if it is missing."
            << false << false << true;
        QTest::newRow("not authorized")
            << int(A::NotAuthorized) << status(false) << QStringLiteral("Not authorized: no")
            << int(StateIcon::NotAuthorized) << "Weir — Not allowed to use the helper"
            << "Not authorized: no" << false << false << true;
        QTest::newRow("off") << int(A::Available) << status(false) << QString() << int(StateIcon::Off)
                             << "Weir — Interception off"
                             << "Interception off" << true << false << false;
        QTest::newRow("redirect") << int(A::Available) << status(true, QStringLiteral("redirect"), 3)
                                  << QString() << int(StateIcon::Redirect)
                                  << "Weir — Interception on (REDIRECT)\n3 active connections"
                                  << "Interception on (REDIRECT) · 3 active connections" << true << true
                                  << false;
        QTest::newRow("tproxy") << int(A::Available) << status(true, QStringLiteral("tproxy"), 1) << QString()
                                << int(StateIcon::Tproxy)
                                << "Weir — Interception on (TPROXY)\n1 active connection"
                                << "Interception on (TPROXY) · 1 active connection" << true << true << false;
        QTest::newRow("degraded")
            << int(A::Available) << status(true, QStringLiteral("redirect"), 0, "rule gone") << QString()
            << int(StateIcon::Degraded)
            << "Weir — Interception on (REDIRECT)\n0 active connections\nProblem: rule gone"
            << "Interception on (REDIRECT) · 0 active connections · Problem: rule gone" << true << true
            << true;
        // Health "degraded": the helper found its rules changed or gone.
        QTest::newRow("health degraded")
            << int(A::Available) << degraded(QStringLiteral("WEIR_PRE chain missing")) << QString()
            << int(StateIcon::Degraded)
            << "Weir — Interception on (TPROXY)\n0 active connections\nDegraded: WEIR_PRE chain missing"
            << "Interception on (TPROXY) · 0 active connections · Degraded: WEIR_PRE chain missing" << true
            << true << true;
        // ... or its upstream proxy is failing (the helper says so in the same Health).
        QTest::newRow("upstream failing")
            << int(A::Available)
            << degraded(QStringLiteral("upstream failing: socks5 10.0.0.1:1080: upstream refused"))
            << QString() << int(StateIcon::Degraded)
            << "Weir — Interception on (TPROXY)\n0 active connections\nDegraded: upstream failing: socks5 "
               "10.0.0.1:1080: upstream refused"
            << "Interception on (TPROXY) · 0 active connections · Degraded: upstream failing: socks5 "
               "10.0.0.1:1080: upstream refused"
            << true << true << true;
        QTest::newRow("degraded without reason, with a warning")
            << int(A::Available) << degraded(QString(), {QStringLiteral("no IPv6 route")}) << QString()
            << int(StateIcon::Degraded)
            << "Weir — Interception on (TPROXY)\n0 active connections\nDegraded\nWarning: no IPv6 route"
            << "Interception on (TPROXY) · 0 active connections · Degraded · Warning: no IPv6 route" << true
            << true << true;
        // Warnings alone are information, not a problem: the icon keeps the mode.
        QTest::newRow("warnings")
            << int(A::Available) << warned({QStringLiteral("ip_forward is off"), QStringLiteral("b")})
            << QString() << int(StateIcon::Redirect)
            << "Weir — Interception on (REDIRECT)\n1 active connection\nWarning: ip_forward is off\nWarning: "
               "b"
            << "Interception on (REDIRECT) · 1 active connection · Warning: ip_forward is off · Warning: b"
            << true << true << false;
        QTest::newRow("off with error")
            << int(A::Available) << status(false, QStringLiteral("redirect"), 0, "boom") << QString()
            << int(StateIcon::Off) << "Weir — Interception off\nProblem: boom"
            << "Interception off · Problem: boom" << true << false << true;
    }

    void states() {
        QFETCH(int, availability);
        QFETCH(HelperStatus, status);
        QFETCH(QString, clientError);
        QFETCH(int, icon);
        QFETCH(QString, toolTip);
        QFETCH(QString, statusText);
        QFETCH(bool, canToggle);
        QFETCH(bool, enabled);
        QFETCH(bool, problem);

        const TrayState s = weir::trayStateFor(A(availability), status, clientError);
        QCOMPARE(int(s.icon), icon);
        QCOMPARE(s.toolTip, toolTip);
        QCOMPARE(s.statusText, statusText);
        QCOMPARE(s.canToggle, canToggle);
        QCOMPARE(s.enabled, enabled);
        QCOMPARE(s.problem, problem);
        QCOMPARE(s.toggleText,
                 enabled ? QStringLiteral("Disable interception") : QStringLiteral("Enable interception"));
        QCOMPARE(s.iconPath, weir::iconPathFor(s.icon));
        QVERIFY(s.toolTip.startsWith(QStringLiteral("Weir — ")));
        // The tray's mode switch: the helper's mode, choosable only when the helper answers.
        QCOMPARE(s.mode, status.mode);
        QCOMPARE(s.canChangeMode, A(availability) == A::Available);
        // The menu's second line: whatever the status text adds after the summary and the count.
        QCOMPARE(s.notice.isEmpty(),
                 !(problem && A(availability) == A::Available) && status.warnings.isEmpty());
    }

    // The states a user must tell apart at a glance have different icons and tooltips.
    void distinct() {
        const QList<TrayState> states = {
            weir::trayStateFor(A::Available, status(false)),
            weir::trayStateFor(A::Available, status(true, QStringLiteral("redirect"))),
            weir::trayStateFor(A::Available, status(true, QStringLiteral("tproxy"))),
            weir::trayStateFor(A::Available,
                               status(true, QStringLiteral("redirect"), 0, QStringLiteral("x"))),
            weir::trayStateFor(A::Unavailable, status(false)),
            weir::trayStateFor(A::NotAuthorized, status(false)),
        };
        QSet<QString> icons, tips;
        for (const TrayState& s : states) {
            icons.insert(s.iconPath);
            tips.insert(s.toolTip);
        }
        QCOMPARE(icons.size(), states.size());
        QCOMPARE(tips.size(), states.size());
        QVERIFY(weir::trayStateFor(A::NotAuthorized, status(false)).toolTip !=
                weir::trayStateFor(A::Unavailable, status(false)).toolTip);
    }

    // The window's strip says on or off in words (the colour only repeats it); not-authorized and
    // helper-missing say different things.
    void stripWords() {
        QVERIFY(weir::trayStateFor(A::Available, status(true)).stripText.contains(QStringLiteral("ON")));
        QVERIFY(weir::trayStateFor(A::Available, status(false)).stripText.contains(QStringLiteral("OFF")));
        QVERIFY(weir::trayStateFor(A::Unavailable, status(false)).stripText !=
                weir::trayStateFor(A::NotAuthorized, status(false)).stripText);
        for (A a : {A::Unknown, A::Unavailable, A::NotAuthorized, A::Available})
            QVERIFY(!weir::trayStateFor(a, status(false)).stripText.isEmpty());
    }

    // A helper that restarted says what it did with the user's last choice: the tray puts it in words
    // (a tooltip line, the balloon's title and message) while it still describes the state.
    void restoreWords() {
        HelperStatus restored = status(true, QStringLiteral("tproxy"), 0);
        restored.restore = QStringLiteral("restored");
        const TrayState on = weir::trayStateFor(A::Available, restored);
        const QString back = QStringLiteral("Weir turned interception back on after its helper restarted.");
        QCOMPARE(on.restoreMessage, back);
        QCOMPARE(on.restoreTitle, QStringLiteral("Interception back on"));
        QVERIFY(!on.restoreFailed);
        QVERIFY(!on.problem);
        QVERIFY2(on.toolTip.endsWith(QLatin1Char('\n') + back), qPrintable(on.toolTip));
        QVERIFY(!on.restoreKey.isEmpty());

        HelperStatus failed = status(false);
        failed.restore = QStringLiteral("failed");
        failed.restoreError = QStringLiteral("port 41080 is in use");
        const TrayState off = weir::trayStateFor(A::Available, failed);
        const QString notBack = QStringLiteral("Weir could not turn interception back on after its helper "
                                               "restarted: port 41080 is in use. Traffic goes out directly.");
        QCOMPARE(off.restoreMessage, notBack);
        QVERIFY(off.restoreFailed);
        QVERIFY(off.problem);
        QVERIFY2(off.toolTip.contains(notBack), qPrintable(off.toolTip));
        QVERIFY(off.restoreKey != on.restoreKey);
        HelperStatus otherReason = failed;
        otherReason.restoreError = QStringLiteral("another reason");
        QVERIFY(weir::trayStateFor(A::Available, otherReason).restoreKey != off.restoreKey);

        // Nothing to say: nothing restored, the user changed the state since, or no helper answers.
        HelperStatus disabledSince = restored;
        disabledSince.enabled = false;
        HelperStatus enabledSince = failed;
        enabledSince.enabled = true;
        for (const TrayState& quiet :
             {weir::trayStateFor(A::Available, status(true)), weir::trayStateFor(A::Available, disabledSince),
              weir::trayStateFor(A::Available, enabledSince), weir::trayStateFor(A::Unavailable, restored),
              weir::trayStateFor(A::NotAuthorized, failed)}) {
            QVERIFY(quiet.restoreMessage.isEmpty());
            QVERIFY(quiet.restoreKey.isEmpty());
            QVERIFY(!quiet.toolTip.contains(QStringLiteral("restarted")));
        }
    }

    // The balloon tells each outcome once while the helper answers; a helper that was gone and comes
    // back with the same outcome is news again.
    void restoreToldOnce() {
        HelperStatus restored = status(true);
        restored.restore = QStringLiteral("restored");
        HelperStatus failed = status(false);
        failed.restore = QStringLiteral("failed");
        failed.restoreError = QStringLiteral("port in use");
        const TrayState on = weir::trayStateFor(A::Available, restored);
        const TrayState off = weir::trayStateFor(A::Available, failed);
        const TrayState quiet = weir::trayStateFor(A::Available, status(true));
        QString told;
        QVERIFY(weir::takeRestoreAnnouncement(A::Available, on, &told));
        QVERIFY(!weir::takeRestoreAnnouncement(A::Available, on, &told)); // the next poll
        QVERIFY(!weir::takeRestoreAnnouncement(A::Available, quiet, &told));
        QVERIFY(!weir::takeRestoreAnnouncement(A::Available, on, &told)); // still the same helper
        QVERIFY(weir::takeRestoreAnnouncement(A::Available, off, &told)); // another outcome
        QVERIFY(!weir::takeRestoreAnnouncement(A::Unavailable, weir::trayStateFor(A::Unavailable, failed),
                                               &told));
        QVERIFY(told.isEmpty());
        QVERIFY(weir::takeRestoreAnnouncement(A::Available, off, &told)); // the helper is back
        QVERIFY(!weir::takeRestoreAnnouncement(A::Available, off, &told));
    }

    // The Chinese catalogue is embedded and used.
    void chinese() {
        QTranslator zh;
        QVERIFY(zh.load(QLocale(QLocale::Chinese, QLocale::China), QStringLiteral("weir"),
                        QStringLiteral("_"), QStringLiteral(":/i18n")));
        QVERIFY(QCoreApplication::installTranslator(&zh));
        const TrayState off = weir::trayStateFor(A::Available, status(false));
        const TrayState on = weir::trayStateFor(A::Available, status(true, QStringLiteral("redirect"), 2));
        const TrayState missing = weir::trayStateFor(A::Unavailable, status(false));
        QCoreApplication::removeTranslator(&zh);
        QCOMPARE(off.summary, QStringLiteral("接管已关闭"));
        QCOMPARE(on.statusText, QStringLiteral("接管已开启（REDIRECT） · 2 个活动连接"));
        QCOMPARE(on.toggleText, QStringLiteral("关闭接管"));
        // (The helper-missing sentence changed in issue 7; its translation comes with the catalogue update.)
        QVERIFY(missing.statusText.contains(QStringLiteral("systemctl start weir-helper")));
        HelperStatus bad = status(true, QStringLiteral("tproxy"));
        bad.health = QStringLiteral("degraded");
        bad.healthReason = QStringLiteral("x");
        QVERIFY(QCoreApplication::installTranslator(&zh));
        const TrayState degraded = weir::trayStateFor(A::Available, bad);
        QCoreApplication::removeTranslator(&zh);
        QVERIFY2(degraded.toolTip.contains(QStringLiteral("运行异常：x")), qPrintable(degraded.toolTip));
    }

    // Every string lupdate found has a finished Chinese translation.
    void chineseIsComplete() {
        QFile ts(QStringLiteral(WEIR_TRANSLATIONS_DIR "/weir_zh_CN.ts"));
        QVERIFY2(ts.open(QIODevice::ReadOnly), qPrintable(ts.fileName()));
        const QString text = QString::fromUtf8(ts.readAll());
        const int messages = int(text.count(QStringLiteral("<message")));
        QVERIFY(messages > 40);
        QCOMPARE(text.count(QStringLiteral("type=\"unfinished\"")), 0);
        QCOMPARE(text.count(QStringLiteral("type=\"vanished\"")), 0);
        QCOMPARE(text.count(QRegularExpression(QStringLiteral("<translation>\\s*</translation>"))), 0);
        // Interception is 接管 (taking over) for proxy users; 拦截 reads as "block".
        QCOMPARE(text.count(QStringLiteral("拦截")), 0);
    }

    void iconsAreEmbedded() {
        for (StateIcon i : {StateIcon::Off, StateIcon::Redirect, StateIcon::Tproxy, StateIcon::Degraded,
                            StateIcon::Unavailable, StateIcon::NotAuthorized}) {
            QVERIFY2(QFile::exists(weir::iconPathFor(i)), qPrintable(weir::iconPathFor(i)));
            const QIcon icon = weir::trayIcon(i);
            QVERIFY(!icon.isNull());
            QVERIFY(!icon.pixmap(22, 22).isNull());
        }
        QVERIFY(QFile::exists(QStringLiteral(":/icons/io.github.weir.Weir.svg")));
        QVERIFY(!weir::applicationIcon().isNull());
    }
};

QTEST_MAIN(TestTrayState)
#include "tst_traystate.moc"
