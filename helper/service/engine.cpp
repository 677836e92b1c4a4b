#include "service/engine.h"

#include "firewall/ruleplan.h"

namespace weir::service {

Engine::Engine(EngineConfig config, std::unique_ptr<firewall::FirewallBackend> backend)
    : config_(std::move(config))
    , backend_(std::move(backend)) {}

Engine::~Engine() {
    std::string ignored;
    disable(&ignored);
}

std::string Engine::backendName() const {
    return backend_->name();
}

bool Engine::enable(std::string* error) {
    if (enabled_)
        return true;
    const auto plan = firewall::planRules(config_.firewall, error);
    if (!plan)
        return false;
    // The core must accept before any packet is redirected to it, or redirected connections are refused.
    if (!core_.isRunning()) {
        if (!core_.start(config_.core, error))
            return false;
    } else if (!core_.isAccepting() && !core_.resumeAccepting(error)) {
        return false;
    }
    if (!backend_->apply(*plan, error)) {
        core_.stopAccepting(); // apply() left nothing installed; nothing may reach the listener now
        return false;
    }
    enabled_ = true;
    return true;
}

bool Engine::disable(std::string* error) {
    if (!enabled_)
        return true;
    const auto plan = firewall::planRules(config_.firewall, error);
    if (!plan)
        return false;
    // Rules first: if they cannot be removed, the core keeps accepting so traffic is not blackholed.
    if (!backend_->remove(*plan, error))
        return false;
    core_.stopAccepting();
    enabled_ = false;
    return true;
}

bool Engine::removeLeftovers(std::size_t* removed, std::string* error) {
    return backend_->removeAll(error, removed);
}

std::vector<core::ConnectionRecord> Engine::connections() const {
    return core_.snapshot();
}

} // namespace weir::service
