// The rule plan: Weir's interception rules as plain data, made by a pure function of the settings.
// The same plan is rendered as iptables-save text (golden tests, logs), applied by a backend and
// undone by it, so the three can never disagree.
#pragma once

#include "config/cidr.h"
#include "config/settings.h"
#include "firewall/firewall.h"

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace weir::firewall {

// Every chain Weir creates starts with this; every rule Weir adds carries kRuleComment.
inline constexpr const char kChainPrefix[] = "WEIR_";
inline constexpr const char kRuleComment[] = "weir";

using weir::Family;
using weir::PortRange;
using weir::Protocol;
using weir::Scope;
enum class Table { Nat, Mangle };

const char* tableName(Table t);
const char* protocolName(Protocol p);
bool isBuiltinChain(const std::string& chain);
bool isWeirChain(const std::string& chain);

// An address prefix (config/cidr.h), normalised by the renderer and the backend.
using weir::Cidr;

// Extension matches, in the order the kernel entry holds them (which is the order iptables-save prints).
struct MarkMatch { // -m mark [!] --mark value[/mask]      (xt_mark_mtinfo1, revision 1)
    std::uint32_t value = 0;
    std::uint32_t mask = 0xffffffff;
    bool invert = false;
    bool operator==(const MarkMatch&) const = default;
};
struct AddrTypeMatch { // -m addrtype [!] --dst-type LOCAL (xt_addrtype_info_v1, revision 1)
    enum class Type { Local };
    Type dstType = Type::Local;
    bool invert = false;
    bool operator==(const AddrTypeMatch&) const = default;
};
struct CommentMatch { // -m comment --comment text          (xt_comment_info, revision 0)
    std::string text;
    bool operator==(const CommentMatch&) const = default;
};
struct SocketMatch { // -m socket --transparent              (xt_socket_mtinfo3, revision 3)
    // Matches packets for which a transparent socket exists (sockets bound to a wildcard address,
    // i.e. listeners, are ignored), so packets of connections TPROXY already delivered.
    bool transparent = true;
    bool operator==(const SocketMatch&) const = default;
};
struct TcpFlagsMatch {        // -m tcp [!] --tcp-flags MASK COMP    (xt_tcp, revision 0; needs -p tcp)
    std::uint8_t mask = 0;    // TCPHDR flag bits: FIN 0x01 SYN 0x02 RST 0x04 PSH 0x08 ACK 0x10 URG 0x20
    std::uint8_t compare = 0; // of the masked bits, these must be set
    bool invert = false;
    bool operator==(const TcpFlagsMatch&) const = default;
    // `! --syn`, which iptables-save prints as `! --tcp-flags FIN,SYN,RST,ACK SYN`.
    static TcpFlagsMatch notSyn() { return {0x17, 0x02, true}; }
};
struct OwnerMatch { // -m owner [!] --uid-owner N | --gid-owner N   (xt_owner_match_info, rev 1)
    enum class Kind { Uid, Gid };
    Kind kind = Kind::Uid;
    std::uint32_t id = 0;
    bool invert = false;
    bool operator==(const OwnerMatch&) const = default;
};
struct CgroupMatch {  // -m cgroup [!] --path P               (xt_cgroup_info_v1, revision 1)
    std::string path; // cgroup v2 path; must exist when the rule is added
    bool invert = false;
    bool operator==(const CgroupMatch&) const = default;
};
struct MultiportMatch { // -m multiport [!] --dports a,b:c   (xt_multiport_v1, revision 1; needs -p)
    std::vector<PortRange> destinationPorts; // at most kMaxPortSlots slots, a range counting as two
    bool invert = false;
    bool operator==(const MultiportMatch&) const = default;
};
struct ConntrackDnatMatch { // -m conntrack [!] --ctstate DNAT   (xt_conntrack_mtinfo3, revision 3)
    bool invert = false;
    bool operator==(const ConntrackDnatMatch&) const = default;
};
using Match = std::variant<MarkMatch, AddrTypeMatch, CommentMatch, SocketMatch, TcpFlagsMatch, OwnerMatch,
                           CgroupMatch, MultiportMatch, ConntrackDnatMatch>;

// Targets.
struct JumpTarget { // -j WEIR_CHAIN
    std::string chain;
    bool operator==(const JumpTarget&) const = default;
};
struct ReturnTarget { // -j RETURN
    bool operator==(const ReturnTarget&) const = default;
};
struct AcceptTarget { // -j ACCEPT (ends this table's traversal only; later tables still see the packet)
    bool operator==(const AcceptTarget&) const = default;
};
struct RedirectTarget { // -j REDIRECT --to-ports P   (nat; v4 rev 0 multi_range_compat, v6 rev 0
                        // nf_nat_range)
    std::uint16_t toPort = 0;
    bool operator==(const RedirectTarget&) const = default;
};
struct TproxyTarget { // -j TPROXY --on-port P --on-ip A --tproxy-mark V/M   (mangle PREROUTING, rev 1)
    std::uint16_t onPort = 0;
    std::string onIp; // "127.0.0.1" / "::1"; empty means any
    std::uint32_t markValue = 0;
    std::uint32_t markMask = 0xffffffff;
    bool operator==(const TproxyTarget&) const = default;
};
struct MarkTarget { // -j MARK --set-xmark V/M   (xt_mark_tginfo2, revision 2)
    std::uint32_t value = 0;
    std::uint32_t mask = 0xffffffff;
    bool operator==(const MarkTarget&) const = default;
};
using Target = std::variant<JumpTarget, ReturnTarget, AcceptTarget, RedirectTarget, TproxyTarget, MarkTarget>;

struct ChainSpec {
    Family family = Family::V4;
    Table table = Table::Nat;
    std::string name;
    bool operator==(const ChainSpec&) const = default;
};

struct Rule {
    enum class Position {
        Append,    // at the end of the chain (Weir's own chains)
        InsertTop, // before everything else (the jump from a built-in chain)
    };
    Family family = Family::V4;
    Table table = Table::Nat;
    std::string chain;
    Position position = Position::Append;

    // Fields of the IP header part of the entry (-s, -d, -i, -o, -p).
    std::optional<Protocol> protocol;
    std::optional<Cidr> source;
    bool invertSource = false;
    std::optional<Cidr> destination;
    bool invertDestination = false;
    std::string inInterface; // empty: any; a trailing '+' matches every name with that prefix
    bool invertInInterface = false;
    std::string outInterface; // empty: any
    bool invertOutInterface = false;

    std::vector<Match> matches;
    Target target;
    bool operator==(const Rule&) const = default;
};

struct RulePlan {
    std::vector<ChainSpec> chains; // chains to create, in creation order
    std::vector<Rule> rules;       // rules to add, in order
    bool operator==(const RulePlan&) const = default;

    // The (family, table) pairs the plan touches, in order of first appearance.
    std::vector<std::pair<Family, Table>> tables() const;
};

// Settings -> plan (planner.cpp). Pure. Returns nullopt and sets *error (every invalid key, as
// weir::describe() words it) when validate(settings) finds a problem.
//
// What the plan holds, per family (IPv4; IPv6 too when settings.ipv6), every chain WEIR_*, every
// rule tagged `-m comment --comment weir`, built-in chains only jumping to Weir's chains:
// - redirect, scope local:   nat OUTPUT -> WEIR_OUTPUT: core mark RETURN, bypasses, exclusions,
//                            REDIRECT --to-ports proxyPort (tcp, ports).
// - redirect, scope gateway: nat PREROUTING -i IFACE -s SUBNET -> WEIR_PREROUTING: bypasses, REDIRECT.
// - tproxy:                  mangle PREROUTING -> WEIR_PREROUTING: packets of accepted connections
//                            (-m socket --transparent, never a SYN) -> WEIR_DIVERT (MARK fwmark,
//                            ACCEPT); bypasses; local: -i lo with fwmark -> TPROXY on loopback;
//                            gateway: -i IFACE -s SUBNET -> TPROXY on the any address.
//                            Local also: mangle OUTPUT -> WEIR_OUTPUT: core mark RETURN, bypasses,
//                            exclusions, MARK fwmark (so the routing rule sends it through lo).
// "Bypasses": loopback, this machine's addresses (addrtype LOCAL), link-local, multicast, broadcast,
// the private ranges when bypassPrivate, then settings.bypass.
std::optional<RulePlan> planRules(const weir::Settings& settings, std::string* error = nullptr);

// The address the TPROXY listener of the proxy core binds for this family and scope: loopback
// (127.0.0.1, ::1) when only this machine's traffic is intercepted; the any address (0.0.0.0, ::)
// when LAN traffic is, since TPROXY --on-ip 0.0.0.0 delivers to the ingress interface's address.
// The planner's TPROXY rules use the loopback address for lo traffic and the any address for LAN
// traffic; a listener on the any address receives both.
std::string tproxyListenAddress(Family family, Scope scope);

// Renders the plan's rules of one family exactly as `iptables-legacy-save` (or ip6tables-legacy-save)
// prints them after the plan is applied to empty tables: per table `*nat`, the created chains as
// `:NAME - [0:0]` (sorted, like libiptc), rules grouped by chain (built-ins in hook order, then user
// chains sorted), `COMMIT`. Built-in chain policy lines and comment lines are left out.
std::string renderIptablesSave(const RulePlan& plan, Family family = Family::V4);

// TCP flag names as iptables spells them, lowest bit first (rendering and parsing share them).
struct TcpFlagName {
    const char* name;
    std::uint8_t bit;
};
extern const std::array<TcpFlagName, 6> kTcpFlagNames;

// One rule as its `-A CHAIN ...` line (no table), for logs and error messages.
std::string renderRule(const Rule& rule);

} // namespace weir::firewall
