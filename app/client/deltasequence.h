// DeltaSequence: decides what to do with each ConnectionsChanged signal from its seq alone.
//
// The helper numbers its signals 1, 2, 3... and GetConnections answers "the table after signal seq".
// A client keeps the table only while it has seen every signal since its last full fetch: a signal
// that skips a number means one was lost (or the helper restarted), so the table must be fetched again.
// Signals that arrive while a fetch is running, or that the fetched table already contains, are
// dropped. Pure logic, no bus, so every ordering is unit tested.
#pragma once

#include <QtGlobal>

namespace weir {

class DeltaSequence {
public:
    enum class Verdict {
        Apply,   // the next signal in order: apply it to the table
        Ignore,  // already in the table, or a fetch is running that will contain it
        Refetch, // a signal was missed: fetch the full table again (startFetch() is implied)
    };

    // A GetConnections call was sent; signals are dropped until fetched().
    void startFetch() { state_ = State::Fetching; }
    // Its answer: the table at `seq`.
    void fetched(quint64 seq) {
        state_ = State::Live;
        last_ = seq;
    }
    // Not subscribed any more: no table.
    void stop() { state_ = State::Stopped; }

    Verdict onSignal(quint64 seq);

    bool isLive() const { return state_ == State::Live; }
    bool isFetching() const { return state_ == State::Fetching; }
    quint64 lastSeq() const { return last_; }

private:
    enum class State { Stopped, Fetching, Live };
    State state_ = State::Stopped;
    quint64 last_ = 0;
};

} // namespace weir
