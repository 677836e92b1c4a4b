#include "service/connectionfeed.h"

#include <QDateTime>

#include <algorithm>
#include <chrono>

namespace weir::service {

namespace {

qint64 nonNegative(qint64 ms) {
    return std::max<qint64>(ms, 0);
}

quint64 perSecond(quint64 first, quint64 last, qint64 elapsedMs) {
    if (elapsedMs <= 0 || last < first)
        return 0;
    return (last - first) * 1000 / static_cast<quint64>(elapsedMs);
}

} // namespace

ConnectionFeed::Clocks ConnectionFeed::systemClocks() {
    return {[] {
                return static_cast<qint64>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                               std::chrono::steady_clock::now().time_since_epoch())
                                               .count());
            },
            [] { return QDateTime::currentMSecsSinceEpoch(); }};
}

ConnectionFeed::ConnectionFeed(Clocks clocks)
    : clocks_(std::move(clocks)) {}

ConnectionInfo ConnectionFeed::toInfo(const core::ConnectionRecord& r) {
    ConnectionInfo c;
    c.id = r.id;
    c.protocol = QString::fromLatin1(core::toString(r.protocol));
    c.mode = QString::fromLatin1(core::toString(r.mode));
    c.source = QString::fromStdString(r.source.toString());
    c.destination = QString::fromStdString(r.destination.toString());
    c.bytesSent = r.bytesSent;
    c.bytesReceived = r.bytesReceived;
    c.state = QString::fromLatin1(core::toString(r.state));
    c.startedMs = r.startedMs;
    c.closedMs = r.closedMs;
    c.closeReason = QString::fromStdString(r.closeReason);
    c.via = QString::fromStdString(r.via);
    c.host = QString::fromStdString(r.host);
    c.interfaceName = QString::fromStdString(r.interface);
    if (r.process) {
        c.pid = r.process->pid;
        c.process = QString::fromStdString(r.process->name);
        c.exe = QString::fromStdString(r.process->exe);
        c.uid = r.process->uid;
        c.user = QString::fromStdString(r.process->user);
    }
    return c;
}

bool ConnectionFeed::unchangedClosed(const core::ConnectionRecord& r, const Published& published) {
    return published.closed && !isOpen(r) && r.process.get() == published.process &&
           r.interface == published.interface;
}

bool ConnectionFeed::isOpen(const core::ConnectionRecord& r) {
    return r.state != core::ConnectionState::Closed && r.state != core::ConnectionState::Failed;
}

std::vector<ConnectionFeed::Rates>
ConnectionFeed::sample(const std::vector<core::ConnectionRecord>& records) {
    const qint64 now = clocks_.steadyMs();
    const qint64 wall = clocks_.wallMs();
    ++round_;
    std::vector<Rates> rates(records.size());
    for (std::size_t i = 0; i < records.size(); ++i) {
        const core::ConnectionRecord& r = records[i];
        if (!isOpen(r))
            continue; // closed: rate 0, its samples are dropped below
        Track& track = tracks_[r.id];
        track.round = round_;
        std::vector<Sample>& s = track.samples;
        // A connection younger than the window: its start is a sample of zero bytes.
        const qint64 age = nonNegative(wall - r.startedMs);
        if (s.empty() && age <= kRateWindowMs)
            s.push_back({now - age, 0, 0});
        if (!s.empty() && s.back().atMs == now)
            s.pop_back();
        s.push_back({now, r.bytesSent, r.bytesReceived});
        // Keep the newest sample at or before the window's start, and all after it.
        while (s.size() > 2 && s[1].atMs <= now - kRateWindowMs)
            s.erase(s.begin());
        const Sample& first = s.front();
        rates[i] = {perSecond(first.sent, r.bytesSent, now - first.atMs),
                    perSecond(first.received, r.bytesReceived, now - first.atMs)};
    }
    std::erase_if(tracks_, [this](const auto& entry) { return entry.second.round != round_; });
    return rates;
}

ConnectionInfoList ConnectionFeed::rows(const std::vector<core::ConnectionRecord>& records) {
    const std::vector<Rates> rates = sample(records);
    const qint64 wall = clocks_.wallMs();
    ConnectionInfoList list;
    list.reserve(static_cast<qsizetype>(records.size()));
    for (std::size_t i = 0; i < records.size(); ++i) {
        ConnectionInfo row = toInfo(records[i]);
        row.rateSent = rates[i].sent;
        row.rateReceived = rates[i].received;
        row.durationMs = nonNegative((isOpen(records[i]) ? wall : row.closedMs) - row.startedMs);
        list.append(std::move(row));
    }
    return list;
}

std::optional<ConnectionsDelta> ConnectionFeed::publish(const std::vector<core::ConnectionRecord>& records) {
    const std::vector<Rates> rates = sample(records);
    const qint64 wall = clocks_.wallMs();
    ++publishRound_;
    ConnectionsDelta delta;
    for (std::size_t i = 0; i < records.size(); ++i) {
        const core::ConnectionRecord& r = records[i];
        auto it = published_.find(r.id);
        if (it != published_.end() && unchangedClosed(r, it->second)) {
            it->second.round = publishRound_;
            continue;
        }
        ConnectionInfo row = toInfo(r);
        row.rateSent = rates[i].sent;
        row.rateReceived = rates[i].received;
        if (!isOpen(r))
            row.durationMs = nonNegative(row.closedMs - row.startedMs);
        else // open: what it was added with, so it is no change (clients count on themselves)
            row.durationMs =
                it != published_.end() ? it->second.row.durationMs : nonNegative(wall - row.startedMs);
        if (it == published_.end()) {
            delta.added.append(row);
            Published entry;
            entry.row = std::move(row);
            entry.round = publishRound_;
            it = published_.emplace(entry.row.id, std::move(entry)).first;
        } else {
            it->second.round = publishRound_;
            if (!(row == it->second.row)) {
                delta.updated.append(row.changedSince(it->second.row));
                it->second.row = std::move(row);
            }
        }
        it->second.closed = !isOpen(r);
        it->second.process = r.process.get();
        it->second.interface = it->second.closed ? r.interface : std::string();
    }
    for (auto it = published_.begin(); it != published_.end();) {
        if (it->second.round == publishRound_) {
            ++it;
            continue;
        }
        delta.removed.append(it->first);
        it = published_.erase(it);
    }
    if (delta.added.isEmpty() && delta.updated.isEmpty() && delta.removed.isEmpty())
        return std::nullopt;
    delta.seq = ++seq_;
    return delta;
}

ConnectionInfoList ConnectionFeed::table() const {
    const qint64 wall = clocks_.wallMs();
    ConnectionInfoList list;
    list.reserve(static_cast<qsizetype>(published_.size()));
    for (const auto& [id, entry] : published_) {
        ConnectionInfo row = entry.row;
        if (row.state != QLatin1String("closed") && row.state != QLatin1String("failed"))
            row.durationMs = nonNegative(wall - row.startedMs);
        list.append(std::move(row));
    }
    return list;
}

void ConnectionFeed::forgetTable() {
    published_.clear();
}

} // namespace weir::service
