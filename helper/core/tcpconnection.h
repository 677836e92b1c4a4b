// The state of one relayed TCP connection, shared by the relay's files (tcprelay.cpp: accepting
// and relaying; tcpsetup.cpp: from accept to relaying). Relay thread only.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "core/connector.h"
#include "core/loopguard.h"
#include "core/pipepool.h"
#include "core/poller.h"
#include "core/relaycontext.h"
#include "sniff/hostsniffer.h"

namespace weir::core::detail {

// Resets `fd` when the last reference goes (see SharedRelayState::ownLoopedElsewhere).
struct ResetOnRelease {
    int fd;
    explicit ResetOnRelease(int f)
        : fd(f) {}
    ~ResetOnRelease() { closeWithReset(fd); }
    ResetOnRelease(const ResetOnRelease&) = delete;
    ResetOnRelease& operator=(const ResetOnRelease&) = delete;
};

// An outgoing socket of ours that came back to us, held while the connection tries again: it keeps
// its port (so connect() picks another one) and its loop-guard entry (so its copy, when accepted
// later, is still known as ours).
struct LoopedAttempt {
    LoopGuard& guard;
    std::string key;
    int fd;
    LoopedAttempt(LoopGuard& g, std::string k, int f)
        : guard(g)
        , key(std::move(k))
        , fd(f) {}
    ~LoopedAttempt() {
        guard.removeOwnFlow(key);
        closeWithReset(fd);
    }
    LoopedAttempt(const LoopedAttempt&) = delete;
    LoopedAttempt& operator=(const LoopedAttempt&) = delete;
};

// One direction of a relay: bytes read from one socket, waiting in a pipe to be written to the other.
struct TcpDirection {
    Pipe pipe;                 // open only while bytes are in it (or for the splice that fills it)
    std::string head;          // written with send() before the pipe's bytes (startRelaying; readCopy)
    bool eof = false;          // the source sent FIN
    bool shutDown = false;     // FIN passed on to the destination (shutdown SHUT_WR)
    std::uint64_t written = 0; // bytes handed to the destination's socket

    bool pending() const { return pipe.bytes > 0 || !head.empty(); }
    // Read only into an empty pipe: a destination that does not take the bytes stops the source.
    bool wantsRead() const { return !eof && !pending(); }
    bool finished() const { return shutDown; }
};

struct TcpConnection {
    std::uint64_t id = 0;
    TableEntry* entry = nullptr;
    Endpoint client{Endpoint::Kind::TcpClient};
    Endpoint upstream{Endpoint::Kind::TcpUpstream};
    TcpDirection toUpstream;         // client -> destination
    TcpDirection toClient;           // destination -> client
    std::string ownFlowKey;          // see LoopGuard
    std::uint64_t handshakeSent = 0; // bytes of an upstream proxy's handshake (not the client's)
    // Reads the client's first bytes for the host (TLS SNI, HTTP Host); gone once it has answered.
    std::unique_ptr<sniff::HostSniffer> sniffer;
    std::uint64_t readFromClient = 0; // the client's stream offset the sniffer is at
    SocketAddress upstreamLocal;      // the outgoing socket's local address, and where it connects
    SocketAddress connectsTo;
    // The client shares the outgoing socket's address (a local client): a stale conntrack entry of
    // an earlier client can then catch the outgoing socket, so finishConnect() asks conntrack.
    bool checkLoopOnConnect = false;
    Clock::time_point connectDeadline;
    int loopRetries = 0; // see ownConnectionLooped()
    // Our sockets that came back to us, and their copies: held (reset on release) until the
    // connection closes, so a copy accepted late, maybe by another worker, is still known as ours.
    std::vector<std::shared_ptr<void>> looped;
    Clock::time_point lastActive; // the batch time of the last event (coarse, for tcpIdleTimeout)
    // Set while an upstream proxy's handshake runs (after the TCP connect, still `connecting`).
    std::shared_ptr<Connector> connector;
    std::unique_ptr<Handshake> handshake;
    bool viaUpstream = false;
    bool handshakeStarted = false;
    bool connecting = true;
    bool closed = false; // events later in the same epoll batch must ignore it
};

} // namespace weir::core::detail
