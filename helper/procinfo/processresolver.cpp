#include "procinfo/processresolver.h"

#include <cstring>
#include <string_view>

namespace weir::procinfo {

ProcessResolver::ProcessResolver(Callback callback)
    : ProcessResolver(std::move(callback), Options{}) {}

ProcessResolver::ProcessResolver(Callback callback, Options options)
    : callback_(std::move(callback))
    , options_(options)
    , lookup_(options.lookup)
    , thread_([this] { run(); }) {}

ProcessResolver::~ProcessResolver() {
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    wake_.notify_all();
    thread_.join();
}

ProcessResolver::QueryKey ProcessResolver::keyOf(const SocketQuery& query) {
    QueryKey key;
    key.protocol = static_cast<int>(query.protocol);
    std::memcpy(key.source.data(), query.source.sockaddrPtr(), query.source.sockaddrLen());
    std::memcpy(key.destination.data(), query.destination.sockaddrPtr(), query.destination.sockaddrLen());
    return key;
}

std::size_t ProcessResolver::QueryKeyHash::operator()(const QueryKey& key) const {
    const std::string_view source(reinterpret_cast<const char*>(key.source.data()), key.source.size());
    const std::string_view destination(reinterpret_cast<const char*>(key.destination.data()),
                                       key.destination.size());
    const std::hash<std::string_view> hash;
    return hash(source) ^ (hash(destination) * 31) ^ static_cast<std::size_t>(key.protocol);
}

bool ProcessResolver::request(std::uint64_t tag, const SocketQuery& query) {
    const QueryKey key = keyOf(query);
    {
        std::lock_guard lock(mutex_);
        ++stats_.requested;
        if (const auto it = pending_.find(key); it != pending_.end()) {
            it->second->tags.push_back(tag);
            ++stats_.deduplicated;
            return true;
        }
        if (queue_.size() >= options_.queueLimit || stopping_) {
            ++stats_.dropped;
            return false;
        }
        queue_.push_back(Pending{query, key, {tag}});
        pending_.emplace(key, std::prev(queue_.end()));
    }
    wake_.notify_one();
    return true;
}

std::vector<ProcessResolver::Result> ProcessResolver::takeResults() {
    std::lock_guard lock(mutex_);
    std::vector<Result> taken(std::make_move_iterator(results_.begin()),
                              std::make_move_iterator(results_.end()));
    results_.clear();
    return taken;
}

bool ProcessResolver::waitIdle(std::chrono::milliseconds timeout) {
    std::unique_lock lock(mutex_);
    return idle_.wait_for(lock, timeout, [this] { return queue_.empty() && !busy_; });
}

ProcessResolver::Stats ProcessResolver::stats() const {
    std::lock_guard lock(mutex_);
    return stats_;
}

void ProcessResolver::deliver(Result result) {
    if (callback_) {
        callback_(std::move(result));
        return;
    }
    std::lock_guard lock(mutex_);
    if (results_.size() >= options_.resultLimit) {
        results_.pop_front();
        ++stats_.resultsDropped;
    }
    results_.push_back(std::move(result));
}

void ProcessResolver::run() {
    std::unique_lock lock(mutex_);
    for (;;) {
        wake_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
        if (stopping_)
            break;
        Pending work = std::move(queue_.front());
        pending_.erase(work.key);
        queue_.pop_front();
        busy_ = true;
        lock.unlock();

        Result result;
        result.query = work.query;
        result.process = lookup_.lookup(work.query, &result.failure);
        const LookupStats lookupStats = lookup_.stats();
        for (std::size_t i = 0; i < work.tags.size(); ++i) {
            result.tag = work.tags[i];
            deliver(i + 1 == work.tags.size() ? std::move(result) : result);
        }

        lock.lock();
        ++stats_.completed;
        stats_.lookup = lookupStats;
        busy_ = false;
        if (queue_.empty())
            idle_.notify_all();
    }
    // Queued queries are dropped; idle waiters learn that nothing runs any more.
    stats_.dropped += queue_.size();
    queue_.clear();
    pending_.clear();
    busy_ = false;
    idle_.notify_all();
}

} // namespace weir::procinfo
