// The compiled catalogues at run time: the ones embedded under :/i18n load for their locales and say
// what the .ts files say, and the weir program picks German for a German user, Qt's own strings too.
#include <QFileInfo>
#include <QLibraryInfo>
#include <QProcess>
#include <QTranslator>
#include <QtTest>

#include "catalogue.h"

using weir::i18n::Catalogue;
using weir::i18n::readCatalogue;
using weir::i18n::TsMessage;

namespace {

QString translationIn(const Catalogue& c, const QString& context, const QString& source) {
    for (const TsMessage& m : c.messages) {
        if (m.context == context && m.source == source && !m.translations.isEmpty())
            return m.translations.first();
    }
    return {};
}

// weir --help, as a user with this environment would see it.
QString weirHelp(const QStringList& environment) {
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    for (const char* name : {"LC_ALL", "LC_MESSAGES", "LANG", "LANGUAGE"})
        env.remove(QString::fromLatin1(name));
    for (const QString& assignment : environment)
        env.insert(assignment.section(QLatin1Char('='), 0, 0), assignment.section(QLatin1Char('='), 1));
    env.insert(QStringLiteral("QT_QPA_PLATFORM"), QStringLiteral("offscreen"));
    QProcess weir;
    weir.setProcessEnvironment(env);
    weir.start(QStringLiteral(WEIR_BINARY), {QStringLiteral("--help")});
    if (!weir.waitForFinished(30000))
        return QStringLiteral("weir --help did not finish: ") + weir.errorString();
    return QString::fromUtf8(weir.readAllStandardOutput());
}

} // namespace

class TestTranslations : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void loads_data() {
        QTest::addColumn<QString>("locale");
        QTest::addColumn<QString>("ts");
        QTest::addColumn<QString>("connections"); // "Connections…" in the tray menu
        QTest::addColumn<QString>("threeActive"); // "%n active connection(s)" with n = 3
        const QString dir = QStringLiteral(WEIR_TRANSLATIONS_DIR);
        QTest::newRow("de_DE") << "de_DE" << dir + "/weir_de.ts"
                               << "Verbindungen …"
                               << "3 aktive Verbindungen";
        QTest::newRow("de_AT") << "de_AT" << dir + "/weir_de.ts"
                               << "Verbindungen …"
                               << "3 aktive Verbindungen";
        QTest::newRow("zh_CN") << "zh_CN" << dir + "/weir_zh_CN.ts"
                               << "连接…"
                               << "3 个活动连接";
    }

    // The catalogue for the locale loads from :/i18n, and every message reads as in the .ts file.
    void loads() {
        QFETCH(QString, locale);
        QFETCH(QString, ts);
        QFETCH(QString, connections);
        QFETCH(QString, threeActive);
        QTranslator translator;
        QVERIFY2(translator.load(QLocale(locale), QStringLiteral("weir"), QStringLiteral("_"),
                                 QStringLiteral(":/i18n")),
                 qPrintable(locale));
        QCOMPARE(QFileInfo(translator.filePath()).completeBaseName(), QFileInfo(ts).completeBaseName());

        Catalogue c;
        QString error;
        QVERIFY2(readCatalogue(ts, &c, &error), qPrintable(error));
        QCOMPARE(translator.language(), c.language);
        int checked = 0;
        for (const TsMessage& m : c.messages) {
            const QByteArray context = m.context.toUtf8(), source = m.source.toUtf8(),
                             comment = m.comment.toUtf8();
            const char* disambiguation = m.comment.isEmpty() ? nullptr : comment.constData();
            // Singular and plural read the first and the last form in de, en and zh.
            QCOMPARE(translator.translate(context, source, disambiguation, m.numerus ? 1 : -1),
                     m.translations.first());
            if (m.numerus)
                QCOMPARE(translator.translate(context, source, disambiguation, 5), m.translations.last());
            ++checked;
        }
        QVERIFY(checked > 100);

        // Installed, as main() does, it translates the GUI's own calls.
        QVERIFY(QCoreApplication::installTranslator(&translator));
        const QString menu = QCoreApplication::translate("weir::TrayController", "Connections…");
        const QString active =
            QCoreApplication::translate("weir::TrayState", "%n active connection(s)", nullptr, 3);
        QCoreApplication::removeTranslator(&translator);
        QCOMPARE(menu, connections);
        QCOMPARE(active, threeActive);
    }

    // LANG=de_DE.UTF-8, or LANGUAGE=de beside an English LANG: weir's options read in German, and
    // Qt's own ones too when the distribution ships qtbase_de.qm (Debian: qt6-translations-l10n).
    void weirSpeaksGerman_data() {
        QTest::addColumn<QStringList>("environment");
        QTest::newRow("LANG") << QStringList{QStringLiteral("LANG=de_DE.UTF-8")};
        QTest::newRow("LANGUAGE") << QStringList{QStringLiteral("LANG=en_US.UTF-8"),
                                                 QStringLiteral("LANGUAGE=de")};
    }
    void weirSpeaksGerman() {
        QFETCH(QStringList, environment);
        Catalogue de;
        QString error;
        QVERIFY2(readCatalogue(QStringLiteral(WEIR_TRANSLATIONS_DIR "/weir_de.ts"), &de, &error),
                 qPrintable(error));
        const QString description = translationIn(
            de, QStringLiteral("main"), QStringLiteral("Weir: transparent proxy manager (tray application)"));
        QVERIFY(!description.isEmpty());
        const QString help = weirHelp(environment);
        QVERIFY2(help.contains(description), qPrintable(help));

        QTranslator qtbase;
        if (!qtbase.load(QStringLiteral("qtbase_de"), QLibraryInfo::path(QLibraryInfo::TranslationsPath))) {
            qWarning("qtbase_de.qm is not installed: Qt's own strings stay English (install "
                     "qt6-translations-l10n)");
            return;
        }
        const QString qtHelp =
            qtbase.translate("QCommandLineParser", "Displays help on commandline options.");
        QVERIFY(!qtHelp.isEmpty());
        QVERIFY2(help.contains(qtHelp), qPrintable(help));
    }

    // Any other language gets the English plural forms, not the raw "(s)".
    void englishPlurals() {
        const QString help = weirHelp({QStringLiteral("LANG=fr_FR.UTF-8")});
        QVERIFY2(help.contains(QLatin1String("Weir: transparent proxy manager")), qPrintable(help));
        QTranslator translator;
        QVERIFY(translator.load(QLocale(QStringLiteral("en_GB")), QStringLiteral("weir"), QStringLiteral("_"),
                                QStringLiteral(":/i18n")));
        QCOMPARE(translator.translate("weir::TrayState", "%n active connection(s)", nullptr, 3),
                 QStringLiteral("%n active connections"));
    }
};

QTEST_GUILESS_MAIN(TestTranslations)
#include "tst_translations.moc"
