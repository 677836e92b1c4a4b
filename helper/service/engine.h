// Engine: the helper's one place that turns interception on and off and changes its settings. It owns
// the proxy core and the firewall backend and keeps them consistent: rules are never installed without
// a core accepting behind them (that would blackhole the machine's traffic), a failed enable leaves
// nothing behind, and a settings change while enabled is one transaction (new plan in, old plan out,
// or the old state back).
//
// Everything installed comes from one plan (plan/installplan.h) and is written to an install record
// (service/installrecord.h) before the kernel is touched, so removeLeftovers() and the guardian's
// cleanupAfterCrash() remove exactly what may be installed.
// The core's connector (the `upstream` setting) is built here with upstream::makeConnector() and
// swapped into the running core on a change (new connections only; open ones keep their way). The
// outgoing mark, worker count, connection limit and timeouts are fixed when the core starts, so a
// change of any of them restarts the core, which closes the open connections (see coreShape()).
// Threads: not thread-safe; the helper calls it from its main (D-Bus) thread only.
// Plain C++: the D-Bus layer calls it, tests can drive it directly.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "config/settings.h"
#include "core/proxycore.h"
#include "service/interfacecache.h"
#include "firewall/firewall.h"
#include "plan/installplan.h"
#include "procinfo/processresolver.h"
#include "service/installrecord.h"
#include "service/routeops.h"

namespace weir::service {

struct EngineOptions {
    // Where the install record is kept. Empty: $WEIR_RUNTIME_DIR, else /run/weir.
    std::string runtimeDir;
    // Prefix for /proc/sys paths; tests point it at a scratch directory. Empty in production.
    std::string sysctlRoot;
    // Policy routing; null: the kernel (rtnetlink). Tests pass a fake.
    std::shared_ptr<RouteOps> routes;
};

// Whether what the engine installed is still there (drift: another tool flushed a table).
struct Health {
    bool ok = true;
    std::string reason; // empty when ok; what is missing or changed otherwise
    bool operator==(const Health&) const = default;
};

class Engine {
public:
    Engine(Settings settings, std::unique_ptr<firewall::FirewallBackend> backend, EngineOptions options = {});
    ~Engine(); // removes the rules if still enabled

    bool enable(std::string* error);
    // Removes everything enable() installed and closes the connections the core relays: without
    // the rules their packets no longer reach it (see plan::stillCarries).
    bool disable(std::string* error);

    const Settings& settings() const { return settings_; }
    // The connector `settings` ask for; null with *error when it cannot be made (the upstream's host
    // name does not resolve). Callers may build it first to report the error as a settings error.
    static std::shared_ptr<core::Connector> makeConnectorFor(const Settings& settings, std::string* error);
    // Whether a and b ask for the same connector (upstream, udp_without_upstream, outgoing mark,
    // connect timeout).
    static bool sameConnector(const Settings& a, const Settings& b);
    // Takes valid settings (the caller validated them). While enabled: apply the new plan, remove the old
    // one; on any failure restore the old state and return false with *error. Disabled: just stores
    // (a new upstream is made, and its host resolved, at enable()).
    // `connector`: one makeConnectorFor(settings) built, or null to build it here when needed; while
    // enabled, a connector that cannot be made fails the call and changes nothing.
    bool setSettings(const Settings& settings, std::string* error,
                     std::shared_ptr<core::Connector> connector = nullptr);
    // What these settings would install, as text (iptables-save sections, ip rule/route lines, sysctls,
    // listeners). Touches nothing.
    std::string previewRules(const Settings& settings, std::string* error) const;

    // Checks what is installed against the kernel; re-applies when settings().reapplyOnDrift. Call it
    // every few seconds. Always ok while disabled.
    Health checkHealth();
    const Health& health() const { return health_; }
    // When and why drift was last repaired ("2026-12-01T20:31:07Z: ipv4 mangle: ..."); empty: never.
    const std::string& lastReapply() const { return lastReapply_; }

    // Removes what a crashed run left: the recorded install first, then any stray Weir rule.
    bool removeLeftovers(std::size_t* removed, std::string* error);
    // The same without an engine, for the guardian after the helper was killed: reads the record of
    // this network namespace, removes what it lists (rules, routes; sysctls restored), deletes it,
    // then removes stray WEIR_ rules. A corrupt record: every Weir rule is removed, the file deleted,
    // and false is returned with the parse error in *error (so it gets logged).
    static bool cleanupAfterCrash(const EngineOptions& options, firewall::FirewallBackend& backend,
                                  std::size_t* removed, std::string* error);
    // Where this engine keeps its install record.
    const std::string& recordPath() const { return recordPath_; }

    bool isEnabled() const { return enabled_; }
    std::string backendName() const;
    // The core's table, each LAN client's record with its interface.
    std::vector<core::ConnectionRecord> connections() const;
    // Resets the open connections among `ids` ("closed by user"); returns those it closed.
    std::vector<std::uint64_t> closeConnections(const std::vector<std::uint64_t>& ids);
    // Forgets the closed connections (settings().historyLimit keeps the newest ones otherwise).
    void clearHistory();
    core::ProxyCore::ConnectionCounts connectionCounts() const { return core_.connectionCounts(); }
    // How the upstream fares (the running core's connector): never failing while disabled or direct.
    core::UpstreamHealth upstreamHealth() const;
    // The plan installed now (null while disabled).
    const plan::InstallPlan* installedPlan() const { return installed_ ? &*installed_ : nullptr; }

private:
    using Undo = std::vector<std::function<void()>>;
    bool switchTo(const plan::InstallPlan& from, const plan::InstallPlan& to,
                  const std::vector<SysctlRecord>& toSys, std::string* error);
    void restore(const plan::InstallPlan& from, const plan::InstallPlan& failed,
                 const std::vector<SysctlRecord>& failedSys, std::string* error);
    InstallRecord withRemains(const InstallRecord& record) const;
    void dropRemains(const plan::InstallPlan& now, const std::vector<SysctlRecord>& nowSys);
    bool readPrevious(const std::vector<plan::SysctlSpec>& specs, std::vector<SysctlRecord>* out,
                      std::string* error) const;
    bool writeRecord(const InstallRecord& record, std::string* error);
    bool addRoutes(const std::vector<plan::RouteSpec>& routes, std::string* error);
    bool removeRoutes(const std::vector<plan::RouteSpec>& routes, std::string* error);
    bool writeSysctls(const std::vector<SysctlRecord>& sysctls, std::string* error);
    bool restoreSysctls(const std::vector<SysctlRecord>& sysctls, std::string* error);
    bool applyListeners(const plan::InstallPlan& plan, const std::vector<core::ListenerConfig>& listeners,
                        const core::SourceFilter& filter, std::string* error);
    void stopListening();
    // Ends the open connections that `to` (null: nothing installed) no longer carries.
    void closeUncarried(const plan::InstallPlan& from, const plan::InstallPlan* to,
                        const std::string& reason);
    // After `to` replaced `from`: the sockets of each family whose TPROXY divert ended or changed
    // (routeops.h, dropDivertedSockets).
    void dropDivertedSockets(const plan::InstallPlan& from, const plan::InstallPlan* to);
    std::string findDrift();
    bool reapply(std::string* error);
    // Everything the core takes only at start; a change restarts it.
    struct CoreShape {
        std::uint32_t outgoingMark = 0;
        unsigned workers = 0;
        std::size_t maxConnections = 0;
        std::chrono::milliseconds connectTimeout{0};
        std::chrono::milliseconds tcpIdleTimeout{0};
        bool operator==(const CoreShape&) const = default;
    };
    static CoreShape coreShape(const Settings& settings);

    Settings settings_;
    std::unique_ptr<firewall::FirewallBackend> backend_;
    EngineOptions options_;
    std::string recordPath_;
    // Which local program opened each connection, looked up on the resolver's own thread. Declared
    // before core_ so it outlives the core's relay threads, which hand it the questions.
    std::unique_ptr<procinfo::ProcessResolver> processes_;
    mutable InterfaceCache interfaces_;
    core::ProxyCore core_;
    CoreShape coreShape_; // what the running core was started with
    // The connector for settings_ (null until first needed); the running core uses it for new
    // connections.
    std::shared_ptr<core::Connector> connector_;
    bool enabled_ = false;
    std::optional<plan::InstallPlan> installed_;
    std::vector<SysctlRecord> sysctlState_; // the installed plan's sysctls with their previous values
    // What a failed restore could not remove of a failed plan (normally empty); see restore().
    InstallRecord remains_;
    Health health_;
    std::string lastReapply_;
};

} // namespace weir::service
