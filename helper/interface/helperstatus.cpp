#include "interface/helperstatus.h"

namespace weir {

QVariantMap HelperStatus::toVariantMap() const {
    return {
        {QStringLiteral("enabled"), enabled},
        {QStringLiteral("mode"), mode},
        {QStringLiteral("proxy_port"), QVariant::fromValue<quint16>(proxyPort)},
        {QStringLiteral("backend"), backend},
        {QStringLiteral("active_connections"), QVariant::fromValue<quint32>(activeConnections)},
        {QStringLiteral("total_connections"), QVariant::fromValue<quint64>(totalConnections)},
        {QStringLiteral("version"), version},
        {QStringLiteral("last_error"), lastError},
        {QStringLiteral("scope"), scope},
        {QStringLiteral("health"), health},
        {QStringLiteral("health_reason"), healthReason},
        {QStringLiteral("warnings"), warnings},
        {QStringLiteral("upstream"), upstream},
        {QStringLiteral("upstream_failing"), upstreamFailing},
        {QStringLiteral("upstream_reason"), upstreamReason},
        {QStringLiteral("restore"), restore},
        {QStringLiteral("restore_error"), restoreError},
    };
}

HelperStatus HelperStatus::fromVariantMap(const QVariantMap& map) {
    HelperStatus s;
    s.enabled = map.value(QStringLiteral("enabled")).toBool();
    s.mode = map.value(QStringLiteral("mode"), s.mode).toString();
    s.proxyPort = static_cast<quint16>(map.value(QStringLiteral("proxy_port")).toUInt());
    s.backend = map.value(QStringLiteral("backend")).toString();
    s.activeConnections = map.value(QStringLiteral("active_connections")).toUInt();
    s.totalConnections = map.value(QStringLiteral("total_connections")).toULongLong();
    s.version = map.value(QStringLiteral("version")).toString();
    s.lastError = map.value(QStringLiteral("last_error")).toString();
    s.scope = map.value(QStringLiteral("scope"), s.scope).toString();
    s.health = map.value(QStringLiteral("health"), s.health).toString();
    s.healthReason = map.value(QStringLiteral("health_reason")).toString();
    s.warnings = map.value(QStringLiteral("warnings")).toStringList();
    s.upstream = map.value(QStringLiteral("upstream"), s.upstream).toString();
    s.upstreamFailing = map.value(QStringLiteral("upstream_failing")).toBool();
    s.upstreamReason = map.value(QStringLiteral("upstream_reason")).toString();
    s.restore = map.value(QStringLiteral("restore")).toString();
    s.restoreError = map.value(QStringLiteral("restore_error")).toString();
    return s;
}

QVariantMap HelperStatus::toJsonMap() const {
    return toVariantMap();
}

} // namespace weir
