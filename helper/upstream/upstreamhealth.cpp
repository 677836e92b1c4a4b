#include "upstream/upstreamhealth.h"

namespace weir::upstream {

bool HealthTracker::proxyAnswered(const std::string& reason) {
    return reason.starts_with("upstream refused: ");
}

std::optional<std::string> HealthTracker::admit(Clock::time_point now) {
    std::lock_guard lock(mutex_);
    if (!failing_)
        return std::nullopt;
    // One probe at a time (a probe that never reported is given up after kProbeLost), and the
    // next one a full interval after the last one ended.
    const bool probing = probeInFlight_ && now - lastProbe_ < kProbeLost;
    if (!probing && now - lastProbe_ >= kProbeInterval) {
        probeInFlight_ = true;
        lastProbe_ = now;
        return std::nullopt;
    }
    return "upstream down: " + lastReason_;
}

void HealthTracker::report(bool ok, const std::string& reason) {
    std::lock_guard lock(mutex_);
    if (ok || proxyAnswered(reason)) {
        consecutiveFailures_ = 0;
        failing_ = false;
        probeInFlight_ = false;
        return;
    }
    // A fast failure is not news about the proxy: it did not try.
    if (reason.starts_with("upstream down: "))
        return;
    lastReason_ = reason;
    ++consecutiveFailures_;
    if (failing_ || consecutiveFailures_ >= kFailuresToFail) {
        failing_ = true;
        probeInFlight_ = false;
        lastProbe_ = Clock::now(); // the next probe waits a full interval from here
    }
}

core::UpstreamHealth HealthTracker::health() const {
    std::lock_guard lock(mutex_);
    core::UpstreamHealth h;
    h.failing = failing_;
    if (failing_)
        h.reason = describe_ + ": " + lastReason_;
    return h;
}

} // namespace weir::upstream
