// Runs process lookups on a thread of its own, so the relay threads never wait on /proc.
//
// A relay thread calls request(): it takes a mutex only to append to a bounded queue, and never
// blocks on I/O. The resolver's thread runs ProcessLookup on each queued query in order and hands
// the result over, either to a callback (called on the resolver's thread; it must be quick and
// thread-safe) or, without a callback, to a list the owner polls with takeResults().
//
// A query already waiting in the queue is not queued twice: the second request's tag joins the
// first, and each tag gets its own Result. When the queue is full, request() returns false and the
// query is dropped (counted in stats().dropped): the connection simply shows no process. Results
// waiting for takeResults() are bounded the same way (the oldest are dropped).
//
// Wiring it into the connection table (a sketch): at accept / first datagram of a local connection,
//   resolver.request(connection.id, {protocol, connection.source, connection.originalDestination});
// and in the table's periodic tick (or from the callback, under the table's lock),
//   for (auto& r : resolver.takeResults()) table.setProcess(r.tag, r.process);
// Gateway (LAN) connections have no local socket: do not ask for them.
//
// Thread ownership: queue_, pending_, results_ and stats_ are guarded by mutex_; lookup_ belongs
// to the resolver's thread alone.
#pragma once

#include <array>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <list>
#include <mutex>
#include <thread>
#include <unordered_map>
#include <vector>

#include "procinfo/processlookup.h"

namespace weir::procinfo {

class ProcessResolver {
public:
    struct Result {
        std::uint64_t tag = 0; // the caller's key, e.g. the connection id
        SocketQuery query;
        std::optional<ProcessInfo> process; // set when found
        LookupFailure failure;              // why not, when process is empty
    };
    using Callback = std::function<void(Result)>;

    struct Options {
        std::size_t queueLimit = 4096;  // distinct queries waiting
        std::size_t resultLimit = 4096; // results waiting for takeResults()
        ProcessLookup::Options lookup;
    };

    struct Stats {
        std::uint64_t requested = 0;
        std::uint64_t deduplicated = 0; // requests that joined a query already queued
        std::uint64_t dropped = 0;      // requests refused because the queue was full
        std::uint64_t completed = 0;    // queries looked up
        std::uint64_t resultsDropped = 0;
        LookupStats lookup; // as of the last completed query
    };

    explicit ProcessResolver(Callback callback = {});
    ProcessResolver(Callback callback, Options options);
    ~ProcessResolver(); // stops the thread after the lookup in progress; queued queries are dropped

    ProcessResolver(const ProcessResolver&) = delete;
    ProcessResolver& operator=(const ProcessResolver&) = delete;

    // Queues a lookup; false when the queue is full. Safe from any thread; never blocks on I/O.
    bool request(std::uint64_t tag, const SocketQuery& query);

    // The results gathered so far (only when constructed without a callback).
    std::vector<Result> takeResults();

    // Waits until the queue is empty and no lookup runs; false on timeout. For tests and shutdown.
    bool waitIdle(std::chrono::milliseconds timeout);

    Stats stats() const;

private:
    // The identity used to merge duplicate requests.
    struct QueryKey {
        int protocol = 0;
        std::array<unsigned char, sizeof(sockaddr_in6)> source{};
        std::array<unsigned char, sizeof(sockaddr_in6)> destination{};
        friend bool operator==(const QueryKey&, const QueryKey&) = default;
    };
    struct QueryKeyHash {
        std::size_t operator()(const QueryKey& key) const;
    };
    struct Pending {
        SocketQuery query;
        QueryKey key;
        std::vector<std::uint64_t> tags;
    };
    static QueryKey keyOf(const SocketQuery& query);

    void run();
    void deliver(Result result);

    const Callback callback_;
    const Options options_;
    ProcessLookup lookup_;

    mutable std::mutex mutex_;
    std::condition_variable wake_; // work queued, or stopping
    std::condition_variable idle_; // the queue ran empty
    std::list<Pending> queue_;
    std::unordered_map<QueryKey, std::list<Pending>::iterator, QueryKeyHash> pending_;
    std::deque<Result> results_;
    Stats stats_;
    bool busy_ = false;
    bool stopping_ = false;
    std::thread thread_; // last: starts once everything above exists
};

} // namespace weir::procinfo
