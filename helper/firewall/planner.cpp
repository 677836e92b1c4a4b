// Settings -> RulePlan: which rules Weir installs, and why each one is there (see ruleplan.h for the
// overall shape). Pure: no system calls, so every case is covered by golden files.
#include "firewall/ruleplan.h"

#include <functional>

namespace weir::firewall {

namespace {

const std::string kOutputChain = std::string(kChainPrefix) + "OUTPUT";
const std::string kPreroutingChain = std::string(kChainPrefix) + "PREROUTING";
const std::string kDivertChain = std::string(kChainPrefix) + "DIVERT";

// Every address is kept in the kernel's form (host bits cleared), so a plan read back from the
// kernel or from an undo record compares equal to the one planned.
Cidr normalised(const Cidr& c) {
    return Cidr::parse(c.normalized()).value_or(c);
}

std::vector<Cidr> cidrsOf(Family family, const std::vector<Cidr>& list) {
    std::vector<Cidr> out;
    for (const auto& c : list)
        if (c.family() == family)
            out.push_back(normalised(c));
    return out;
}

// Destinations never intercepted, before the user's own list. Loopback and this machine's addresses
// come separately (loopback first, then addrtype LOCAL).
std::vector<Cidr> reservedDestinations(Family family, bool bypassPrivate) {
    if (family == Family::V4) {
        std::vector<Cidr> out = {{"169.254.0.0", 16},      // link-local (DHCP-less links, cloud metadata)
                                 {"224.0.0.0", 4},         // multicast: no connection to proxy
                                 {"255.255.255.255", 32}}; // limited broadcast
        if (bypassPrivate)
            out.insert(out.end(),
                       {{"10.0.0.0", 8}, {"172.16.0.0", 12}, {"192.168.0.0", 16}, {"100.64.0.0", 10}});
        return out;
    }
    std::vector<Cidr> out = {{"fe80::", 10}, {"ff00::", 8}}; // link-local, multicast
    if (bypassPrivate)
        out.push_back({"fc00::", 7}); // unique local addresses
    return out;
}

const char* anyAddress(Family f) {
    return f == Family::V4 ? "0.0.0.0" : "::";
}
const char* loopbackAddress(Family f) {
    return f == Family::V4 ? "127.0.0.1" : "::1";
}

std::vector<Protocol> protocols(const Settings& s) {
    if (s.mode == Mode::Tproxy && s.udp)
        return {Protocol::Tcp, Protocol::Udp};
    return {Protocol::Tcp};
}

// Builds the plan one family at a time; every helper writes the rule for the current family, so
// the IPv4 and IPv6 variants come out of the same code (like Istio's iptables builder).
class Builder {
public:
    explicit Builder(const Settings& s)
        : m_s(s) {}

    RulePlan build() {
        const std::vector<Family> families =
            m_s.ipv6 ? std::vector{Family::V4, Family::V6} : std::vector{Family::V4};
        for (Family f : families) {
            m_family = f;
            if (m_s.mode == Mode::Redirect)
                planRedirect();
            else
                planTproxy();
        }
        return std::move(m_plan);
    }

private:
    const Settings& m_s;
    Family m_family = Family::V4;
    RulePlan m_plan;

    void chain(Table table, const std::string& name) { m_plan.chains.push_back({m_family, table, name}); }

    // A rule of the current family, tagged "weir". Built-in chains only get jumps, at the top.
    Rule& add(Table table, const std::string& chain, Target target, std::vector<Match> matches = {}) {
        Rule r;
        r.family = m_family;
        r.table = table;
        r.chain = chain;
        r.position = isBuiltinChain(chain) ? Rule::Position::InsertTop : Rule::Position::Append;
        r.target = std::move(target);
        r.matches = std::move(matches);
        r.matches.emplace_back(CommentMatch{kRuleComment});
        m_plan.rules.push_back(std::move(r));
        return m_plan.rules.back();
    }

    // The destination-port filter for intercepting rules (needs -p); nothing when all ports are.
    std::vector<Match> portMatch() const {
        if (m_s.ports.empty())
            return {};
        return {MultiportMatch{m_s.ports, false}};
    }

    // The core's own sockets carry outgoingMark (SO_MARK): RETURN first, so its upstream connections
    // never come back to it.
    void ownTrafficReturns(Table table, const std::string& chain) {
        add(table, chain, ReturnTarget{}, {MarkMatch{m_s.outgoingMark, 0xffffffff, false}});
    }

    void bypassesReturn(Table table, const std::string& chain) {
        // Loopback, then every address of this machine (local services, the core's own listener).
        add(table, chain, ReturnTarget{}).destination =
            m_family == Family::V4 ? Cidr{"127.0.0.0", 8} : Cidr{"::1", 128};
        add(table, chain, ReturnTarget{}, {AddrTypeMatch{AddrTypeMatch::Type::Local, false}});
        for (const auto& c : reservedDestinations(m_family, m_s.bypassPrivate))
            add(table, chain, ReturnTarget{}).destination = c;
        for (const auto& c : cidrsOf(m_family, m_s.bypass)) // the user's own list
            add(table, chain, ReturnTarget{}).destination = c;
    }

    // Users, groups and cgroups whose own traffic the user chose to leave alone (local scope only:
    // owner and cgroup only exist for locally generated packets).
    void exclusionsReturn(Table table, const std::string& chain) {
        for (auto uid : m_s.excludeUids)
            add(table, chain, ReturnTarget{}, {OwnerMatch{OwnerMatch::Kind::Uid, uid, false}});
        for (auto gid : m_s.excludeGids)
            add(table, chain, ReturnTarget{}, {OwnerMatch{OwnerMatch::Kind::Gid, gid, false}});
        for (const auto& path : m_s.excludeCgroups)
            add(table, chain, ReturnTarget{}, {CgroupMatch{path, false}});
    }

    // One jump per LAN interface x LAN subnet of this family: only traffic from the LAN reaches
    // Weir's chain, never traffic forwarded between other interfaces.
    void gatewayRules(const std::function<Rule&()>& make) {
        for (const auto& iface : m_s.gatewayInterfaces)
            for (const auto& source : cidrsOf(m_family, m_s.gatewaySources)) {
                Rule& r = make();
                r.inInterface = iface;
                r.source = source;
            }
    }

    void planRedirect() {
        const auto tcp = Protocol::Tcp; // REDIRECT carries TCP only (UDP's destination is lost)
        if (includesLocal(m_s.scope)) {
            chain(Table::Nat, kOutputChain);
            add(Table::Nat, "OUTPUT", JumpTarget{kOutputChain}).protocol = tcp;
            ownTrafficReturns(Table::Nat, kOutputChain);
            bypassesReturn(Table::Nat, kOutputChain);
            exclusionsReturn(Table::Nat, kOutputChain);
            add(Table::Nat, kOutputChain, RedirectTarget{m_s.proxyPort}, portMatch()).protocol = tcp;
        }
        if (includesGateway(m_s.scope) && !cidrsOf(m_family, m_s.gatewaySources).empty()) {
            chain(Table::Nat, kPreroutingChain);
            gatewayRules([&]() -> Rule& {
                Rule& r = add(Table::Nat, "PREROUTING", JumpTarget{kPreroutingChain});
                r.protocol = tcp;
                return r;
            });
            bypassesReturn(Table::Nat, kPreroutingChain);
            add(Table::Nat, kPreroutingChain, RedirectTarget{m_s.proxyPort}, portMatch()).protocol = tcp;
        }
    }

    TproxyTarget tproxyTo(const char* address) const {
        // --tproxy-mark sets the fwmark whose routing rule delivers the packet locally.
        return TproxyTarget{m_s.proxyPort, address, m_s.fwmark, 0xffffffff};
    }

    void planTproxy() {
        const bool local = includesLocal(m_s.scope);
        const bool gateway = includesGateway(m_s.scope) && !cidrsOf(m_family, m_s.gatewaySources).empty();
        if (!local && !gateway)
            return;
        chain(Table::Mangle, kDivertChain);
        chain(Table::Mangle, kPreroutingChain);
        add(Table::Mangle, "PREROUTING", JumpTarget{kPreroutingChain});

        // Packets of connections TPROXY already handed to the core: route them to the socket without
        // the TPROXY lookup. Never a SYN: a new SYN reusing a client port still held by a TIME_WAIT
        // socket of the core would be caught and the connection would stall (DESIGN.md). TCP only: for
        // UDP the core's transparent reply sockets, bound to original destinations, would take the
        // client's next datagrams away from the listener.
        Rule& established = add(Table::Mangle, kPreroutingChain, JumpTarget{kDivertChain},
                                {SocketMatch{true}, TcpFlagsMatch::notSyn()});
        established.protocol = Protocol::Tcp;
        add(Table::Mangle, kDivertChain, MarkTarget{m_s.fwmark, 0xffffffff});
        add(Table::Mangle, kDivertChain, AcceptTarget{});
        // Any other TCP packet but a SYN belongs to a connection the core does not hold: one made before
        // interception started, or one REDIRECT took before a switch to TPROXY (its NAT comes after this
        // table). TPROXY would hand it to the listener, which could only reset it: let it go its way.
        Rule& notOurs = add(Table::Mangle, kPreroutingChain, ReturnTarget{}, {TcpFlagsMatch::notSyn()});
        notOurs.protocol = Protocol::Tcp;

        bypassesReturn(Table::Mangle, kPreroutingChain);
        for (Protocol p : protocols(m_s)) {
            if (local) { // this machine's packets, marked in OUTPUT and rerouted through lo
                Rule& r = add(Table::Mangle, kPreroutingChain, tproxyTo(loopbackAddress(m_family)),
                              {MarkMatch{m_s.fwmark, 0xffffffff, false}});
                r.inInterface = "lo";
                r.protocol = p;
            }
            gatewayRules([&]() -> Rule& {
                Rule& r = add(Table::Mangle, kPreroutingChain, tproxyTo(anyAddress(m_family)), portMatch());
                r.protocol = p;
                return r;
            });
        }
        if (!local)
            return;
        // This machine's own packets: mark them, so the fwmark routing rule sends them through lo,
        // where PREROUTING above hands them to TPROXY.
        chain(Table::Mangle, kOutputChain);
        add(Table::Mangle, "OUTPUT", JumpTarget{kOutputChain});
        ownTrafficReturns(Table::Mangle, kOutputChain);
        // Connections NAT already redirected (REDIRECT's, still running after a switch to TPROXY) stay
        // with NAT: marked and sent through lo, their packets would lose the NAT translation and
        // the kernel would reset them.
        add(Table::Mangle, kOutputChain, ReturnTarget{}, {ConntrackDnatMatch{}});
        bypassesReturn(Table::Mangle, kOutputChain);
        exclusionsReturn(Table::Mangle, kOutputChain);
        for (Protocol p : protocols(m_s))
            add(Table::Mangle, kOutputChain, MarkTarget{m_s.fwmark, 0xffffffff}, portMatch()).protocol = p;
    }
};

} // namespace

std::string tproxyListenAddress(Family family, Scope scope) {
    return includesGateway(scope) ? anyAddress(family) : loopbackAddress(family);
}

std::optional<RulePlan> planRules(const Settings& settings, std::string* error) {
    if (const auto errors = validate(settings); !errors.empty()) {
        if (error)
            *error = describe(errors);
        return std::nullopt;
    }
    return Builder(settings).build();
}

} // namespace weir::firewall
