#include "config/settings.h"

#include <algorithm>
#include <cctype>
#include <set>
#include <sstream>

namespace weir {

namespace {

constexpr std::uint64_t kU16 = 0xffff;
constexpr std::uint64_t kU32 = 0xffffffff;
constexpr std::uint64_t kMaxId = 0xfffffffe; // (uid_t)-1 means "no change" to the kernel

const std::vector<KeyInfo> kKeys = {
    {"mode", ValueKind::String, 0, "redirect (TCP, nat table) or tproxy (TCP and UDP, policy routing)"},
    {"scope", ValueKind::String, 0, "local (this machine), gateway (a LAN behind it) or both"},
    {"gateway_interfaces", ValueKind::StringList, 0, "LAN interfaces whose traffic is intercepted"},
    {"gateway_sources", ValueKind::StringList, 0, "LAN subnets that may use the proxy (CIDR)"},
    {"ip_forward", ValueKind::Bool, 0, "switch IP forwarding on while enabled, restore it after"},
    {"ipv6", ValueKind::Bool, 0, "intercept IPv6 as well as IPv4"},
    {"udp", ValueKind::Bool, 0, "intercept UDP too (tproxy mode only)"},
    {"bypass", ValueKind::StringList, 0, "destinations never intercepted (CIDR)"},
    {"bypass_private", ValueKind::Bool, 0, "leave private ranges (RFC 1918, 100.64/10, fc00::/7) alone"},
    {"ports", ValueKind::StringList, 0, "only these destination ports or ranges (empty: all)"},
    {"exclude_uids", ValueKind::UIntList, kMaxId, "users whose own traffic is not intercepted"},
    {"exclude_gids", ValueKind::UIntList, kMaxId, "groups whose own traffic is not intercepted"},
    {"exclude_cgroups", ValueKind::StringList, 0, "cgroup v2 paths whose traffic is not intercepted"},
    {"upstream", ValueKind::String, 0,
     "direct, socks5://[user:pass@]host:port or http://[user:pass@]host:port"},
    {"udp_without_upstream", ValueKind::String, 0,
     "direct or block: UDP flows when the upstream carries TCP only (http)"},
    {"proxy_port", ValueKind::UInt, kU16, "port of the proxy core's listeners"},
    {"outgoing_mark", ValueKind::UInt, kU32, "SO_MARK on the core's own connections (never intercepted)"},
    {"fwmark", ValueKind::UInt, kU32, "mark that routes TPROXY traffic to the local table"},
    {"route_table", ValueKind::UInt, kU32, "routing table for TPROXY's local route"},
    {"max_connections", ValueKind::UInt, kMaxMaxConnections,
     "open connections and flows at most (0: no limit)"},
    {"worker_threads", ValueKind::UInt, kMaxWorkerThreads, "relay threads of the core (0: one per core)"},
    {"connect_timeout", ValueKind::UInt, kMaxConnectTimeoutSeconds,
     "seconds to reach the destination or upstream, handshake included"},
    {"tcp_idle_timeout", ValueKind::UInt, kMaxIdleTimeoutSeconds,
     "seconds without traffic before a TCP connection is closed (0: never)"},
    {"history_limit", ValueKind::UInt, kMaxHistoryLimit,
     "closed connections kept for the connection list, newest first (0: none)"},
    {"reapply_on_drift", ValueKind::Bool, 0, "re-install the rules when another tool removes them"},
    {"restore_enabled", ValueKind::Bool, 0,
     "when the helper starts, turn interception back on if it was last turned on"},
};

void add(std::vector<SettingError>* errors, const char* key, std::string message) {
    errors->push_back({key, std::move(message)});
}

bool validInterfaceName(const std::string& name) {
    // The kernel's dev_valid_name(): 1-15 bytes, not "." or "..", no '/', ':' or white space.
    if (name.empty() || name.size() >= 16 || name == "." || name == "..")
        return false;
    return std::none_of(name.begin(), name.end(), [](char c) {
        return c == '/' || c == ':' || std::isspace(static_cast<unsigned char>(c)) || c == '\0';
    });
}

template <class T> bool hasDuplicates(const std::vector<T>& list) {
    for (std::size_t i = 0; i < list.size(); ++i)
        for (std::size_t j = i + 1; j < list.size(); ++j)
            if (list[i] == list[j])
                return true;
    return false;
}

void checkListSize(std::vector<SettingError>* errors, const char* key, std::size_t size) {
    if (size > kMaxListEntries)
        add(errors, key,
            "too many entries (" + std::to_string(size) + "; at most " + std::to_string(kMaxListEntries) +
                ")");
}

void checkCidrs(std::vector<SettingError>* errors, const char* key, const std::vector<Cidr>& list,
                bool ipv6) {
    checkListSize(errors, key, list.size());
    for (const auto& c : list) {
        std::string why;
        const auto parsed = Cidr::parse(c.address + "/" + std::to_string(c.prefixLength), &why);
        if (!parsed) {
            add(errors, key, why);
            return;
        }
        if (c.family() == Family::V6 && !ipv6) {
            add(errors, key, "\"" + c.normalized() + "\" is IPv6, but ipv6 is off");
            return;
        }
    }
}

void checkPorts(std::vector<SettingError>* errors, const std::vector<PortRange>& ports) {
    int slots = 0;
    for (const auto& p : ports) {
        if (p.first == 0 || p.last == 0 || p.first > p.last) {
            add(errors, "ports", "\"" + p.toString() + "\" is not a port (1-65535) or a range low-high");
            return;
        }
        slots += p.first == p.last ? 1 : 2;
    }
    if (slots > kMaxPortSlots)
        add(errors, "ports",
            "too many ports: at most " + std::to_string(kMaxPortSlots) + " (a range counts as two)");
    else if (hasDuplicates(ports))
        add(errors, "ports", "a port is listed twice");
}

void checkCgroups(std::vector<SettingError>* errors, const std::vector<std::string>& cgroups) {
    checkListSize(errors, "exclude_cgroups", cgroups.size());
    for (const auto& path : cgroups) {
        const bool dotted = path.find("/../") != std::string::npos || path.ends_with("/..") ||
                            path.find("/./") != std::string::npos || path.ends_with("/.");
        if (path.empty() || path[0] != '/' || path.size() > kMaxCgroupPathBytes || dotted ||
            path.find('\n') != std::string::npos) {
            add(errors, "exclude_cgroups",
                "\"" + path + "\" is not a cgroup v2 path (absolute, at most " +
                    std::to_string(kMaxCgroupPathBytes) + " bytes, like /system.slice/sshd.service)");
            return;
        }
    }
}

// A value built in code (not parsed) must still be one parse() accepts: its URL must read back.
void checkUpstream(std::vector<SettingError>* errors, const Upstream& upstream) {
    std::string why;
    const auto back = Upstream::parse(upstream.toUrl(), &why);
    if (!back)
        add(errors, "upstream", why);
    else if (*back != upstream)
        add(errors, "upstream", "is not a valid upstream");
}

const char* toString(UdpWithoutUpstream u) {
    return u == UdpWithoutUpstream::Block ? "block" : "direct";
}

std::optional<UdpWithoutUpstream> parseUdpWithoutUpstream(const std::string& text) {
    if (text == "direct")
        return UdpWithoutUpstream::Direct;
    if (text == "block")
        return UdpWithoutUpstream::Block;
    return std::nullopt;
}

} // namespace

// ---------------------------------------------------------------------------------------------
// PortRange

std::optional<PortRange> PortRange::parse(const std::string& text, std::string* error) {
    auto number = [](const std::string& s) -> std::optional<std::uint16_t> {
        if (s.empty() || s.size() > 5 || !std::all_of(s.begin(), s.end(), ::isdigit))
            return std::nullopt;
        const unsigned long v = std::stoul(s);
        if (v == 0 || v > 65535)
            return std::nullopt;
        return static_cast<std::uint16_t>(v);
    };
    const auto dash = text.find('-');
    const auto first = number(text.substr(0, dash));
    const auto last = dash == std::string::npos ? first : number(text.substr(dash + 1));
    if (!first || !last || *first > *last) {
        if (error)
            *error = "\"" + text + "\" is not a port (1-65535) or a range low-high";
        return std::nullopt;
    }
    return PortRange{*first, *last};
}

std::string PortRange::toString() const {
    return first == last ? std::to_string(first) : std::to_string(first) + "-" + std::to_string(last);
}

// ---------------------------------------------------------------------------------------------
// Validation

std::vector<SettingError> validate(const Settings& s) {
    std::vector<SettingError> errors;
    if (s.mode == Mode::Redirect && s.udp)
        add(&errors, "udp", "UDP can only be intercepted in tproxy mode (redirect carries TCP only)");

    const bool gateway = includesGateway(s.scope);
    checkListSize(&errors, "gateway_interfaces", s.gatewayInterfaces.size());
    for (const auto& name : s.gatewayInterfaces) {
        if (!validInterfaceName(name)) {
            add(&errors, "gateway_interfaces", "\"" + name + "\" is not an interface name");
            break;
        }
        if (name == "lo") {
            add(&errors, "gateway_interfaces", "lo is not a LAN interface");
            break;
        }
    }
    if (gateway && s.gatewayInterfaces.empty())
        add(&errors, "gateway_interfaces", "name at least one LAN interface when scope is gateway or both");
    checkCidrs(&errors, "gateway_sources", s.gatewaySources, s.ipv6);
    if (gateway && s.gatewaySources.empty())
        add(&errors, "gateway_sources", "name at least one LAN subnet when scope is gateway or both");
    if (s.ipForward && !gateway)
        add(&errors, "ip_forward", "IP forwarding is only for scope gateway or both");

    checkCidrs(&errors, "bypass", s.bypass, s.ipv6);
    checkPorts(&errors, s.ports);

    const bool local = includesLocal(s.scope);
    auto localOnly = [&](const char* key, bool used) {
        if (used && !local)
            add(&errors, key, "only applies to this machine's own traffic (scope local or both)");
    };
    localOnly("exclude_uids", !s.excludeUids.empty());
    localOnly("exclude_gids", !s.excludeGids.empty());
    localOnly("exclude_cgroups", !s.excludeCgroups.empty());
    checkListSize(&errors, "exclude_uids", s.excludeUids.size());
    checkListSize(&errors, "exclude_gids", s.excludeGids.size());
    for (auto id : s.excludeUids)
        if (id > kMaxId)
            add(&errors, "exclude_uids", std::to_string(id) + " is not a user id");
    for (auto id : s.excludeGids)
        if (id > kMaxId)
            add(&errors, "exclude_gids", std::to_string(id) + " is not a group id");
    checkCgroups(&errors, s.excludeCgroups);

    if (s.proxyPort == 0)
        add(&errors, "proxy_port", "must be a port from 1 to 65535");
    if (s.outgoingMark == 0)
        add(&errors, "outgoing_mark", "must not be 0 (unmarked traffic would bypass the proxy)");
    if (s.fwmark == 0)
        add(&errors, "fwmark", "must not be 0");
    else if (s.fwmark == s.outgoingMark)
        add(&errors, "fwmark", "must differ from outgoing_mark");
    if (s.routeTable == 0 || (s.routeTable >= 253 && s.routeTable <= 255))
        add(&errors, "route_table", "must not be 0, 253 (default), 254 (main) or 255 (local)");
    checkUpstream(&errors, s.upstream);
    if (s.connectTimeoutSeconds == 0)
        add(&errors, "connect_timeout", "must be at least 1 second");
    std::stable_sort(errors.begin(), errors.end(),
                     [](const SettingError& a, const SettingError& b) { return a.key < b.key; });
    return errors;
}

std::string describe(const std::vector<SettingError>& errors) {
    std::string out;
    for (const auto& e : errors) {
        if (!out.empty())
            out += "; ";
        out += e.key + ": " + e.message;
    }
    return out;
}

// ---------------------------------------------------------------------------------------------
// Values

const std::vector<KeyInfo>& settingKeys() {
    return kKeys;
}

const KeyInfo* findKey(const std::string& name) {
    for (const auto& k : kKeys)
        if (name == k.name)
            return &k;
    return nullptr;
}

namespace {

std::vector<std::string> cidrTexts(const std::vector<Cidr>& list) {
    std::vector<std::string> out;
    for (const auto& c : list)
        out.push_back(c.address + "/" + std::to_string(c.prefixLength));
    return out;
}

template <class T> std::vector<std::uint64_t> widen(const std::vector<T>& list) {
    return {list.begin(), list.end()};
}

bool kindMatches(ValueKind k, const Value& v) {
    return static_cast<std::size_t>(k) == v.index();
}

// Sets one key on *s from a value of the right kind; false with *why when an entry is bad.
bool assign(Settings* s, const KeyInfo& key, const Value& v, std::string* why) {
    const std::string name = key.name;
    if (key.kind == ValueKind::UInt && std::get<std::uint64_t>(v) > key.maxValue) {
        *why = std::to_string(std::get<std::uint64_t>(v)) + " is too large (at most " +
               std::to_string(key.maxValue) + ")";
        return false;
    }
    if (key.kind == ValueKind::UIntList) {
        for (auto n : std::get<std::vector<std::uint64_t>>(v))
            if (n > key.maxValue) {
                *why = std::to_string(n) + " is too large (at most " + std::to_string(key.maxValue) + ")";
                return false;
            }
    }
    if (key.kind == ValueKind::StringList) {
        const auto& list = std::get<std::vector<std::string>>(v);
        if (list.size() > kMaxListEntries) {
            *why = "too many entries (" + std::to_string(list.size()) + "; at most " +
                   std::to_string(kMaxListEntries) + ")";
            return false;
        }
        for (const auto& item : list)
            if (item.empty()) {
                *why = "an entry is empty";
                return false;
            }
    }
    auto cidrs = [&](std::vector<Cidr>* out) {
        out->clear();
        for (const auto& t : std::get<std::vector<std::string>>(v)) {
            auto c = Cidr::parse(t, why);
            if (!c)
                return false;
            out->push_back(*c);
        }
        return true;
    };
    auto ids = [&](std::vector<std::uint32_t>* out) {
        const auto& list = std::get<std::vector<std::uint64_t>>(v);
        if (list.size() > kMaxListEntries) {
            *why = "too many entries (" + std::to_string(list.size()) + "; at most " +
                   std::to_string(kMaxListEntries) + ")";
            return false;
        }
        out->assign(list.begin(), list.end());
        return true;
    };
    if (name == "mode") {
        const auto m = parseMode(std::get<std::string>(v));
        if (!m)
            *why = "\"" + std::get<std::string>(v) + "\" is not a mode (redirect or tproxy)";
        else
            s->mode = *m;
        return m.has_value();
    }
    if (name == "scope") {
        const auto sc = parseScope(std::get<std::string>(v));
        if (!sc)
            *why = "\"" + std::get<std::string>(v) + "\" is not a scope (local, gateway or both)";
        else
            s->scope = *sc;
        return sc.has_value();
    }
    if (name == "upstream") {
        const auto u = Upstream::parse(std::get<std::string>(v), why);
        if (u)
            s->upstream = u->withStoredPassword(s->upstream);
        return u.has_value();
    }
    if (name == "udp_without_upstream") {
        const auto u = parseUdpWithoutUpstream(std::get<std::string>(v));
        if (!u)
            *why = "\"" + std::get<std::string>(v) + "\" is not direct or block";
        else
            s->udpWithoutUpstream = *u;
        return u.has_value();
    }
    if (name == "gateway_interfaces") {
        s->gatewayInterfaces = std::get<std::vector<std::string>>(v);
        return true;
    }
    if (name == "gateway_sources")
        return cidrs(&s->gatewaySources);
    if (name == "bypass")
        return cidrs(&s->bypass);
    if (name == "ports") {
        s->ports.clear();
        for (const auto& t : std::get<std::vector<std::string>>(v)) {
            auto p = PortRange::parse(t, why);
            if (!p)
                return false;
            s->ports.push_back(*p);
        }
        return true;
    }
    if (name == "exclude_uids")
        return ids(&s->excludeUids);
    if (name == "exclude_gids")
        return ids(&s->excludeGids);
    if (name == "exclude_cgroups") {
        s->excludeCgroups = std::get<std::vector<std::string>>(v);
        return true;
    }
    if (key.kind == ValueKind::Bool) {
        const bool b = std::get<bool>(v);
        bool* field = name == "ip_forward"        ? &s->ipForward
                      : name == "ipv6"            ? &s->ipv6
                      : name == "udp"             ? &s->udp
                      : name == "bypass_private"  ? &s->bypassPrivate
                      : name == "restore_enabled" ? &s->restoreEnabled
                                                  : &s->reapplyOnDrift;
        *field = b;
        return true;
    }
    const auto n = std::get<std::uint64_t>(v);
    if (name == "proxy_port")
        s->proxyPort = static_cast<std::uint16_t>(n);
    else if (name == "outgoing_mark")
        s->outgoingMark = static_cast<std::uint32_t>(n);
    else if (name == "fwmark")
        s->fwmark = static_cast<std::uint32_t>(n);
    else if (name == "max_connections")
        s->maxConnections = static_cast<std::uint32_t>(n);
    else if (name == "worker_threads")
        s->workerThreads = static_cast<std::uint32_t>(n);
    else if (name == "connect_timeout")
        s->connectTimeoutSeconds = static_cast<std::uint32_t>(n);
    else if (name == "tcp_idle_timeout")
        s->tcpIdleTimeoutSeconds = static_cast<std::uint32_t>(n);
    else if (name == "history_limit")
        s->historyLimit = static_cast<std::uint32_t>(n);
    else
        s->routeTable = static_cast<std::uint32_t>(n);
    return true;
}

} // namespace

const char* describe(ValueKind k) {
    switch (k) {
    case ValueKind::Bool:
        return "a boolean";
    case ValueKind::UInt:
        return "an unsigned number";
    case ValueKind::String:
        return "a string";
    case ValueKind::StringList:
        return "a list of strings";
    case ValueKind::UIntList:
        return "a list of unsigned numbers";
    }
    return "?";
}

ValueMap toValues(const Settings& s, Secrets secrets) {
    std::vector<std::string> ports;
    for (const auto& p : s.ports)
        ports.push_back(p.toString());
    return {
        {"mode", std::string(toString(s.mode))},
        {"scope", std::string(toString(s.scope))},
        {"gateway_interfaces", s.gatewayInterfaces},
        {"gateway_sources", cidrTexts(s.gatewaySources)},
        {"ip_forward", s.ipForward},
        {"ipv6", s.ipv6},
        {"udp", s.udp},
        {"bypass", cidrTexts(s.bypass)},
        {"bypass_private", s.bypassPrivate},
        {"ports", ports},
        {"exclude_uids", widen(s.excludeUids)},
        {"exclude_gids", widen(s.excludeGids)},
        {"exclude_cgroups", s.excludeCgroups},
        {"upstream", s.upstream.toUrl(secrets == Secrets::Masked)},
        {"udp_without_upstream", std::string(toString(s.udpWithoutUpstream))},
        {"proxy_port", std::uint64_t{s.proxyPort}},
        {"outgoing_mark", std::uint64_t{s.outgoingMark}},
        {"fwmark", std::uint64_t{s.fwmark}},
        {"route_table", std::uint64_t{s.routeTable}},
        {"max_connections", std::uint64_t{s.maxConnections}},
        {"worker_threads", std::uint64_t{s.workerThreads}},
        {"connect_timeout", std::uint64_t{s.connectTimeoutSeconds}},
        {"tcp_idle_timeout", std::uint64_t{s.tcpIdleTimeoutSeconds}},
        {"history_limit", std::uint64_t{s.historyLimit}},
        {"reapply_on_drift", s.reapplyOnDrift},
        {"restore_enabled", s.restoreEnabled},
    };
}

std::vector<SettingError> applyValues(const Settings& base, const ValueMap& values, Settings* out) {
    std::vector<SettingError> errors;
    Settings next = base;
    for (const auto& [name, value] : values) {
        const KeyInfo* key = findKey(name);
        if (!key) {
            errors.push_back({name, "unknown setting"});
            continue;
        }
        if (!kindMatches(key->kind, value)) {
            errors.push_back({name, std::string("must be ") + describe(key->kind)});
            continue;
        }
        std::string why;
        if (!assign(&next, *key, value, &why))
            errors.push_back({name, why});
    }
    if (errors.empty())
        errors = validate(next);
    std::stable_sort(errors.begin(), errors.end(),
                     [](const SettingError& a, const SettingError& b) { return a.key < b.key; });
    if (errors.empty() && out)
        *out = next;
    return errors;
}

} // namespace weir
