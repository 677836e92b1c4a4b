#include "weirctl/commands.h"

#include <QDBusMessage>
#include <QDBusReply>
#include <QDateTime>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

#include "client/errors.h"
#include "helper1proxy.h"
#include "interface/busnames.h"
#include "weirctl/configcommands.h"
#include "weirctl/connectioncommands.h"

namespace weir::ctl {

namespace {

constexpr int kReadTimeoutMs = 10'000;
constexpr int kChangeTimeoutMs = 180'000; // Polkit may ask for a password

const char usageText[] =
    "Usage: weirctl [--help] COMMAND\n"
    "\n"
    "Commands:\n"
    "  status [--json]                show whether interception is on, its mode, scope, upstream,\n"
    "                                 health and warnings\n"
    "  enable                         turn interception on (Polkit action io.github.weir.control)\n"
    "  disable                        turn interception off (Polkit action io.github.weir.control)\n"
    "  connections [--json] [--watch] list intercepted connections, open and recently closed; with\n"
    "                                 --watch follow them live until Ctrl-C (redrawn in place on a\n"
    "                                 terminal; otherwise the whole table, or one JSON array per line\n"
    "                                 with --json, each time something changes)\n"
    "  close ID...                    reset these connections (both sides); IDs from connections\n"
    "                                 (Polkit action io.github.weir.control)\n"
    "  permissions [--json]           what you may do: per Polkit action yes, auth (after a password)\n"
    "                                 or no\n"
    "  config get [--json]            show every setting as KEY=VALUE\n"
    "  config set KEY=VALUE...        change settings, all together or none (io.github.weir.control)\n"
    "  config preview [KEY=VALUE...]  show the rules the settings (with these changes) would install;\n"
    "                                 changes nothing\n"
    "  config keys                    list the settings and what they mean\n"
    "\n"
    "Values: true/false, numbers (decimal or 0x hex), lists comma-separated (KEY= clears a list),\n"
    "e.g. weirctl config set mode=tproxy udp=true bypass=192.0.2.0/24,2001:db8::/32\n"
    "     weirctl config set upstream=socks5://user:pass@10.0.0.1:1080 (config get shows the\n"
    "     password as ********; setting that masked URL back keeps the stored password)\n"
    "\n"
    "Exit status: 0 success, 1 the helper reported an error (e.g. invalid settings, one line per key;\n"
    "close: some connections were not open), 2 usage error, 3 the helper is not available on the\n"
    "system bus, 4 not authorized.\n";

QString column(const QString& text, int width) {
    return text.leftJustified(width, QLatin1Char(' '), false);
}

QString formatAge(qint64 ms) {
    if (ms < 0)
        ms = 0;
    const qint64 s = ms / 1000;
    if (s < 60)
        return QStringLiteral("%1s").arg(s);
    if (s < 3600)
        return QStringLiteral("%1m%2s").arg(s / 60).arg(s % 60, 2, 10, QLatin1Char('0'));
    return QStringLiteral("%1h%2m").arg(s / 3600).arg((s % 3600) / 60, 2, 10, QLatin1Char('0'));
}

} // namespace

QString usage() {
    return QString::fromLatin1(usageText);
}

int failWith(const QDBusError& error, QTextStream& err) {
    const QMap<QString, QString> perKey = settingErrors(error);
    if (!perKey.isEmpty()) {
        err << "weirctl: the helper refused these settings (nothing was changed):\n";
        for (auto it = perKey.begin(); it != perKey.end(); ++it)
            err << "weirctl: " << it.key() << ": "
                << QString(it.value()).replace(QLatin1Char('\n'), QLatin1String("; ")) << '\n';
        err.flush();
        return Failed;
    }
    err << "weirctl: " << describe(error) << Qt::endl;
    // In a terminal the helper's own words help whoever fixes it (polkitd down, which action).
    if (classify(error) != CallFailure::Failed)
        err << "weirctl: detail: " << technicalDetail(error) << Qt::endl;
    if (error.name() == bus::errorNoAuthenticationAgent)
        err << "weirctl: there is no Polkit agent to ask for a password here: run it as root (sudo weirctl "
               "...),\n"
               "         or allow your user with a Polkit rule (see io.github.weir.rules.example in the "
               "docs)."
            << Qt::endl;
    // Arguments the helper refused are a usage error, whatever its message says.
    if (error.type() == QDBusError::InvalidArgs)
        return Usage;
    switch (classify(error)) {
    case CallFailure::HelperUnavailable:
        return HelperUnavailable;
    case CallFailure::NotAuthorized:
        return NotAuthorized;
    default:
        return Failed;
    }
}

QString formatBytes(quint64 bytes) {
    static const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
    double value = static_cast<double>(bytes);
    int unit = 0;
    while (value >= 1024.0 && unit < 4) {
        value /= 1024.0;
        ++unit;
    }
    return unit == 0 ? QStringLiteral("%1 B").arg(bytes)
                     : QStringLiteral("%1 %2").arg(value, 0, 'f', 1).arg(QLatin1String(units[unit]));
}

QString formatRate(quint64 bytesPerSecond) {
    return formatBytes(bytesPerSecond) + QStringLiteral("/s");
}

QString formatStatus(const HelperStatus& s) {
    QString text;
    QTextStream t(&text);
    t << "Interception: " << (s.enabled ? "on" : "off") << '\n';
    // What this helper did at start with the last Enable/Disable (setting restore_enabled).
    if (s.restore == QLatin1String("restored"))
        t << "Restore:      restored (interception was turned back on when the helper started)\n";
    else if (s.restore == QLatin1String("failed"))
        t << "Restore:      failed (" << s.restoreError << "); interception stayed off\n";
    t << "Mode:         " << s.mode << '\n';
    t << "Scope:        " << s.scope << '\n';
    t << "Health:       " << s.health;
    if (!s.healthReason.isEmpty())
        t << " (" << s.healthReason << ')';
    t << '\n';
    t << "Upstream:     " << s.upstream;
    if (s.upstreamFailing)
        t << " (failing: " << s.upstreamReason << ')';
    t << '\n';
    t << "Proxy port:   " << s.proxyPort << '\n';
    t << "Backend:      " << s.backend << '\n';
    t << "Connections:  " << s.activeConnections << " open, " << s.totalConnections << " listed\n";
    if (!s.lastError.isEmpty())
        t << "Last error:   " << s.lastError << '\n';
    t << "Helper:       " << s.version << '\n';
    for (const QString& w : s.warnings)
        t << "Warning:      " << w << '\n';
    return text;
}

QString formatConnections(const ConnectionInfoList& connections, qint64 nowMs) {
    QString text;
    QTextStream t(&text);
    t << column(QStringLiteral("ID"), 6) << column(QStringLiteral("STATE"), 12)
      << column(QStringLiteral("PROTO"), 6) << column(QStringLiteral("MODE"), 9)
      << column(QStringLiteral("PROGRAM"), 18) << column(QStringLiteral("SOURCE"), 24)
      << column(QStringLiteral("DESTINATION"), 24) << column(QStringLiteral("HOST"), 24)
      << column(QStringLiteral("SENT"), 11) << column(QStringLiteral("RECEIVED"), 11)
      << column(QStringLiteral("SENT/S"), 13) << column(QStringLiteral("RECV/S"), 13)
      << column(QStringLiteral("AGE"), 8) << "REASON\n";
    for (const ConnectionInfo& c : connections) {
        const bool open = c.state != QLatin1String("closed") && c.state != QLatin1String("failed");
        const qint64 end = c.closedMs > 0 ? c.closedMs : nowMs;
        const QString program =
            c.pid == 0 ? QStringLiteral("-") : QStringLiteral("%1/%2").arg(c.process).arg(c.pid);
        t << column(QString::number(c.id), 6) << column(c.state, 12) << column(c.protocol, 6)
          << column(c.mode, 9) << column(program, 18) << column(c.source, 24) << column(c.destination, 24)
          << column(c.host.isEmpty() ? QStringLiteral("-") : c.host, 24)
          << column(formatBytes(c.bytesSent), 11) << column(formatBytes(c.bytesReceived), 11)
          << column(open ? formatRate(c.rateSent) : QStringLiteral("-"), 13)
          << column(open ? formatRate(c.rateReceived) : QStringLiteral("-"), 13)
          << column(formatAge(end - c.startedMs), 8) << c.closeReason << '\n';
    }
    if (connections.isEmpty())
        t << "(no connections)\n";
    return text;
}

QByteArray statusJson(const HelperStatus& status) {
    return QJsonDocument(QJsonObject::fromVariantMap(status.toJsonMap())).toJson(QJsonDocument::Indented);
}

QByteArray connectionsJson(const ConnectionInfoList& connections) {
    QJsonArray array;
    for (const ConnectionInfo& c : connections)
        array.append(QJsonObject::fromVariantMap(c.toJsonMap()));
    return QJsonDocument(array).toJson(QJsonDocument::Indented);
}

int run(const QStringList& args, QDBusConnection bus, QTextStream& out, QTextStream& err) {
    if (args.isEmpty() || args.contains(QStringLiteral("--help")) || args.contains(QStringLiteral("-h"))) {
        (args.isEmpty() ? err : out) << usageText;
        return args.isEmpty() ? Usage : Ok;
    }
    const QString command = args.first();
    const QStringList options = args.mid(1);
    if (command == QLatin1String("config"))
        return runConfig(options, bus, out, err);
    const bool json = options.contains(QStringLiteral("--json"));
    const bool watch = options.contains(QStringLiteral("--watch"));
    const bool acceptsJson = command == QLatin1String("status") || command == QLatin1String("connections") ||
                             command == QLatin1String("permissions");
    const bool known = acceptsJson || command == QLatin1String("enable") ||
                       command == QLatin1String("disable") || command == QLatin1String("close");
    if (!known) {
        err << "weirctl: unknown command '" << command << "'\n" << usageText;
        return Usage;
    }
    QList<qulonglong> ids;
    if (command == QLatin1String("close")) {
        QString error;
        if (!parseIds(options, &ids, &error)) {
            err << "weirctl: " << error << '\n' << usageText;
            return Usage;
        }
    } else {
        for (const QString& o : options) {
            const bool allowed = (acceptsJson && o == QLatin1String("--json")) ||
                                 (command == QLatin1String("connections") && o == QLatin1String("--watch"));
            if (!allowed) {
                err << "weirctl: unexpected argument '" << o << "' for '" << command << "'\n" << usageText;
                return Usage;
            }
        }
    }
    if (!bus.isConnected()) {
        err << "weirctl: cannot connect to the system bus: " << bus.lastError().message() << Qt::endl;
        return HelperUnavailable;
    }

    registerBusTypes();
    HelperProxy helper(bus::serviceName, bus::objectPath, bus);
    helper.setTimeout(kReadTimeoutMs);

    if (command == QLatin1String("status")) {
        QDBusReply<QVariantMap> reply = helper.GetStatus();
        if (!reply.isValid())
            return failWith(reply.error(), err);
        const HelperStatus status = HelperStatus::fromVariantMap(reply.value());
        if (json)
            out << statusJson(status);
        else
            out << formatStatus(status);
        return Ok;
    }
    if (command == QLatin1String("close"))
        return runClose(ids, bus, out, err);
    if (command == QLatin1String("connections") && watch)
        return runWatch(json, bus, out, err);
    if (command == QLatin1String("connections")) {
        QDBusReply<QList<QVariantMap>> reply = helper.ListConnections();
        if (!reply.isValid())
            return failWith(reply.error(), err);
        const ConnectionInfoList list = connectionsFromVariantMaps(reply.value());
        if (json)
            out << connectionsJson(list);
        else
            out << formatConnections(list, QDateTime::currentMSecsSinceEpoch());
        return Ok;
    }
    if (command == QLatin1String("permissions")) {
        QDBusReply<QMap<QString, QString>> reply = helper.GetPermissions();
        if (!reply.isValid())
            return failWith(reply.error(), err);
        const auto permissions = reply.value();
        if (json) {
            QJsonObject o;
            for (auto it = permissions.begin(); it != permissions.end(); ++it)
                o.insert(it.key(), it.value());
            out << QJsonDocument(o).toJson(QJsonDocument::Indented);
        } else {
            for (auto it = permissions.begin(); it != permissions.end(); ++it)
                out << it.key() << ": " << it.value() << "\n";
        }
        return Ok;
    }
    if (command == QLatin1String("enable") || command == QLatin1String("disable")) {
        const bool enable = command == QLatin1String("enable");
        QDBusMessage call =
            QDBusMessage::createMethodCall(bus::serviceName, bus::objectPath, bus::interfaceName,
                                           enable ? QStringLiteral("Enable") : QStringLiteral("Disable"));
        call.setInteractiveAuthorizationAllowed(true);
        const QDBusMessage reply = bus.call(call, QDBus::Block, kChangeTimeoutMs);
        if (reply.type() == QDBusMessage::ErrorMessage)
            return failWith(QDBusError(reply), err);
        out << "Interception " << (enable ? "enabled" : "disabled") << ".\n";
        return Ok;
    }
    Q_UNREACHABLE();
    return Usage;
}

} // namespace weir::ctl
