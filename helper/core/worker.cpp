#include "core/worker.h"

#include <pthread.h>
#include <signal.h>
#include <sys/eventfd.h>

#include <algorithm>
#include <array>
#include <atomic>

#include "core/tcprelay.h"
#include "core/udprelay.h"

namespace weir::core::detail {

namespace {

constexpr int kMaxEvents = 256;
constexpr auto kAcceptPause = std::chrono::milliseconds(100); // after EMFILE/ENFILE

} // namespace

Worker::Worker(SharedRelayState& shared, ConnectionTable& shard, unsigned index)
    : ctx_(shared, shard, index) {}

Worker::~Worker() {
    stop();
}

bool Worker::open(std::chrono::milliseconds closedRetention, std::size_t maxClosedRecords,
                  std::string* error) {
    if (!ctx_.poller.open(error))
        return false;
    wakeFd_.reset(::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC));
    if (!wakeFd_.isValid()) {
        if (error)
            *error = "eventfd: " + errnoText(errno);
        return false;
    }
    wakeEndpoint_.fd = wakeFd_.get();
    wakeEndpoint_.events = 0;
    ctx_.poller.update(wakeEndpoint_, EPOLLIN);
    ctx_.table.configure(closedRetention, maxClosedRecords);
    // Opened now rather than at the first lookup, so the core's descriptor count is the same before
    // and after traffic. Without the privilege to open it, lookups fail and say why later.
    ctx_.conntrack.open(nullptr);
    tcp_ = std::make_unique<TcpRelay>(ctx_);
    udp_ = std::make_unique<UdpRelay>(ctx_);
    return true;
}

void Worker::start(ListenerSwitch first) {
    applySwitch(std::move(first)); // the thread does not exist yet
    thread_ = std::thread([this] {
        // splice() has no MSG_NOSIGNAL: a write into a socket the peer reset raises SIGPIPE, whose
        // default action ends the process. Blocked here, it stays pending for this thread alone
        // and the call fails with EPIPE, whatever the embedding program does with the signal.
        sigset_t pipe;
        sigemptyset(&pipe);
        sigaddset(&pipe, SIGPIPE);
        pthread_sigmask(SIG_BLOCK, &pipe, nullptr);
        run();
    });
}

void Worker::wake() {
    const std::uint64_t one = 1;
    [[maybe_unused]] auto n = ::write(wakeFd_.get(), &one, sizeof one);
}

void Worker::stop() {
    if (!thread_.joinable())
        return;
    stopRequested_.store(true);
    wake();
    thread_.join();
    tcp_.reset();
    udp_.reset();
    ctx_.poller.close();
    wakeFd_.reset();
}

bool Worker::postSwitch(ListenerSwitch change) {
    std::lock_guard lock(commandMutex_);
    if (exited_)
        return false; // `change` closes the new sockets
    pendingSwitch_ = std::move(change);
    switchDone_ = false;
    commandsPending_.store(true);
    wake();
    return true;
}

bool Worker::waitSwitch() {
    std::unique_lock lock(commandMutex_);
    commandCv_.wait(lock, [this] { return switchDone_ || exited_; });
    return switchDone_;
}

void Worker::ownConnectionLooped(LoopGuard::OwnFlowMatch own, std::shared_ptr<void> after) {
    {
        std::lock_guard lock(commandMutex_);
        if (exited_)
            return;
        pendingLooped_.push_back({std::move(own), std::move(after)});
        commandsPending_.store(true);
    }
    wake();
}

bool Worker::call(std::function<void()> fn) {
    std::unique_lock lock(commandMutex_);
    if (exited_)
        return false;
    pendingCalls_.push_back(std::move(fn));
    const std::uint64_t ticket = ++callsPosted_;
    commandsPending_.store(true);
    wake();
    commandCv_.wait(lock, [&] { return callsDone_ >= ticket || exited_; });
    return callsDone_ >= ticket;
}

// ---------------------------------------------------------------------------------------------
// The worker's thread

void Worker::endBatch() {
    tcp_->endBatch();
    udp_->endBatch();
}

void Worker::run() {
    std::array<epoll_event, kMaxEvents> events;
    while (!stopRequested_.load(std::memory_order_relaxed)) {
        const int n = ::epoll_wait(ctx_.poller.fd(), events.data(), kMaxEvents, nextTimeoutMs());
        if (n < 0 && errno != EINTR)
            break; // cannot happen with a valid epoll fd; stop rather than spin
        ctx_.now = Clock::now();
        for (int i = 0; i < n; ++i)
            dispatch(static_cast<Endpoint*>(events[i].data.ptr), events[i].events);
        endBatch();
        handleCommands();
        handleTimers();
        endBatch();
    }
    slots_.clear();
    {
        std::lock_guard lock(commandMutex_);
        pendingSwitch_.reset();
        pendingLooped_.clear();
        pendingCalls_.clear();
        exited_ = true;
    }
    commandCv_.notify_all();
    tcp_->closeAll("core stopped");
    udp_->closeAll("core stopped");
}

void Worker::dispatch(Endpoint* endpoint, std::uint32_t events) {
    switch (endpoint->kind) {
    case Endpoint::Kind::Wake: {
        std::uint64_t value;
        [[maybe_unused]] auto n = ::read(wakeFd_.get(), &value, sizeof value);
        return; // commands are handled after the batch
    }
    case Endpoint::Kind::TcpListener: {
        auto* slot = static_cast<ListenerSlot*>(endpoint->owner);
        if (!tcp_->acceptFrom(*slot)) {
            // Out of descriptors: the pending connection stays queued and the listener readable.
            // Stop watching it for a moment instead of spinning on the same error.
            slot->paused = true;
            ctx_.poller.update(slot->endpoint, 0);
            acceptResumeAt_ = ctx_.now + kAcceptPause;
        }
        return;
    }
    case Endpoint::Kind::UdpListener:
        udp_->receiveFrom(*static_cast<ListenerSlot*>(endpoint->owner));
        return;
    case Endpoint::Kind::TcpClient:
    case Endpoint::Kind::TcpUpstream:
        tcp_->onEvent(endpoint, events);
        return;
    case Endpoint::Kind::UdpReply:
    case Endpoint::Kind::UdpUpstream:
        udp_->onEvent(endpoint, events);
        return;
    }
}

void Worker::handleCommands() {
    if (!commandsPending_.load())
        return;
    std::optional<ListenerSwitch> change;
    std::vector<Looped> looped;
    std::vector<std::function<void()>> calls;
    {
        std::lock_guard lock(commandMutex_);
        commandsPending_.store(false);
        change.swap(pendingSwitch_);
        looped.swap(pendingLooped_);
        calls.swap(pendingCalls_);
    }
    for (const auto& l : looped)
        tcp_->ownConnectionLooped(l.own, l.after);
    looped.clear(); // releases what waited for these
    if (!calls.empty()) {
        for (auto& fn : calls)
            fn();
        {
            std::lock_guard lock(commandMutex_);
            callsDone_ += calls.size();
        }
        commandCv_.notify_all();
    }
    if (!change)
        return;
    applySwitch(std::move(*change));
    {
        std::lock_guard lock(commandMutex_);
        switchDone_ = true;
    }
    commandCv_.notify_all();
}

void Worker::applySwitch(ListenerSwitch change) {
    std::erase_if(slots_, [&change](const std::unique_ptr<ListenerSlot>& slot) {
        // Closing the socket also drops its epoll registration.
        return std::find(change.keep.begin(), change.keep.end(), slot->actual) == change.keep.end();
    });
    for (auto& slot : change.added) {
        slot->endpoint.events = 0;
        ctx_.poller.update(slot->endpoint, EPOLLIN);
        slots_.push_back(std::move(slot));
    }
    ctx_.sourceGate.setFilter(std::move(change.filter));
}

int Worker::nextTimeoutMs() {
    std::optional<Clock::time_point> next;
    earliest(next, tcp_->nextDeadline());
    earliest(next, udp_->nextDeadline());
    earliest(next, ctx_.table.nextPrune());
    earliest(next, acceptResumeAt_);
    if (!next)
        return -1;
    const auto now = Clock::now();
    if (*next <= now)
        return 0;
    // Round up, so we do not wake a fraction of a millisecond early and spin with timeout 0.
    const auto ms = std::chrono::ceil<std::chrono::milliseconds>(*next - now).count();
    return static_cast<int>(std::min<std::int64_t>(ms, 60'000));
}

void Worker::handleTimers() {
    const auto now = ctx_.now = Clock::now();
    tcp_->handleTimers(now);
    udp_->handleTimers(now);
    ctx_.table.prune(now);
    if (acceptResumeAt_ && *acceptResumeAt_ <= now) {
        acceptResumeAt_.reset();
        for (auto& slot : slots_) {
            if (slot->paused) {
                slot->paused = false;
                ctx_.poller.update(slot->endpoint, EPOLLIN);
            }
        }
    }
}

} // namespace weir::core::detail
