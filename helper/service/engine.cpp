// Engine transactions: enable, disable, a settings change while enabled, drift checks. The single
// steps (record, routes, sysctls, listeners, crash cleanup) are in enginesteps.cpp.
#include "service/engine.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <ctime>

#include <sys/socket.h>

#include "service/sysctl.h"
#include "upstream/connectorfactory.h"

namespace weir::service {

namespace {

std::string defaultRuntimeDir() {
    const char* env = std::getenv("WEIR_RUNTIME_DIR");
    return env && *env ? env : "/run/weir";
}

void runUndo(std::vector<std::function<void()>>* undo) {
    for (auto it = undo->rbegin(); it != undo->rend(); ++it)
        (*it)();
    undo->clear();
}

std::string nowUtc() {
    const std::time_t t = std::time(nullptr);
    std::tm tm{};
    gmtime_r(&t, &tm);
    char text[32];
    std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return text;
}

// The entries of a whose path b does not hold.
std::vector<SysctlRecord> onlyPaths(const std::vector<SysctlRecord>& a, const std::vector<SysctlRecord>& b) {
    std::vector<SysctlRecord> out;
    for (const auto& s : a)
        if (std::none_of(b.begin(), b.end(), [&](const auto& n) { return n.path == s.path; }))
            out.push_back(s);
    return out;
}

} // namespace

Engine::Engine(Settings settings, std::unique_ptr<firewall::FirewallBackend> backend, EngineOptions options)
    : settings_(std::move(settings))
    , backend_(std::move(backend))
    , options_(std::move(options)) {
    if (options_.runtimeDir.empty())
        options_.runtimeDir = defaultRuntimeDir();
    if (!options_.routes)
        options_.routes = netlinkRouteOps();
    recordPath_ = recordPathForThisNetns(options_.runtimeDir);
    processes_ = std::make_unique<procinfo::ProcessResolver>([this](procinfo::ProcessResolver::Result r) {
        if (!r.process)
            return; // the connection shows no program (gone already, or not visible)
        core::ProcessOwner owner;
        owner.pid = static_cast<std::uint32_t>(r.process->pid);
        owner.name = r.process->name;
        owner.exe = r.process->exe;
        owner.uid = static_cast<std::uint32_t>(r.process->uid);
        owner.user = r.process->user;
        core_.setProcess(r.tag, std::move(owner));
    });
}

Engine::~Engine() {
    std::string ignored;
    disable(&ignored);
    core_.stop(); // no relay thread asks the resolver any more; then the resolver's thread ends
    processes_.reset();
}

std::string Engine::backendName() const {
    return backend_->name();
}

std::vector<core::ConnectionRecord> Engine::connections() const {
    auto records = core_.snapshot();
    for (auto& r : records)
        if (!r.process) // a program of this machine is no LAN client
            r.interface = interfaces_.interfaceOf(r.source);
    return records;
}

std::vector<std::uint64_t> Engine::closeConnections(const std::vector<std::uint64_t>& ids) {
    return core_.closeConnections(ids, "closed by user");
}

void Engine::closeUncarried(const plan::InstallPlan& from, const plan::InstallPlan* to,
                            const std::string& reason) {
    core_.closeConnectionsWhere(
        [&](const core::ConnectionRecord& r) {
            return !plan::stillCarries(from, to, r.mode,
                                       r.source.family() == AF_INET6 ? Family::V6 : Family::V4);
        },
        reason);
}

void Engine::dropDivertedSockets(const plan::InstallPlan& from, const plan::InstallPlan* to) {
    for (const Family family : {Family::V4, Family::V6}) {
        if (!plan::divertsToTproxy(from.rules, family) || plan::stillCarries(from, to, Mode::Tproxy, family))
            continue;
        std::size_t dropped = 0;
        std::string error;
        if (!options_.routes->dropDivertedSockets(family, &dropped, &error))
            std::fprintf(stderr, "weir-helper: %s\n", error.c_str()); // best effort: the change stands
    }
}

void Engine::clearHistory() {
    core_.clearHistory();
}

std::shared_ptr<core::Connector> Engine::makeConnectorFor(const Settings& settings, std::string* error) {
    upstream::ConnectorOptions options;
    options.outgoingMark = settings.outgoingMark;
    options.udpWithoutUpstream = settings.udpWithoutUpstream;
    std::string why;
    auto connector = upstream::makeConnector(settings.upstream, options, &why);
    if (!connector) // name the upstream unless the factory did
        *error = why.starts_with("upstream ") ? why : "upstream " + settings.upstream.describe() + ": " + why;
    return connector;
}

bool Engine::sameConnector(const Settings& a, const Settings& b) {
    return a.upstream == b.upstream && a.outgoingMark == b.outgoingMark &&
           a.connectTimeoutSeconds == b.connectTimeoutSeconds && a.udpWithoutUpstream == b.udpWithoutUpstream;
}

core::UpstreamHealth Engine::upstreamHealth() const {
    if (!enabled_ || !core_.isRunning())
        return {};
    const auto connector = core_.connector();
    return connector ? connector->health() : core::UpstreamHealth{};
}

std::string Engine::previewRules(const Settings& settings, std::string* error) const {
    const auto plan = plan::makePlan(settings, error);
    return plan ? plan::renderPreview(*plan) : std::string();
}

// Order: listeners (so nothing is ever sent to a port nobody listens on), record (so a crash from
// here on is cleaned up), rules, routes, sysctls. Each step pushes its undo; a failure runs them
// backwards, leaving the core not accepting and no record.
bool Engine::enable(std::string* error) {
    if (enabled_)
        return true;
    if (!connector_ && !(connector_ = makeConnectorFor(settings_, error)))
        return false;
    auto plan = plan::makePlan(settings_, error);
    std::vector<SysctlRecord> sysctls;
    if (!plan || !readPrevious(plan->sysctls, &sysctls, error))
        return false;
    Undo undo;
    std::string ignored;
    undo.push_back([this] { stopListening(); });
    if (!applyListeners(*plan, plan->listeners, plan->sourceFilter, error))
        return runUndo(&undo), false;
    undo.push_back([this, &ignored] { removeFile(recordPath_, &ignored); });
    if (!writeRecord({plan->rules, plan->routes, sysctls}, error))
        return runUndo(&undo), false;
    if (!backend_->apply(plan->rules, error))
        return runUndo(&undo), false; // apply() left nothing of the plan installed
    undo.push_back([this, &plan, &ignored] { backend_->remove(plan->rules, &ignored); });
    undo.push_back([this, &plan, &ignored] { removeRoutes(plan->routes, &ignored); });
    if (!addRoutes(plan->routes, error))
        return runUndo(&undo), false;
    undo.push_back([this, &sysctls, &ignored] { restoreSysctls(sysctls, &ignored); });
    if (!writeSysctls(sysctls, error))
        return runUndo(&undo), false;
    installed_ = std::move(plan);
    sysctlState_ = std::move(sysctls);
    enabled_ = true;
    health_ = {};
    return true;
}

bool Engine::disable(std::string* error) {
    if (!enabled_)
        return true;
    // The resets go out while the rules still translate them (REDIRECT), so clients learn at once and
    // connect again, directly; the second pass below takes what was accepted meanwhile.
    closeUncarried(*installed_, nullptr, "interception turned off");
    // Rules first: if they cannot be removed, the core keeps accepting so traffic is not blackholed.
    const InstallRecord all = withRemains({installed_->rules, installed_->routes, sysctlState_});
    if (!backend_->remove(all.rules, error))
        return false;
    std::string routeError, sysctlError;
    const bool routesOk = removeRoutes(all.routes, &routeError);
    const bool sysctlsOk = restoreSysctls(all.sysctls, &sysctlError);
    stopListening();
    closeUncarried(*installed_, nullptr, "interception turned off");
    dropDivertedSockets(*installed_, nullptr);
    enabled_ = false;
    installed_.reset();
    sysctlState_.clear();
    remains_ = {};
    health_ = {};
    if (!routesOk || !sysctlsOk) {
        // The record stays, so removeLeftovers() tries again later.
        *error = routesOk ? sysctlError : routeError;
        return false;
    }
    return removeFile(recordPath_, error);
}

bool Engine::setSettings(const Settings& settings, std::string* error,
                         std::shared_ptr<core::Connector> connector) {
    if (!connector && sameConnector(settings, settings_))
        connector = connector_;
    if (!enabled_) {
        // Not made yet when the way changed: enable() makes it (and resolves the host) when needed.
        settings_ = settings;
        core_.setHistoryLimit(settings.historyLimit); // the core may run on, not accepting
        connector_ = std::move(connector);
        return true;
    }
    if (!connector && !(connector = makeConnectorFor(settings, error)))
        return false;
    auto next = plan::makePlan(settings, error);
    std::vector<SysctlRecord> nextSys;
    if (!next || !readPrevious(next->sysctls, &nextSys, error))
        return false;
    const plan::InstallPlan previous = *installed_;
    const auto previousConnector = connector_;
    closeUncarried(previous, &*next, "interception settings changed"); // see disable()
    connector_ = std::move(connector); // applyListeners() hands it to the core
    if (!switchTo(previous, *next, nextSys, error)) {
        connector_ = previousConnector;
        restore(previous, *next, nextSys, error);
        return false;
    }
    closeUncarried(previous, &*next, "interception settings changed");
    dropDivertedSockets(previous, &*next);
    settings_ = settings;
    core_.setHistoryLimit(settings.historyLimit); // no rule depends on it: applies at once
    installed_ = std::move(next);
    sysctlState_ = std::move(nextSys);
    health_ = {};
    return true;
}

// Both plans are live from the union listeners to the final setListeners, and the record covers
// both, so neither a failure nor a crash in between can leave anything unaccounted for.
bool Engine::switchTo(const plan::InstallPlan& from, const plan::InstallPlan& to,
                      const std::vector<SysctlRecord>& toSys, std::string* error) {
    const InstallRecord both =
        withRemains({plan::unionRules(from.rules, to.rules), plan::unionOf(from.routes, to.routes),
                     plan::unionOf(sysctlState_, onlyPaths(toSys, sysctlState_))});
    return applyListeners(to, plan::unionOf(from.listeners, to.listeners),
                          plan::unionFilter(from.sourceFilter, to.sourceFilter), error) &&
           writeRecord(both, error) && backend_->apply(to.rules, error) &&
           // apply() replaced Weir's rules only in the tables of the new plan (REDIRECT -> TPROXY:
           // the mangle tables); the old plan's other tables (nat) still hold its rules.
           backend_->remove(plan::rulesOutsideTables(from.rules, to.rules), error) &&
           addRoutes(to.routes, error) && removeRoutes(plan::minus(from.routes, to.routes), error) &&
           restoreSysctls(onlyPaths(sysctlState_, toSys), error) && writeSysctls(toSys, error) &&
           applyListeners(to, to.listeners, to.sourceFilter, error) &&
           (dropRemains(to, toSys), writeRecord(withRemains({to.rules, to.routes, toSys}), error));
}

// Puts the old plan back whatever step failed: every call is idempotent, so re-doing the steps that
// had not been undone costs nothing. The old listeners open first (next to the new ones), so the old
// rules never point at a closed port. *error keeps the original reason first. If the kernel refuses
// even this, whatever may remain of the failed plan is kept in remains_ (and in the record), so that
// disable() and a crash cleanup still remove it.
void Engine::restore(const plan::InstallPlan& from, const plan::InstallPlan& failed,
                     const std::vector<SysctlRecord>& failedSys, std::string* error) {
    std::string e;
    // Best effort: when it fails, setListeners() left the previous set open, which is as good.
    applyListeners(from, plan::unionOf(from.listeners, failed.listeners),
                   plan::unionFilter(from.sourceFilter, failed.sourceFilter), &e);
    bool ok = backend_->apply(from.rules, &e) &&
              backend_->remove(plan::rulesOutsideTables(failed.rules, from.rules), &e);
    ok = removeRoutes(plan::minus(failed.routes, from.routes), &e) && addRoutes(from.routes, &e) && ok;
    ok = restoreSysctls(onlyPaths(failedSys, sysctlState_), &e) && writeSysctls(sysctlState_, &e) && ok;
    ok = applyListeners(from, from.listeners, from.sourceFilter, &e) && ok;
    if (!ok) {
        remains_ = {plan::unionRules(remains_.rules, failed.rules),
                    plan::unionOf(remains_.routes, failed.routes),
                    plan::unionOf(remains_.sysctls, onlyPaths(failedSys, sysctlState_))};
        *error += "; restoring the previous settings failed too: " + e;
    }
    writeRecord(withRemains({from.rules, from.routes, sysctlState_}), &e);
}

// What may be installed: `record` plus what a failed restore left.
InstallRecord Engine::withRemains(const InstallRecord& record) const {
    return {plan::unionRules(record.rules, remains_.rules), plan::unionOf(record.routes, remains_.routes),
            plan::unionOf(record.sysctls, onlyPaths(remains_.sysctls, record.sysctls))};
}

// After a successful change: the remains outside the new plan's tables go (apply() replaced the rest).
void Engine::dropRemains(const plan::InstallPlan& now, const std::vector<SysctlRecord>& nowSys) {
    std::string e;
    if (backend_->remove(plan::rulesOutsideTables(remains_.rules, now.rules), &e) &&
        removeRoutes(plan::minus(remains_.routes, now.routes), &e) &&
        restoreSysctls(onlyPaths(remains_.sysctls, nowSys), &e))
        remains_ = {};
}

Health Engine::checkHealth() {
    if (!enabled_) {
        health_ = {};
        return health_;
    }
    const std::string drift = findDrift();
    if (drift.empty()) {
        health_ = {};
        return health_;
    }
    std::string error;
    if (settings_.reapplyOnDrift) {
        if (reapply(&error) && findDrift().empty()) {
            lastReapply_ = nowUtc() + ": " + drift;
            health_ = {};
            return health_;
        }
        health_ = {false, drift + (error.empty() ? "" : "; re-applying failed: " + error)};
        return health_;
    }
    health_ = {false, drift};
    return health_;
}

// The first difference found: remains of a failed change, rules (backend verify), routes, sysctls.
std::string Engine::findDrift() {
    std::string problem;
    if (!remains_.rules.rules.empty() || !remains_.routes.empty() || !remains_.sysctls.empty()) {
        dropRemains(*installed_, sysctlState_); // try again: the kernel may take it now
        if (!remains_.rules.rules.empty() || !remains_.routes.empty() || !remains_.sysctls.empty())
            return "parts of a failed settings change could not be removed yet";
        writeRecord({installed_->rules, installed_->routes, sysctlState_}, &problem);
    }
    if (!backend_->verify(installed_->rules, &problem))
        return problem;
    for (const auto& r : installed_->routes)
        if (!options_.routes->check(r, &problem))
            return problem;
    for (const auto& s : sysctlState_) {
        const auto value = sysctl::read(options_.sysctlRoot, s.path, &problem);
        if (!value)
            return problem;
        if (*value != s.value)
            return s.path + " is " + *value + ", expected " + s.value;
    }
    return {};
}

bool Engine::reapply(std::string* error) {
    return backend_->apply(installed_->rules, error) && addRoutes(installed_->routes, error) &&
           writeSysctls(sysctlState_, error);
}

bool Engine::removeLeftovers(std::size_t* removed, std::string* error) {
    if (enabled_) { // never remove what this engine has installed and is using
        *error = "interception is enabled";
        return false;
    }
    return cleanupAfterCrash(options_, *backend_, removed, error);
}

} // namespace weir::service
