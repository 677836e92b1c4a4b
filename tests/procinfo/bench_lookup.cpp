// Lookups per second with about 1,000 open sockets: cached (the holder's descriptor checked with one
// readlink) and uncached (every lookup scans /proc). Prints figures; not a test.
#include <sys/resource.h>

#include <chrono>
#include <cstdio>
#include <vector>

#include "procinfo/processlookup.h"
#include "testsockets.h"

using namespace procinfotest;
using Clock = std::chrono::steady_clock;

int main(int argc, char** argv) {
    const int connections = argc > 1 ? std::atoi(argv[1]) : 500; // two sockets each
    rlimit limit{};
    ::getrlimit(RLIMIT_NOFILE, &limit);
    limit.rlim_cur = limit.rlim_max;
    ::setrlimit(RLIMIT_NOFILE, &limit);
    std::vector<TcpPair> pairs;
    for (int i = 0; i < connections; ++i) {
        auto pair = tcpPair(AF_INET, "127.0.0.1", AF_INET, "127.0.0.1");
        if (!pair) {
            std::fprintf(stderr, "could not open connection %d\n", i);
            return 1;
        }
        pairs.push_back(std::move(*pair));
    }
    weir::procinfo::ProcessLookup lookup(
        weir::procinfo::ProcessLookup::Options{std::chrono::milliseconds(0)});
    auto measure = [&](bool cached, int count) {
        int found = 0;
        const auto start = Clock::now();
        for (int i = 0; i < count; ++i) {
            if (!cached)
                lookup.clearCache();
            found += lookup.lookup(pairs[static_cast<std::size_t>(i) % pairs.size()].query()).has_value();
        }
        const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
        std::printf("%-8s %6d lookups (%d found) in %.3f s: %.0f lookups/s, %.1f us each\n",
                    cached ? "cached" : "uncached", count, found, seconds, count / seconds,
                    seconds * 1e6 / count);
    };
    std::printf("%d TCP connections (%d sockets) open in this process\n", connections, 2 * connections);
    measure(false, 200);
    lookup.lookup(pairs[0].query()); // one scan fills the cache for all of them
    measure(true, 20000);
    const auto stats = lookup.stats();
    std::printf("full scans %llu, cache hits %llu, sockets cached %zu\n",
                static_cast<unsigned long long>(stats.holders.fullScans),
                static_cast<unsigned long long>(stats.holders.cacheHits), stats.holders.cachedSockets);
    return 0;
}
