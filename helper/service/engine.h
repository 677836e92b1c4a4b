// Engine: the helper's one place that turns interception on and off and changes its settings. It owns
// the proxy core and the firewall backend and keeps them consistent: rules are never installed without
// a core accepting behind them (that would blackhole the machine's traffic), a failed enable leaves
// nothing behind, and a settings change while enabled is one transaction (new plan in, old plan out,
// or the old state back). Plain C++: the D-Bus layer calls it, tests can drive it directly.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include "config/settings.h"
#include "core/proxycore.h"
#include "firewall/firewall.h"

namespace weir::service {

struct EngineOptions {
    // Where the record of what is installed is kept ($WEIR_RUNTIME_DIR, default /run/weir).
    std::string runtimeDir;
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
    bool disable(std::string* error);

    const Settings& settings() const { return settings_; }
    // Takes valid settings (the caller validated them). While enabled: apply the new plan, remove the old
    // one; on any failure restore the old state and return false with *error. Disabled: just stores.
    bool setSettings(const Settings& settings, std::string* error);
    // What these settings would install, as text (iptables-save sections, ip rule/route lines, sysctls,
    // listeners). Touches nothing.
    std::string previewRules(const Settings& settings, std::string* error) const;

    // Checks what is installed against the kernel; re-applies when settings().reapplyOnDrift. Call it
    // every few seconds. Always ok while disabled.
    Health checkHealth();
    const Health& health() const { return health_; }

    // Removes what a crashed run left: the recorded install first, then any stray Weir rule.
    bool removeLeftovers(std::size_t* removed, std::string* error);

    bool isEnabled() const { return enabled_; }
    std::string backendName() const;
    std::vector<core::ConnectionRecord> connections() const;

private:
    Settings settings_;
    std::unique_ptr<firewall::FirewallBackend> backend_;
    EngineOptions options_;
    core::ProxyCore core_;
    bool enabled_ = false;
    Health health_;
};

} // namespace weir::service
