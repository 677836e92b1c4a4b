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

    QVariantMap toVariantMap() const;
    // Unknown keys are ignored; missing keys keep their defaults. Returns false without an id.
    static bool fromVariantMap(const QVariantMap& map, ConnectionInfo* out);
    // The stable JSON shape of `weirctl connections --json`.
    QVariantMap toJsonMap() const;

    friend bool operator==(const ConnectionInfo&, const ConnectionInfo&) = default;
};

using ConnectionInfoList = QList<ConnectionInfo>;

// Converts the ListConnections reply; dictionaries without an id are dropped.
ConnectionInfoList connectionsFromVariantMaps(const QList<QVariantMap>& maps);

void registerBusTypes(); // QList<QVariantMap> for QtDBus; call once before using the bus

} // namespace weir
