#include "firewall/iptcentry.h"

// <netinet/in.h> must come before any <linux/netfilter*.h> (struct in_addr is defined by both).
#include <netinet/in.h>
#include <arpa/inet.h>
#include <linux/limits.h>
#include <net/if.h>
#include <libiptc/libiptc.h>
extern "C" { // libip6tc.h (iptables 1.8.9) has no extern "C" guard of its own
#include <libiptc/libip6tc.h>
}
#include <linux/netfilter/nf_nat.h>
#include <linux/netfilter/xt_TPROXY.h>
#include <linux/netfilter/xt_addrtype.h>
#include <linux/netfilter/xt_cgroup.h>
#include <linux/netfilter/xt_comment.h>
#include <linux/netfilter/xt_conntrack.h>
#include <linux/netfilter/xt_mark.h>
#include <linux/netfilter/xt_multiport.h>
#include <linux/netfilter/xt_owner.h>
#include <linux/netfilter/xt_socket.h>
#include <linux/netfilter/xt_tcpudp.h>

#include <algorithm>
#include <cstddef>
#include <cstring>
#include <type_traits>

namespace weir::firewall {

namespace {

void setError(std::string* error, const std::string& text) {
    if (error)
        *error = text;
}

// Zero-filled in place, padding included: the kernel keeps padding bytes as given and libiptc
// compares entries byte by byte. (A returned copy need not preserve padding.)
template <class T> void zero(T* value) {
    static_assert(std::is_trivially_copyable_v<T>);
    std::memset(value, 0, sizeof *value);
}

template <class T> std::vector<unsigned char> bytesOf(const T& value) {
    static_assert(std::is_trivially_copyable_v<T>);
    const auto* p = reinterpret_cast<const unsigned char*>(&value);
    return {p, p + sizeof(T)};
}

// One match or target: its name, revision and payload. Bytes from userSize on are the kernel's own
// (never compared when deleting).
struct Part {
    std::string name;
    std::uint8_t revision = 0;
    std::vector<unsigned char> data;
    std::size_t userSize = SIZE_MAX;
};

// The only arithmetic that matters: each part is XT_ALIGNed, target_offset and next_offset add up.
template <class Entry>
KernelEntry assemble(const Entry& header, const std::vector<Part>& matches, const Part& target) {
    std::size_t offset = XT_ALIGN(sizeof(Entry));
    std::vector<std::size_t> matchSizes;
    for (const auto& m : matches) {
        matchSizes.push_back(XT_ALIGN(sizeof(xt_entry_match) + m.data.size()));
        offset += matchSizes.back();
    }
    const std::size_t targetSize = XT_ALIGN(sizeof(xt_entry_target) + target.data.size());
    KernelEntry out;
    out.bytes.assign(offset + targetSize, 0); // padding must be zero: the kernel compares it
    out.mask.assign(offset + targetSize, 0xff);

    auto* e = reinterpret_cast<Entry*>(out.bytes.data());
    *e = header;
    e->target_offset = static_cast<std::uint16_t>(offset);
    e->next_offset = static_cast<std::uint16_t>(offset + targetSize);

    std::size_t pos = XT_ALIGN(sizeof(Entry));
    for (std::size_t i = 0; i < matches.size(); ++i) {
        auto* m = reinterpret_cast<xt_entry_match*>(out.bytes.data() + pos);
        m->u.user.match_size = static_cast<std::uint16_t>(matchSizes[i]);
        std::strncpy(m->u.user.name, matches[i].name.c_str(), sizeof(m->u.user.name) - 1);
        m->u.user.revision = matches[i].revision;
        std::memcpy(m->data, matches[i].data.data(), matches[i].data.size());
        const std::size_t dataStart = pos + XT_ALIGN(sizeof(xt_entry_match));
        if (matches[i].userSize < matches[i].data.size())
            std::fill(out.mask.begin() + static_cast<std::ptrdiff_t>(dataStart + matches[i].userSize),
                      out.mask.begin() + static_cast<std::ptrdiff_t>(pos + matchSizes[i]), 0);
        pos += matchSizes[i];
    }
    auto* t = reinterpret_cast<xt_entry_target*>(out.bytes.data() + offset);
    t->u.user.target_size = static_cast<std::uint16_t>(targetSize);
    std::strncpy(t->u.user.name, target.name.c_str(), sizeof(t->u.user.name) - 1);
    t->u.user.revision = target.revision;
    std::memcpy(t->data, target.data.data(), target.data.size());
    return out;
}

// Interface name and mask as iptables fills them: a trailing '+' is a prefix wildcard.
bool fillInterface(const std::string& name, char* iface, unsigned char* mask, std::string* error) {
    if (name.empty() || name.size() >= IFNAMSIZ) {
        setError(error, "bad interface name \"" + name + "\"");
        return false;
    }
    std::strncpy(iface, name.c_str(), IFNAMSIZ - 1);
    const bool wildcard = name.back() == '+';
    std::memset(mask, 0xff, wildcard ? name.size() - 1 : name.size() + 1);
    return true;
}

bool parsePrefix(int af, const Cidr& cidr, void* addr, void* mask, std::string* error) {
    const int bits = af == AF_INET ? 32 : 128;
    if (inet_pton(af, cidr.address.c_str(), addr) != 1 || cidr.prefixLength < 0 || cidr.prefixLength > bits) {
        setError(error, "bad address prefix " + cidr.address + "/" + std::to_string(cidr.prefixLength));
        return false;
    }
    auto* a = static_cast<unsigned char*>(addr);
    auto* m = static_cast<unsigned char*>(mask);
    for (int i = 0; i < bits / 8; ++i) {
        const int keep = std::clamp(cidr.prefixLength - i * 8, 0, 8);
        m[i] = static_cast<unsigned char>(0xff00 >> keep);
        a[i] &= m[i];
    }
    return true;
}

std::uint8_t ipProto(Protocol p) {
    return p == Protocol::Tcp ? IPPROTO_TCP : IPPROTO_UDP;
}

// The header part, the same fields in ipt_ip and ip6t_ip6 under different names and flags.
template <class Ip, class Flags> bool fillHeader(const Rule& r, int af, Ip* ip, std::string* error) {
    if (r.source) {
        if (!parsePrefix(af, *r.source, &ip->src, &ip->smsk, error))
            return false;
        if (r.invertSource)
            ip->invflags |= Flags::invSource;
    }
    if (r.destination) {
        if (!parsePrefix(af, *r.destination, &ip->dst, &ip->dmsk, error))
            return false;
        if (r.invertDestination)
            ip->invflags |= Flags::invDestination;
    }
    if (!r.inInterface.empty()) {
        if (!fillInterface(r.inInterface, ip->iniface, ip->iniface_mask, error))
            return false;
        if (r.invertInInterface)
            ip->invflags |= Flags::invIn;
    }
    if (!r.outInterface.empty()) {
        if (!fillInterface(r.outInterface, ip->outiface, ip->outiface_mask, error))
            return false;
        if (r.invertOutInterface)
            ip->invflags |= Flags::invOut;
    }
    if (r.protocol) {
        ip->proto = ipProto(*r.protocol);
        ip->flags |= Flags::protoFlag; // IPv6: without it the kernel ignores proto
    }
    return true;
}

struct V4Flags {
    static constexpr std::uint8_t invSource = IPT_INV_SRCIP, invDestination = IPT_INV_DSTIP,
                                  invIn = IPT_INV_VIA_IN, invOut = IPT_INV_VIA_OUT, protoFlag = 0;
};
struct V6Flags {
    static constexpr std::uint8_t invSource = IP6T_INV_SRCIP, invDestination = IP6T_INV_DSTIP,
                                  invIn = IP6T_INV_VIA_IN, invOut = IP6T_INV_VIA_OUT,
                                  protoFlag = IP6T_F_PROTO;
};

Part redirectPart(Family family, std::uint16_t port) {
    if (family == Family::V4) {
        nf_nat_ipv4_multi_range_compat mr;
        zero(&mr);
        mr.rangesize = 1;
        mr.range[0].flags = NF_NAT_RANGE_PROTO_SPECIFIED;
        mr.range[0].min.tcp.port = mr.range[0].max.tcp.port = htons(port);
        return {"REDIRECT", 0, bytesOf(mr)};
    }
    nf_nat_range range;
    zero(&range);
    range.flags = NF_NAT_RANGE_PROTO_SPECIFIED;
    range.min_proto.tcp.port = range.max_proto.tcp.port = htons(port);
    return {"REDIRECT", 0, bytesOf(range)};
}

struct PartBuilder {
    Family family;
    std::string* error;

    std::optional<Part> operator()(const MarkMatch& m) const {
        xt_mark_mtinfo1 info;
        zero(&info);
        info.mark = m.value;
        info.mask = m.mask;
        info.invert = m.invert ? 1 : 0;
        return Part{"mark", 1, bytesOf(info)};
    }
    std::optional<Part> operator()(const AddrTypeMatch& m) const {
        xt_addrtype_info_v1 info;
        zero(&info);
        info.dest = XT_ADDRTYPE_LOCAL;
        if (m.invert)
            info.flags |= XT_ADDRTYPE_INVERT_DEST;
        return Part{"addrtype", 1, bytesOf(info)};
    }
    std::optional<Part> operator()(const CommentMatch& m) const {
        xt_comment_info info;
        zero(&info);
        if (m.text.size() >= sizeof(info.comment)) {
            setError(error, "comment too long: " + m.text);
            return std::nullopt;
        }
        std::strncpy(info.comment, m.text.c_str(), sizeof(info.comment) - 1);
        return Part{"comment", 0, bytesOf(info)};
    }
    std::optional<Part> operator()(const SocketMatch& m) const {
        // Revision 3: iptables-legacy-save prints an older revision as "[unsupported revision]".
        // Without XT_SOCKET_NOWILDCARD, sockets bound to a wildcard address (listeners) are ignored.
        xt_socket_mtinfo3 info;
        zero(&info);
        info.flags = m.transparent ? XT_SOCKET_TRANSPARENT : 0;
        return Part{"socket", 3, bytesOf(info)};
    }
    std::optional<Part> operator()(const TcpFlagsMatch& m) const {
        xt_tcp info;
        zero(&info);
        info.spts[1] = info.dpts[1] = 0xffff; // any port
        info.flg_mask = m.mask;
        info.flg_cmp = m.compare;
        info.invflags = m.invert ? XT_TCP_INV_FLAGS : 0;
        return Part{"tcp", 0, bytesOf(info)};
    }
    std::optional<Part> operator()(const OwnerMatch& m) const {
        xt_owner_match_info info;
        zero(&info);
        const std::uint8_t bit = m.kind == OwnerMatch::Kind::Uid ? XT_OWNER_UID : XT_OWNER_GID;
        if (m.kind == OwnerMatch::Kind::Uid)
            info.uid_min = info.uid_max = m.id;
        else
            info.gid_min = info.gid_max = m.id;
        info.match = bit;
        info.invert = m.invert ? bit : 0;
        return Part{"owner", 1, bytesOf(info)};
    }
    std::optional<Part> operator()(const ConntrackDnatMatch& m) const {
        xt_conntrack_mtinfo3 info;
        zero(&info);
        info.match_flags = XT_CONNTRACK_STATE;
        info.invert_flags = m.invert ? XT_CONNTRACK_STATE : 0;
        info.state_mask = XT_CONNTRACK_STATE_DNAT;
        return Part{"conntrack", 3, bytesOf(info)};
    }
    std::optional<Part> operator()(const CgroupMatch& m) const {
        // Revision 2 (revision 1 prints as "[unsupported revision]"): paths up to 511 bytes.
        xt_cgroup_info_v2 info;
        zero(&info);
        if (m.path.empty() || m.path.size() >= sizeof(info.path)) {
            setError(error, "bad cgroup path \"" + m.path + "\" (the cgroup match takes at most " +
                                std::to_string(sizeof(info.path) - 1) + " bytes)");
            return std::nullopt;
        }
        info.has_path = 1;
        info.invert_path = m.invert ? 1 : 0;
        std::strncpy(info.path, m.path.c_str(), sizeof(info.path) - 1);
        // The kernel keeps its cgroup pointer in `priv`: not part of the rule.
        return Part{"cgroup", 2, bytesOf(info), offsetof(xt_cgroup_info_v2, priv)};
    }
    std::optional<Part> operator()(const MultiportMatch& m) const {
        xt_multiport_v1 info;
        zero(&info);
        info.flags = XT_MULTIPORT_DESTINATION;
        unsigned n = 0;
        for (const auto& p : m.destinationPorts) {
            const bool range = p.last != p.first;
            if (n + (range ? 2 : 1) > XT_MULTI_PORTS) {
                setError(error, "more than " + std::to_string(XT_MULTI_PORTS) + " multiport slots");
                return std::nullopt;
            }
            info.ports[n] = p.first; // host byte order
            if (range) {
                info.pflags[n++] = 1;
                info.ports[n] = p.last;
            }
            ++n;
        }
        info.count = static_cast<std::uint8_t>(n);
        info.invert = m.invert ? 1 : 0;
        return Part{"multiport", 1, bytesOf(info)};
    }

    std::optional<Part> operator()(const JumpTarget& t) const {
        if (t.chain.empty() || t.chain.size() >= XT_EXTENSION_MAXNAMELEN) {
            setError(error, "bad chain name: " + t.chain);
            return std::nullopt;
        }
        return Part{t.chain, 0, std::vector<unsigned char>(sizeof(int))}; // libiptc maps the name
    }
    std::optional<Part> operator()(const ReturnTarget&) const {
        return Part{"RETURN", 0, std::vector<unsigned char>(sizeof(int))};
    }
    std::optional<Part> operator()(const AcceptTarget&) const {
        return Part{"ACCEPT", 0, std::vector<unsigned char>(sizeof(int))};
    }
    std::optional<Part> operator()(const RedirectTarget& t) const { return redirectPart(family, t.toPort); }
    std::optional<Part> operator()(const TproxyTarget& t) const {
        xt_tproxy_target_info_v1 info;
        zero(&info);
        info.mark_value = t.markValue;
        info.mark_mask = t.markMask;
        info.lport = htons(t.onPort);
        const int af = family == Family::V4 ? AF_INET : AF_INET6;
        if (!t.onIp.empty() && inet_pton(af, t.onIp.c_str(), &info.laddr) != 1) {
            setError(error, "bad TPROXY address " + t.onIp);
            return std::nullopt;
        }
        return Part{"TPROXY", 1, bytesOf(info)};
    }
    std::optional<Part> operator()(const MarkTarget& t) const {
        xt_mark_tginfo2 info;
        zero(&info);
        info.mark = t.value;
        info.mask = t.mask;
        return Part{"MARK", 2, bytesOf(info)};
    }
};

} // namespace

std::optional<KernelEntry> kernelEntry(const Rule& rule, std::string* error) {
    PartBuilder build{rule.family, error};
    std::vector<Part> matches;
    for (const auto& m : rule.matches) {
        auto part = std::visit(build, m);
        if (!part)
            return std::nullopt;
        matches.push_back(std::move(*part));
    }
    auto target = std::visit(build, rule.target);
    if (!target)
        return std::nullopt;
    if (rule.family == Family::V4) {
        ipt_entry header;
        zero(&header);
        if (!fillHeader<ipt_ip, V4Flags>(rule, AF_INET, &header.ip, error))
            return std::nullopt;
        return assemble(header, matches, *target);
    }
    ip6t_entry header;
    zero(&header);
    if (!fillHeader<ip6t_ip6, V6Flags>(rule, AF_INET6, &header.ipv6, error))
        return std::nullopt;
    return assemble(header, matches, *target);
}

std::vector<std::string> extensionNames(const Rule& rule) {
    std::string ignored;
    PartBuilder build{rule.family, &ignored};
    std::vector<std::string> out;
    for (const auto& m : rule.matches)
        if (auto part = std::visit(build, m))
            out.push_back(part->name);
    const bool standard = std::holds_alternative<JumpTarget>(rule.target) ||
                          std::holds_alternative<ReturnTarget>(rule.target) ||
                          std::holds_alternative<AcceptTarget>(rule.target);
    if (!standard)
        if (auto part = std::visit(build, rule.target))
            out.push_back(part->name);
    return out;
}

} // namespace weir::firewall
