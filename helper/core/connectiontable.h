// The connection table: one record per intercepted TCP connection or UDP flow, open or recently
// closed. Each worker has its own table (a shard); ids come from one shared counter, so they are
// unique across shards and ProxyCore merges the shards by id.
// Threads: the worker's relay thread is the only writer; snapshot() may be called from any thread.
// Records and the generation counter change under the mutex; the byte counters are atomics written
// by the relay thread alone, so the relay hot path takes no lock for them.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "core/connection.h"

namespace weir::core::detail {

std::int64_t unixNowMs();

struct TableEntry {
    ConnectionRecord record;
    std::atomic<std::uint64_t> bytesSent{0};
    std::atomic<std::uint64_t> bytesReceived{0};

    // Only the relay thread writes the counters; a plain load+store avoids a locked add.
    static void add(std::atomic<std::uint64_t>& counter, std::uint64_t n) {
        counter.store(counter.load(std::memory_order_relaxed) + n, std::memory_order_relaxed);
    }
    static void set(std::atomic<std::uint64_t>& counter, std::uint64_t n) {
        counter.store(n, std::memory_order_relaxed);
    }
};

class ConnectionTable {
public:
    using Clock = std::chrono::steady_clock;

    // Before the relay thread starts. A closedRetention of 0 keeps closed records until
    // maxClosedRecords newer ones push them out (or clearClosed()).
    void configure(std::chrono::milliseconds closedRetention, std::size_t maxClosedRecords);
    // Ids come from `counter` (shared by every shard) instead of the table's own.
    void shareIds(std::atomic<std::uint64_t>* counter) { sharedIds_ = counter; }

    // --- relay thread ---
    // A new record in state Connecting with the next id. The pointer stays valid until the record
    // is pruned, which happens only after finish().
    TableEntry* add(Protocol protocol, InterceptMode mode, const SocketAddress& source);
    void setDestination(TableEntry* entry, const SocketAddress& destination, InterceptMode mode);
    void setState(TableEntry* entry, ConnectionState state);
    void setVia(TableEntry* entry, std::string via);
    void setHost(TableEntry* entry, std::string host);

    // --- any thread ---
    // Sets the program of record `id`; false when this shard does not hold it (any more).
    bool setProcess(std::uint64_t id, const ProcessOwner& owner);
    // Final state (Closed or Failed) with its reason; the record is kept for closedRetention, but
    // never more than maxClosedRecords closed ones (under heavy churn the oldest go first).
    void finish(TableEntry* entry, ConnectionState state, std::string reason);
    void prune(Clock::time_point now);
    std::optional<Clock::time_point> nextPrune() const;
    // Keeps at most `n` closed records from now on (the oldest go at once).
    void setMaxClosedRecords(std::size_t n);
    // Forgets every closed record.
    void clearClosed();

    // --- any thread ---
    // A consistent copy: open records and those closed within closedRetention, by id. *generation
    // (if given) gets the counter that changes with every record added, changed or removed (bytes
    // aside), so a reader can tell cheaply whether anything but the counters moved.
    std::vector<ConnectionRecord> snapshot(std::uint64_t* generation = nullptr) const;
    std::uint64_t generation() const { return generation_.load(std::memory_order_relaxed); }
    // How many records are open and how many closed ones are kept, without copying any.
    struct Counts {
        std::size_t open = 0;
        std::size_t closed = 0;
    };
    Counts counts() const {
        std::lock_guard lock(mutex_);
        return {open_, entries_.size() - open_};
    }

    // For merging shards without a copy per shard: hold lock() while reading entries() and
    // generation(); recordOf() makes the row as snapshot() does.
    std::unique_lock<std::mutex> lock() const { return std::unique_lock(mutex_); }
    const std::map<std::uint64_t, TableEntry>& entries() const { return entries_; }
    static ConnectionRecord recordOf(const TableEntry& entry);

private:
    void dropOldestClosed(std::size_t keep); // under no lock; takes it
    void changed() {
        generation_.store(generation_.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
    }

    mutable std::mutex mutex_;
    std::map<std::uint64_t, TableEntry> entries_; // ordered by id; nodes are stable
    std::atomic<std::uint64_t> generation_{0};
    std::size_t open_ = 0; // entries not finished yet
    // Relay thread only. Deadlines in the order they were set; with a fixed retention that is
    // deadline order.
    std::deque<std::pair<Clock::time_point, std::uint64_t>> pruneDeadlines_;
    std::uint64_t nextId_ = 1;
    std::atomic<std::uint64_t>* sharedIds_ = nullptr;
    std::chrono::milliseconds closedRetention_{60'000};
    std::size_t maxClosedRecords_ = 50'000;
};

} // namespace weir::core::detail
