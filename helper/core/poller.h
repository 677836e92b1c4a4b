// The relay thread's epoll set and what each registration points at. Relay thread only.
#pragma once

#include <sys/epoll.h>

#include <cstdint>
#include <string>

#include "core/syserror.h"

namespace weir::core::detail {

// One registered socket. `owner` is the object the kind names (a ListenerSlot, a TcpConnection, a
// UdpSession); the epoll loop dispatches on `kind` without virtual calls.
struct Endpoint {
    enum class Kind : std::uint8_t {
        Wake,
        TcpListener,
        UdpListener,
        TcpClient,
        TcpUpstream,
        UdpReply,
        UdpUpstream
    };
    Kind kind;
    void* owner = nullptr;
    int fd = -1;
    std::uint32_t events = 0; // current interest; 0 = not registered
};

class Poller {
public:
    bool open(std::string* error) {
        fd_.reset(::epoll_create1(EPOLL_CLOEXEC));
        if (!fd_.isValid() && error)
            *error = "epoll_create1: " + errnoText(errno);
        return fd_.isValid();
    }
    void close() { fd_.reset(); }
    int fd() const { return fd_.get(); }

    // Sets the interest of `endpoint` to `wanted`. An endpoint that wants nothing is taken out of the
    // set: a fully shut-down socket would otherwise report EPOLLHUP forever.
    void update(Endpoint& endpoint, std::uint32_t wanted) {
        if (wanted == endpoint.events)
            return;
        epoll_event ev{};
        ev.events = wanted;
        ev.data.ptr = &endpoint;
        const int op = wanted == 0 ? EPOLL_CTL_DEL : (endpoint.events == 0 ? EPOLL_CTL_ADD : EPOLL_CTL_MOD);
        ::epoll_ctl(fd_.get(), op, endpoint.fd, &ev);
        endpoint.events = wanted;
    }

private:
    UniqueFd fd_;
};

} // namespace weir::core::detail
