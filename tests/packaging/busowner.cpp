// Tries to own a well-known name on the system bus (DBUS_SYSTEM_BUS_ADDRESS) and says what the bus
// answered, so the packaging test can check the D-Bus policy: only root may own
// io.github.weir.Helper1.
//
//   weir_busowner NAME          exit 0 owned, 1 refused by the bus, 2 no bus, 3 not granted
//   weir_busowner NAME --hold   after owning, keep the name until killed (at most 60 s)
#include <QCoreApplication>
#include <QDBusConnection>
#include <QDBusConnectionInterface>
#include <QDBusReply>
#include <QTextStream>
#include <QTimer>

int main(int argc, char** argv) {
    QCoreApplication app(argc, argv);
    QTextStream out(stdout);
    const QStringList args = app.arguments();
    if (args.size() < 2) {
        QTextStream(stderr) << "usage: weir_busowner NAME [--hold]\n";
        return 2;
    }
    const QString name = args.at(1);
    const bool hold = args.contains(QLatin1String("--hold"));

    QDBusConnection bus = QDBusConnection::systemBus();
    if (!bus.isConnected()) {
        out << "no bus: " << bus.lastError().message() << Qt::endl;
        return 2;
    }
    const QDBusReply<QDBusConnectionInterface::RegisterServiceReply> reply = bus.interface()->registerService(
        name, QDBusConnectionInterface::DontQueueService, QDBusConnectionInterface::DontAllowReplacement);
    if (!reply.isValid()) {
        out << "refused " << name << ": " << reply.error().name() << ": " << reply.error().message()
            << Qt::endl;
        return 1;
    }
    if (reply.value() != QDBusConnectionInterface::ServiceRegistered) {
        out << "not granted " << name << ": reply " << int(reply.value()) << Qt::endl;
        return 3;
    }
    out << "owned " << name << Qt::endl;
    if (!hold)
        return 0;
    // Never outlive a test that forgot to kill us.
    QTimer::singleShot(60'000, &app, &QCoreApplication::quit);
    return app.exec();
}
