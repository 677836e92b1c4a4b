// `weirctl close ID...` and `weirctl connections --watch`: acting on and following the helper's
// connection table.
#pragma once

#include <QDBusConnection>
#include <QList>
#include <QStringList>
#include <QTextStream>

namespace weir::ctl {

// Connection ids as given on the command line: decimal numbers above 0, at most 100,000 of them
// (the helper's limit); duplicates are dropped. false with *error saying which one is wrong.
bool parseIds(const QStringList& args, QList<qulonglong>* out, QString* error);

// Resets the open connections among `ids` (Polkit action io.github.weir.control). Exit code Ok
// when every one was closed, Failed when some were not open (unknown or already closed).
int runClose(const QList<qulonglong>& ids, QDBusConnection bus, QTextStream& out, QTextStream& err);

// Subscribes and shows the table each time it changes until SIGINT/SIGTERM (exit Ok) or the helper
// leaves the bus (HelperUnavailable). On a terminal the table is redrawn in place (and once a
// second, so durations count on); otherwise each change prints the whole table again, as text
// separated by a blank line or, with `json`, as one JSON array per line.
int runWatch(bool json, QDBusConnection bus, QTextStream& out, QTextStream& err);

} // namespace weir::ctl
