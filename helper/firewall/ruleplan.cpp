#include "firewall/ruleplan.h"

#include <arpa/inet.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cstdio>
#include <cstring>
#include <map>

namespace weir::firewall {

namespace {

// Built-in chains in hook order: the order iptables-save prints them in.
constexpr std::array<const char*, 5> kBuiltinChains = {"PREROUTING", "INPUT", "FORWARD", "OUTPUT",
                                                       "POSTROUTING"};

std::string hex(std::uint32_t v) {
    char buf[16];
    std::snprintf(buf, sizeof buf, "0x%x", v);
    return buf;
}

std::string valueMask(std::uint32_t value, std::uint32_t mask, bool alwaysMask) {
    if (mask == 0xffffffff && !alwaysMask)
        return hex(value);
    return hex(value) + "/" + hex(mask);
}

// The prefix with host bits cleared, as the kernel keeps it and iptables-save prints it.
std::string normalisedCidr(const Cidr& c, Family family) {
    const int af = family == Family::V4 ? AF_INET : AF_INET6;
    unsigned char addr[16] = {};
    if (inet_pton(af, c.address.c_str(), addr) != 1)
        return c.address + "/" + std::to_string(c.prefixLength); // the backend reports the error
    const int bytes = family == Family::V4 ? 4 : 16;
    const int prefix = std::clamp(c.prefixLength, 0, bytes * 8);
    for (int i = 0; i < bytes; ++i) {
        const int keep = std::clamp(prefix - i * 8, 0, 8);
        addr[i] &= static_cast<unsigned char>(0xff00 >> keep);
    }
    char text[INET6_ADDRSTRLEN] = {};
    inet_ntop(af, addr, text, sizeof text);
    return std::string(text) + "/" + std::to_string(prefix);
}

// Like xtables_save_string(): bare when only [A-Za-z0-9_-], else quoted with " \ ' escaped.
std::string quoted(const std::string& s) {
    const bool plain = !s.empty() && std::all_of(s.begin(), s.end(), [](char ch) {
        return std::isalnum(static_cast<unsigned char>(ch)) || ch == '_' || ch == '-';
    });
    if (plain)
        return s;
    std::string out = "\"";
    for (char ch : s) {
        if (ch == '"' || ch == '\\' || ch == '\'')
            out += '\\';
        out += ch;
    }
    return out + "\"";
}

} // namespace

const std::array<TcpFlagName, 6> kTcpFlagNames = {
    {{"FIN", 0x01}, {"SYN", 0x02}, {"RST", 0x04}, {"PSH", 0x08}, {"ACK", 0x10}, {"URG", 0x20}}};

namespace {

// As libxt_tcp prints them: names from the lowest bit up, comma-separated; NONE for none.
std::string tcpFlags(std::uint8_t flags) {
    std::string out;
    for (const auto& f : kTcpFlagNames)
        if (flags & f.bit)
            out += (out.empty() ? "" : ",") + std::string(f.name);
    return out.empty() ? "NONE" : out;
}

struct MatchRenderer {
    std::string operator()(const MarkMatch& m) const {
        return std::string(" -m mark") + (m.invert ? " !" : "") + " --mark " +
               valueMask(m.value, m.mask, false);
    }
    std::string operator()(const AddrTypeMatch& m) const {
        return std::string(" -m addrtype") + (m.invert ? " !" : "") + " --dst-type LOCAL";
    }
    std::string operator()(const CommentMatch& m) const { return " -m comment --comment " + quoted(m.text); }
    std::string operator()(const SocketMatch& m) const {
        return std::string(" -m socket") + (m.transparent ? " --transparent" : "");
    }
    std::string operator()(const TcpFlagsMatch& m) const {
        return std::string(" -m tcp") + (m.invert ? " !" : "") + " --tcp-flags " + tcpFlags(m.mask) + " " +
               tcpFlags(m.compare);
    }
    std::string operator()(const OwnerMatch& m) const {
        return std::string(" -m owner") + (m.invert ? " !" : "") +
               (m.kind == OwnerMatch::Kind::Uid ? " --uid-owner " : " --gid-owner ") + std::to_string(m.id);
    }
    std::string operator()(const ConntrackDnatMatch& m) const {
        return std::string(" -m conntrack") + (m.invert ? " !" : "") + " --ctstate DNAT";
    }
    std::string operator()(const CgroupMatch& m) const {
        return std::string(" -m cgroup") + (m.invert ? " !" : "") + " --path " + quoted(m.path);
    }
    std::string operator()(const MultiportMatch& m) const {
        std::string ports;
        for (const auto& p : m.destinationPorts) {
            ports += (ports.empty() ? "" : ",") + std::to_string(p.first);
            if (p.last != p.first)
                ports += ":" + std::to_string(p.last);
        }
        return std::string(" -m multiport") + (m.invert ? " !" : "") + " --dports " + ports;
    }
};

struct TargetRenderer {
    Family family;
    std::string operator()(const JumpTarget& t) const { return " -j " + t.chain; }
    std::string operator()(const ReturnTarget&) const { return " -j RETURN"; }
    std::string operator()(const AcceptTarget&) const { return " -j ACCEPT"; }
    std::string operator()(const RedirectTarget& t) const {
        return " -j REDIRECT --to-ports " + std::to_string(t.toPort);
    }
    std::string operator()(const TproxyTarget& t) const {
        const std::string any = family == Family::V4 ? "0.0.0.0" : "::";
        return " -j TPROXY --on-port " + std::to_string(t.onPort) + " --on-ip " +
               (t.onIp.empty() ? any : t.onIp) + " --tproxy-mark " + valueMask(t.markValue, t.markMask, true);
    }
    std::string operator()(const MarkTarget& t) const {
        return " -j MARK --set-xmark " + valueMask(t.value, t.mask, true);
    }
};

} // namespace

const char* tableName(Table t) {
    switch (t) {
    case Table::Nat:
        return "nat";
    case Table::Mangle:
        return "mangle";
    }
    return "?";
}

const char* protocolName(Protocol p) {
    return p == Protocol::Tcp ? "tcp" : "udp";
}

bool isBuiltinChain(const std::string& chain) {
    return std::find(kBuiltinChains.begin(), kBuiltinChains.end(), chain) != kBuiltinChains.end();
}

bool isWeirChain(const std::string& chain) {
    return chain.rfind(kChainPrefix, 0) == 0;
}

std::vector<std::pair<Family, Table>> RulePlan::tables() const {
    std::vector<std::pair<Family, Table>> out;
    auto add = [&out](Family f, Table t) {
        if (std::find(out.begin(), out.end(), std::pair{f, t}) == out.end())
            out.emplace_back(f, t);
    };
    for (const auto& c : chains)
        add(c.family, c.table);
    for (const auto& r : rules)
        add(r.family, r.table);
    return out;
}

std::string renderRule(const Rule& r) {
    std::string line = "-A " + r.chain;
    if (r.source)
        line += std::string(r.invertSource ? " !" : "") + " -s " + normalisedCidr(*r.source, r.family);
    if (r.destination)
        line +=
            std::string(r.invertDestination ? " !" : "") + " -d " + normalisedCidr(*r.destination, r.family);
    if (!r.inInterface.empty())
        line += std::string(r.invertInInterface ? " !" : "") + " -i " + r.inInterface;
    if (!r.outInterface.empty())
        line += std::string(r.invertOutInterface ? " !" : "") + " -o " + r.outInterface;
    if (r.protocol)
        line += std::string(" -p ") + protocolName(*r.protocol);
    for (const auto& m : r.matches)
        line += std::visit(MatchRenderer{}, m);
    line += std::visit(TargetRenderer{r.family}, r.target);
    return line;
}

std::string renderIptablesSave(const RulePlan& plan, Family family) {
    std::string out;
    for (const auto& [fam, table] : plan.tables()) {
        if (fam != family)
            continue;
        out += std::string("*") + tableName(table) + "\n";

        std::vector<std::string> userChains;
        for (const auto& c : plan.chains)
            if (c.family == fam && c.table == table)
                userChains.push_back(c.name);
        std::sort(userChains.begin(), userChains.end());
        userChains.erase(std::unique(userChains.begin(), userChains.end()), userChains.end());
        for (const auto& c : userChains)
            out += ":" + c + " - [0:0]\n";

        // libiptc keeps built-in chains first (hook order), then user chains by name.
        std::vector<std::string> chainOrder(kBuiltinChains.begin(), kBuiltinChains.end());
        chainOrder.insert(chainOrder.end(), userChains.begin(), userChains.end());
        for (const auto& chain : chainOrder) {
            for (auto pos : {Rule::Position::InsertTop, Rule::Position::Append}) {
                for (const auto& r : plan.rules)
                    if (r.family == fam && r.table == table && r.chain == chain && r.position == pos)
                        out += renderRule(r) + "\n";
            }
        }
        out += "COMMIT\n";
    }
    return out;
}

} // namespace weir::firewall
