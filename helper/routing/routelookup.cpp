#include "routing/routelookup.h"

#include <libmnl/libmnl.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>
#include <ctime>
#include <memory>

namespace weir::routing {

namespace {

constexpr std::size_t kBufferSize = 8192;

struct Answer {
    bool seen = false;
    bool local = false;
    unsigned oif = 0;
    int error = 0;
};

int routeAttribute(const nlattr* attr, void* data) {
    if (mnl_attr_get_type(attr) == RTA_OIF && mnl_attr_validate(attr, MNL_TYPE_U32) >= 0)
        static_cast<Answer*>(data)->oif = mnl_attr_get_u32(attr);
    return MNL_CB_OK;
}

int onMessage(const nlmsghdr* nlh, void* data) {
    auto* answer = static_cast<Answer*>(data);
    if (nlh->nlmsg_type != RTM_NEWROUTE)
        return MNL_CB_OK;
    const auto* rtm = static_cast<const rtmsg*>(mnl_nlmsg_get_payload(nlh));
    answer->seen = true;
    answer->local = rtm->rtm_type == RTN_LOCAL;
    mnl_attr_parse(nlh, sizeof *rtm, routeAttribute, answer);
    return MNL_CB_OK;
}

int onError(const nlmsghdr* nlh, void* data) {
    const auto* err = static_cast<const nlmsgerr*>(mnl_nlmsg_get_payload(nlh));
    static_cast<Answer*>(data)->error = -err->error;
    return err->error == 0 ? MNL_CB_STOP : MNL_CB_ERROR;
}

} // namespace

std::optional<std::string> interfaceTowards(Family family, const void* address, std::string* error) {
    std::unique_ptr<mnl_socket, int (*)(mnl_socket*)> sock(mnl_socket_open(NETLINK_ROUTE), mnl_socket_close);
    if (!sock || mnl_socket_bind(sock.get(), 0, MNL_SOCKET_AUTOPID) < 0) {
        *error = std::string("cannot open an rtnetlink socket: ") + std::strerror(errno);
        return std::nullopt;
    }
    alignas(nlmsghdr) char buf[kBufferSize] = {};
    nlmsghdr* nlh = mnl_nlmsg_put_header(buf);
    nlh->nlmsg_type = RTM_GETROUTE;
    nlh->nlmsg_flags = NLM_F_REQUEST;
    nlh->nlmsg_seq = static_cast<unsigned>(std::time(nullptr));
    auto* rtm = static_cast<rtmsg*>(mnl_nlmsg_put_extra_header(nlh, sizeof(rtmsg)));
    const bool v4 = family == Family::V4;
    rtm->rtm_family = v4 ? AF_INET : AF_INET6;
    rtm->rtm_dst_len = v4 ? 32 : 128;
    mnl_attr_put(nlh, RTA_DST, v4 ? 4 : 16, address);
    if (mnl_socket_sendto(sock.get(), nlh, nlh->nlmsg_len) < 0) {
        *error = std::string("cannot send to rtnetlink: ") + std::strerror(errno);
        return std::nullopt;
    }
    const unsigned portid = mnl_socket_get_portid(sock.get());
    Answer answer;
    mnl_cb_t control[NLMSG_MIN_TYPE] = {};
    control[NLMSG_ERROR] = onError;
    const ssize_t n = mnl_socket_recvfrom(sock.get(), buf, sizeof buf);
    if (n < 0) {
        *error = std::string("cannot read from rtnetlink: ") + std::strerror(errno);
        return std::nullopt;
    }
    mnl_cb_run2(buf, static_cast<std::size_t>(n), nlh->nlmsg_seq, portid, onMessage, &answer, control,
                NLMSG_MIN_TYPE);
    if (answer.error != 0 || !answer.seen) {
        *error = std::string("no route: ") + std::strerror(answer.error ? answer.error : ENOENT);
        return std::nullopt;
    }
    if (answer.local)
        return std::string();
    char name[IF_NAMESIZE] = {};
    if (answer.oif == 0 || !if_indextoname(answer.oif, name)) {
        *error = "the route names no interface";
        return std::nullopt;
    }
    return std::string(name);
}

} // namespace weir::routing
