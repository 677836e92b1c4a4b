// One relay thread: its own epoll set, TcpRelay (and UdpRelay, which only worker 0 feeds), its own
// listening sockets (one per TCP listener of the set, all workers' sockets in one SO_REUSEPORT group,
// so the kernel spreads new connections over the workers) and its own shard of the connection table.
// Threads: the control methods (postSwitch, waitSwitch, ownConnectionLooped, stop) are called by
// ProxyCore on the caller's thread; everything else runs on the worker's thread.
#pragma once

#include <atomic>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "core/listener.h"
#include "core/relaycontext.h"

namespace weir::core::detail {

class TcpRelay;
class UdpRelay;

// Handed from ProxyCore to a worker: the listeners to keep (by actual config), the new ones, and the
// source filter. Everything open and not kept is closed.
struct ListenerSwitch {
    std::vector<ListenerConfig> keep;
    std::vector<std::unique_ptr<ListenerSlot>> added;
    SourceFilter filter;
};

class Worker {
public:
    Worker(SharedRelayState& shared, ConnectionTable& shard, unsigned index);
    ~Worker(); // stops
    Worker(const Worker&) = delete;
    Worker& operator=(const Worker&) = delete;

    // Before start(): the epoll set and the wake-up eventfd.
    bool open(std::chrono::milliseconds closedRetention, std::size_t maxClosedRecords, std::string* error);
    void start(ListenerSwitch first);

    // Hands `change` to the thread; waitSwitch() returns once it has been applied (false when the
    // thread has ended and nothing applies it). Two steps, so ProxyCore switches all workers at once.
    bool postSwitch(ListenerSwitch change);
    bool waitSwitch();
    // TcpRelay::ownConnectionLooped(own, after) if this worker has connection `own.id` (which keeps
    // `after` as long as it needs it); otherwise drops `after`. Asynchronous, any thread.
    void ownConnectionLooped(LoopGuard::OwnFlowMatch own, std::shared_ptr<void> after);
    // Runs `fn` on the worker's thread, between two epoll batches, and returns once it ran; false
    // (not run) when the thread has ended. Not from the worker's own thread.
    bool call(std::function<void()> fn);
    // Relay-thread side of the commands ProxyCore sends with call().
    TcpRelay& tcp() { return *tcp_; }
    UdpRelay& udp() { return *udp_; }
    ConnectionTable& table() { return ctx_.table; }
    // Closes the listeners and every connection ("core stopped") and joins the thread.
    void stop();

private:
    struct Looped {
        LoopGuard::OwnFlowMatch own;
        std::shared_ptr<void> after;
    };

    void wake();
    void run();
    void dispatch(Endpoint* endpoint, std::uint32_t events);
    int nextTimeoutMs();
    void handleTimers();
    void handleCommands();
    void applySwitch(ListenerSwitch change);
    void endBatch();

    RelayContext ctx_;
    UniqueFd wakeFd_;
    Endpoint wakeEndpoint_{Endpoint::Kind::Wake};
    std::unique_ptr<TcpRelay> tcp_;
    std::unique_ptr<UdpRelay> udp_;
    std::vector<std::unique_ptr<ListenerSlot>> slots_;
    std::optional<Clock::time_point> acceptResumeAt_; // after EMFILE/ENFILE, per worker
    std::thread thread_;

    std::atomic<bool> stopRequested_{false};
    std::atomic<bool> commandsPending_{false}; // so a batch without commands takes no lock
    std::mutex commandMutex_;                  // guards the fields below
    std::condition_variable commandCv_;
    std::optional<ListenerSwitch> pendingSwitch_;
    bool switchDone_ = true;
    bool exited_ = false; // the loop ended (stop, or an epoll failure): nobody applies switches
    std::vector<Looped> pendingLooped_;
    std::vector<std::function<void()>> pendingCalls_;
    std::uint64_t callsPosted_ = 0;
    std::uint64_t callsDone_ = 0;
};

} // namespace weir::core::detail
