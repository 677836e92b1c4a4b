// UDP flows intercepted by TPROXY. Relay thread only (constructed and destroyed by ProxyCore
// around the thread's life).
//
// A transparent UDP listener receives every intercepted datagram with IP_RECVORIGDSTADDR, which
// says where the client sent it. Datagrams are grouped into sessions keyed by (client, original
// destination). Each session has two sockets:
// - upstream: SO_MARK = outgoingMark (the firewall lets it out), connected to the destination;
//   carries client -> destination and receives the answers;
// - reply: IP_TRANSPARENT, bound to the original destination and connected to the client, so the
//   client sees answers come from the address it sent to. Being connected and transparent, it is
//   also what TPROXY's established-socket lookup finds for the session's later datagrams, so those
//   arrive on it directly instead of on the listener; both are read.
// A session ends after udpIdleTimeout without a datagram either way, or when maxUdpSessions are
// open and a new flow needs room (least recently used first).
#pragma once

#include <cstdint>
#include <list>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/listener.h"
#include "core/relaycontext.h"

namespace weir::core::detail {

struct UdpSession;

class UdpRelay {
public:
    explicit UdpRelay(RelayContext& context);
    ~UdpRelay();

    void receiveFrom(ListenerSlot& listener);
    void onEvent(Endpoint* endpoint, std::uint32_t events);
    std::optional<Clock::time_point> nextDeadline() const;
    void handleTimers(Clock::time_point now);
    void endBatch();
    void closeAll(const std::string& reason);
    // Ends flow `id` with `reason`; false when this relay has no open one.
    bool closeById(std::uint64_t id, const std::string& reason);

private:
    std::optional<std::string> refusal(const SocketAddress& client, const SocketAddress& destination);
    UdpSession* admit(const SocketAddress& client, const SocketAddress& destination, const std::string& key);
    void refuse(const SocketAddress& client, const SocketAddress& destination, const std::string& key,
                std::string reason);
    bool openSockets(UdpSession* s, std::string* error);
    bool openReplySocket(UdpSession* s, std::string* error);
    // One datagram each way (wrapped for, or unwrapped from, a UDP association); false when the
    // session had to be closed.
    bool toDestination(UdpSession* s, const char* data, std::size_t size);
    bool toClient(UdpSession* s, const char* data, std::size_t size);
    // Through an upstream's UDP ASSOCIATE (UdpRoute::Socks5Associate).
    void onControl(UdpSession* s, std::uint32_t events);
    void finishAssociation(UdpSession* s);
    void failAssociation(UdpSession* s, std::string reason);
    // Sends one datagram on `to`; false when the session had to be closed.
    bool relay(UdpSession* s, Endpoint& to, const char* data, std::size_t size, std::size_t header = 0);
    void drain(UdpSession* s, Endpoint& from);
    void touch(UdpSession* s);
    void close(UdpSession* s, ConnectionState state, std::string reason);

    RelayContext& ctx_;
    std::unique_ptr<char[]> buffer_; // one datagram at a time
    std::string wrapped_;            // a datagram with its SOCKS5 UDP header
    std::unordered_map<std::string, std::unique_ptr<UdpSession>> sessions_;
    std::list<UdpSession*> lru_; // most recently active first
    std::vector<std::unique_ptr<UdpSession>> closedInBatch_;
    // Flows refused lately (source filter, loop): one record each, not one per datagram.
    std::unordered_map<std::string, Clock::time_point> refused_;
};

} // namespace weir::core::detail
