#include "client/deltasequence.h"

namespace weir {

DeltaSequence::Verdict DeltaSequence::onSignal(quint64 seq) {
    if (state_ != State::Live)
        return Verdict::Ignore;
    if (seq == last_ + 1) {
        last_ = seq;
        return Verdict::Apply;
    }
    // Signals sent before the fetched table was taken arrive before its answer; the table holds them.
    // (A restarted helper counts from 1 again, but it does not know this client either: HelperClient
    // subscribes and fetches anew when the helper's bus name changes owner.)
    if (seq <= last_)
        return Verdict::Ignore;
    // A skipped number: at least one signal was lost.
    state_ = State::Fetching;
    return Verdict::Refetch;
}

} // namespace weir
