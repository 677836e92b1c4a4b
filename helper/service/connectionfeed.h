// ConnectionFeed: turns snapshots of the core's connection table into the rows and the deltas of the
// bus (ListConnections, GetConnections, ConnectionsChanged). It keeps the table as last published
// (id -> row) and the sequence number of the last ConnectionsChanged, and measures the rates from
// its own samples of the byte counters (the core keeps none).
// Plain data in, plain data out: no bus, no timer. The clocks are injected so tests can drive it.
// Threads: one (the helper's main thread).
#pragma once

#include <QtGlobal>

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/connection.h"
#include "interface/connectioninfo.h"

namespace weir::service {

class ConnectionFeed {
public:
    struct Clocks {
        std::function<qint64()> steadyMs; // monotonic, for the rates
        std::function<qint64()> wallMs;   // Unix time, for duration_ms (started_ms is Unix time)
    };
    static Clocks systemClocks();
    // Rates are bytes over (about) this window, measured from the samples it spans.
    static constexpr qint64 kRateWindowMs = 2000;

    explicit ConnectionFeed(Clocks clocks = systemClocks());

    // The bus row of a record, without rate and duration.
    static ConnectionInfo toInfo(const core::ConnectionRecord& record);

    // The rows for ListConnections: rates from the samples (this snapshot is one more), the real
    // duration. Does not change what is published.
    ConnectionInfoList rows(const std::vector<core::ConnectionRecord>& records);

    // Compares `records` with the published table; when anything differs, publishes the new table
    // and returns the delta with the next seq. Open rows keep the duration_ms they were added with
    // (clients count on from started_ms); it is sent again, final, when they close.
    std::optional<ConnectionsDelta> publish(const std::vector<core::ConnectionRecord>& records);

    // The published table, with duration_ms as of now, and the seq it belongs to.
    ConnectionInfoList table() const;
    quint64 seq() const { return seq_; }

    // Forgets the published table (nobody listens: the memory is not needed). The next publish()
    // then adds every row again, under the next seq.
    void forgetTable();

private:
    struct Sample {
        qint64 atMs; // steady clock
        quint64 sent;
        quint64 received;
    };
    struct Rates {
        quint64 sent = 0;
        quint64 received = 0;
    };
    // Records a sample of every open record and returns the rates of each (by position); drops the
    // samples of records that are closed or gone.
    std::vector<Rates> sample(const std::vector<core::ConnectionRecord>& records);
    static bool isOpen(const core::ConnectionRecord& record);

    struct Track {
        std::vector<Sample> samples; // oldest first; spans the rate window (a few entries)
        quint64 round = 0;           // the last sample() that saw it open
    };
    struct Published {
        ConnectionInfo row;
        quint64 round = 0; // the last publish() that saw it
        // For a row published closed: what of its record may still change (the program may be
        // found after the end, the interface is looked up per snapshot). When neither did, the row
        // is not made again: most of a long history is closed rows.
        bool closed = false;
        const core::ProcessOwner* process = nullptr;
        std::string interface;
    };
    // The record is closed and was published closed with the same program and interface.
    static bool unchangedClosed(const core::ConnectionRecord& record, const Published& published);

    Clocks clocks_;
    quint64 seq_ = 0;
    std::map<quint64, Published> published_; // by id, the order rows are listed in
    quint64 publishRound_ = 0;
    std::unordered_map<quint64, Track> tracks_; // open connections only
    quint64 round_ = 0;
};

} // namespace weir::service
