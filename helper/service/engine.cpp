#include "service/engine.h"

#include "firewall/ruleplan.h"

namespace weir::service {

namespace {

// Interim: the planner still takes InterceptSettings (replaced by the Settings planner next).
firewall::InterceptSettings interceptSettings(const Settings& s) {
    firewall::InterceptSettings out;
    out.mode = s.mode;
    out.proxyPort = s.proxyPort;
    out.bypassMark = s.outgoingMark;
    return out;
}

core::CoreConfig coreConfig(const Settings& s) {
    core::CoreConfig c;
    c.listenPort = s.proxyPort;
    c.outgoingMark = s.outgoingMark;
    c.mode = s.mode;
    return c;
}

} // namespace

Engine::Engine(Settings settings, std::unique_ptr<firewall::FirewallBackend> backend, EngineOptions options)
    : settings_(std::move(settings))
    , backend_(std::move(backend))
    , options_(std::move(options)) {}

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
    const auto plan = firewall::planRules(interceptSettings(settings_), error);
    if (!plan)
        return false;
    // The core must accept before any packet is redirected to it, or redirected connections are refused.
    if (!core_.isRunning()) {
        if (!core_.start(coreConfig(settings_), error))
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
    const auto plan = firewall::planRules(interceptSettings(settings_), error);
    if (!plan)
        return false;
    // Rules first: if they cannot be removed, the core keeps accepting so traffic is not blackholed.
    if (!backend_->remove(*plan, error))
        return false;
    core_.stopAccepting();
    enabled_ = false;
    return true;
}

bool Engine::setSettings(const Settings& settings, std::string* error) {
    if (!enabled_) {
        settings_ = settings;
        return true;
    }
    // Interim (not yet a transaction): off with the old settings, on with the new.
    if (!disable(error))
        return false;
    const Settings old = settings_;
    settings_ = settings;
    if (enable(error))
        return true;
    settings_ = old;
    std::string ignored;
    enable(&ignored);
    return false;
}

std::string Engine::previewRules(const Settings& settings, std::string* error) const {
    const auto plan = firewall::planRules(interceptSettings(settings), error);
    if (!plan)
        return {};
    return firewall::renderIptablesSave(*plan, Family::V4);
}

Health Engine::checkHealth() {
    return health_;
}

bool Engine::removeLeftovers(std::size_t* removed, std::string* error) {
    return backend_->removeAll(error, removed);
}

std::vector<core::ConnectionRecord> Engine::connections() const {
    return core_.snapshot();
}

} // namespace weir::service
