#include "routing/divertedsockets.h"

#include <libmnl/libmnl.h>
#include <linux/inet_diag.h>
#include <linux/sock_diag.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <ctime>
#include <map>
#include <memory>
#include <vector>

namespace weir::routing {

namespace {

constexpr std::size_t kBufferSize = 32768; // one dump batch

using Socket = std::unique_ptr<mnl_socket, int (*)(mnl_socket*)>;

std::string withErrno(const std::string& what, int err) {
    return what + ": " + std::strerror(err);
}

// Whether `addr` is one of this machine's addresses: only those can be bound without IP_TRANSPARENT
// (127.0.0.0/8 and link-local ones, with their interface, included). With ip_nonlocal_bind on, every
// address binds: nothing is taken for a transparent socket, and nothing is destroyed.
bool isLocal(int family, const __be32* addr, unsigned ifindex) {
    const int fd = ::socket(family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return true; // unknown: leave the socket alone
    int rc;
    if (family == AF_INET) {
        sockaddr_in in{};
        in.sin_family = AF_INET;
        std::memcpy(&in.sin_addr, addr, sizeof in.sin_addr);
        rc = ::bind(fd, reinterpret_cast<const sockaddr*>(&in), sizeof in);
    } else {
        sockaddr_in6 in6{};
        in6.sin6_family = AF_INET6;
        std::memcpy(&in6.sin6_addr, addr, sizeof in6.sin6_addr);
        in6.sin6_scope_id = ifindex;
        rc = ::bind(fd, reinterpret_cast<const sockaddr*>(&in6), sizeof in6);
    }
    const int err = errno;
    ::close(fd);
    return rc == 0 || err != EADDRNOTAVAIL;
}

struct Dump {
    int family = AF_INET;
    std::vector<inet_diag_sockid> found;
    std::map<std::vector<char>, bool> local; // address (and interface) -> isLocal, asked once each
};

int onSocket(const nlmsghdr* nlh, void* data) {
    auto* dump = static_cast<Dump*>(data);
    if (nlh->nlmsg_type != SOCK_DIAG_BY_FAMILY || mnl_nlmsg_get_payload_len(nlh) < sizeof(inet_diag_msg))
        return MNL_CB_OK;
    inet_diag_msg msg;
    std::memcpy(&msg, mnl_nlmsg_get_payload(nlh), sizeof msg);
    if (msg.idiag_family != dump->family || msg.idiag_inode != 0 || msg.idiag_state == TCP_LISTEN)
        return MNL_CB_OK;
    const unsigned ifindex = msg.id.idiag_if;
    std::vector<char> key(reinterpret_cast<const char*>(msg.id.idiag_src),
                          reinterpret_cast<const char*>(msg.id.idiag_src) + sizeof msg.id.idiag_src);
    key.insert(key.end(), reinterpret_cast<const char*>(&ifindex),
               reinterpret_cast<const char*>(&ifindex) + sizeof ifindex);
    auto it = dump->local.find(key);
    if (it == dump->local.end())
        it = dump->local.emplace(key, isLocal(dump->family, msg.id.idiag_src, ifindex)).first;
    if (!it->second)
        dump->found.push_back(msg.id);
    return MNL_CB_OK;
}

// Sends one request and reads its answers until the dump's end or the request's ACK; 0 or an errno.
int exchange(mnl_socket* sock, nlmsghdr* nlh, mnl_cb_t callback, void* data) {
    const unsigned portid = mnl_socket_get_portid(sock);
    if (mnl_socket_sendto(sock, nlh, nlh->nlmsg_len) < 0)
        return errno;
    std::vector<char> buf(kBufferSize);
    for (;;) {
        const ssize_t n = mnl_socket_recvfrom(sock, buf.data(), buf.size());
        if (n < 0)
            return errno;
        const int ret =
            mnl_cb_run(buf.data(), static_cast<std::size_t>(n), nlh->nlmsg_seq, portid, callback, data);
        if (ret == MNL_CB_ERROR)
            return errno;
        if (ret == MNL_CB_STOP)
            return 0;
    }
}

nlmsghdr* requestHeader(char* buf, std::uint16_t type, std::uint16_t flags, unsigned seq, int family,
                        const inet_diag_sockid* id) {
    nlmsghdr* nlh = mnl_nlmsg_put_header(buf);
    nlh->nlmsg_type = type;
    nlh->nlmsg_flags = flags;
    nlh->nlmsg_seq = seq;
    auto* req = static_cast<inet_diag_req_v2*>(mnl_nlmsg_put_extra_header(nlh, sizeof(inet_diag_req_v2)));
    req->sdiag_family = static_cast<__u8>(family);
    req->sdiag_protocol = IPPROTO_TCP;
    req->idiag_states = ~(1U << TCP_LISTEN);
    if (id)
        req->id = *id;
    else
        req->id.idiag_cookie[0] = req->id.idiag_cookie[1] = INET_DIAG_NOCOOKIE;
    return nlh;
}

} // namespace

bool destroyDivertedLeftovers(Family family, std::size_t* destroyed, std::string* error) {
    *destroyed = 0;
    Socket sock(mnl_socket_open2(NETLINK_SOCK_DIAG, SOCK_CLOEXEC), mnl_socket_close);
    if (!sock || mnl_socket_bind(sock.get(), 0, MNL_SOCKET_AUTOPID) < 0) {
        *error = withErrno("cannot open a sock_diag socket", errno);
        return false;
    }
    const timeval timeout{1, 0}; // the kernel answers at once; never hang the caller on it
    ::setsockopt(mnl_socket_get_fd(sock.get()), SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);

    Dump dump;
    dump.family = family == Family::V4 ? AF_INET : AF_INET6;
    auto seq = static_cast<unsigned>(std::time(nullptr));
    alignas(nlmsghdr) char buf[256];
    nlmsghdr* nlh =
        requestHeader(buf, SOCK_DIAG_BY_FAMILY, NLM_F_REQUEST | NLM_F_DUMP, seq, dump.family, nullptr);
    if (const int err = exchange(sock.get(), nlh, onSocket, &dump)) {
        *error = withErrno("cannot list the TCP sockets", err);
        return false;
    }
    int firstError = 0;
    for (const auto& id : dump.found) {
        nlh = requestHeader(buf, SOCK_DESTROY, NLM_F_REQUEST | NLM_F_ACK, ++seq, dump.family, &id);
        const int err = exchange(sock.get(), nlh, nullptr, nullptr);
        if (err == 0)
            ++*destroyed;
        else if (err != ENOENT && !firstError) // ENOENT: it ended by itself meanwhile
            firstError = err;
    }
    if (firstError) {
        *error = withErrno("cannot destroy a socket a TPROXY connection left", firstError);
        return false;
    }
    return true;
}

} // namespace weir::routing
