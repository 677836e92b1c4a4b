#include "firewall/planrecord.h"

#include <cstdlib>
#include <sstream>

namespace weir::firewall {

namespace {

constexpr const char kHeader[] = "weir-plan 1";

// Words of a rule line; "quoted \"words\"" as xtables_save_string() writes them.
std::optional<std::vector<std::string>> words(const std::string& text, std::string* why) {
    std::vector<std::string> out;
    std::size_t i = 0;
    while (i < text.size()) {
        if (text[i] == ' ') {
            ++i;
            continue;
        }
        std::string word;
        if (text[i] == '"') {
            for (++i; i < text.size() && text[i] != '"'; ++i) {
                if (text[i] == '\\' && i + 1 < text.size())
                    ++i;
                word += text[i];
            }
            if (i >= text.size()) {
                *why = "unterminated quote";
                return std::nullopt;
            }
            ++i;
        } else {
            while (i < text.size() && text[i] != ' ')
                word += text[i++];
        }
        out.push_back(std::move(word));
    }
    return out;
}

std::optional<std::uint32_t> number(const std::string& s, std::uint64_t max = 0xffffffff) {
    if (s.empty() || s[0] == '-' || s[0] == '+')
        return std::nullopt;
    char* end = nullptr;
    const unsigned long long v = std::strtoull(s.c_str(), &end, 0);
    if (*end != '\0' || v > max)
        return std::nullopt;
    return static_cast<std::uint32_t>(v);
}

// "V" or "V/M".
bool valueMask(const std::string& s, std::uint32_t* value, std::uint32_t* mask) {
    const auto slash = s.find('/');
    const auto v = number(s.substr(0, slash));
    const auto m =
        slash == std::string::npos ? std::optional<std::uint32_t>(0xffffffff) : number(s.substr(slash + 1));
    if (!v || !m)
        return false;
    *value = *v;
    *mask = *m;
    return true;
}

std::optional<std::uint8_t> tcpFlagSet(const std::string& s) {
    if (s == "NONE")
        return 0;
    std::uint8_t bits = 0;
    std::stringstream in(s);
    for (std::string name; std::getline(in, name, ',');) {
        bool found = false;
        for (const auto& f : kTcpFlagNames)
            if (name == f.name) {
                bits |= f.bit;
                found = true;
            }
        if (!found)
            return std::nullopt;
    }
    return bits;
}

std::optional<std::vector<PortRange>> portList(const std::string& s) {
    std::vector<PortRange> out;
    std::stringstream in(s);
    for (std::string item; std::getline(in, item, ',');) {
        const auto colon = item.find(':');
        const auto first = number(item.substr(0, colon), 65535);
        const auto last = colon == std::string::npos ? first : number(item.substr(colon + 1), 65535);
        if (!first || !last || *first == 0 || *first > *last)
            return std::nullopt;
        out.push_back({static_cast<std::uint16_t>(*first), static_cast<std::uint16_t>(*last)});
    }
    if (out.empty())
        return std::nullopt;
    return out;
}

// Reads one rule's words left to right; every accepted shape is one renderRule() produces.
class RuleReader {
public:
    RuleReader(Family family, std::vector<std::string> words)
        : m_family(family)
        , m_words(std::move(words)) {}

    std::optional<Rule> read(Table table, std::string* why) {
        Rule r;
        r.family = m_family;
        r.table = table;
        if (next() != "-A" || (r.chain = next()).empty())
            return fail(why, "a rule starts with -A CHAIN");
        while (!atEnd()) {
            const bool invert = peek() == "!" && (next(), true);
            const std::string option = next();
            if (!option.starts_with("-") || option.starts_with("--"))
                return fail(why, "unexpected \"" + option + "\"");
            if (option == "-j") {
                if (invert || !target(&r))
                    return fail(why, "bad target");
                if (!atEnd())
                    return fail(why, "words after the target");
                return r;
            }
            if (!field(option, invert, &r))
                return fail(why, "bad " + option + " option");
        }
        return fail(why, "no -j target");
    }

private:
    Family m_family;
    std::vector<std::string> m_words;
    std::size_t m_pos = 0;

    bool atEnd() const { return m_pos >= m_words.size(); }
    std::string peek() const { return atEnd() ? std::string() : m_words[m_pos]; }
    std::string next() { return atEnd() ? std::string() : m_words[m_pos++]; }
    // The next word is the option `name`, with an optional "!" before it.
    bool option(const char* name, bool* invert) {
        *invert = peek() == "!" && (next(), true);
        return next() == name;
    }
    static std::optional<Rule> fail(std::string* why, const std::string& text) {
        *why = text;
        return std::nullopt;
    }

    bool cidr(std::optional<Cidr>* out) {
        auto c = Cidr::parse(next());
        if (!c || c->family() != m_family)
            return false;
        *out = *c;
        return true;
    }

    bool field(const std::string& opt, bool invert, Rule* r) {
        if (opt == "-s")
            return (r->invertSource = invert, cidr(&r->source));
        if (opt == "-d")
            return (r->invertDestination = invert, cidr(&r->destination));
        if (opt == "-i")
            return (r->invertInInterface = invert, !(r->inInterface = next()).empty());
        if (opt == "-o")
            return (r->invertOutInterface = invert, !(r->outInterface = next()).empty());
        if (opt == "-p") {
            const std::string p = next();
            if (invert || (p != "tcp" && p != "udp"))
                return false;
            r->protocol = p == "tcp" ? Protocol::Tcp : Protocol::Udp;
            return true;
        }
        if (opt == "-m" && !invert)
            return match(next(), r);
        return false;
    }

    bool match(const std::string& name, Rule* r) {
        bool inv = false;
        if (name == "mark") {
            MarkMatch m;
            if (!option("--mark", &inv) || !valueMask(next(), &m.value, &m.mask))
                return false;
            m.invert = inv;
            r->matches.emplace_back(m);
        } else if (name == "addrtype") {
            if (!option("--dst-type", &inv) || next() != "LOCAL")
                return false;
            r->matches.emplace_back(AddrTypeMatch{AddrTypeMatch::Type::Local, inv});
        } else if (name == "comment") {
            if (!option("--comment", &inv) || inv || atEnd())
                return false;
            r->matches.emplace_back(CommentMatch{next()});
        } else if (name == "socket") {
            const bool transparent = peek() == "--transparent" && (next(), true);
            r->matches.emplace_back(SocketMatch{transparent});
        } else if (name == "tcp") {
            const auto mask = option("--tcp-flags", &inv) ? tcpFlagSet(next()) : std::nullopt;
            const auto compare = mask ? tcpFlagSet(next()) : std::nullopt;
            if (!compare)
                return false;
            r->matches.emplace_back(TcpFlagsMatch{*mask, *compare, inv});
        } else if (name == "owner") {
            inv = peek() == "!" && (next(), true);
            const std::string opt = next();
            const auto id = number(next());
            if ((opt != "--uid-owner" && opt != "--gid-owner") || !id)
                return false;
            const auto kind = opt == "--uid-owner" ? OwnerMatch::Kind::Uid : OwnerMatch::Kind::Gid;
            r->matches.emplace_back(OwnerMatch{kind, *id, inv});
        } else if (name == "conntrack") {
            if (!option("--ctstate", &inv) || next() != "DNAT")
                return false;
            r->matches.emplace_back(ConntrackDnatMatch{inv});
        } else if (name == "cgroup") {
            if (!option("--path", &inv) || atEnd())
                return false;
            r->matches.emplace_back(CgroupMatch{next(), inv});
        } else if (name == "multiport") {
            const auto ports = option("--dports", &inv) ? portList(next()) : std::nullopt;
            if (!ports)
                return false;
            r->matches.emplace_back(MultiportMatch{*ports, inv});
        } else {
            return false;
        }
        return true;
    }

    bool target(Rule* r) {
        const std::string name = next();
        bool inv = false;
        if (name == "RETURN") {
            r->target = ReturnTarget{};
        } else if (name == "ACCEPT") {
            r->target = AcceptTarget{};
        } else if (name == "REDIRECT") {
            const auto port = option("--to-ports", &inv) ? number(next(), 65535) : std::nullopt;
            if (!port || inv)
                return false;
            r->target = RedirectTarget{static_cast<std::uint16_t>(*port)};
        } else if (name == "TPROXY") {
            TproxyTarget t;
            const auto port = option("--on-port", &inv) ? number(next(), 65535) : std::nullopt;
            if (!port || !option("--on-ip", &inv) || (t.onIp = next()).empty() ||
                !option("--tproxy-mark", &inv) || !valueMask(next(), &t.markValue, &t.markMask))
                return false;
            t.onPort = static_cast<std::uint16_t>(*port);
            r->target = t;
        } else if (name == "MARK") {
            MarkTarget t;
            if (!option("--set-xmark", &inv) || !valueMask(next(), &t.value, &t.mask))
                return false;
            r->target = t;
        } else if (isWeirChain(name)) {
            r->target = JumpTarget{name};
        } else {
            return false;
        }
        return !inv;
    }
};

std::optional<Family> familyNamed(const std::string& s) {
    if (s == toString(Family::V4))
        return Family::V4;
    if (s == toString(Family::V6))
        return Family::V6;
    return std::nullopt;
}

std::optional<Table> tableNamed(const std::string& s) {
    for (Table t : {Table::Nat, Table::Mangle})
        if (s == tableName(t))
            return t;
    return std::nullopt;
}

// "KIND FAMILY TABLE REST" -> the parts; false when the line does not have that shape.
bool splitLine(const std::string& line, std::string* kind, Family* family, Table* table, std::string* rest) {
    std::istringstream in(line);
    std::string f, t;
    if (!(in >> *kind >> f >> t))
        return false;
    const auto fam = familyNamed(f);
    const auto tab = tableNamed(t);
    if (!fam || !tab)
        return false;
    *family = *fam;
    *table = *tab;
    std::getline(in >> std::ws, *rest);
    return true;
}

} // namespace

std::string serializePlan(const RulePlan& plan) {
    std::string out = std::string(kHeader) + "\n";
    for (const auto& c : plan.chains)
        out += std::string("chain ") + toString(c.family) + " " + tableName(c.table) + " " + c.name + "\n";
    for (const auto& r : plan.rules)
        out += std::string("rule ") + toString(r.family) + " " + tableName(r.table) + " " +
               (r.position == Rule::Position::InsertTop ? "top " : "append ") + renderRule(r) + "\n";
    return out;
}

std::optional<Rule> parseRule(Family family, Table table, const std::string& text, std::string* error) {
    std::string why;
    auto w = words(text, &why);
    std::optional<Rule> rule = w ? RuleReader(family, std::move(*w)).read(table, &why) : std::nullopt;
    if (!rule && error)
        *error = why;
    return rule;
}

std::optional<RulePlan> parsePlan(const std::string& text, std::string* error) {
    std::istringstream in(text);
    std::string line;
    int number = 0;
    auto fail = [&](const std::string& why) -> std::optional<RulePlan> {
        if (error)
            *error = "line " + std::to_string(number) + ": " + why;
        return std::nullopt;
    };
    RulePlan plan;
    while (std::getline(in, line)) {
        if (++number == 1) {
            if (line != kHeader)
                return fail(std::string("not a Weir plan record (expected \"") + kHeader + "\")");
            continue;
        }
        std::string kind, rest;
        Family family{};
        Table table{};
        if (!splitLine(line, &kind, &family, &table, &rest))
            return fail("expected \"chain|rule ipv4|ipv6 nat|mangle ...\"");
        if (kind == "chain") {
            if (!isWeirChain(rest) || rest.find(' ') != std::string::npos)
                return fail("bad chain name \"" + rest + "\"");
            plan.chains.push_back({family, table, rest});
        } else if (kind == "rule") {
            const auto space = rest.find(' ');
            const std::string where = rest.substr(0, space);
            if ((where != "top" && where != "append") || space == std::string::npos)
                return fail("expected top or append before the rule");
            std::string why;
            auto rule = parseRule(family, table, rest.substr(space + 1), &why);
            if (!rule)
                return fail(why + " in `" + rest.substr(space + 1) + "`");
            rule->position = where == "top" ? Rule::Position::InsertTop : Rule::Position::Append;
            plan.rules.push_back(std::move(*rule));
        } else {
            return fail("unknown line kind \"" + kind + "\"");
        }
    }
    if (number == 0)
        return fail("empty record");
    return plan;
}

} // namespace weir::firewall
