#include "core/listener.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <algorithm>

namespace weir::core {

using detail::errnoText;
using detail::UniqueFd;

std::string toString(const ListenerConfig& listener) {
    std::string text = weir::toString(listener.protocol);
    text += ' ';
    std::string host = listener.address;
    if (listener.family == weir::Family::V6 && (host.empty() || host.front() != '['))
        host = '[' + host + ']';
    text += host + ':' + std::to_string(listener.port);
    if (listener.transparent)
        text += " transparent";
    return text;
}

std::optional<SocketAddress> listenerSocketAddress(const ListenerConfig& listener, std::string* error) {
    std::string host = listener.address;
    if (host.size() >= 2 && host.front() == '[' && host.back() == ']')
        host = host.substr(1, host.size() - 2);
    const bool v6 = host.find(':') != std::string::npos;
    auto at = SocketAddress::parse((v6 ? "[" + host + "]" : host) + ':' + std::to_string(listener.port));
    if (!at || (at->family() == AF_INET6) != (listener.family == weir::Family::V6)) {
        if (error)
            *error = "invalid listen address: " + listener.address;
        return std::nullopt;
    }
    return at;
}

namespace detail {

namespace {

bool fail(std::string* error, std::string text) {
    if (error)
        *error = std::move(text);
    return false;
}

bool setOption(int fd, int level, int name) {
    const int one = 1;
    return ::setsockopt(fd, level, name, &one, sizeof one) == 0;
}

bool setInt(int fd, int level, int name, int value) {
    return ::setsockopt(fd, level, name, &value, sizeof value) == 0;
}

bool setKeepalive(int fd, const TcpKeepalive& k) {
    return setOption(fd, SOL_SOCKET, SO_KEEPALIVE) &&
           setInt(fd, IPPROTO_TCP, TCP_KEEPIDLE, static_cast<int>(k.idle.count())) &&
           setInt(fd, IPPROTO_TCP, TCP_KEEPINTVL,
                  static_cast<int>(std::max<std::int64_t>(k.interval.count(), 1))) &&
           setInt(fd, IPPROTO_TCP, TCP_KEEPCNT, std::max(k.probes, 1));
}

int socketType(weir::Protocol protocol) {
    return protocol == weir::Protocol::Tcp ? SOCK_STREAM : SOCK_DGRAM;
}

// Binds a throw-away socket without SO_REUSEPORT: fails exactly when another socket holds the
// address. TCP sets SO_REUSEADDR (TIME_WAIT leftovers of our own earlier listener are fine); UDP
// does not, since two UDP sockets with SO_REUSEADDR may share a port.
bool probeFree(const SocketAddress& at, weir::Protocol protocol, std::string* error) {
    UniqueFd probe(::socket(at.family(), socketType(protocol) | SOCK_CLOEXEC, 0));
    if (!probe.isValid())
        return fail(error, "socket: " + errnoText(errno));
    if (protocol == weir::Protocol::Tcp)
        setOption(probe.get(), SOL_SOCKET, SO_REUSEADDR);
    if (at.family() == AF_INET6)
        setOption(probe.get(), SOL_IPV6, IPV6_V6ONLY);
    if (::bind(probe.get(), at.sockaddrPtr(), at.sockaddrLen()) != 0)
        return fail(error, "bind " + at.toString() + ": " + errnoText(errno));
    return true;
}

} // namespace

bool openListener(const ListenerConfig& config, bool probe, std::uint32_t mark, const TcpKeepalive& keepalive,
                  ListenerSlot* slot, std::string* error) {
    const auto at = listenerSocketAddress(config, error);
    if (!at)
        return false;
    const std::string where = at->toString();
    const bool udp = config.protocol == weir::Protocol::Udp;
    const bool v6 = at->family() == AF_INET6;
    if (udp && !config.transparent)
        return fail(error, "udp listener " + where + " must be transparent (UDP needs TPROXY)");
    if (probe && at->port() != 0 && !probeFree(*at, config.protocol, error))
        return false;

    UniqueFd fd(::socket(at->family(), socketType(config.protocol) | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
    if (!fd.isValid())
        return fail(error, "socket: " + errnoText(errno));
    setOption(fd.get(), SOL_SOCKET, SO_REUSEADDR);
    if (!setOption(fd.get(), SOL_SOCKET, SO_REUSEPORT))
        return fail(error, "SO_REUSEPORT: " + errnoText(errno));
    if (v6 && !setOption(fd.get(), SOL_IPV6, IPV6_V6ONLY))
        return fail(error, "IPV6_V6ONLY: " + errnoText(errno));
    // TPROXY only delivers to transparent sockets (needs CAP_NET_ADMIN).
    if (config.transparent &&
        !(v6 ? setOption(fd.get(), SOL_IPV6, IPV6_TRANSPARENT) : setOption(fd.get(), SOL_IP, IP_TRANSPARENT)))
        return fail(error, "IP_TRANSPARENT: " + errnoText(errno));
    // Accepted connections inherit the mark, so their answers (a SYN-ACK to a LAN client, from the
    // original destination's address) meet the firewall's own-mark RETURN in OUTPUT instead of being
    // marked for TPROXY and routed back to lo.
    if (mark != 0 && ::setsockopt(fd.get(), SOL_SOCKET, SO_MARK, &mark, sizeof mark) != 0)
        return fail(error, "SO_MARK: " + errnoText(errno));
    // Accepted connections inherit TCP_NODELAY: small messages are relayed at once, without a
    // setsockopt() per connection.
    if (!udp)
        setOption(fd.get(), IPPROTO_TCP, TCP_NODELAY);
    if (!udp && keepalive.idle.count() > 0 && !setKeepalive(fd.get(), keepalive))
        return fail(error, "SO_KEEPALIVE: " + errnoText(errno));
    // Each datagram then carries the destination the client sent it to (the TPROXY original one).
    if (udp && !(v6 ? setOption(fd.get(), SOL_IPV6, IPV6_RECVORIGDSTADDR)
                    : setOption(fd.get(), SOL_IP, IP_RECVORIGDSTADDR)))
        return fail(error, "IP_RECVORIGDSTADDR: " + errnoText(errno));
    if (::bind(fd.get(), at->sockaddrPtr(), at->sockaddrLen()) != 0)
        return fail(error, "bind " + where + ": " + errnoText(errno));
    if (!udp && ::listen(fd.get(), SOMAXCONN) != 0)
        return fail(error, "listen " + where + ": " + errnoText(errno));

    sockaddr_storage ss{};
    socklen_t len = sizeof ss;
    std::optional<SocketAddress> local;
    if (::getsockname(fd.get(), reinterpret_cast<sockaddr*>(&ss), &len) == 0)
        local = SocketAddress::fromSockaddr(reinterpret_cast<const sockaddr*>(&ss), len);
    if (!local)
        return fail(error, "getsockname " + where + ": " + errnoText(errno));

    slot->requested = config;
    slot->actual = config;
    slot->actual.port = local->port();
    slot->bound = *local;
    slot->fd = std::move(fd);
    slot->endpoint =
        Endpoint{udp ? Endpoint::Kind::UdpListener : Endpoint::Kind::TcpListener, slot, slot->fd.get(), 0};
    slot->paused = false;
    return true;
}

} // namespace detail
} // namespace weir::core
