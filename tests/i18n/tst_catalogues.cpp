// The catalogues against the sources. lupdate, run on copies of translations/*.ts with the inputs of
// the update_translations target (the lst file app/gui/CMakeLists.txt writes), must find nothing new
// and nothing gone, and every message must be translated with its placeholders kept. A file that
// calls tr() but is not among those inputs fails here too, instead of staying English unnoticed.
#include <QDir>
#include <QDirIterator>
#include <QFile>
#include <QFileInfo>
#include <QProcess>
#include <QRegularExpression>
#include <QSet>
#include <QTemporaryDir>
#include <QtTest>

#include "catalogue.h"

using weir::i18n::Catalogue;
using weir::i18n::catalogueProblems;
using weir::i18n::parseCatalogue;
using weir::i18n::readCatalogue;

namespace {

QStringList configList(const char* value) {
    return QString::fromUtf8(value).split(QLatin1Char('|'), Qt::SkipEmptyParts);
}

// The sources in the lupdate list file (its other lines are -I include directories), canonical.
QSet<QString> listedSources(QStringList* missing) {
    QFile lst(QStringLiteral(WEIR_I18N_LST));
    if (!lst.open(QIODevice::ReadOnly))
        return {};
    QSet<QString> sources;
    for (const QByteArray& raw : lst.readAll().split('\n')) {
        const QString line = QString::fromUtf8(raw).trimmed();
        if (line.isEmpty() || line.startsWith(QLatin1String("-I")))
            continue;
        const QFileInfo info(line);
        if (info.exists())
            sources.insert(info.canonicalFilePath());
        else
            *missing << line;
    }
    return sources;
}

// Whether a source file has user-visible strings for lupdate. Comment lines do not count.
bool callsTr(const QString& path) {
    static const QRegularExpression call(
        QStringLiteral("\\btr\\(|::translate\\(|\\bQT_TR_NOOP|\\bQT_TRANSLATE_NOOP|\\bqtTrId\\("));
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return false;
    for (const QByteArray& raw : file.readAll().split('\n')) {
        const QString line = QString::fromUtf8(raw).trimmed();
        if (line.startsWith(QLatin1String("//")) || line.startsWith(QLatin1Char('*')) ||
            line.startsWith(QLatin1String("/*")))
            continue;
        if (line.contains(call))
            return true;
    }
    return false;
}

void printProblems(const QString& file, const QStringList& problems) {
    for (const QString& p : problems)
        qWarning().noquote() << file + QStringLiteral(": ") + p;
}

} // namespace

class TestCatalogues : public QObject {
    Q_OBJECT

private Q_SLOTS:
    // The checks themselves: each broken catalogue below is reported, the good one is not.
    void checksFindEachProblem_data() {
        QTest::addColumn<QString>("language");
        QTest::addColumn<QString>("message");
        QTest::addColumn<QString>("expected"); // part of the problem line; empty: no problem
        auto row = [](const char* name, const char* language, const char* message, const char* expected) {
            QTest::newRow(name) << QString::fromUtf8(language) << QString::fromUtf8(message)
                                << QString::fromUtf8(expected);
        };
        row("good", "de", "<source>Copy %1</source><translation>%1 kopieren</translation>", "");
        row("unfinished", "de", "<source>Copy</source><translation type=\"unfinished\"></translation>",
            "not translated yet");
        row("vanished", "de", "<source>Copy</source><translation type=\"vanished\">Kopieren</translation>",
            "no longer in the sources");
        row("empty", "de", "<source>Copy</source><translation></translation>", "empty translation");
        row("placeholder lost", "de", "<source>Copy %1</source><translation>Kopieren</translation>",
            "placeholders differ");
        row("placeholder added", "de", "<source>Copy</source><translation>%2 kopieren</translation>",
            "placeholders differ");
        row("accelerator lost", "de", "<source>&amp;Copy</source><translation>Kopieren</translation>",
            "accelerator (&) missing");
        row("tag lost", "de", "<source>&lt;b&gt;Copy&lt;/b&gt;</source><translation>Kopieren</translation>",
            "rich-text tags differ");
        row("plural without %n", "de",
            "<source>%n row(s)</source><translation><numerusform>eine Zeile</numerusform>"
            "<numerusform>%n Zeilen</numerusform></translation>",
            "placeholders differ");
        row("plural forms missing", "de",
            "<source>%n row(s)</source><translation><numerusform>%n Zeilen</numerusform></translation>",
            "1 plural forms where de needs 2");
        row("plural form empty", "zh_CN",
            "<source>%n row(s)</source><translation><numerusform></numerusform></translation>",
            "empty translation");
        row("blocked word", "zh_CN", "<source>Intercept</source><translation>拦截</translation>", "拦截");
        row("good zh plural", "zh_CN",
            "<source>%n row(s)</source><translation><numerusform>%n 行</numerusform></translation>", "");
    }
    void checksFindEachProblem() {
        QFETCH(QString, language);
        QFETCH(QString, message);
        QFETCH(QString, expected);
        const QString numerus =
            message.contains(QLatin1String("numerusform")) ? QStringLiteral(" numerus=\"yes\"") : QString();
        const QString ts =
            QStringLiteral("<TS version=\"2.1\" language=\"%1\"><context><name>weir::Test</name>"
                           "<message%2>%3</message></context></TS>")
                .arg(language, numerus, message);
        Catalogue c;
        QString error;
        QVERIFY2(parseCatalogue(ts.toUtf8(), &c, &error), qPrintable(error));
        QCOMPARE(c.messages.size(), 1);
        const QStringList problems = catalogueProblems(c);
        if (expected.isEmpty()) {
            QVERIFY2(problems.isEmpty(), qPrintable(problems.join(QLatin1Char('\n'))));
            return;
        }
        QCOMPARE(problems.size(), 1);
        QVERIFY2(problems.first().contains(expected), qPrintable(problems.first()));
        QVERIFY2(problems.first().startsWith(QLatin1String("[weir::Test] ")), qPrintable(problems.first()));
    }

    // Every catalogue, refreshed by lupdate in a temporary copy, has nothing left to do.
    void upToDate_data() {
        QTest::addColumn<QString>("ts");
        QTest::addColumn<bool>("pluralOnly");
        for (const QString& ts : configList(WEIR_TS_FILES))
            QTest::newRow(qPrintable(QFileInfo(ts).fileName())) << ts << false;
        // weir_en.ts holds only the English plural forms of the %n messages.
        for (const QString& ts : configList(WEIR_TS_PLURALS))
            QTest::newRow(qPrintable(QFileInfo(ts).fileName())) << ts << true;
    }
    void upToDate() {
        QFETCH(QString, ts);
        QFETCH(bool, pluralOnly);
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        const QString copy = dir.filePath(QFileInfo(ts).fileName());
        QVERIFY2(QFile::copy(ts, copy), qPrintable(ts));

        // Without -no-obsolete, so that strings gone from the sources show up as vanished.
        QStringList args{QStringLiteral("-locations"), QStringLiteral("none")};
        if (pluralOnly)
            args << QStringLiteral("-pluralonly");
        args << QLatin1Char('@') + QStringLiteral(WEIR_I18N_LST) << QStringLiteral("-ts") << copy;
        QProcess lupdate;
        lupdate.setProcessChannelMode(QProcess::MergedChannels);
        lupdate.start(QStringLiteral(WEIR_LUPDATE), args);
        QVERIFY2(lupdate.waitForFinished(60000), qPrintable(lupdate.errorString()));
        const QString log = QString::fromLocal8Bit(lupdate.readAll());
        QVERIFY2(lupdate.exitStatus() == QProcess::NormalExit && lupdate.exitCode() == 0, qPrintable(log));
        qInfo().noquote() << log.trimmed();

        Catalogue c;
        QString error;
        QVERIFY2(readCatalogue(copy, &c, &error), qPrintable(error));
        QVERIFY2(!c.messages.isEmpty(), "lupdate found no messages: is the lst file right?");
        const QStringList problems = catalogueProblems(c);
        printProblems(QFileInfo(ts).fileName(), problems);
        QVERIFY2(problems.isEmpty(),
                 qPrintable(QStringLiteral("%1 problem(s) in %2 (listed above). Refresh it with "
                                           "`cmake --build build --target update_translations`, then "
                                           "translate what is missing (linguist %2).")
                                .arg(problems.size())
                                .arg(ts)));
    }

    // Each file in app/gui, app/weir and app/client that calls tr() is one lupdate reads.
    void everyFileWithTrIsScanned() {
        QStringList missingFiles;
        const QSet<QString> listed = listedSources(&missingFiles);
        QVERIFY2(!listed.isEmpty(), WEIR_I18N_LST);
        QVERIFY2(missingFiles.isEmpty(),
                 qPrintable(QStringLiteral("weir_i18n_sources names files that do not exist: ") +
                            missingFiles.join(QStringLiteral(", "))));
        QStringList unscanned;
        int withTr = 0;
        for (const QString& root : configList(WEIR_TR_DIRS)) {
            QVERIFY2(QFileInfo(root).isDir(), qPrintable(root));
            QDirIterator it(root, {QStringLiteral("*.cpp"), QStringLiteral("*.h")}, QDir::Files,
                            QDirIterator::Subdirectories);
            while (it.hasNext()) {
                const QString path = QFileInfo(it.next()).canonicalFilePath();
                if (!callsTr(path))
                    continue;
                ++withTr;
                if (!listed.contains(path))
                    unscanned << path;
            }
        }
        unscanned.sort();
        for (const QString& path : unscanned)
            qWarning().noquote() << path + QStringLiteral(": calls tr() but lupdate does not read it");
        QVERIFY2(unscanned.isEmpty(),
                 qPrintable(QStringLiteral("%1 file(s) with tr() missing from weir_i18n_sources in "
                                           "app/gui/CMakeLists.txt (listed above): their strings would "
                                           "never be translated")
                                .arg(unscanned.size())));
        QVERIFY(withTr > 10);
    }
};

QTEST_GUILESS_MAIN(TestCatalogues)
#include "tst_catalogues.moc"
