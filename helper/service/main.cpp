// weir-helper: Weir's privileged side. Runs as root on the system bus (D-Bus activation or systemd),
// serves io.github.weir.Helper1 and runs the proxy core.
//
//   weir-helper            serve (removes rules a crash left behind first)
//   weir-helper --cleanup  remove every Weir chain and rule, then exit
// Settings come from $WEIR_STATE_DIR/settings.conf (default /var/lib/weir), see settingsstore.h.
#include <QCommandLineParser>
#include <QCoreApplication>
#include <QDBusConnection>
#include <QSocketNotifier>

#include <csignal>
#include <cstdio>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include "firewall/iptcbackend.h"
#include "interface/busnames.h"
#include "service/buslosswatch.h"
#include "service/engine.h"
#include "service/helperservice.h"
#include "service/instanceguard.h"
#include "service/settingsstore.h"

namespace {

int signalPipe[2] = {-1, -1};

void onTerminate(int) {
    const char c = 1;
    [[maybe_unused]] auto n = ::write(signalPipe[1], &c, 1);
}

// Each relayed connection costs two descriptors; the default soft limit of 1024 is far too low.
void raiseFileLimit() {
    rlimit rl{};
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
}

// Exit status when the system bus went away (any non-zero status makes systemd restart the helper).
constexpr int kExitBusLost = 3;

// How long a starting helper waits for the guardian of a dead one to finish its cleanup.
constexpr int kLockWaitMs = 5000;

// Runs in the guardian after the helper died without removing its rules (kill -9, crash).
void removeRulesAfterCrash() {
    std::string error;
    std::size_t removed = 0;
    weir::firewall::IptcBackend backend;
    // What the install record lists (rules, policy routes, sysctls), then any stray Weir rule.
    if (!weir::service::Engine::cleanupAfterCrash(weir::service::EngineOptions{}, backend, &removed, &error))
        std::fprintf(stderr, "weir-guardian: the helper ended; removing its rules failed: %s\n",
                     error.c_str());
    else if (removed > 0)
        std::fprintf(stderr, "weir-guardian: the helper ended without removing its rules; removed %zu\n",
                     removed);
}

bool parsePort(const QString& text, quint16* port) {
    bool ok = false;
    const uint value = text.toUInt(&ok);
    if (!ok || value == 0 || value > 65535)
        return false;
    *port = static_cast<quint16>(value);
    return true;
}

} // namespace

int main(int argc, char* argv[]) {
    QCoreApplication app(argc, argv);
    QCoreApplication::setApplicationName(QStringLiteral("weir-helper"));
    QCoreApplication::setApplicationVersion(QStringLiteral(WEIR_VERSION));

    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral("Weir's privileged helper (io.github.weir.Helper1)."));
    parser.addHelpOption();
    parser.addVersionOption();
    QCommandLineOption cleanupOption(QStringLiteral("cleanup"),
                                     QStringLiteral("Remove every Weir chain and rule, then exit."));
    QCommandLineOption portOption(
        QStringLiteral("proxy-port"),
        QStringLiteral("Port of the proxy core for this run, instead of the stored proxy_port setting."),
        QStringLiteral("port"));
    parser.addOption(cleanupOption);
    parser.addOption(portOption);
    parser.process(app);

    weir::service::SettingsStore store(weir::service::SettingsStore::defaultDirectory());
    // Defaults (and a warning) when there is no usable file. --cleanup needs no settings and must not
    // move a corrupt file aside behind the user's back.
    weir::Settings settings = parser.isSet(cleanupOption) ? weir::Settings{} : store.load();
    if (parser.isSet(portOption)) {
        quint16 port = 0;
        if (!parsePort(parser.value(portOption), &port)) {
            std::fprintf(stderr, "weir-helper: --proxy-port must be a number from 1 to 65535\n");
            return 2;
        }
        settings.proxyPort = port;
    }

    // One helper per network namespace: a second one must not "clean up" the rules of the first.
    std::string error;
    const std::string lockPath = weir::service::InstanceLock::pathForThisNetns();
    const auto instance = weir::service::InstanceLock::acquire(lockPath, kLockWaitMs, &error);
    if (!instance) {
        std::fprintf(stderr, "weir-helper: %s\n", error.c_str());
        return 1;
    }

    weir::service::Engine engine(settings, std::make_unique<weir::firewall::IptcBackend>());

    // Rules left by a crashed run would send traffic to a port nobody listens on: remove them first.
    std::size_t removed = 0;
    const bool cleaned = engine.removeLeftovers(&removed, &error);
    if (parser.isSet(cleanupOption)) {
        if (!cleaned) {
            std::fprintf(stderr, "weir-helper: cleanup failed: %s\n", error.c_str());
            return 1;
        }
        std::printf("weir-helper: removed %zu Weir rule(s) and chain(s)\n", removed);
        return 0;
    }
    if (!cleaned)
        std::fprintf(stderr, "weir-helper: warning: could not remove leftover rules: %s\n", error.c_str());
    else if (removed > 0)
        std::fprintf(stderr, "weir-helper: removed %zu leftover Weir rule(s) and chain(s)\n", removed);

    // Still single-threaded here (no bus connection, no core thread yet), as fork() wants it.
    if (!weir::service::startGuardian(lockPath, removeRulesAfterCrash, &error)) {
        std::fprintf(stderr, "weir-helper: cannot start the guardian: %s\n", error.c_str());
        return 1;
    }

    raiseFileLimit();
    std::signal(SIGPIPE, SIG_IGN);
    if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, signalPipe) != 0)
        return 1;
    std::signal(SIGTERM, onTerminate);
    std::signal(SIGINT, onTerminate);

    QDBusConnection bus = QDBusConnection::systemBus();
    if (!bus.isConnected()) {
        std::fprintf(stderr, "weir-helper: cannot connect to the system bus: %s\n",
                     qPrintable(bus.lastError().message()));
        return 1;
    }
    weir::service::HelperService service(&engine, &store, bus);
    service.restoreAtStart(); // the user's last Enable, before any client is served
    QString registerError;
    if (!service.registerOn(bus, &registerError)) {
        std::fprintf(stderr, "weir-helper: %s\n", qPrintable(registerError));
        return 1;
    }
    if (!bus.registerService(weir::bus::serviceName)) {
        std::fprintf(stderr, "weir-helper: cannot own %s on the system bus: %s\n",
                     qPrintable(weir::bus::serviceName), qPrintable(bus.lastError().message()));
        return 1;
    }

    // Without its bus nobody can reach the helper: shut down as on SIGTERM and exit non-zero, so that
    // systemd (Restart=on-failure) or D-Bus activation on the next call starts a new one.
    weir::service::BusLossWatch busLoss(bus);
    if (!busLoss.watch())
        std::fprintf(stderr, "weir-helper: warning: cannot watch the system bus connection: %s\n",
                     qPrintable(bus.lastError().message()));
    QObject::connect(&busLoss, &weir::service::BusLossWatch::lost, &app, [&] {
        std::fprintf(stderr,
                     "weir-helper: the system bus connection was lost; removing the rules and exiting\n");
        service.shutdown();
        app.exit(kExitBusLost);
    });

    QSocketNotifier terminate(signalPipe[0], QSocketNotifier::Read);
    QObject::connect(&terminate, &QSocketNotifier::activated, &app, [&] {
        service.shutdown();
        app.quit();
    });
    std::fprintf(stderr, "weir-helper: serving %s (proxy core port %u, backend %s)\n",
                 qPrintable(weir::bus::serviceName), unsigned{engine.settings().proxyPort},
                 engine.backendName().c_str());
    const int rc = app.exec();
    service.shutdown();
    return rc;
}
