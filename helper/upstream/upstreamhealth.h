// Whether an upstream proxy works, from how the connections through it ended their setup.
// Consecutive failures mark it failing; while failing, new connections fail fast ("upstream down:
// <reason>") so clients get a reset at once instead of waiting for a dead proxy, except one probe
// connection at a time, at most one a second, whose success clears the state. Thread-safe: every relay thread
// reports.
#pragma once

#include <chrono>
#include <mutex>
#include <optional>
#include <string>

#include "core/connector.h"

namespace weir::upstream {

class HealthTracker {
public:
    using Clock = std::chrono::steady_clock;
    static constexpr int kFailuresToFail = 2;
    static constexpr std::chrono::milliseconds kProbeInterval{1000};
    static constexpr std::chrono::seconds kProbeLost{60};

    explicit HealthTracker(std::string describe)
        : describe_(std::move(describe)) {}

    // Before opening a connection: nullopt to go ahead (normal, or this is the probe), else the
    // error to fail the connection with at once.
    std::optional<std::string> admit(Clock::time_point now = Clock::now());
    // A connection's setup ended. A refusal the proxy itself sent ("upstream refused: host
    // unreachable", "upstream refused: HTTP 502 ...") means the proxy works: it counts as ok.
    void report(bool ok, const std::string& reason);
    core::UpstreamHealth health() const;

    static bool proxyAnswered(const std::string& reason);

private:
    const std::string describe_;
    mutable std::mutex mutex_;
    int consecutiveFailures_ = 0;
    bool failing_ = false;
    std::string lastReason_;
    bool probeInFlight_ = false;
    Clock::time_point lastProbe_{}; // when the last probe started, or the last failure ended
};

} // namespace weir::upstream
