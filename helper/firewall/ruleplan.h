// The rule plan: Weir's interception rules as plain data, made by a pure function of the settings.
// The same plan is rendered as iptables-save text (golden tests, logs), applied by a backend and
// undone by it, so the three can never disagree.
#pragma once

#include "config/cidr.h"
#include "firewall/firewall.h"

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
using weir::Protocol;
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
using Match = std::variant<MarkMatch, AddrTypeMatch, CommentMatch>;

// Targets.
struct JumpTarget { // -j WEIR_CHAIN
    std::string chain;
    bool operator==(const JumpTarget&) const = default;
};
struct ReturnTarget { // -j RETURN
    bool operator==(const ReturnTarget&) const = default;
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
using Target = std::variant<JumpTarget, ReturnTarget, RedirectTarget, TproxyTarget, MarkTarget>;

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

    // Fields of the IP header part of the entry (-p, -d, -o).
    std::optional<Protocol> protocol;
    std::optional<Cidr> destination;
    bool invertDestination = false;
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

// Settings -> plan. Pure. Returns nullopt and sets *error for settings that are not supported
// (TPROXY is planned in the next step; until then it is refused rather than half-planned).
std::optional<RulePlan> planRules(const InterceptSettings& settings, std::string* error = nullptr);

// Renders the plan's rules of one family exactly as `iptables-legacy-save` (or ip6tables-legacy-save)
// prints them after the plan is applied to empty tables: per table `*nat`, the created chains as
// `:NAME - [0:0]` (sorted, like libiptc), rules grouped by chain (built-ins in hook order, then user
// chains sorted), `COMMIT`. Built-in chain policy lines and comment lines are left out.
std::string renderIptablesSave(const RulePlan& plan, Family family = Family::V4);

// One rule as its `-A CHAIN ...` line (no table), for logs and error messages.
std::string renderRule(const Rule& rule);

} // namespace weir::firewall
