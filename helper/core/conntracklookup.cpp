#include "core/conntracklookup.h"

#include <libmnl/libmnl.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nfnetlink_conntrack.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <cstring>

namespace weir::core::detail {

namespace {

constexpr std::size_t kBufferSize = 8192; // one conntrack entry with its counters fits easily

void setError(std::string* error, std::string text) {
    if (error)
        *error = std::move(text);
}

void putTuple(nlmsghdr* nlh, int type, weir::Protocol protocol, const SocketAddress& from,
              const SocketAddress& to) {
    nlattr* tuple = mnl_attr_nest_start(nlh, static_cast<std::uint16_t>(type));
    nlattr* ip = mnl_attr_nest_start(nlh, CTA_TUPLE_IP);
    if (from.family() == AF_INET) {
        const auto* a = reinterpret_cast<const sockaddr_in*>(from.sockaddrPtr());
        const auto* b = reinterpret_cast<const sockaddr_in*>(to.sockaddrPtr());
        mnl_attr_put_u32(nlh, CTA_IP_V4_SRC, a->sin_addr.s_addr);
        mnl_attr_put_u32(nlh, CTA_IP_V4_DST, b->sin_addr.s_addr);
    } else {
        const auto* a = reinterpret_cast<const sockaddr_in6*>(from.sockaddrPtr());
        const auto* b = reinterpret_cast<const sockaddr_in6*>(to.sockaddrPtr());
        mnl_attr_put(nlh, CTA_IP_V6_SRC, sizeof a->sin6_addr, &a->sin6_addr);
        mnl_attr_put(nlh, CTA_IP_V6_DST, sizeof b->sin6_addr, &b->sin6_addr);
    }
    mnl_attr_nest_end(nlh, ip);
    nlattr* proto = mnl_attr_nest_start(nlh, CTA_TUPLE_PROTO);
    mnl_attr_put_u8(nlh, CTA_PROTO_NUM, protocol == weir::Protocol::Tcp ? IPPROTO_TCP : IPPROTO_UDP);
    mnl_attr_put_u16(nlh, CTA_PROTO_SRC_PORT, htons(from.port()));
    mnl_attr_put_u16(nlh, CTA_PROTO_DST_PORT, htons(to.port()));
    mnl_attr_nest_end(nlh, proto);
    mnl_attr_nest_end(nlh, tuple);
}

// What parsing one tuple nest collects.
struct TupleParts {
    int family = AF_UNSPEC;
    const nlattr* ip = nullptr;
    const nlattr* proto = nullptr;
    const nlattr* src = nullptr;
    const nlattr* dst = nullptr;
    const nlattr* sport = nullptr;
    const nlattr* dport = nullptr;
    int wanted = CTA_TUPLE_ORIG; // which of the entry's tuples
    const nlattr* tuple = nullptr;
};

int collectTop(const nlattr* attr, void* data) {
    auto* parts = static_cast<TupleParts*>(data);
    if (mnl_attr_get_type(attr) == parts->wanted && mnl_attr_validate(attr, MNL_TYPE_NESTED) >= 0)
        parts->tuple = attr;
    return MNL_CB_OK;
}

int collectTuple(const nlattr* attr, void* data) {
    auto* parts = static_cast<TupleParts*>(data);
    if (mnl_attr_validate(attr, MNL_TYPE_NESTED) < 0)
        return MNL_CB_OK;
    if (mnl_attr_get_type(attr) == CTA_TUPLE_IP)
        parts->ip = attr;
    else if (mnl_attr_get_type(attr) == CTA_TUPLE_PROTO)
        parts->proto = attr;
    return MNL_CB_OK;
}

int collectIp(const nlattr* attr, void* data) {
    auto* parts = static_cast<TupleParts*>(data);
    switch (mnl_attr_get_type(attr)) {
    case CTA_IP_V4_SRC:
    case CTA_IP_V4_DST:
        if (mnl_attr_get_payload_len(attr) != sizeof(in_addr))
            return MNL_CB_OK;
        parts->family = AF_INET;
        (mnl_attr_get_type(attr) == CTA_IP_V4_SRC ? parts->src : parts->dst) = attr;
        break;
    case CTA_IP_V6_SRC:
    case CTA_IP_V6_DST:
        if (mnl_attr_get_payload_len(attr) != sizeof(in6_addr))
            return MNL_CB_OK;
        parts->family = AF_INET6;
        (mnl_attr_get_type(attr) == CTA_IP_V6_SRC ? parts->src : parts->dst) = attr;
        break;
    default:
        break;
    }
    return MNL_CB_OK;
}

int collectProto(const nlattr* attr, void* data) {
    auto* parts = static_cast<TupleParts*>(data);
    if (mnl_attr_validate(attr, MNL_TYPE_U16) < 0)
        return MNL_CB_OK;
    if (mnl_attr_get_type(attr) == CTA_PROTO_SRC_PORT)
        parts->sport = attr;
    else if (mnl_attr_get_type(attr) == CTA_PROTO_DST_PORT)
        parts->dport = attr;
    return MNL_CB_OK;
}

std::optional<SocketAddress> addressOf(int family, const nlattr* ip, const nlattr* port) {
    sockaddr_storage ss{};
    if (family == AF_INET) {
        auto* sin = reinterpret_cast<sockaddr_in*>(&ss);
        sin->sin_family = AF_INET;
        std::memcpy(&sin->sin_addr, mnl_attr_get_payload(ip), sizeof sin->sin_addr);
        sin->sin_port = mnl_attr_get_u16(port);
        return SocketAddress::fromSockaddr(reinterpret_cast<sockaddr*>(sin), sizeof *sin);
    }
    auto* sin6 = reinterpret_cast<sockaddr_in6*>(&ss);
    sin6->sin6_family = AF_INET6;
    std::memcpy(&sin6->sin6_addr, mnl_attr_get_payload(ip), sizeof sin6->sin6_addr);
    sin6->sin6_port = mnl_attr_get_u16(port);
    return SocketAddress::fromSockaddr(reinterpret_cast<sockaddr*>(sin6), sizeof *sin6);
}

struct Answer {
    int wanted = CTA_TUPLE_ORIG;
    std::optional<ConntrackTuple> tuple;
};

int onEntry(const nlmsghdr* nlh, void* data) {
    auto* answer = static_cast<Answer*>(data);
    TupleParts parts;
    parts.wanted = answer->wanted;
    mnl_attr_parse(nlh, sizeof(nfgenmsg), collectTop, &parts);
    if (!parts.tuple)
        return MNL_CB_OK;
    mnl_attr_parse_nested(parts.tuple, collectTuple, &parts);
    if (!parts.ip || !parts.proto)
        return MNL_CB_OK;
    mnl_attr_parse_nested(parts.ip, collectIp, &parts);
    mnl_attr_parse_nested(parts.proto, collectProto, &parts);
    if (!parts.src || !parts.dst || !parts.sport || !parts.dport || parts.family == AF_UNSPEC)
        return MNL_CB_OK;
    auto source = addressOf(parts.family, parts.src, parts.sport);
    auto destination = addressOf(parts.family, parts.dst, parts.dport);
    if (source && destination)
        answer->tuple = ConntrackTuple{*source, *destination};
    return MNL_CB_OK;
}

} // namespace

bool ConntrackLookup::open(std::string* error) {
    if (fd_.isValid())
        return true;
    std::string why;
    UniqueFd fd = openNetlinkSocket(NETLINK_NETFILTER, &why);
    if (!fd.isValid()) {
        setError(error, "conntrack: " + why);
        return false;
    }
    fd_ = std::move(fd);
    return true;
}

std::optional<ConntrackTuple> ConntrackLookup::originalOf(weir::Protocol protocol,
                                                          const SocketAddress& replySource,
                                                          const SocketAddress& replyDestination,
                                                          std::string* error, bool* noEntry) {
    return query(protocol, CTA_TUPLE_REPLY, {replySource, replyDestination}, error, noEntry);
}

std::optional<ConntrackTuple> ConntrackLookup::replyOf(weir::Protocol protocol, const SocketAddress& source,
                                                       const SocketAddress& destination, std::string* error,
                                                       bool* noEntry) {
    return query(protocol, CTA_TUPLE_ORIG, {source, destination}, error, noEntry);
}

std::optional<ConntrackTuple> ConntrackLookup::query(weir::Protocol protocol, int givenType,
                                                     const ConntrackTuple& given, std::string* error,
                                                     bool* noEntry) {
    const SocketAddress& from = given.source;
    const SocketAddress& to = given.destination;
    if (noEntry)
        *noEntry = false;
    if (!from.isValid() || from.family() != to.family()) {
        setError(error, "conntrack: no address to look up");
        return std::nullopt;
    }
    if (!open(error))
        return std::nullopt;

    alignas(nlmsghdr) char buf[kBufferSize];
    nlmsghdr* nlh = mnl_nlmsg_put_header(buf);
    nlh->nlmsg_type = (NFNL_SUBSYS_CTNETLINK << 8) | IPCTNL_MSG_CT_GET;
    nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
    nlh->nlmsg_seq = ++sequence_;
    auto* gen = static_cast<nfgenmsg*>(mnl_nlmsg_put_extra_header(nlh, sizeof(nfgenmsg)));
    gen->nfgen_family = static_cast<std::uint8_t>(from.family());
    gen->version = NFNETLINK_V0;
    gen->res_id = 0;
    putTuple(nlh, givenType, protocol, from, to);

    if (::send(fd_.get(), nlh, nlh->nlmsg_len, 0) < 0) {
        setError(error, "conntrack: cannot send the request: " + errnoText(errno));
        fd_.reset(); // a fresh socket next time
        return std::nullopt;
    }
    Answer answer;
    answer.wanted = givenType == CTA_TUPLE_REPLY ? CTA_TUPLE_ORIG : CTA_TUPLE_REPLY;
    for (;;) {
        const ssize_t n = ::recv(fd_.get(), buf, sizeof buf, 0);
        if (n < 0) {
            setError(error, "conntrack: no answer: " + errnoText(errno));
            fd_.reset(); // the late answer must not be taken for the next request's
            return std::nullopt;
        }
        const int ret = mnl_cb_run(buf, static_cast<std::size_t>(n), sequence_, 0, onEntry, &answer);
        if (ret == MNL_CB_ERROR && errno == ESRCH)
            continue; // an answer to an earlier request (another sequence number)
        if (ret == MNL_CB_ERROR) {
            if (errno == ENOENT && noEntry)
                *noEntry = true;
            if (errno == ENOENT)
                setError(error, "conntrack: no entry for " + from.toString() + " -> " + to.toString());
            else
                setError(error, "conntrack: " + errnoText(errno));
            return std::nullopt;
        }
        if (ret == MNL_CB_STOP) // the ACK after the entry
            break;
    }
    if (!answer.tuple)
        setError(error, "conntrack: the answer held no tuple");
    return answer.tuple;
}

} // namespace weir::core::detail
