// weir: Weir's tray application. It talks to weir-helper over the system bus and never runs as root.
#include <QApplication>
#include <QCommandLineParser>
#include <QDBusConnection>
#include <QLibraryInfo>
#include <QLocale>
#include <QTimer>
#include <QTranslator>

#include "client/helperclient.h"
#include "gui/appcontroller.h"
#include "gui/icons.h"

namespace {

void installTranslations(QApplication& app) {
    // Qt's own strings (standard dialogs, context menus), when the distribution ships them.
    auto* qt = new QTranslator(&app);
    if (qt->load(QLocale(), QStringLiteral("qtbase"), QStringLiteral("_"),
                 QLibraryInfo::path(QLibraryInfo::TranslationsPath)))
        QApplication::installTranslator(qt);
    // Ours are embedded (app/gui/CMakeLists.txt). Without a catalogue for the locale, the English one
    // still gives the right plural forms.
    auto* weir = new QTranslator(&app);
    if (weir->load(QLocale(), QStringLiteral("weir"), QStringLiteral("_"), QStringLiteral(":/i18n")) ||
        weir->load(QStringLiteral(":/i18n/weir_en.qm")))
        QApplication::installTranslator(weir);
}

} // namespace

int main(int argc, char* argv[]) {
    QApplication app(argc, argv);
    QApplication::setOrganizationName(QStringLiteral("weir"));
    QApplication::setApplicationName(QStringLiteral("weir"));
    // No application display name: Qt appends it to every window title ("Weir — Connections — Weir").
    QApplication::setApplicationVersion(QStringLiteral(WEIR_VERSION));
    QApplication::setDesktopFileName(QStringLiteral("io.github.weir.Weir"));
    QApplication::setWindowIcon(weir::applicationIcon());
    installTranslations(app);

    QCommandLineParser parser;
    parser.setApplicationDescription(
        QCoreApplication::translate("main", "Weir: transparent proxy manager (tray application)"));
    parser.addHelpOption();
    parser.addVersionOption();
    const QCommandLineOption showOption(
        QStringLiteral("show-connections"),
        QCoreApplication::translate("main", "Open the Connections window at start."));
    const QCommandLineOption quitOption(
        QStringLiteral("quit-after"),
        QCoreApplication::translate("main", "Quit after <ms> milliseconds (for screenshots and tests)."),
        QStringLiteral("ms"));
    parser.addOption(showOption);
    parser.addOption(quitOption);
    parser.process(app);

    if (parser.isSet(quitOption)) {
        bool ok = false;
        const int ms = parser.value(quitOption).toInt(&ok);
        if (!ok || ms < 0) {
            qCritical("weir: --quit-after needs a number of milliseconds");
            return 2;
        }
        QTimer::singleShot(ms, &app, &QCoreApplication::quit);
    }

    weir::HelperClient client(QDBusConnection::systemBus());
    weir::AppController controller(&client);
    controller.start(parser.isSet(showOption));
    return app.exec();
}
