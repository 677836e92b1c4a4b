#include "core/relaycontext.h"

#include <sys/socket.h>
#include <unistd.h>

namespace weir::core::detail {

void closeWithReset(int fd) {
    const linger lg{1, 0};
    ::setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
    ::close(fd);
}

std::optional<SocketAddress> localAddressOf(int fd) {
    sockaddr_storage ss{};
    socklen_t len = sizeof ss;
    if (::getsockname(fd, reinterpret_cast<sockaddr*>(&ss), &len) != 0)
        return std::nullopt;
    return SocketAddress::fromSockaddr(reinterpret_cast<const sockaddr*>(&ss), len);
}

int socketError(int fd) {
    int err = 0;
    socklen_t len = sizeof err;
    if (::getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0)
        return errno;
    return err;
}

} // namespace weir::core::detail
