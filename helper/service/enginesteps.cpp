// The single steps of the engine's transactions, each idempotent so that undoing and re-doing can
// be repeated safely: the install record, policy routes, sysctls, the core's listeners, and the
// cleanup after a crash.
#include "service/engine.h"

#include <sys/stat.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>

#include "firewall/planrecord.h"
#include "service/sysctl.h"

namespace weir::service {

namespace {

void appendError(std::string* all, const std::string& one) {
    if (!all->empty())
        *all += "; ";
    *all += one;
}

std::string runtimeDirOf(const EngineOptions& o) {
    if (!o.runtimeDir.empty())
        return o.runtimeDir;
    const char* env = std::getenv("WEIR_RUNTIME_DIR");
    return env && *env ? env : "/run/weir";
}

} // namespace

// Previous values come from the installed state for paths the engine already holds (the value
// there now is Weir's own), from the kernel for the others.
bool Engine::readPrevious(const std::vector<plan::SysctlSpec>& specs, std::vector<SysctlRecord>* out,
                          std::string* error) const {
    out->clear();
    for (const auto& spec : specs) {
        const auto held = std::find_if(sysctlState_.begin(), sysctlState_.end(),
                                       [&](const SysctlRecord& s) { return s.path == spec.path; });
        if (held != sysctlState_.end()) {
            out->push_back({spec.path, spec.value, held->previous});
            continue;
        }
        const auto now = sysctl::read(options_.sysctlRoot, spec.path, error);
        if (!now)
            return false;
        out->push_back({spec.path, spec.value, *now});
    }
    return true;
}

bool Engine::writeRecord(const InstallRecord& record, std::string* error) {
    ::mkdir(options_.runtimeDir.c_str(), 0755); // usually there already (the instance lock's directory)
    return writeFileAtomically(recordPath_, serializeRecord(record), error);
}

bool Engine::addRoutes(const std::vector<plan::RouteSpec>& routes, std::string* error) {
    for (const auto& r : routes)
        if (!options_.routes->add(r, error))
            return false;
    return true;
}

// Goes on after a failure, so that as much as possible is removed; reports the first error.
bool Engine::removeRoutes(const std::vector<plan::RouteSpec>& routes, std::string* error) {
    std::string errors;
    for (const auto& r : routes) {
        std::string e;
        if (!options_.routes->remove(r, &e))
            appendError(&errors, e);
    }
    if (!errors.empty())
        *error = errors;
    return errors.empty();
}

bool Engine::writeSysctls(const std::vector<SysctlRecord>& sysctls, std::string* error) {
    for (const auto& s : sysctls)
        if (!sysctl::write(options_.sysctlRoot, s.path, s.value, error))
            return false;
    return true;
}

bool Engine::restoreSysctls(const std::vector<SysctlRecord>& sysctls, std::string* error) {
    std::string errors;
    for (const auto& s : sysctls) {
        std::string e;
        if (!sysctl::write(options_.sysctlRoot, s.path, s.previous, &e))
            appendError(&errors, e);
    }
    if (!errors.empty())
        *error = errors;
    return errors.empty();
}

// The core is started with the first listener set and keeps running while disabled (not accepting),
// so its connection table survives a disable/enable. setListeners() is all or nothing and keeps
// identical listeners open, so a settings change never drops a port that stays.
bool Engine::applyListeners(const plan::InstallPlan& plan, const std::vector<core::ListenerConfig>& listeners,
                            const core::SourceFilter& filter, std::string* error) {
    // The mark, workers, limits and timeouts are fixed when the core starts; new ones need a new core.
    const CoreShape shape = coreShape(plan.settings);
    if (core_.isRunning() && coreShape_ != shape)
        core_.stop();
    if (!core_.isRunning()) {
        core::CoreConfig config;
        config.listeners = listeners;
        config.sourceFilter = filter;
        config.outgoingMark = shape.outgoingMark;
        config.workers = shape.workers;
        config.maxConnections = shape.maxConnections;
        config.connectTimeout = shape.connectTimeout;
        config.tcpIdleTimeout = shape.tcpIdleTimeout;
        // Closed connections stay until history_limit newer ones push them out.
        config.closedRetention = std::chrono::milliseconds(0);
        config.maxClosedRecords = plan.settings.historyLimit;
        config.connector = connector_;
        config.onLocalConnection = [resolver = processes_.get()](std::uint64_t id, Protocol protocol,
                                                                 const core::SocketAddress& source,
                                                                 const core::SocketAddress& destination) {
            resolver->request(id, {protocol, source, destination}); // only queues
        };
        if (!core_.start(config, error))
            return false;
        coreShape_ = shape;
        return true;
    }
    // New connections take the new way at once; open ones keep theirs.
    if (connector_ && core_.connector() != connector_)
        core_.setConnector(connector_);
    if (!core_.setListeners(listeners, filter, error))
        return false;
    return core_.isAccepting() || core_.resumeAccepting(error);
}

Engine::CoreShape Engine::coreShape(const Settings& s) {
    return {s.outgoingMark, s.workerThreads, s.maxConnections, std::chrono::seconds(s.connectTimeoutSeconds),
            std::chrono::seconds(s.tcpIdleTimeoutSeconds)};
}

void Engine::stopListening() {
    if (core_.isRunning())
        core_.stopAccepting();
}

bool Engine::cleanupAfterCrash(const EngineOptions& options, firewall::FirewallBackend& backend,
                               std::size_t* removed, std::string* error) {
    const std::string path = recordPathForThisNetns(runtimeDirOf(options));
    const auto routes = options.routes ? options.routes : netlinkRouteOps();
    std::string errors, e;
    std::size_t count = 0;
    bool corrupt = false;
    const auto text = readWholeFile(path, &e);
    if (!e.empty())
        appendError(&errors, e);
    if (text) {
        if (const auto record = parseRecord(*text, &e)) {
            if (!backend.remove(record->rules, &e))
                appendError(&errors, e);
            for (const auto& r : record->routes)
                if (!routes->remove(r, &e))
                    appendError(&errors, e);
            for (const auto& s : record->sysctls)
                if (!sysctl::write(options.sysctlRoot, s.path, s.previous, &e))
                    appendError(&errors, e);
            // The dead helper's transparent sockets stay behind it (routing/divertedsockets.h). Best
            // effort: the rules are what matters, and the record must not stay for these.
            for (const Family family : {Family::V4, Family::V6}) {
                std::size_t dropped = 0;
                if (plan::divertsToTproxy(record->rules, family) &&
                    !routes->dropDivertedSockets(family, &dropped, &e))
                    std::fprintf(stderr, "weir-helper: %s\n", e.c_str());
            }
            count = record->rules.chains.size() + record->rules.rules.size() + record->routes.size();
        } else {
            corrupt = true;
            appendError(&errors,
                        "corrupt install record " + path + " (" + e + "); removed every Weir rule instead");
        }
    }
    std::size_t strays = 0;
    if (!backend.removeAll(&e, &strays))
        appendError(&errors, e);
    // A record whose removal failed stays for the next try; a corrupt one goes: nothing more can be
    // learnt from it, and the next run must not trip on it again.
    if (text && (errors.empty() || corrupt) && !removeFile(path, &e))
        appendError(&errors, e);
    if (removed)
        *removed = count + strays;
    if (!errors.empty() && error)
        *error = errors;
    return errors.empty();
}

} // namespace weir::service
