// The optional in-kernel fast path of the TCP relay (CoreConfig::tcpFastPath = Sockmap): a BPF
// sk_skb verdict program redirects every segment a linked socket receives straight to its peer's
// send side, so an established connection relays without waking the relay thread (no epoll event,
// no splice per message). Built with the raw bpf(2) system call and a dozen hand-written
// instructions: no libbpf, no compiler at run time.
//
// Two SOCKHASH maps per relay thread: `peers` (no program; key: a socket's cookie, value: its peer
// socket; the redirect target) and `sources` (the verdict program attached; key: a socket's own
// cookie). A pair enters `peers` first, so by the time either socket is hooked (enters `sources`)
// the redirect target of both is there: no segment is ever hooked without a place to go.
//
// What the kernel does not do, the relay does (see tcprelay.cpp and bench/SOCKMAP.md): it passes a
// FIN on only once every byte before it is in the peer's send queue (SockmapPair::drained), counts
// bytes from TCP_INFO (carried), and sees activity through tcpi_last_data_recv (idleFor).
// Relay thread only.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "core/syserror.h"

namespace weir::core::detail {

class SockmapPair;

class Sockmap {
public:
    // Creates the maps and loads and attaches the program. Null when the kernel or the process
    // cannot (no CAP_BPF / CAP_NET_ADMIN, no sockmap support, verifier refusal), with *why set (the
    // verifier's log included).
    static std::unique_ptr<Sockmap> open(std::string* why);
    // Whether open() would succeed here; the probe is done once per process.
    static bool available(std::string* why);

    // Moves an established pair onto the fast path. Call only when the relay holds no byte of it
    // (pipes and heads empty) and neither side has read EOF; bytes still in either receive queue are
    // carried by the kernel, in order, ahead of later ones. Null with *why set when the pair stays on
    // the splice relay (maps full, a socket already closing, ...); then nothing changed. Sets
    // *broken when a failure came after one socket was hooked: the pair must be reset (never seen
    // in practice; kept so a byte is never lost silently).
    std::unique_ptr<SockmapPair> link(int clientFd, int upstreamFd, bool* broken, std::string* why);

    ~Sockmap();
    Sockmap(const Sockmap&) = delete;
    Sockmap& operator=(const Sockmap&) = delete;

private:
    Sockmap() = default;
    friend class SockmapPair;
    UniqueFd peers_;
    UniqueFd sources_;
    UniqueFd program_;
};

// One connection on the fast path. The sockets leave both maps when they are closed (the kernel
// removes a closed socket from every sockmap); a pair must not be closed gracefully before both
// directions are drained(), or bytes still queued for a socket are dropped with it.
class SockmapPair {
public:
    enum Direction { ToUpstream = 0, ToClient = 1 };

    // Bytes the kernel carried in `d` since the last call (received by the source since link(),
    // in flight to the destination included).
    std::uint64_t newlyCarried(Direction d);
    // After the source of `d` read EOF: true once every byte it received is in the destination's
    // send queue, so shutdown(SHUT_WR) on the destination queues the FIN after the last byte.
    bool drained(Direction d) const;
    // Time since either socket last received data (tcpi_last_data_recv, the smaller of the two).
    std::chrono::milliseconds idleFor() const;

private:
    friend class Sockmap;
    SockmapPair() = default;
    int fd_[2] = {-1, -1}; // [ToUpstream]: the client socket (source), [ToClient]: the upstream socket
    // At link(): bytes the relay had read from each source, and had written to each destination.
    std::uint64_t readAtLink_[2] = {0, 0};
    std::uint64_t writtenAtLink_[2] = {0, 0};
    std::uint64_t counted_[2] = {0, 0}; // newlyCarried() so far
};

} // namespace weir::core::detail
