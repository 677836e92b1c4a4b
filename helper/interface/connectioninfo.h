// One connection as it travels over the bus: an a{sv} dictionary (see io.github.weir.Helper1.xml),
// so later versions can add keys without breaking older clients.
#pragma once

#include <QList>
#include <QString>
#include <QVariantMap>

namespace weir {

struct ConnectionInfo {
    quint64 id = 0;
    QString protocol;    // "tcp" | "udp"
    QString mode;        // "redirect" | "tproxy"
    QString source;      // "ip:port" / "[ip]:port"
    QString destination; // recovered original destination
    quint64 bytesSent = 0;
    quint64 bytesReceived = 0;
    QString state; // "connecting" | "established" | "closing" | "closed" | "failed"
    qint64 startedMs = 0;
    qint64 closedMs = 0;
    QString closeReason;
    QString via;  // "direct", "socks5 10.0.0.1:1080" (never credentials)
    QString host; // TLS SNI or HTTP Host the client asked for; empty when unknown
    // The local program that opened it (pid 0: not known, e.g. a LAN client); uid and user only then.
    quint32 pid = 0;
    QString process;
    QString exe;
    quint32 uid = 0;
    QString user;
    QString interfaceName;    // "interface": where a LAN client's packets came in; empty for local ones
    quint64 rateSent = 0;     // "rate_sent": bytes/s over the last seconds (0 once closed)
    quint64 rateReceived = 0; // "rate_received"
    qint64 durationMs = 0;    // "duration_ms": until now while open, until closed_ms after

    QVariantMap toVariantMap() const;
    // Unknown keys are ignored; missing keys keep their defaults. Returns false without an id.
    static bool fromVariantMap(const QVariantMap& map, ConnectionInfo* out);
    // A ConnectionsChanged update: only the keys it holds change (id and unknown keys are ignored).
    // Returns false when a known key has a value of the wrong kind (nothing is changed then).
    bool merge(const QVariantMap& partial);
    // The keys whose values differ from `before` (and id), as merge() takes them.
    QVariantMap changedSince(const ConnectionInfo& before) const;
    // The stable JSON shape of `weirctl connections --json`.
    QVariantMap toJsonMap() const;

    friend bool operator==(const ConnectionInfo&, const ConnectionInfo&) = default;
};

using ConnectionInfoList = QList<ConnectionInfo>;

// One ConnectionsChanged signal: the table at `seq` is the table at seq - 1 with these applied.
struct ConnectionsDelta {
    quint64 seq = 0;
    ConnectionInfoList added;
    QList<QVariantMap> updated; // partial: id plus the keys that changed (ConnectionInfo::merge)
    QList<quint64> removed;
};

// Converts the ListConnections reply; dictionaries without an id are dropped.
ConnectionInfoList connectionsFromVariantMaps(const QList<QVariantMap>& maps);

void registerBusTypes(); // QList<QVariantMap> for QtDBus; call once before using the bus

} // namespace weir
