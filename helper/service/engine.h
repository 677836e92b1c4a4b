// Engine: the helper's one place that turns interception on and off. It owns the proxy core and the
// firewall backend and keeps them consistent: rules are never installed without a core accepting
// behind them (that would blackhole the machine's traffic), and a failed enable leaves nothing behind.
// Plain C++: the D-Bus layer calls it, tests can drive it directly.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include "core/proxycore.h"
#include "firewall/firewall.h"

namespace weir::service {

struct EngineConfig {
    core::CoreConfig core;
    firewall::InterceptSettings firewall;
};

class Engine {
public:
    Engine(EngineConfig config, std::unique_ptr<firewall::FirewallBackend> backend);
    ~Engine(); // removes the rules if still enabled

    bool enable(std::string* error);
    bool disable(std::string* error);
    // Removes whatever Weir rules a crashed run left; returns false with *error when it could not.
    bool removeLeftovers(std::size_t* removed, std::string* error);

    bool isEnabled() const { return enabled_; }
    const EngineConfig& config() const { return config_; }
    std::string backendName() const;
    std::vector<core::ConnectionRecord> connections() const;

private:
    EngineConfig config_;
    std::unique_ptr<firewall::FirewallBackend> backend_;
    core::ProxyCore core_;
    bool enabled_ = false;
};

} // namespace weir::service
