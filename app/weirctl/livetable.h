// LiveTable: weirctl's copy of the helper's connection table, kept current by ConnectionsChanged.
// A snapshot (GetConnections) sets it at a seq; each signal applies when its seq is the next one,
// is ignored when the snapshot already holds it, and asks for a new snapshot when one was missed.
#pragma once

#include <QDBusMessage>

#include <map>

#include "interface/connectioninfo.h"

namespace weir::ctl {

class LiveTable {
public:
    enum class Applied {
        Yes,
        Stale,      // the snapshot is newer: nothing to do
        NeedsReset, // a signal was missed (or no snapshot yet): call GetConnections again
    };

    void reset(quint64 seq, const ConnectionInfoList& rows);
    Applied apply(const ConnectionsDelta& delta);
    bool hasSnapshot() const { return hasSnapshot_; }
    quint64 seq() const { return seq_; }
    // By id.
    ConnectionInfoList rows() const;

private:
    bool hasSnapshot_ = false;
    quint64 seq_ = 0;
    std::map<quint64, ConnectionInfo> rows_;
};

// The arguments of a ConnectionsChanged signal (t aa{sv} aa{sv} at); false when they are not that.
bool deltaFromSignal(const QDBusMessage& signal, ConnectionsDelta* out);

} // namespace weir::ctl
