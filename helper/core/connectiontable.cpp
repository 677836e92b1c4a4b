#include "core/connectiontable.h"

namespace weir::core::detail {

std::int64_t unixNowMs() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

void ConnectionTable::configure(std::chrono::milliseconds closedRetention, std::size_t maxClosedRecords) {
    closedRetention_ = closedRetention;
    maxClosedRecords_ = maxClosedRecords;
}

TableEntry* ConnectionTable::add(Protocol protocol, InterceptMode mode, const SocketAddress& source) {
    const std::uint64_t id = sharedIds_ ? sharedIds_->fetch_add(1, std::memory_order_relaxed) : nextId_++;
    std::lock_guard lock(mutex_);
    auto [it, inserted] = entries_.try_emplace(id);
    ConnectionRecord& r = it->second.record;
    r.id = id;
    r.protocol = protocol;
    r.mode = mode;
    r.source = source;
    r.startedMs = unixNowMs();
    r.state = ConnectionState::Connecting;
    ++open_;
    changed();
    return &it->second;
}

void ConnectionTable::setDestination(TableEntry* entry, const SocketAddress& destination,
                                     InterceptMode mode) {
    std::lock_guard lock(mutex_);
    entry->record.destination = destination;
    entry->record.mode = mode;
    changed();
}

void ConnectionTable::setVia(TableEntry* entry, std::string via) {
    std::lock_guard lock(mutex_);
    entry->record.via = std::move(via);
    changed();
}

void ConnectionTable::setHost(TableEntry* entry, std::string host) {
    std::lock_guard lock(mutex_);
    entry->record.host = std::move(host);
    changed();
}

bool ConnectionTable::setProcess(std::uint64_t id, const ProcessOwner& owner) {
    std::lock_guard lock(mutex_);
    auto it = entries_.find(id);
    if (it == entries_.end())
        return false;
    it->second.record.process = std::make_shared<const ProcessOwner>(owner);
    changed();
    return true;
}

void ConnectionTable::setState(TableEntry* entry, ConnectionState state) {
    if (entry->record.state == state) // only the relay thread writes it, so reading is safe
        return;
    std::lock_guard lock(mutex_);
    entry->record.state = state;
    changed();
}

void ConnectionTable::finish(TableEntry* entry, ConnectionState state, std::string reason) {
    const std::uint64_t id = entry->record.id;
    {
        std::lock_guard lock(mutex_);
        entry->record.state = state;
        entry->record.closeReason = std::move(reason);
        entry->record.closedMs = unixNowMs();
        --open_;
        changed();
    }
    pruneDeadlines_.emplace_back(Clock::now() + closedRetention_, id);
    dropOldestClosed(maxClosedRecords_);
}

void ConnectionTable::dropOldestClosed(std::size_t keep) {
    if (pruneDeadlines_.size() <= keep)
        return;
    std::lock_guard lock(mutex_);
    while (pruneDeadlines_.size() > keep) {
        entries_.erase(pruneDeadlines_.front().second);
        pruneDeadlines_.pop_front();
    }
    changed();
}

void ConnectionTable::setMaxClosedRecords(std::size_t n) {
    maxClosedRecords_ = n;
    dropOldestClosed(n);
}

void ConnectionTable::clearClosed() {
    dropOldestClosed(0);
}

void ConnectionTable::prune(Clock::time_point now) {
    if (closedRetention_.count() == 0 || pruneDeadlines_.empty() || pruneDeadlines_.front().first > now)
        return;
    std::lock_guard lock(mutex_);
    while (!pruneDeadlines_.empty() && pruneDeadlines_.front().first <= now) {
        entries_.erase(pruneDeadlines_.front().second);
        pruneDeadlines_.pop_front();
    }
    changed();
}

std::optional<ConnectionTable::Clock::time_point> ConnectionTable::nextPrune() const {
    if (closedRetention_.count() == 0 || pruneDeadlines_.empty())
        return std::nullopt;
    return pruneDeadlines_.front().first;
}

ConnectionRecord ConnectionTable::recordOf(const TableEntry& entry) {
    ConnectionRecord r = entry.record;
    r.bytesSent = entry.bytesSent.load(std::memory_order_relaxed);
    r.bytesReceived = entry.bytesReceived.load(std::memory_order_relaxed);
    return r;
}

std::vector<ConnectionRecord> ConnectionTable::snapshot(std::uint64_t* generation) const {
    std::lock_guard lock(mutex_);
    std::vector<ConnectionRecord> result;
    result.reserve(entries_.size());
    for (const auto& [id, entry] : entries_)
        result.push_back(recordOf(entry));
    if (generation)
        *generation = generation_.load(std::memory_order_relaxed);
    return result;
}

} // namespace weir::core::detail
