#include "routing/policyrouting.h"

#include <libmnl/libmnl.h>
#include <linux/fib_rules.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <memory>

namespace weir::routing {

namespace {

// Fixed size: MNL_SOCKET_BUFFER_SIZE is a sysconf() expression and would make the buffer a VLA.
constexpr std::size_t kBufferSize = 8192;

void setError(std::string* error, const std::string& text) {
    if (error)
        *error = text;
}

const char* familyName(Family f) {
    return f == Family::V4 ? "IPv4" : "IPv6";
}
unsigned char addressFamily(Family f) {
    return f == Family::V4 ? AF_INET : AF_INET6;
}

struct AckResult {
    int error = 0;       // 0, or a positive errno
    std::string message; // extended ACK text, if the kernel sent one
};

int extAckAttribute(const nlattr* attr, void* data) {
    if (mnl_attr_get_type(attr) == NLMSGERR_ATTR_MSG && mnl_attr_validate(attr, MNL_TYPE_NUL_STRING) >= 0)
        *static_cast<std::string*>(data) = mnl_attr_get_str(attr);
    return MNL_CB_OK;
}

// Sends one request and waits for its ACK.
bool request(nlmsghdr* nlh, AckResult* result, std::string* error) {
    std::unique_ptr<mnl_socket, int (*)(mnl_socket*)> sock(mnl_socket_open(NETLINK_ROUTE), mnl_socket_close);
    if (!sock) {
        setError(error, std::string("cannot open an rtnetlink socket: ") + std::strerror(errno));
        return false;
    }
    int on = 1; // ask for the kernel's error text in the ACK; older kernels just ignore it
    mnl_socket_setsockopt(sock.get(), NETLINK_EXT_ACK, &on, sizeof on);
    if (mnl_socket_bind(sock.get(), 0, MNL_SOCKET_AUTOPID) < 0) {
        setError(error, std::string("cannot bind the rtnetlink socket: ") + std::strerror(errno));
        return false;
    }
    const unsigned portid = mnl_socket_get_portid(sock.get());
    nlh->nlmsg_seq = static_cast<unsigned>(std::time(nullptr));
    if (mnl_socket_sendto(sock.get(), nlh, nlh->nlmsg_len) < 0) {
        setError(error, std::string("cannot send to rtnetlink: ") + std::strerror(errno));
        return false;
    }

    alignas(nlmsghdr) char buf[kBufferSize];
    for (;;) {
        const ssize_t n = mnl_socket_recvfrom(sock.get(), buf, sizeof buf);
        if (n < 0) {
            setError(error, std::string("cannot read the rtnetlink ACK: ") + std::strerror(errno));
            return false;
        }
        int len = static_cast<int>(n);
        for (auto* msg = reinterpret_cast<const nlmsghdr*>(buf); mnl_nlmsg_ok(msg, len);
             msg = mnl_nlmsg_next(msg, &len)) {
            if (msg->nlmsg_seq != nlh->nlmsg_seq || msg->nlmsg_pid != portid ||
                msg->nlmsg_type != NLMSG_ERROR)
                continue;
            if (msg->nlmsg_len < mnl_nlmsg_size(sizeof(nlmsgerr))) {
                setError(error, "truncated rtnetlink ACK");
                return false;
            }
            const auto* err = static_cast<const nlmsgerr*>(mnl_nlmsg_get_payload(msg));
            result->error = -err->error;
            if (err->error != 0 && (msg->nlmsg_flags & NLM_F_ACK_TLVS)) {
                // The TLVs follow the echoed request (only its header when the ACK is capped).
                const std::size_t echoed =
                    (msg->nlmsg_flags & NLM_F_CAPPED) ? sizeof(nlmsghdr) : err->msg.nlmsg_len;
                const std::size_t offset = sizeof(int) + echoed;
                if (mnl_nlmsg_size(offset) <= msg->nlmsg_len)
                    mnl_attr_parse(msg, static_cast<unsigned>(offset), extAckAttribute, &result->message);
            }
            return true;
        }
    }
}

std::string describe(const char* what, Family family, const PolicyRoute& r) {
    char text[160];
    std::snprintf(text, sizeof text, "%s (%s, fwmark 0x%x/0x%x, table %u, pref %u)", what, familyName(family),
                  r.fwmark, r.mask, r.table, r.priority);
    return text;
}

// Runs the request; `benign` is the errno that means "already done" (EEXIST on add, ENOENT/ESRCH on remove).
bool run(nlmsghdr* nlh, bool removing, const std::string& what, std::string* error) {
    AckResult ack;
    if (!request(nlh, &ack, error))
        return false;
    if (ack.error == 0)
        return true;
    if (!removing && ack.error == EEXIST)
        return true;
    if (removing && (ack.error == ENOENT || ack.error == ESRCH))
        return true;
    std::string text = what + " failed: " + std::strerror(ack.error);
    if (!ack.message.empty())
        text += " (" + ack.message + ")";
    setError(error, text);
    return false;
}

// Tables above 255 only fit the RTA_TABLE / FRA_TABLE attribute.
unsigned char tableByte(std::uint32_t table) {
    return table < 256 ? static_cast<unsigned char>(table) : static_cast<unsigned char>(RT_TABLE_UNSPEC);
}

nlmsghdr* header(char* buf, std::uint16_t type, bool removing) {
    nlmsghdr* nlh = mnl_nlmsg_put_header(buf);
    nlh->nlmsg_type = type;
    nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
    // EXCL: an identical rule would otherwise be added a second time; the EEXIST is then ignored.
    if (!removing)
        nlh->nlmsg_flags |= NLM_F_CREATE | NLM_F_EXCL;
    return nlh;
}

// Table 0 is "unspecified"; 253-255 are default, main and local: using them would break the host's routing.
bool validTable(const PolicyRoute& r, std::string* error) {
    if (r.table != 0 && (r.table < 253 || r.table > 255))
        return true;
    setError(error, "refusing to use routing table " + std::to_string(r.table) + " (reserved)");
    return false;
}

bool fwmarkRule(Family family, const PolicyRoute& r, bool removing, std::string* error) {
    if (!validTable(r, error))
        return false;
    alignas(nlmsghdr) char buf[kBufferSize] = {};
    nlmsghdr* nlh = header(buf, removing ? RTM_DELRULE : RTM_NEWRULE, removing);
    auto* frh = static_cast<fib_rule_hdr*>(mnl_nlmsg_put_extra_header(nlh, sizeof(fib_rule_hdr)));
    frh->family = addressFamily(family);
    frh->action = FR_ACT_TO_TBL;
    frh->table = tableByte(r.table);
    mnl_attr_put_u32(nlh, FRA_TABLE, r.table);
    mnl_attr_put_u32(nlh, FRA_FWMARK, r.fwmark);
    mnl_attr_put_u32(nlh, FRA_FWMASK, r.mask);
    mnl_attr_put_u32(nlh, FRA_PRIORITY, r.priority);
    return run(nlh, removing,
               describe(removing ? "removing the fwmark rule" : "adding the fwmark rule", family, r), error);
}

bool localRoute(Family family, const PolicyRoute& r, bool removing, std::string* error) {
    if (!validTable(r, error))
        return false;
    const unsigned lo = if_nametoindex("lo");
    if (lo == 0) {
        setError(error, std::string("no loopback interface: ") + std::strerror(errno));
        return false;
    }
    alignas(nlmsghdr) char buf[kBufferSize] = {};
    nlmsghdr* nlh = header(buf, removing ? RTM_DELROUTE : RTM_NEWROUTE, removing);
    auto* rtm = static_cast<rtmsg*>(mnl_nlmsg_put_extra_header(nlh, sizeof(rtmsg)));
    rtm->rtm_family = addressFamily(family);
    rtm->rtm_dst_len = 0; // default
    rtm->rtm_table = tableByte(r.table);
    rtm->rtm_protocol = RTPROT_BOOT;
    rtm->rtm_scope = RT_SCOPE_HOST;
    rtm->rtm_type = RTN_LOCAL;
    mnl_attr_put_u32(nlh, RTA_TABLE, r.table);
    mnl_attr_put_u32(nlh, RTA_OIF, lo);
    return run(
        nlh, removing,
        describe(removing ? "removing the local default route" : "adding the local default route", family, r),
        error);
}

// Dumps one family's rules or routes; `each` sees every message of the answer.
bool dump(std::uint16_t type, Family family, mnl_cb_t each, void* data, std::string* error) {
    std::unique_ptr<mnl_socket, int (*)(mnl_socket*)> sock(mnl_socket_open(NETLINK_ROUTE), mnl_socket_close);
    if (!sock || mnl_socket_bind(sock.get(), 0, MNL_SOCKET_AUTOPID) < 0) {
        setError(error, std::string("cannot open an rtnetlink socket: ") + std::strerror(errno));
        return false;
    }
    alignas(nlmsghdr) char buf[kBufferSize] = {};
    nlmsghdr* nlh = mnl_nlmsg_put_header(buf);
    nlh->nlmsg_type = type;
    nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
    nlh->nlmsg_seq = static_cast<unsigned>(std::time(nullptr));
    // rtmsg and fib_rule_hdr both start with the family byte, and a dump reads nothing else.
    auto* rtm = static_cast<rtmsg*>(mnl_nlmsg_put_extra_header(nlh, sizeof(rtmsg)));
    rtm->rtm_family = addressFamily(family);
    if (mnl_socket_sendto(sock.get(), nlh, nlh->nlmsg_len) < 0) {
        setError(error, std::string("cannot send to rtnetlink: ") + std::strerror(errno));
        return false;
    }
    const unsigned portid = mnl_socket_get_portid(sock.get());
    for (;;) {
        const ssize_t n = mnl_socket_recvfrom(sock.get(), buf, sizeof buf);
        if (n < 0) {
            setError(error, std::string("cannot read the rtnetlink dump: ") + std::strerror(errno));
            return false;
        }
        const int ret = mnl_cb_run(buf, static_cast<std::size_t>(n), nlh->nlmsg_seq, portid, each, data);
        if (ret == MNL_CB_STOP)
            return true;
        if (ret < 0) {
            setError(error, std::string("rtnetlink dump failed: ") + std::strerror(errno));
            return false;
        }
    }
}

struct Attributes {
    std::uint32_t values[32] = {};
    bool present[32] = {};
};

int collectAttribute(const nlattr* attr, void* data) {
    auto* a = static_cast<Attributes*>(data);
    const auto type = mnl_attr_get_type(attr);
    if (type < 32 && mnl_attr_get_payload_len(attr) == sizeof(std::uint32_t)) {
        a->values[type] = mnl_attr_get_u32(attr);
        a->present[type] = true;
    }
    return MNL_CB_OK;
}

struct Search {
    const PolicyRoute* route;
    unsigned lo = 0;
    bool found = false;
};

int matchRule(const nlmsghdr* nlh, void* data) {
    auto* s = static_cast<Search*>(data);
    const auto* frh = static_cast<const fib_rule_hdr*>(mnl_nlmsg_get_payload(nlh));
    Attributes a;
    mnl_attr_parse(nlh, sizeof(*frh), collectAttribute, &a);
    const std::uint32_t table = a.present[FRA_TABLE] ? a.values[FRA_TABLE] : frh->table;
    const std::uint32_t mask = a.present[FRA_FWMASK] ? a.values[FRA_FWMASK] : 0xffffffff;
    if (frh->action == FR_ACT_TO_TBL && a.present[FRA_FWMARK] && a.values[FRA_FWMARK] == s->route->fwmark &&
        mask == s->route->mask && table == s->route->table && a.values[FRA_PRIORITY] == s->route->priority)
        s->found = true;
    return MNL_CB_OK;
}

int matchRoute(const nlmsghdr* nlh, void* data) {
    auto* s = static_cast<Search*>(data);
    const auto* rtm = static_cast<const rtmsg*>(mnl_nlmsg_get_payload(nlh));
    Attributes a;
    mnl_attr_parse(nlh, sizeof(*rtm), collectAttribute, &a);
    const std::uint32_t table = a.present[RTA_TABLE] ? a.values[RTA_TABLE] : rtm->rtm_table;
    if (rtm->rtm_type == RTN_LOCAL && rtm->rtm_dst_len == 0 && table == s->route->table &&
        a.values[RTA_OIF] == s->lo)
        s->found = true;
    return MNL_CB_OK;
}

} // namespace

bool hasFwmarkRule(Family family, const PolicyRoute& route, std::string* error) {
    Search s{&route};
    setError(error, {});
    return dump(RTM_GETRULE, family, matchRule, &s, error) && s.found;
}

bool hasLocalRoute(Family family, const PolicyRoute& route, std::string* error) {
    Search s{&route};
    s.lo = if_nametoindex("lo");
    setError(error, {});
    return s.lo != 0 && dump(RTM_GETROUTE, family, matchRoute, &s, error) && s.found;
}

bool addFwmarkRule(Family family, const PolicyRoute& route, std::string* error) {
    return fwmarkRule(family, route, false, error);
}

bool removeFwmarkRule(Family family, const PolicyRoute& route, std::string* error) {
    return fwmarkRule(family, route, true, error);
}

bool addLocalRoute(Family family, const PolicyRoute& route, std::string* error) {
    return localRoute(family, route, false, error);
}

bool removeLocalRoute(Family family, const PolicyRoute& route, std::string* error) {
    return localRoute(family, route, true, error);
}

bool addPolicyRouting(Family family, const PolicyRoute& route, std::string* error) {
    // Route first: a rule pointing at an empty table would send marked packets on to the main table.
    if (!addLocalRoute(family, route, error))
        return false;
    if (addFwmarkRule(family, route, error))
        return true;
    std::string ignored;
    removeLocalRoute(family, route, &ignored);
    return false;
}

bool removePolicyRouting(Family family, const PolicyRoute& route, std::string* error) {
    std::string routeError;
    const bool ruleOk = removeFwmarkRule(family, route, error);
    const bool routeOk = removeLocalRoute(family, route, &routeError);
    if (ruleOk && !routeOk)
        setError(error, routeError);
    return ruleOk && routeOk;
}

} // namespace weir::routing
