// The screenshot test's driver (run by tests/screenshots/screenshots.sh under Xvfb with trayer as the
// tray host, against a real weir-helper): the tray application as app/weir/main.cpp builds it, with
// real X input (xdotool) on the tray icon that trayer embeds. It saves, from the X server's own
// pixels, tray-menu.png (the icon's context menu after a right click), connections.png (the window a
// left click opens, once it shows rows of the real intercepted connections) and settings.png (the
// dialog the tray menu's Settings entry opens) into WEIR_SHOTS_DIR, and prints what it saw:
//   tray-available: true    QSystemTrayIcon::isSystemTrayAvailable() under the tray host
//   tray-icon: WxH+X+Y      where the host put the icon; menu-geometry: the same for its menu
//   shot: <path>            one line per PNG written
//   title-connections: <t>  the windows' titles and the tray menu's entries, for the language check
//   title-settings: <t>
//   menu: <entry> | <entry> | ...
//   rows: <total> <matching> <visible>  rows in the view, those with WEIR_SHOTS_HOST in a cell, and
//                                       those of them inside the view's viewport
// Exit status 0 when everything appeared; otherwise 1 with a line saying what did not.
#include <QAbstractItemView>
#include <QAction>
#include <QApplication>
#include <QDBusConnection>
#include <QDir>
#include <QElapsedTimer>
#include <QHeaderView>
#include <QLibraryInfo>
#include <QLocale>
#include <QMenu>
#include <QPixmap>
#include <QProcess>
#include <QScreen>
#include <QSystemTrayIcon>
#include <QTest>
#include <QTranslator>

#include <cstdio>
#include <functional>

#include "client/helperclient.h"
#include "gui/appcontroller.h"
#include "gui/connectionswindow.h"
#include "gui/settings/settingsdialog.h"
#include "gui/traycontroller.h"

using namespace weir;

namespace {

constexpr int kWaitMs = 10000;
constexpr int kSettleMs = 700; // a few repaints and one or two live updates before a picture is taken

// The same catalogues, looked up the same way, as app/weir/main.cpp.
void installTranslations(QApplication& app) {
    auto* qt = new QTranslator(&app);
    if (qt->load(QLocale(), QStringLiteral("qtbase"), QStringLiteral("_"),
                 QLibraryInfo::path(QLibraryInfo::TranslationsPath)))
        QApplication::installTranslator(qt);
    auto* weir = new QTranslator(&app);
    if (weir->load(QLocale(), QStringLiteral("weir"), QStringLiteral("_"), QStringLiteral(":/i18n")) ||
        weir->load(QStringLiteral(":/i18n/weir_en.qm")))
        QApplication::installTranslator(weir);
}

void say(const QString& line) {
    std::printf("%s\n", qPrintable(line));
    std::fflush(stdout);
}

[[noreturn]] void fail(const QString& what) {
    std::fprintf(stderr, "shotdriver: FAIL: %s\n", qPrintable(what));
    std::exit(1);
}

void require(bool ok, const QString& what) {
    if (!ok)
        fail(what);
}

// Real input through the X server (XTEST), so the click reaches the icon as trayer embeds it.
void xdotool(const QStringList& args) {
    QProcess p;
    p.start(QStringLiteral("xdotool"), args);
    require(p.waitForFinished(5000) && p.exitStatus() == QProcess::NormalExit && p.exitCode() == 0,
            QStringLiteral("xdotool %1 failed: %2")
                .arg(args.join(QLatin1Char(' ')), QString::fromLocal8Bit(p.readAllStandardError())));
}

void clickAt(const QPoint& global, int button);

// Clicks the tray icon until `opened` holds: trayer may still be placing a freshly embedded icon when
// the first click comes. Returns false after three tries.
bool clickIconUntil(QSystemTrayIcon* icon, int button, const std::function<bool()>& opened) {
    for (int attempt = 0; attempt < 3; ++attempt) {
        // The right click near the icon's lower left corner: the menu then opens below and to the left,
        // and the picture shows the icon beside it.
        const QRect g = icon->geometry();
        clickAt(button == 3 ? QPoint(g.left() + 3, g.bottom() - 3) : g.center(), button);
        if (QTest::qWaitFor(opened, 3000))
            return true;
        std::fprintf(stderr, "shotdriver: click %d on the tray icon at %d,%d had no effect, again\n", button,
                     icon->geometry().center().x(), icon->geometry().center().y());
    }
    return false;
}

void clickAt(const QPoint& global, int button) {
    xdotool({QStringLiteral("mousemove"), QString::number(global.x()), QString::number(global.y()),
             QStringLiteral("sleep"), QStringLiteral("0.2"), QStringLiteral("click"),
             QString::number(button)});
}

void save(const QPixmap& picture, const QString& dir, const QString& name) {
    const QString path = QDir(dir).filePath(name);
    require(!picture.isNull() && picture.save(path), QStringLiteral("could not save %1").arg(path));
    say(QStringLiteral("shot: ") + path);
}

// The X server's pixels of a top-level window (no window manager: the window is all there is).
QPixmap grabTopLevel(QWidget* w) {
    return QGuiApplication::primaryScreen()->grabWindow(w->winId());
}

// The connection table: the item view with the most columns (the window may hold other views).
QAbstractItemView* tableOf(QWidget* window) {
    QAbstractItemView* best = nullptr;
    for (QAbstractItemView* v : window->findChildren<QAbstractItemView*>()) {
        if (v->model() && !qobject_cast<QHeaderView*>(v) &&
            (!best || v->model()->columnCount() > best->model()->columnCount()))
            best = v;
    }
    return best;
}

struct RowCount {
    int total = 0;
    int matching = 0; // a cell shows the host the test's curl talked to
    int visible = 0;  // of those, inside the viewport
};

RowCount countRows(QAbstractItemView* view, const QString& host) {
    RowCount count;
    const QAbstractItemModel* model = view->model();
    count.total = model->rowCount();
    const QRect viewport = view->viewport()->rect();
    for (int r = 0; r < count.total; ++r) {
        bool matches = false;
        bool shown = false;
        for (int c = 0; c < model->columnCount(); ++c) {
            const QModelIndex index = model->index(r, c);
            const QRect cell = view->visualRect(index);
            if (index.data().toString().contains(host)) {
                matches = true;
                shown = shown || (cell.isValid() && cell.intersects(viewport));
            }
        }
        count.matching += matches ? 1 : 0;
        count.visible += shown ? 1 : 0;
    }
    return count;
}

} // namespace

int main(int argc, char* argv[]) {
    QApplication app(argc, argv);
    // As app/weir/main.cpp: the display name takes part in window titles.
    QApplication::setOrganizationName(QStringLiteral("weir"));
    QApplication::setApplicationName(QStringLiteral("weir"));
    QApplication::setApplicationDisplayName(QStringLiteral("Weir"));
    installTranslations(app);

    const QString dir = qEnvironmentVariable("WEIR_SHOTS_DIR");
    const QString host = qEnvironmentVariable("WEIR_SHOTS_HOST");
    const int minRows = qEnvironmentVariableIntValue("WEIR_SHOTS_MIN_ROWS");
    require(!dir.isEmpty() && !host.isEmpty() && minRows > 0,
            QStringLiteral("run through tests/screenshots/screenshots.sh (WEIR_SHOTS_DIR, WEIR_SHOTS_HOST, "
                           "WEIR_SHOTS_MIN_ROWS)"));
    require(QDir().mkpath(dir), QStringLiteral("cannot create %1").arg(dir));

    // trayer owns the tray selection; without it the application would show its window instead.
    require(QTest::qWaitFor([] { return QSystemTrayIcon::isSystemTrayAvailable(); }, kWaitMs),
            QStringLiteral("QSystemTrayIcon::isSystemTrayAvailable() stayed false: no tray host (trayer)"));
    say(QStringLiteral("tray-available: true"));

    HelperClient client(QDBusConnection::systemBus());
    AppController controller(&client);
    controller.start(/*showConnections=*/false); // as plain `weir`: the tray icon only
    TrayController* tray = controller.tray();
    require(tray != nullptr, QStringLiteral("the application made no tray icon"));
    require(QTest::qWaitFor(
                [&] {
                    return client.availability() == HelperClient::Availability::Available &&
                           client.status().enabled;
                },
                kWaitMs),
            QStringLiteral("the helper did not show up as available with interception on"));

    // The icon as trayer embedded it.
    const QRect screen = QGuiApplication::primaryScreen()->geometry();
    QRect icon;
    require(QTest::qWaitFor(
                [&] {
                    icon = tray->trayIcon()->geometry();
                    return icon.isValid() && screen.contains(icon);
                },
                kWaitMs),
            QStringLiteral("the tray icon has no place on the screen"));
    // Where trayer put it, once it has stayed there for half a second (a fresh icon is created at the
    // screen's corner, then embedded and moved into the panel).
    QRect placed;
    QElapsedTimer still;
    require(QTest::qWaitFor(
                [&] {
                    const QRect now = tray->trayIcon()->geometry();
                    if (now != placed || !now.isValid()) {
                        placed = now;
                        still.start();
                    }
                    return still.elapsed() >= 500;
                },
                kWaitMs),
            QStringLiteral("the tray icon keeps moving"));
    icon = placed;
    say(QStringLiteral("tray-icon: %1x%2+%3+%4")
            .arg(icon.width())
            .arg(icon.height())
            .arg(icon.x())
            .arg(icon.y()));
    QTest::qWait(kSettleMs); // the icon's picture follows the helper's state

    // The tray menu: a right click on the icon.
    QMenu* menu = tray->menu();
    require(clickIconUntil(tray->trayIcon(), 3, [&] { return menu->isVisible(); }),
            QStringLiteral("a right click on the tray icon opened no menu"));
    QTest::qWait(kSettleMs);
    const QRect shown = menu->geometry().united(icon).adjusted(-8, -8, 8, 8).intersected(screen);
    save(QGuiApplication::primaryScreen()->grabWindow(0, shown.x(), shown.y(), shown.width(), shown.height()),
         dir, QStringLiteral("tray-menu.png"));
    QStringList entries;
    for (QAction* a : menu->actions()) {
        if (!a->isSeparator() && a->isVisible() && !a->text().isEmpty())
            entries << a->text();
    }
    say(QStringLiteral("menu-geometry: %1x%2+%3+%4 pos %5,%6")
            .arg(menu->width())
            .arg(menu->height())
            .arg(menu->geometry().x())
            .arg(menu->geometry().y())
            .arg(menu->pos().x())
            .arg(menu->pos().y()));
    say(QStringLiteral("menu: ") + entries.join(QStringLiteral(" | ")));
    xdotool({QStringLiteral("key"), QStringLiteral("Escape")});
    if (!QTest::qWaitFor([&] { return !menu->isVisible(); }, 2000))
        menu->hide();

    // The Connections window: a left click on the icon.
    QWidget* window = controller.window();
    require(clickIconUntil(tray->trayIcon(), 1, [&] { return window->isVisible(); }),
            QStringLiteral("a left click on the tray icon did not open the Connections window"));
    window->resize(1180, 520);
    window->move(10, 60); // clear of trayer's panel at the top
    QAbstractItemView* view = tableOf(window);
    require(view != nullptr, QStringLiteral("the Connections window has no table"));
    RowCount rows;
    const bool enough = QTest::qWaitFor(
        [&] {
            rows = countRows(view, host);
            return rows.visible >= minRows;
        },
        kWaitMs);
    say(QStringLiteral("rows: %1 %2 %3").arg(rows.total).arg(rows.matching).arg(rows.visible));
    require(enough, QStringLiteral("the window shows %1 rows of connections to %2, expected at least %3")
                        .arg(rows.visible)
                        .arg(host)
                        .arg(minRows));
    QTest::qWait(kSettleMs);
    save(grabTopLevel(window), dir, QStringLiteral("connections.png"));
    say(QStringLiteral("title-connections: ") + window->windowTitle());
    window->hide();

    // The Settings dialog: the tray menu's entry, as clicking it does.
    tray->settingsAction()->trigger();
    require(QTest::qWaitFor(
                [&] {
                    SettingsDialog* d = controller.settingsDialog();
                    return d && d->isVisible() && !d->isWaiting();
                },
                kWaitMs),
            QStringLiteral("the Settings dialog did not open with the helper's settings"));
    SettingsDialog* settings = controller.settingsDialog();
    settings->move(10, 60);
    QTest::qWait(kSettleMs);
    save(grabTopLevel(settings), dir, QStringLiteral("settings.png"));
    say(QStringLiteral("title-settings: ") + settings->windowTitle());
    settings->hide();
    xdotool({QStringLiteral("mousemove"), QStringLiteral("640"), QStringLiteral("400")}); // off the tray
    return 0;
}
