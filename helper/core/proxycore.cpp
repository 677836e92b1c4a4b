// Threads: the public methods run on the caller's thread and are serialized by controlMutex; they
// open listening sockets themselves (so errors come back synchronously) and hand them to the relay
// thread as a ListenerSwitch, waiting until it has been applied. Everything else (epoll loop,
// accept, relays, timers) belongs to the relay thread; the connection table is the one structure
// both sides read (see connectiontable.h).
#include "core/proxycore.h"

#include <sys/eventfd.h>

#include <array>
#include <atomic>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "core/relaycontext.h"
#include "core/tcprelay.h"
#include "core/udprelay.h"

namespace weir::core {

using detail::Clock;
using detail::Endpoint;
using detail::errnoText;
using detail::ListenerSlot;
using detail::UniqueFd;

namespace {

constexpr int kMaxEvents = 256;
constexpr auto kAcceptPause = std::chrono::milliseconds(100); // after EMFILE/ENFILE

// What the control side knows of one listener of the set.
struct ListenerInfo {
    ListenerConfig requested;
    ListenerConfig actual; // real port
    SocketAddress bound;
};

// Handed from a public method to the relay thread: the listeners to keep (by actual config), the
// new ones, and the source filter. Everything open and not kept is closed.
struct ListenerSwitch {
    std::vector<ListenerConfig> keep;
    std::vector<std::unique_ptr<ListenerSlot>> added;
    SourceFilter filter;
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

} // namespace

struct ProxyCore::Impl {
    // --- caller side, under controlMutex ---
    mutable std::mutex controlMutex;
    std::vector<ListenerInfo> configured; // the set, in the order asked
    SourceFilter filter;
    // Between stopAccepting() and resumeAccepting(): the set is kept closed. (Not the same as
    // !accepting: an empty set accepts nothing either, but a new set given then opens at once.)
    bool stoppedAccepting = false;
    std::thread thread;

    // --- shared ---
    std::atomic<bool> running{false};
    std::atomic<bool> accepting{false};
    std::atomic<bool> stopRequested{false};
    std::mutex commandMutex; // guards pendingSwitch and switchDone
    std::condition_variable commandCv;
    std::optional<ListenerSwitch> pendingSwitch;
    bool switchDone = true;
    bool relayExited = false; // the loop ended (stop, or an epoll failure): nobody applies switches

    // --- set up before the thread starts, then the relay thread's ---
    detail::RelayContext ctx;
    UniqueFd wakeFd;
    Endpoint wakeEndpoint{Endpoint::Kind::Wake};
    std::unique_ptr<detail::TcpRelay> tcp;
    std::unique_ptr<detail::UdpRelay> udp;
    std::vector<std::unique_ptr<ListenerSlot>> slots;
    std::optional<Clock::time_point> acceptResumeAt;

    void wake();
    void run();
    void dispatch(Endpoint* endpoint, std::uint32_t events);
    int nextTimeoutMs();
    void handleTimers();
    void handleCommands();
    void applySwitch(ListenerSwitch change);
    void endBatch();

    // Caller side.
    bool openSet(const std::vector<ListenerConfig>& wanted, const std::vector<ListenerInfo>& open,
                 std::vector<ListenerInfo>* set, ListenerSwitch* change, std::string* error);
    bool requestSwitch(ListenerSwitch change, std::string* error);
};

// ---------------------------------------------------------------------------------------------
// Relay thread

void ProxyCore::Impl::wake() {
    const std::uint64_t one = 1;
    [[maybe_unused]] auto n = ::write(wakeFd.get(), &one, sizeof one);
}

void ProxyCore::Impl::endBatch() {
    tcp->endBatch();
    udp->endBatch();
}

void ProxyCore::Impl::run() {
    std::array<epoll_event, kMaxEvents> events;
    while (!stopRequested.load()) {
        const int n = ::epoll_wait(ctx.poller.fd(), events.data(), kMaxEvents, nextTimeoutMs());
        if (n < 0 && errno != EINTR)
            break; // cannot happen with a valid epoll fd; stop rather than spin
        ctx.now = Clock::now();
        for (int i = 0; i < n; ++i)
            dispatch(static_cast<Endpoint*>(events[i].data.ptr), events[i].events);
        endBatch();
        handleCommands();
        handleTimers();
        endBatch();
    }
    slots.clear();
    accepting.store(false);
    {
        std::lock_guard lock(commandMutex);
        pendingSwitch.reset();
        relayExited = true;
    }
    commandCv.notify_all();
    tcp->closeAll("core stopped");
    udp->closeAll("core stopped");
}

void ProxyCore::Impl::dispatch(Endpoint* endpoint, std::uint32_t events) {
    switch (endpoint->kind) {
    case Endpoint::Kind::Wake: {
        std::uint64_t value;
        [[maybe_unused]] auto n = ::read(wakeFd.get(), &value, sizeof value);
        return; // commands are handled after the batch
    }
    case Endpoint::Kind::TcpListener: {
        auto* slot = static_cast<ListenerSlot*>(endpoint->owner);
        if (!tcp->acceptFrom(*slot)) {
            // Out of descriptors: the pending connection stays queued and the listener readable.
            // Stop watching it for a moment instead of spinning on the same error.
            slot->paused = true;
            ctx.poller.update(slot->endpoint, 0);
            acceptResumeAt = Clock::now() + kAcceptPause;
        }
        return;
    }
    case Endpoint::Kind::UdpListener:
        udp->receiveFrom(*static_cast<ListenerSlot*>(endpoint->owner));
        return;
    case Endpoint::Kind::TcpClient:
    case Endpoint::Kind::TcpUpstream:
        tcp->onEvent(endpoint, events);
        return;
    case Endpoint::Kind::UdpReply:
    case Endpoint::Kind::UdpUpstream:
        udp->onEvent(endpoint, events);
        return;
    }
}

void ProxyCore::Impl::handleCommands() {
    std::optional<ListenerSwitch> change;
    {
        std::lock_guard lock(commandMutex);
        change.swap(pendingSwitch);
    }
    if (!change)
        return;
    applySwitch(std::move(*change));
    {
        std::lock_guard lock(commandMutex);
        switchDone = true;
    }
    commandCv.notify_all();
}

void ProxyCore::Impl::applySwitch(ListenerSwitch change) {
    std::erase_if(slots, [&change](const std::unique_ptr<ListenerSlot>& slot) {
        // Closing the socket also drops its epoll registration.
        return std::find(change.keep.begin(), change.keep.end(), slot->actual) == change.keep.end();
    });
    for (auto& slot : change.added) {
        slot->endpoint.events = 0;
        ctx.poller.update(slot->endpoint, EPOLLIN);
        slots.push_back(std::move(slot));
    }
    std::vector<detail::LoopGuard::Listening> listening;
    for (const auto& slot : slots)
        listening.push_back({slot->actual.protocol, slot->bound});
    ctx.loopGuard.setListeners(std::move(listening));
    ctx.sourceGate.setFilter(std::move(change.filter));
    accepting.store(!slots.empty());
}

int ProxyCore::Impl::nextTimeoutMs() {
    std::optional<Clock::time_point> next;
    detail::earliest(next, tcp->nextDeadline());
    detail::earliest(next, udp->nextDeadline());
    detail::earliest(next, ctx.table.nextPrune());
    detail::earliest(next, acceptResumeAt);
    if (!next)
        return -1;
    const auto now = Clock::now();
    if (*next <= now)
        return 0;
    // Round up, so we do not wake a fraction of a millisecond early and spin with timeout 0.
    const auto ms = std::chrono::ceil<std::chrono::milliseconds>(*next - now).count();
    return static_cast<int>(std::min<std::int64_t>(ms, 60'000));
}

void ProxyCore::Impl::handleTimers() {
    const auto now = ctx.now = Clock::now();
    tcp->handleTimers(now);
    udp->handleTimers(now);
    ctx.table.prune(now);
    if (acceptResumeAt && *acceptResumeAt <= now) {
        acceptResumeAt.reset();
        for (auto& slot : slots) {
            if (slot->paused) {
                slot->paused = false;
                ctx.poller.update(slot->endpoint, EPOLLIN);
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Caller side

// Opens every listener of `wanted` that is not in `open` (kept ones go to change->keep, new ones to
// change->added); *set gets the resulting set. Nothing is closed here. On failure the new sockets
// are closed again (they live in `change`) and *error names the listener.
bool ProxyCore::Impl::openSet(const std::vector<ListenerConfig>& wanted,
                              const std::vector<ListenerInfo>& open, std::vector<ListenerInfo>* set,
                              ListenerSwitch* change, std::string* error) {
    std::vector<ListenerInfo> result;
    for (const auto& l : wanted) {
        auto same = [&l](const ListenerInfo& info) { return info.requested == l || info.actual == l; };
        if (std::any_of(result.begin(), result.end(), same))
            continue; // listed twice
        if (auto it = std::find_if(open.begin(), open.end(), same); it != open.end()) {
            change->keep.push_back(it->actual);
            result.push_back(*it);
            continue;
        }
        // Sharing a port with one of ours is wanted (SO_REUSEPORT); with anyone else it is an error.
        const bool probe = !sharesPort(open, l) && !sharesPort(result, l);
        auto slot = std::make_unique<ListenerSlot>();
        std::string reason;
        if (!detail::openListener(l, probe, ctx.settings.outgoingMark, slot.get(), &reason)) {
            if (error)
                *error = reason;
            return false;
        }
        result.push_back({l, slot->actual, slot->bound});
        change->added.push_back(std::move(slot));
    }
    *set = std::move(result);
    return true;
}

// Hands `change` to the relay thread and waits until it has been applied.
bool ProxyCore::Impl::requestSwitch(ListenerSwitch change, std::string* error) {
    std::unique_lock lock(commandMutex);
    if (relayExited) {
        if (error)
            *error = "the proxy core's relay thread has ended";
        return false; // `change` closes the new sockets
    }
    pendingSwitch = std::move(change);
    switchDone = false;
    wake();
    commandCv.wait(lock, [this] { return switchDone || relayExited; });
    return switchDone;
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
    auto fail = [error](std::string text) {
        if (error)
            *error = std::move(text);
        return false;
    };
    if (d->thread.joinable())
        return fail("the proxy core is already running");

    std::vector<ListenerInfo> set;
    ListenerSwitch change;
    d->ctx.settings.outgoingMark = config.outgoingMark; // the listeners carry it too (openSet)
    if (!d->openSet(listenersOf(config), {}, &set, &change, error))
        return false;
    if (!d->ctx.poller.open(error))
        return false;
    UniqueFd wakeFd(::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC));
    if (!wakeFd.isValid())
        return fail("eventfd: " + errnoText(errno));

    auto& s = d->ctx.settings;
    s.connector.store(config.connector ? config.connector
                                       : std::make_shared<DirectConnector>(config.outgoingMark));
    s.connectTimeout = config.connectTimeout;
    s.tcpIdleTimeout = config.tcpIdleTimeout;
    s.outgoingMark = config.outgoingMark;
    s.udpIdleTimeout = config.udpIdleTimeout;
    s.maxUdpSessions = std::max<std::size_t>(config.maxUdpSessions, 1);
    s.originalDestinationOverride = config.originalDestinationOverride;
    d->ctx.table.configure(config.closedRetention, config.maxClosedRecords);
    d->tcp = std::make_unique<detail::TcpRelay>(d->ctx);
    d->udp = std::make_unique<detail::UdpRelay>(d->ctx);
    d->wakeFd = std::move(wakeFd);
    d->wakeEndpoint.fd = d->wakeFd.get();
    d->wakeEndpoint.events = 0;
    d->ctx.poller.update(d->wakeEndpoint, EPOLLIN);
    d->configured = set;
    d->filter = config.sourceFilter;
    d->stoppedAccepting = false;
    change.filter = config.sourceFilter;
    d->applySwitch(std::move(change)); // the thread does not exist yet
    d->acceptResumeAt.reset();
    d->relayExited = false; // no thread yet, so no lock needed
    d->stopRequested.store(false);
    d->running.store(true);
    d->thread = std::thread([this] { d->run(); });
    return true;
}

bool ProxyCore::setListeners(const std::vector<ListenerConfig>& listeners, const SourceFilter& filter,
                             std::string* error) {
    std::lock_guard control(d->controlMutex);
    if (!d->thread.joinable()) {
        if (error)
            *error = "the proxy core is not running";
        return false;
    }
    const bool stopped = d->stoppedAccepting;
    std::vector<ListenerInfo> set;
    ListenerSwitch change;
    if (!d->openSet(listeners, stopped ? std::vector<ListenerInfo>{} : d->configured, &set, &change, error))
        return false;
    if (stopped)
        change.added.clear(); // they could be opened; resumeAccepting() opens them again (real ports)
    change.filter = filter;
    if (!d->requestSwitch(std::move(change), error))
        return false;
    d->configured = std::move(set);
    d->filter = filter;
    return true;
}

void ProxyCore::stopAccepting() {
    std::lock_guard control(d->controlMutex);
    if (!d->thread.joinable() || d->stoppedAccepting)
        return;
    ListenerSwitch none;
    none.filter = d->filter;
    d->requestSwitch(std::move(none), nullptr);
    d->stoppedAccepting = true;
}

bool ProxyCore::resumeAccepting(std::string* error) {
    std::lock_guard control(d->controlMutex);
    if (!d->thread.joinable()) {
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
    ListenerSwitch change;
    if (!d->openSet(again, {}, &set, &change, error))
        return false;
    change.filter = d->filter;
    if (!d->requestSwitch(std::move(change), error))
        return false;
    for (std::size_t i = 0; i < set.size() && i < d->configured.size(); ++i)
        d->configured[i].bound = set[i].bound;
    d->stoppedAccepting = false;
    return true;
}

void ProxyCore::stop() {
    std::lock_guard control(d->controlMutex);
    if (!d->thread.joinable())
        return;
    d->stopRequested.store(true);
    d->wake();
    d->thread.join();
    d->tcp.reset();
    d->udp.reset();
    d->ctx.poller.close();
    d->wakeFd.reset();
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
    d->ctx.settings.connector.store(
        connector ? std::move(connector) : std::make_shared<DirectConnector>(d->ctx.settings.outgoingMark));
}

std::shared_ptr<Connector> ProxyCore::connector() const {
    return d->ctx.settings.connector.load();
}

std::vector<ConnectionRecord> ProxyCore::snapshot() const {
    return d->ctx.table.snapshot();
}

std::vector<ConnectionRecord> ProxyCore::snapshot(std::uint64_t* generation) const {
    return d->ctx.table.snapshot(generation);
}

} // namespace weir::core
