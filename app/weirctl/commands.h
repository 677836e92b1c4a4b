// weirctl's commands, separate from main() so their output can be tested.
#pragma once

#include <QDBusConnection>
#include <QStringList>
#include <QTextStream>

#include "interface/connectioninfo.h"
#include "interface/helperstatus.h"

namespace weir::ctl {

// Exit codes, documented in `weirctl --help`.
enum ExitCode {
    Ok = 0,
    Failed = 1,            // the helper answered with an error (e.g. the kernel refused a rule)
    Usage = 2,             // bad command line
    HelperUnavailable = 3, // no helper on the system bus
    NotAuthorized = 4,     // Polkit refused
};

int run(const QStringList& args, QDBusConnection bus, QTextStream& out, QTextStream& err);

QString usage();
// Prints what the helper's error means (one line per key for InvalidSettings, a hint when no Polkit
// agent could ask for a password) and returns the exit code for it. Decides by the error's name only.
int failWith(const QDBusError& error, QTextStream& err);

QString formatStatus(const HelperStatus& status);
QString formatConnections(const ConnectionInfoList& connections, qint64 nowMs);
QByteArray statusJson(const HelperStatus& status);
QByteArray connectionsJson(const ConnectionInfoList& connections);
QString formatBytes(quint64 bytes);
QString formatRate(quint64 bytesPerSecond); // "1.5 KiB/s"

} // namespace weir::ctl
