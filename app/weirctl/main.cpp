// weirctl: Weir's D-Bus API from a terminal, for scripts and headless machines.
#include <QCoreApplication>
#include <QDBusConnection>
#include <QTextStream>

#include <cstdio>

#include "weirctl/commands.h"

int main(int argc, char* argv[]) {
    QCoreApplication app(argc, argv);
    QCoreApplication::setApplicationName(QStringLiteral("weirctl"));
    QTextStream out(stdout);
    QTextStream err(stderr);
    const int rc = weir::ctl::run(app.arguments().mid(1), QDBusConnection::systemBus(), out, err);
    out.flush();
    err.flush();
    return rc;
}
