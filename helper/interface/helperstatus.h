// GetStatus() as a struct: the a{sv} on the bus, the JSON of `weirctl status --json`.
#pragma once

#include <QString>
#include <QStringList>
#include <QVariantMap>

namespace weir {

struct HelperStatus {
    bool enabled = false;
    QString mode = QStringLiteral("redirect");
    quint16 proxyPort = 0;
    QString backend;
    quint32 activeConnections = 0;
    quint64 totalConnections = 0;
    QString version;
    QString lastError;
    QString scope = QStringLiteral("local");
    QString health = QStringLiteral("ok"); // "ok" | "degraded"
    QString healthReason;
    QStringList warnings;
    QString upstream = QStringLiteral("direct"); // "socks5 10.0.0.1:1080": never credentials
    bool upstreamFailing = false;
    QString upstreamReason; // the last failure when failing
    // What the helper did at start with the user's last choice: "" (nothing to restore), "restored"
    // or "failed" (then restoreError says why and nothing is installed).
    QString restore;
    QString restoreError;

    bool degraded() const { return health == QLatin1String("degraded"); }

    QVariantMap toVariantMap() const;
    static HelperStatus fromVariantMap(const QVariantMap& map);
    QVariantMap toJsonMap() const;

    friend bool operator==(const HelperStatus&, const HelperStatus&) = default;
};

} // namespace weir
