// Settings: everything a user can choose about interception, as one plain value.
//
// - Defaults are the member initializers (and kDefault* constants where other code needs them).
// - validate() returns one SettingError per bad key, naming the key: the bus turns them into
//   io.github.weir.Error.InvalidSettings, the settings dialog shows each next to its field.
// - The key table (settingKeys()) is the one list of keys: the bus conversion (a{sv}), the settings
//   file, weirctl's KEY=VALUE parsing and the README all follow it.
// - applyValues() is the all-or-nothing update: unknown keys, wrong types and invalid combinations
//   are all reported, and nothing changes unless everything is valid.
// Plain C++, no Qt: the helper's planner and engine use it directly; Qt code converts at its edge.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "config/cidr.h"
#include "config/types.h"
#include "config/upstream.h"

namespace weir {

inline constexpr std::uint16_t kDefaultProxyPort = 41080;
// SO_MARK on the proxy core's own outgoing sockets; a RETURN rule matches it first (no loops).
inline constexpr std::uint32_t kDefaultOutgoingMark = 0x5745;
// The mark TPROXY mode routes by (fwmark -> route_table -> local delivery on lo). Exact values,
// matched with the full mask: chosen not to collide with common tools (wg-quick 0xca6c, Tailscale
// 0x40000/0x80000 under 0xff0000, kube-proxy 0x4000/0x8000, Istio 0x539, clash/sing-box 1).
inline constexpr std::uint32_t kDefaultFwmark = 0x5746;
inline constexpr std::uint32_t kDefaultRouteTable = 22341; // 0x5745; wg-quick 51820, Tailscale 52
inline constexpr std::size_t kMaxListEntries = 256;
inline constexpr int kMaxPortSlots = 15;                // xt_multiport: a range counts as two
inline constexpr std::size_t kMaxCgroupPathBytes = 511; // xt_cgroup_info_v2 holds 512 with the NUL
// The core's limits. max_connections defaults to 0 (no limit of its own): the core raises
// RLIMIT_NOFILE at start and backs off accepting on EMFILE, so descriptors already bound it, and any
// fixed number would be too low for a busy gateway or meaningless on a laptop.
inline constexpr std::uint32_t kMaxMaxConnections = 1'048'576; // the kernel's default fs.nr_open
inline constexpr std::uint32_t kMaxWorkerThreads = 256;
inline constexpr std::uint32_t kDefaultConnectTimeoutSeconds = 10;
inline constexpr std::uint32_t kMaxConnectTimeoutSeconds = 300;
inline constexpr std::uint32_t kMaxIdleTimeoutSeconds = 7 * 24 * 3600;
// Closed connections the helper keeps for clients to see (about 300 bytes each).
inline constexpr std::uint32_t kDefaultHistoryLimit = 1000;
inline constexpr std::uint32_t kMaxHistoryLimit = 100'000;

// A destination port or an inclusive range ("443", "8000-8100").
struct PortRange {
    std::uint16_t first = 0;
    std::uint16_t last = 0;
    bool operator==(const PortRange&) const = default;
    static std::optional<PortRange> parse(const std::string& text, std::string* error = nullptr);
    std::string toString() const;
};

struct Settings {
    Mode mode = Mode::Redirect;
    Scope scope = Scope::Local;
    std::vector<std::string> gatewayInterfaces; // LAN interfaces whose traffic is intercepted
    std::vector<Cidr> gatewaySources;           // LAN subnets that may use the proxy
    bool ipForward = false;                     // switch on IP forwarding while enabled (gateway)
    bool ipv6 = true;
    bool udp = false;                       // TPROXY only
    std::vector<Cidr> bypass;               // never intercepted, on top of the always-bypassed ranges
    bool bypassPrivate = true;              // RFC 1918, CGNAT 100.64/10, fc00::/7 bypassed
    std::vector<PortRange> ports;           // only these destination ports; empty: all
    std::vector<std::uint32_t> excludeUids; // local scope: these users' traffic is left alone
    std::vector<std::uint32_t> excludeGids;
    std::vector<std::string> excludeCgroups; // cgroup v2 paths, e.g. "/system.slice/sshd.service"
    std::uint16_t proxyPort = kDefaultProxyPort;
    std::uint32_t outgoingMark = kDefaultOutgoingMark;
    std::uint32_t fwmark = kDefaultFwmark;
    std::uint32_t routeTable = kDefaultRouteTable;
    Upstream upstream;                                                  // where connections go on to
    UdpWithoutUpstream udpWithoutUpstream = UdpWithoutUpstream::Direct; // UDP when the upstream is HTTP
    std::uint32_t maxConnections = 0;                                   // 0: no limit beyond descriptors
    std::uint32_t workerThreads = 0;                                    // 0: one per core
    std::uint32_t connectTimeoutSeconds = kDefaultConnectTimeoutSeconds;
    std::uint32_t tcpIdleTimeoutSeconds = 0;           // 0: never
    std::uint32_t historyLimit = kDefaultHistoryLimit; // closed connections kept, newest first
    bool reapplyOnDrift = true;
    bool restoreEnabled = true; // at start, turn interception back on when the user last enabled it

    bool operator==(const Settings&) const = default;
};

struct SettingError {
    std::string key;     // e.g. "gateway_sources"
    std::string message; // e.g. "\"10.0.0.0/33\" has a bad prefix length (0 to 32)"
    bool operator==(const SettingError&) const = default;
};

// Every rule a settings value must satisfy, each failure naming its key. Empty: valid.
std::vector<SettingError> validate(const Settings& settings);

// "key: message; key: message" (for logs and D-Bus error texts).
std::string describe(const std::vector<SettingError>& errors);

// ---------------------------------------------------------------------------------------------
// Generic values: the shapes a key can take, independent of Qt and of the bus.

enum class ValueKind { Bool, UInt, String, StringList, UIntList };
using Value =
    std::variant<bool, std::uint64_t, std::string, std::vector<std::string>, std::vector<std::uint64_t>>;
using ValueMap = std::map<std::string, Value>;

struct KeyInfo {
    const char* name;        // "proxy_port"
    ValueKind kind;          // what the value is
    std::uint64_t maxValue;  // for UInt / UIntList: the largest accepted number
    const char* description; // one line, for weirctl and the README
};

// "a boolean", "an unsigned number", "a string", "a list of strings", "a list of unsigned numbers".
const char* describe(ValueKind kind);

// Every key, in a stable order (the order of GetSettings, the file and weirctl config get).
const std::vector<KeyInfo>& settingKeys();
const KeyInfo* findKey(const std::string& name);

// Whether the upstream's password is shown. Everything a client sees is Masked (kMaskedPassword);
// only the root-only settings file holds it Clear.
enum class Secrets { Masked, Clear };

// Settings -> every key with its value.
ValueMap toValues(const Settings& settings, Secrets secrets = Secrets::Masked);
// base + values -> *out, all or nothing: unknown keys, wrong kinds, unparsable entries and the
// combined validate() are all reported (sorted by key); *out is only written when there are none.
// An upstream URL with the masked password keeps base's password (see Upstream::withStoredPassword).
std::vector<SettingError> applyValues(const Settings& base, const ValueMap& values, Settings* out);

// The text form of one value, as weirctl takes it and the settings file stores it:
// booleans true/false, numbers decimal (or 0x hex on input), lists comma-separated (empty: "").
std::string formatValue(const Value& value);
std::optional<Value> parseValue(const KeyInfo& key, const std::string& text, std::string* error);

// The settings file: "key=value" lines in key-table order, between a header comment and an end line.
// Parsing is lenient where it must be (comments, blank lines, hand-written files without header and
// end line) and strict where it matters: any bad line or key, or a file with the helper's header but
// without its end line (cut short), makes it return nullopt with *error; the caller then uses
// defaults and warns.
std::string toFileText(const Settings& settings);
std::optional<Settings> fromFileText(const std::string& text, std::string* error);

} // namespace weir
