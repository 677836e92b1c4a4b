#include "service/nftprobe.h"

#include <arpa/inet.h>
#include <libmnl/libmnl.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>

#include <cerrno>
#include <cstring>
#include <ctime>
#include <memory>
#include <set>
#include <vector>

namespace weir::service {

namespace {

const char* familyName(int family) {
    switch (family) {
    case NFPROTO_IPV4:
        return "ip";
    case NFPROTO_IPV6:
        return "ip6";
    case NFPROTO_INET:
        return "inet";
    default:
        return nullptr; // arp, bridge, netdev: Weir's rules are not there
    }
}

// The hooks of Weir's nat and mangle rules (NF_INET_PRE_ROUTING, NF_INET_LOCAL_OUT).
const char* weirHookName(std::uint32_t hook) {
    switch (hook) {
    case NF_INET_PRE_ROUTING:
        return "prerouting";
    case NF_INET_LOCAL_OUT:
        return "output";
    default:
        return nullptr;
    }
}

int collectAttribute(const nlattr* attr, void* data) {
    const int type = mnl_attr_get_type(attr);
    auto* table = static_cast<const nlattr**>(data);
    if (type >= 0 && type <= NFTA_CHAIN_MAX)
        table[type] = attr;
    return MNL_CB_OK;
}

int collectHookAttribute(const nlattr* attr, void* data) {
    const int type = mnl_attr_get_type(attr);
    auto* table = static_cast<const nlattr**>(data);
    if (type >= 0 && type <= NFTA_HOOK_MAX)
        table[type] = attr;
    return MNL_CB_OK;
}

std::string stringAttribute(const nlattr* attr) {
    if (!attr || mnl_attr_validate(attr, MNL_TYPE_NUL_STRING) < 0)
        return {};
    return mnl_attr_get_str(attr);
}

// One chain of the dump: kept when it is a base chain of ip/ip6/inet at one of Weir's hooks.
int onChain(const nlmsghdr* nlh, void* data) {
    const auto* nfg = static_cast<const nfgenmsg*>(mnl_nlmsg_get_payload(nlh));
    const char* family = familyName(nfg->nfgen_family);
    const nlattr* attrs[NFTA_CHAIN_MAX + 1] = {};
    if (!family || mnl_attr_parse(nlh, sizeof(nfgenmsg), collectAttribute, attrs) < 0)
        return MNL_CB_OK;
    const nlattr* hook = attrs[NFTA_CHAIN_HOOK];
    if (!hook || mnl_attr_validate(hook, MNL_TYPE_NESTED) < 0)
        return MNL_CB_OK; // a regular chain: only reached by a jump from a base chain
    const nlattr* hookAttrs[NFTA_HOOK_MAX + 1] = {};
    if (mnl_attr_parse_nested(hook, collectHookAttribute, hookAttrs) < 0 || !hookAttrs[NFTA_HOOK_HOOKNUM] ||
        mnl_attr_validate(hookAttrs[NFTA_HOOK_HOOKNUM], MNL_TYPE_U32) < 0)
        return MNL_CB_OK;
    const char* hookName = weirHookName(ntohl(mnl_attr_get_u32(hookAttrs[NFTA_HOOK_HOOKNUM])));
    if (!hookName)
        return MNL_CB_OK;
    NftChain chain{family, stringAttribute(attrs[NFTA_CHAIN_TABLE]), stringAttribute(attrs[NFTA_CHAIN_NAME]),
                   hookName, 0};
    if (const nlattr* p = hookAttrs[NFTA_HOOK_PRIORITY]; p && mnl_attr_validate(p, MNL_TYPE_U32) >= 0)
        chain.priority = static_cast<int>(ntohl(mnl_attr_get_u32(p)));
    static_cast<std::vector<NftChain>*>(data)->push_back(std::move(chain));
    return MNL_CB_OK;
}

} // namespace

std::optional<std::vector<NftChain>> listNftChainsAtWeirHooks(std::string* error) {
    std::unique_ptr<mnl_socket, int (*)(mnl_socket*)> sock(mnl_socket_open(NETLINK_NETFILTER),
                                                           mnl_socket_close);
    if (!sock || mnl_socket_bind(sock.get(), 0, MNL_SOCKET_AUTOPID) < 0) {
        *error = std::string("cannot open a netfilter netlink socket: ") + std::strerror(errno);
        return std::nullopt;
    }
    std::vector<char> buf(32768); // MNL_SOCKET_DUMP_SIZE: a dump message can exceed a page
    nlmsghdr* nlh = mnl_nlmsg_put_header(buf.data());
    nlh->nlmsg_type = (NFNL_SUBSYS_NFTABLES << 8) | NFT_MSG_GETCHAIN;
    nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
    const unsigned seq = static_cast<unsigned>(std::time(nullptr));
    nlh->nlmsg_seq = seq;
    auto* nfg = static_cast<nfgenmsg*>(mnl_nlmsg_put_extra_header(nlh, sizeof(nfgenmsg)));
    nfg->nfgen_family = NFPROTO_UNSPEC; // every family; onChain keeps ip, ip6 and inet
    nfg->version = NFNETLINK_V0;
    nfg->res_id = 0;
    if (mnl_socket_sendto(sock.get(), nlh, nlh->nlmsg_len) < 0) {
        *error = std::string("cannot ask nf_tables for its chains: ") + std::strerror(errno);
        return std::nullopt;
    }
    const unsigned portid = mnl_socket_get_portid(sock.get());
    std::vector<NftChain> chains;
    int rc = MNL_CB_OK;
    while (rc > MNL_CB_STOP) {
        const ssize_t n = mnl_socket_recvfrom(sock.get(), buf.data(), buf.size());
        if (n < 0) {
            rc = MNL_CB_ERROR;
            break;
        }
        rc = mnl_cb_run(buf.data(), static_cast<std::size_t>(n), seq, portid, onChain, &chains);
    }
    if (rc == MNL_CB_ERROR) {
        *error = std::string("cannot list the nf_tables chains: ") + std::strerror(errno);
        return std::nullopt;
    }
    return chains;
}

std::string nftCoexistenceWarning(const std::vector<NftChain>& chains, const std::string& backendName) {
    if (chains.empty())
        return {};
    constexpr std::size_t kNamed = 5;
    std::set<std::string> hooks;
    std::string named;
    for (std::size_t i = 0; i < chains.size(); ++i) {
        hooks.insert(chains[i].hook);
        if (i < kNamed)
            named += (named.empty() ? "" : ", ") + std::string("table ") + chains[i].family + " " +
                     chains[i].table + " chain " + chains[i].name;
    }
    if (chains.size() > kNamed)
        named += " and " + std::to_string(chains.size() - kNamed) + " more";
    std::string hookText;
    for (const auto& h : hooks) // std::set orders "output" before "prerouting"
        hookText = hookText.empty() ? h : h + "/" + hookText;
    return "nftables chains also hook " + hookText + " (" + named +
           "); Weir's rules are in legacy iptables (" + backendName + ")";
}

} // namespace weir::service
