// Threads: the public methods run on the caller's thread and are serialized by controlMutex. They
// open listening sockets themselves (so errors come back synchronously): one per worker for each TCP
// listener (an SO_REUSEPORT group), one for each UDP listener (worker 0's: TPROXY UDP sessions live
// in one place). Then they hand every worker its ListenerSwitch and wait until all have applied it.
// Everything else (epoll loops, accept, relays, timers) belongs to the workers (worker.h); the
// connection table shards are what both sides read (see connectiontable.h).
#include "core/proxycore.h"

#include <sys/resource.h>

#include <algorithm>
#include <atomic>
#include <map>
#include <mutex>
#include <thread>

#include "core/tcprelay.h"
#include "core/udprelay.h"
#include "core/worker.h"

namespace weir::core {

using detail::ListenerSlot;
using detail::ListenerSwitch;
using detail::Worker;

namespace {

// What the control side knows of one listener of the set.
struct ListenerInfo {
    ListenerConfig requested;
    ListenerConfig actual; // real port
    SocketAddress bound;
};

// The set a CoreConfig asks for: its listeners, or the one TCP listener of the older fields.
std::vector<ListenerConfig> listenersOf(const CoreConfig& config) {
    if (!config.listeners.empty())
        return config.listeners;
    ListenerConfig legacy;
    legacy.family = config.listenAddress.find(':') != std::string::npos ? weir::Family::V6 : weir::Family::V4;
    legacy.protocol = weir::Protocol::Tcp;
    legacy.address = config.listenAddress;
    legacy.port = config.listenPort;
    legacy.transparent = config.mode == InterceptMode::Tproxy;
    return {legacy};
}

bool sharesPort(const std::vector<ListenerInfo>& set, const ListenerConfig& l) {
    for (const auto& info : set)
        if (info.actual.protocol == l.protocol && info.actual.port == l.port)
            return true;
    return false;
}

std::vector<detail::LoopGuard::Listening> listeningOf(const std::vector<ListenerInfo>& set) {
    std::vector<detail::LoopGuard::Listening> result;
    for (const auto& info : set)
        result.push_back({info.actual.protocol, info.bound});
    return result;
}

// Every connection costs two descriptors (more while bytes sit in a pipe): allow what the hard limit
// allows. Once per process; a core started again finds it done.
void raiseDescriptorLimit() {
    static std::once_flag once;
    std::call_once(once, [] {
        rlimit limit{};
        if (::getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur < limit.rlim_max) {
            limit.rlim_cur = limit.rlim_max;
            ::setrlimit(RLIMIT_NOFILE, &limit); // failing leaves the old limit: fewer connections, no harm
        }
    });
}

void dropOldestClosed(std::vector<ConnectionRecord>* records, std::size_t keep) {
    std::size_t closed = 0;
    for (const auto& r : *records)
        closed += r.closedMs != 0;
    if (closed <= keep)
        return;
    std::size_t drop = closed - keep; // by id: the oldest first
    std::erase_if(*records, [&drop](const ConnectionRecord& r) {
        if (drop == 0 || r.closedMs == 0)
            return false;
        --drop;
        return true;
    });
}

unsigned workerCount(unsigned asked) {
    if (asked != 0)
        return asked;
    return std::max(1u, std::thread::hardware_concurrency());
}

} // namespace

struct ProxyCore::Impl {
    // --- caller side, under controlMutex ---
    mutable std::mutex controlMutex;
    std::vector<ListenerInfo> configured; // the set, in the order asked
    SourceFilter filter;
    // Between stopAccepting() and resumeAccepting(): the set is kept closed. (Not the same as
    // !accepting: an empty set accepts nothing either, but a new set given then opens at once.)
    bool stoppedAccepting = false;
    bool started = false;
    std::vector<std::unique_ptr<Worker>> workers; // fixed while started
    // The table's shards, one per worker; they outlive the workers (the last state stays visible
    // after stop(), and ids keep counting across a restart).
    std::vector<std::unique_ptr<detail::ConnectionTable>> shards;
    std::size_t maxClosedRecords = 50'000;

    // --- shared ---
    std::atomic<bool> running{false};
    std::atomic<bool> accepting{false};
    detail::SharedRelayState shared;

    // Caller side.
    bool openSet(const std::vector<ListenerConfig>& wanted, const std::vector<ListenerInfo>& open,
                 std::vector<ListenerInfo>* set, std::vector<ListenerSwitch>* changes, std::string* error);
    bool requestSwitch(std::vector<ListenerSwitch> changes, std::string* error);
    void ownLoopedElsewhere(const detail::LoopGuard::OwnFlowMatch& own, unsigned from,
                            const std::shared_ptr<void>& after);
};

// Opens every listener of `wanted` that is not in `open` (kept ones go to every change's keep, new
// ones to the added of the worker that will own them); *set gets the resulting set. Nothing is
// closed here. On failure the new sockets are closed again (they live in `changes`) and *error names
// the listener.
bool ProxyCore::Impl::openSet(const std::vector<ListenerConfig>& wanted,
                              const std::vector<ListenerInfo>& open, std::vector<ListenerInfo>* set,
                              std::vector<ListenerSwitch>* changes, std::string* error) {
    changes->clear();
    changes->resize(workers.size());
    std::vector<ListenerInfo> result;
    const std::uint32_t mark = shared.settings.outgoingMark;
    const TcpKeepalive keepalive = shared.settings.tcpKeepalive;
    for (const auto& l : wanted) {
        auto same = [&l](const ListenerInfo& info) { return info.requested == l || info.actual == l; };
        if (std::any_of(result.begin(), result.end(), same))
            continue; // listed twice
        if (auto it = std::find_if(open.begin(), open.end(), same); it != open.end()) {
            for (auto& change : *changes)
                change.keep.push_back(it->actual);
            result.push_back(*it);
            continue;
        }
        // Sharing a port with one of ours is wanted (SO_REUSEPORT); with anyone else it is an error.
        const bool probe = !sharesPort(open, l) && !sharesPort(result, l);
        auto slot = std::make_unique<ListenerSlot>();
        if (!detail::openListener(l, probe, mark, keepalive, slot.get(), error))
            return false;
        const ListenerInfo info{l, slot->actual, slot->bound};
        (*changes)[0].added.push_back(std::move(slot));
        // The other workers' sockets of a TCP listener join its group on the real port.
        for (std::size_t w = 1; l.protocol == weir::Protocol::Tcp && w < workers.size(); ++w) {
            auto more = std::make_unique<ListenerSlot>();
            if (!detail::openListener(info.actual, false, mark, keepalive, more.get(), error))
                return false;
            more->requested = l;
            (*changes)[w].added.push_back(std::move(more));
        }
        result.push_back(info);
    }
    *set = std::move(result);
    return true;
}

// Hands every worker its change and waits until all have applied it.
bool ProxyCore::Impl::requestSwitch(std::vector<ListenerSwitch> changes, std::string* error) {
    bool ok = true;
    std::vector<Worker*> posted;
    for (std::size_t w = 0; w < workers.size(); ++w) {
        if (workers[w]->postSwitch(std::move(changes[w])))
            posted.push_back(workers[w].get());
        else
            ok = false;
    }
    for (Worker* worker : posted)
        ok = worker->waitSwitch() && ok;
    if (!ok && error)
        *error = "the proxy core's relay thread has ended";
    return ok;
}

void ProxyCore::Impl::ownLoopedElsewhere(const detail::LoopGuard::OwnFlowMatch& own, unsigned from,
                                         const std::shared_ptr<void>& after) {
    for (std::size_t w = 0; w < workers.size(); ++w)
        if (w != from)
            workers[w]->ownConnectionLooped(own, after);
}

// ---------------------------------------------------------------------------------------------
// Public API

ProxyCore::ProxyCore()
    : d(std::make_unique<Impl>()) {}

ProxyCore::~ProxyCore() {
    stop();
}

bool ProxyCore::start(const CoreConfig& config, std::string* error) {
    std::lock_guard control(d->controlMutex);
    if (d->started) {
        if (error)
            *error = "the proxy core is already running";
        return false;
    }
    raiseDescriptorLimit();

    auto& s = d->shared.settings;
    s.connector.store(config.connector ? config.connector
                                       : std::make_shared<DirectConnector>(config.outgoingMark));
    s.connectTimeout = config.connectTimeout;
    s.tcpIdleTimeout = config.tcpIdleTimeout;
    s.tcpKeepalive = config.tcpKeepalive;
    s.outgoingMark = config.outgoingMark; // the listeners carry it too (openSet)
    s.udpIdleTimeout = config.udpIdleTimeout;
    s.maxUdpSessions = std::max<std::size_t>(config.maxUdpSessions, 1);
    s.originalDestinationOverride = config.originalDestinationOverride;
    s.onLocalConnection = config.onLocalConnection;
    d->shared.budget.setLimit(config.maxConnections);
    d->shared.ownLoopedElsewhere = [impl = d.get()](detail::LoopGuard::OwnFlowMatch own, unsigned from,
                                                    std::shared_ptr<void> after) {
        impl->ownLoopedElsewhere(own, from, after);
    };
    d->maxClosedRecords = config.maxClosedRecords;

    std::vector<std::unique_ptr<Worker>> workers;
    for (unsigned i = 0; i < workerCount(config.workers); ++i) {
        if (d->shards.size() <= i) {
            d->shards.push_back(std::make_unique<detail::ConnectionTable>());
            d->shards.back()->shareIds(&d->shared.nextId);
        }
        workers.push_back(std::make_unique<Worker>(d->shared, *d->shards[i], i));
        if (!workers.back()->open(config.closedRetention, config.maxClosedRecords, error))
            return false;
    }
    d->workers = std::move(workers);
    std::vector<ListenerInfo> set;
    std::vector<ListenerSwitch> changes;
    if (!d->openSet(listenersOf(config), {}, &set, &changes, error)) {
        d->workers.clear();
        return false;
    }
    d->shared.loopGuard.setListeners(listeningOf(set));
    for (std::size_t w = 0; w < d->workers.size(); ++w) {
        changes[w].filter = config.sourceFilter;
        d->workers[w]->start(std::move(changes[w]));
    }
    d->configured = std::move(set);
    d->filter = config.sourceFilter;
    d->stoppedAccepting = false;
    d->started = true;
    d->accepting.store(!d->configured.empty());
    d->running.store(true);
    return true;
}

bool ProxyCore::setListeners(const std::vector<ListenerConfig>& listeners, const SourceFilter& filter,
                             std::string* error) {
    std::lock_guard control(d->controlMutex);
    if (!d->started) {
        if (error)
            *error = "the proxy core is not running";
        return false;
    }
    const bool stopped = d->stoppedAccepting;
    std::vector<ListenerInfo> set;
    std::vector<ListenerSwitch> changes;
    if (!d->openSet(listeners, stopped ? std::vector<ListenerInfo>{} : d->configured, &set, &changes, error))
        return false;
    for (auto& change : changes) {
        if (stopped)
            change.added.clear(); // they could be opened; resumeAccepting() opens them again (real ports)
        change.filter = filter;
    }
    if (!stopped) { // while both sets are open, both count as the proxy itself
        auto both = d->configured;
        both.insert(both.end(), set.begin(), set.end());
        d->shared.loopGuard.setListeners(listeningOf(both));
    }
    if (!d->requestSwitch(std::move(changes), error))
        return false;
    d->configured = std::move(set);
    d->filter = filter;
    if (!stopped) {
        d->shared.loopGuard.setListeners(listeningOf(d->configured));
        d->accepting.store(!d->configured.empty());
    }
    return true;
}

void ProxyCore::stopAccepting() {
    std::lock_guard control(d->controlMutex);
    if (!d->started || d->stoppedAccepting)
        return;
    std::vector<ListenerSwitch> none(d->workers.size());
    for (auto& change : none)
        change.filter = d->filter;
    d->requestSwitch(std::move(none), nullptr);
    d->shared.loopGuard.setListeners({});
    d->accepting.store(false);
    d->stoppedAccepting = true;
}

bool ProxyCore::resumeAccepting(std::string* error) {
    std::lock_guard control(d->controlMutex);
    if (!d->started) {
        if (error)
            *error = "the proxy core is not running";
        return false;
    }
    if (!d->stoppedAccepting)
        return true;
    // Same addresses and ports as before, so the rules planned for them stay right.
    std::vector<ListenerConfig> again;
    for (const auto& info : d->configured)
        again.push_back(info.actual);
    std::vector<ListenerInfo> set;
    std::vector<ListenerSwitch> changes;
    if (!d->openSet(again, {}, &set, &changes, error))
        return false;
    for (auto& change : changes)
        change.filter = d->filter;
    d->shared.loopGuard.setListeners(listeningOf(set));
    if (!d->requestSwitch(std::move(changes), error))
        return false;
    for (std::size_t i = 0; i < set.size() && i < d->configured.size(); ++i)
        d->configured[i].bound = set[i].bound;
    d->stoppedAccepting = false;
    d->accepting.store(!d->configured.empty());
    return true;
}

void ProxyCore::stop() {
    std::lock_guard control(d->controlMutex);
    if (!d->started)
        return;
    // Stop them all first, so none closes a connection on another that is gone already.
    for (auto& worker : d->workers)
        worker->stop();
    d->workers.clear();
    d->shared.ownLoopedElsewhere = nullptr;
    d->started = false;
    d->accepting.store(false);
    d->running.store(false);
}

bool ProxyCore::isRunning() const {
    return d->running.load();
}

bool ProxyCore::isAccepting() const {
    return d->accepting.load();
}

SocketAddress ProxyCore::listenAddress() const {
    std::lock_guard control(d->controlMutex);
    return d->configured.empty() ? SocketAddress() : d->configured.front().bound;
}

std::vector<ListenerConfig> ProxyCore::listeners() const {
    std::lock_guard control(d->controlMutex);
    std::vector<ListenerConfig> result;
    for (const auto& info : d->configured)
        result.push_back(info.actual);
    return result;
}

void ProxyCore::setConnector(std::shared_ptr<Connector> connector) {
    std::lock_guard control(d->controlMutex);
    d->shared.settings.connector.store(
        connector ? std::move(connector)
                  : std::make_shared<DirectConnector>(d->shared.settings.outgoingMark));
}

std::shared_ptr<Connector> ProxyCore::connector() const {
    return d->shared.settings.connector.load();
}

std::vector<ConnectionRecord> ProxyCore::snapshot() const {
    return snapshot(nullptr);
}

void ProxyCore::setProcess(std::uint64_t id, ProcessOwner owner) {
    std::lock_guard control(d->controlMutex);
    for (const auto& table : d->shards)
        if (table->setProcess(id, owner))
            return;
}

namespace {

// On worker `w`'s thread: ends those of `ids` it has open (TCP with a reset, UDP by closing).
void endOnWorker(Worker& w, const std::vector<std::uint64_t>& ids, const std::string& reason,
                 std::vector<std::uint64_t>* closed) {
    for (std::uint64_t id : ids)
        if (w.tcp().resetById(id, reason) || w.udp().closeById(id, reason))
            closed->push_back(id);
}

} // namespace

std::vector<std::uint64_t> ProxyCore::closeConnections(const std::vector<std::uint64_t>& ids,
                                                       const std::string& reason) {
    std::lock_guard control(d->controlMutex);
    std::vector<std::uint64_t> closed;
    for (auto& worker : d->workers) {
        worker->call([&, w = worker.get()] { endOnWorker(*w, ids, reason, &closed); });
    }
    std::sort(closed.begin(), closed.end());
    return closed;
}

std::vector<std::uint64_t>
ProxyCore::closeConnectionsWhere(const std::function<bool(const ConnectionRecord&)>& which,
                                 const std::string& reason) {
    std::lock_guard control(d->controlMutex);
    std::vector<std::uint64_t> closed;
    for (auto& worker : d->workers) {
        worker->call([&, w = worker.get()] {
            std::vector<std::uint64_t> ids;
            for (const auto& [id, entry] : w->table().entries())
                if (entry.record.closedMs == 0 && which(entry.record))
                    ids.push_back(id);
            endOnWorker(*w, ids, reason, &closed); // closing changes the table: not while walking it
        });
    }
    std::sort(closed.begin(), closed.end());
    return closed;
}

// A table belongs to its relay thread while one runs; after stop() (records stay readable) nobody
// else touches it, so it is changed here directly.
void ProxyCore::clearHistory() {
    std::lock_guard control(d->controlMutex);
    if (d->workers.empty())
        for (auto& table : d->shards)
            table->clearClosed();
    for (auto& worker : d->workers)
        worker->call([w = worker.get()] { w->table().clearClosed(); });
}

void ProxyCore::setHistoryLimit(std::size_t n) {
    std::lock_guard control(d->controlMutex);
    d->maxClosedRecords = n;
    if (d->workers.empty())
        for (auto& table : d->shards)
            table->setMaxClosedRecords(n);
    for (auto& worker : d->workers)
        worker->call([w = worker.get(), n] { w->table().setMaxClosedRecords(n); });
}

// As snapshot() counts them: every open record, and the newest maxClosedRecords closed ones.
ProxyCore::ConnectionCounts ProxyCore::connectionCounts() const {
    std::lock_guard control(d->controlMutex);
    std::size_t open = 0;
    std::size_t closed = 0;
    for (const auto& table : d->shards) {
        const auto counts = table->counts();
        open += counts.open;
        closed += counts.closed;
    }
    return {open + std::min(closed, d->maxClosedRecords), open};
}

// Each shard is consistent in itself and ordered by id; the merge keeps that order. The generation
// is the sum of the shards' (each only grows), so it changes whenever any shard's does. Each shard
// keeps maxClosedRecords closed ones; the merge shows the newest maxClosedRecords of all.
std::vector<ConnectionRecord> ProxyCore::snapshot(std::uint64_t* generation) const {
    std::lock_guard control(d->controlMutex);
    if (d->shards.size() == 1)
        return d->shards.front()->snapshot(generation);
    // All shards at once (always in the same order), merged straight into one allocation: rows are
    // large, and copies and page faults are what a snapshot costs.
    using Iterator = std::map<std::uint64_t, detail::TableEntry>::const_iterator;
    std::vector<std::unique_lock<std::mutex>> locks;
    std::vector<std::pair<Iterator, Iterator>> ranges;
    std::uint64_t sum = 0;
    std::size_t total = 0;
    for (const auto& table : d->shards) {
        locks.push_back(table->lock());
        ranges.emplace_back(table->entries().begin(), table->entries().end());
        sum += table->generation();
        total += table->entries().size();
    }
    std::vector<ConnectionRecord> result;
    result.reserve(total);
    for (;;) {
        std::pair<Iterator, Iterator>* best = nullptr;
        for (auto& range : ranges)
            if (range.first != range.second && (!best || range.first->first < best->first->first))
                best = &range;
        if (!best)
            break;
        result.push_back(detail::ConnectionTable::recordOf(best->first->second));
        ++best->first;
    }
    locks.clear();
    dropOldestClosed(&result, d->maxClosedRecords);
    if (generation)
        *generation = sum;
    return result;
}

} // namespace weir::core
