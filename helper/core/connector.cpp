#include "core/connector.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include "core/syserror.h"

namespace weir::core {

namespace detail {

int openMarkedConnect(const SocketAddress& to, std::uint32_t mark, std::string* error) {
    auto fail = [error](const char* what, int err) {
        if (error)
            *error = std::string(what) + ": " + errnoText(err);
        return -1;
    };
    if (!to.isValid())
        return fail("connect", EAFNOSUPPORT);

    UniqueFd fd(::socket(to.family(), SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
    if (!fd.isValid())
        return fail("socket", errno);
    // An unmarked socket would be redirected back to us: never connect without the mark.
    if (mark != 0 && ::setsockopt(fd.get(), SOL_SOCKET, SO_MARK, &mark, sizeof mark) != 0)
        return fail("SO_MARK", errno);
    // The relay forwards what it has as soon as it has it; Nagle would only add latency on top of
    // whatever the client already decided.
    const int one = 1;
    ::setsockopt(fd.get(), IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (::connect(fd.get(), to.sockaddrPtr(), to.sockaddrLen()) != 0 && errno != EINPROGRESS)
        return fail("connect", errno);
    return fd.release();
}

} // namespace detail

OutgoingConnection DirectConnector::startConnect(const SocketAddress& destination, std::string* error) {
    OutgoingConnection out;
    out.fd = detail::openMarkedConnect(destination, mark_, error);
    return out;
}

} // namespace weir::core
