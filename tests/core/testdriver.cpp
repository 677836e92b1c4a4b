// weir-core-testdriver: runs a ProxyCore in the foreground for network-namespace tests.
//
//   weir-core-testdriver [--listen ADDR] [--port N] [--mode redirect|tproxy] [--mark M]
//                        [--listener PROTO,ADDR,PORT[,transparent]]... [--allow CIDR]... [--no-local]
//                        [--udp-idle-ms N] [--max-udp N] [--workers N] [--max-connections N]
//                        [--idle-ms N] [--upstream URL] [--connect-timeout-ms N]
//                        [--udp-without-upstream direct|block]
//
// --upstream socks5://[user:pass@]host:port or http://[user:pass@]host:port sends every connection
// through that proxy (weir::upstream::makeConnector); credentials are taken literally.
// --udp-without-upstream: what UDP flows do when the upstream cannot carry them (an HTTP proxy).
//
// --listener (repeatable) replaces --listen/--port/--mode with a listener set, e.g.
// "--listener udp,::,41080,transparent". --allow (repeatable) and --no-local make the source filter.
// Prints "listener <config>" for every open listener and "listening <addr>" (the first) once ready. On
// SIGUSR1 prints the connection table as
//   snapshot-begin <n>
//   id=1 proto=tcp mode=redirect src=... dst=... state=closed sent=N received=M [host=H] via=direct
//   reason=eof health via=socks5_10.0.0.1:1080 failing=0 reason=- snapshot-end <n>
// and stops on SIGTERM or SIGINT. No Qt: this is how the core is meant to be embedded.
#include <signal.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "config/cidr.h"
#include "core/proxycore.h"
#include "upstream/connectorfactory.h"

using namespace weir::core;

namespace {

[[noreturn]] void usage(const char* message) {
    std::fprintf(
        stderr,
        "weir-core-testdriver: %s\n"
        "usage: weir-core-testdriver [--listen ADDR] [--port N] [--mode redirect|tproxy] [--mark M]\n"
        "       [--listener PROTO,ADDR,PORT[,transparent]]... [--allow CIDR]... [--no-local]\n"
        "       [--udp-idle-ms N] [--max-udp N] [--workers N] [--max-connections N] [--idle-ms N]\n"
        "       [--upstream URL] [--connect-timeout-ms N] [--udp-without-upstream direct|block]\n",
        message);
    std::exit(2);
}

// "socks5 10.0.0.1:1080" -> "socks5_10.0.0.1:1080", so the record stays one word per field.
std::string oneWord(std::string s) {
    for (char& c : s)
        if (c == ' ')
            c = '_';
    return s.empty() ? "-" : s;
}

unsigned long number(const char* value, unsigned long max, const char* what);

// A test's own tiny URL parse (the settings' Upstream::parse is the real one):
// scheme://[user:pass@]host:port, host an IPv4 address, [IPv6] or a name.
weir::Upstream parseUpstream(const std::string& url) {
    weir::Upstream u;
    const auto scheme = url.find("://");
    if (scheme == std::string::npos)
        usage("bad --upstream");
    const std::string kind = url.substr(0, scheme);
    if (kind == "socks5")
        u.kind = weir::UpstreamKind::Socks5;
    else if (kind == "http")
        u.kind = weir::UpstreamKind::Http;
    else
        usage("bad --upstream scheme");
    std::string rest = url.substr(scheme + 3);
    if (const auto at = rest.rfind('@'); at != std::string::npos) {
        const std::string credentials = rest.substr(0, at);
        const auto colon = credentials.find(':');
        u.username = credentials.substr(0, colon);
        u.password = colon == std::string::npos ? std::string() : credentials.substr(colon + 1);
        rest = rest.substr(at + 1);
    }
    const auto colon = rest.rfind(':');
    if (colon == std::string::npos)
        usage("bad --upstream: port missing");
    u.host = rest.substr(0, colon);
    if (u.host.size() >= 2 && u.host.front() == '[' && u.host.back() == ']')
        u.host = u.host.substr(1, u.host.size() - 2);
    u.port = static_cast<std::uint16_t>(number(rest.substr(colon + 1).c_str(), 65535, "bad --upstream port"));
    return u;
}

void printSnapshot(const ProxyCore& core, unsigned sequence) {
    std::printf("snapshot-begin %u\n", sequence);
    for (const auto& r : core.snapshot()) {
        // host= only when one was sniffed, so the lines of other connections keep their shape.
        const std::string host = r.host.empty() ? std::string() : "host=" + r.host + " ";
        std::printf(
            "id=%llu proto=%s mode=%s src=%s dst=%s state=%s sent=%llu received=%llu %svia=%s reason=%s\n",
            static_cast<unsigned long long>(r.id), toString(r.protocol), toString(r.mode),
            r.source.toString().c_str(), r.destination.toString().c_str(), toString(r.state),
            static_cast<unsigned long long>(r.bytesSent), static_cast<unsigned long long>(r.bytesReceived),
            host.c_str(), oneWord(r.via).c_str(), r.closeReason.empty() ? "-" : r.closeReason.c_str());
    }
    const auto health = core.connector()->health();
    std::printf("health via=%s failing=%d reason=%s\n", oneWord(core.connector()->describe()).c_str(),
                health.failing ? 1 : 0, health.reason.empty() ? "-" : health.reason.c_str());
    std::printf("snapshot-end %u\n", sequence);
    std::fflush(stdout);
}

unsigned long number(const char* value, unsigned long max, const char* what) {
    char* end = nullptr;
    const unsigned long n = std::strtoul(value, &end, 0);
    if (!*value || *end || n > max)
        usage(what);
    return n;
}

// "tcp,0.0.0.0,41080,transparent"
ListenerConfig parseListener(const std::string& text) {
    std::vector<std::string> parts;
    std::size_t from = 0;
    for (;;) {
        const auto comma = text.find(',', from);
        parts.push_back(text.substr(from, comma - from));
        if (comma == std::string::npos)
            break;
        from = comma + 1;
    }
    if (parts.size() < 3 || parts.size() > 4 || (parts.size() == 4 && parts[3] != "transparent"))
        usage("bad --listener");
    ListenerConfig l;
    if (parts[0] == "tcp")
        l.protocol = weir::Protocol::Tcp;
    else if (parts[0] == "udp")
        l.protocol = weir::Protocol::Udp;
    else
        usage("bad --listener protocol");
    l.address = parts[1];
    l.family = l.address.find(':') != std::string::npos ? weir::Family::V6 : weir::Family::V4;
    l.port = static_cast<std::uint16_t>(number(parts[2].c_str(), 65535, "bad --listener port"));
    l.transparent = parts.size() == 4;
    return l;
}

} // namespace

int main(int argc, char** argv) {
    CoreConfig config;
    config.listenPort = 0;
    std::string upstreamUrl;
    weir::upstream::ConnectorOptions connectorOptions;
    for (int i = 1; i < argc; ++i) {
        const std::string arg = argv[i];
        if (arg == "--no-local") { // the one option without a value
            config.sourceFilter.allowLocal = false;
            continue;
        }
        if (i + 1 >= argc)
            usage(("missing value for " + arg).c_str());
        const char* value = argv[++i];
        if (arg == "--listen") {
            config.listenAddress = value;
        } else if (arg == "--port") {
            config.listenPort = static_cast<std::uint16_t>(number(value, 65535, "bad port"));
        } else if (arg == "--mark") {
            config.outgoingMark = static_cast<std::uint32_t>(number(value, 0xffffffffUL, "bad mark"));
        } else if (arg == "--listener") {
            config.listeners.push_back(parseListener(value));
        } else if (arg == "--allow") {
            std::string why;
            const auto cidr = weir::Cidr::parse(value, &why);
            if (!cidr)
                usage(("bad --allow: " + why).c_str());
            config.sourceFilter.allowed.push_back(*cidr);
        } else if (arg == "--upstream") {
            upstreamUrl = value;
        } else if (arg == "--udp-without-upstream") {
            if (std::strcmp(value, "direct") == 0)
                connectorOptions.udpWithoutUpstream = weir::UdpWithoutUpstream::Direct;
            else if (std::strcmp(value, "block") == 0)
                connectorOptions.udpWithoutUpstream = weir::UdpWithoutUpstream::Block;
            else
                usage("bad --udp-without-upstream");
        } else if (arg == "--connect-timeout-ms") {
            config.connectTimeout =
                std::chrono::milliseconds(number(value, 600'000, "bad --connect-timeout-ms"));
        } else if (arg == "--udp-idle-ms") {
            config.udpIdleTimeout = std::chrono::milliseconds(number(value, 86'400'000, "bad --udp-idle-ms"));
        } else if (arg == "--workers") {
            config.workers = static_cast<unsigned>(number(value, 256, "bad --workers"));
        } else if (arg == "--max-connections") {
            config.maxConnections = number(value, 10'000'000, "bad --max-connections");
        } else if (arg == "--idle-ms") {
            config.tcpIdleTimeout = std::chrono::milliseconds(number(value, 86'400'000, "bad --idle-ms"));
        } else if (arg == "--max-udp") {
            config.maxUdpSessions = number(value, 1'000'000, "bad --max-udp");
        } else if (arg == "--mode") {
            if (std::strcmp(value, "redirect") == 0)
                config.mode = InterceptMode::Redirect;
            else if (std::strcmp(value, "tproxy") == 0)
                config.mode = InterceptMode::Tproxy;
            else
                usage("bad mode");
        } else {
            usage(("unknown option " + arg).c_str());
        }
    }

    // Block the signals before the relay thread exists, so only sigwait() below sees them.
    sigset_t signals;
    sigemptyset(&signals);
    sigaddset(&signals, SIGUSR1);
    sigaddset(&signals, SIGTERM);
    sigaddset(&signals, SIGINT);
    pthread_sigmask(SIG_BLOCK, &signals, nullptr);

    std::string error;
    if (!upstreamUrl.empty()) {
        connectorOptions.outgoingMark = config.outgoingMark;
        config.connector =
            weir::upstream::makeConnector(parseUpstream(upstreamUrl), connectorOptions, &error);
        if (!config.connector) {
            std::fprintf(stderr, "weir-core-testdriver: %s\n", error.c_str());
            return 1;
        }
    }
    ProxyCore core;
    if (!core.start(config, &error)) {
        std::fprintf(stderr, "weir-core-testdriver: %s\n", error.c_str());
        return 1;
    }
    for (const auto& l : core.listeners())
        std::printf("listener %s\n", toString(l).c_str());
    std::printf("listening %s\n", core.listenAddress().toString().c_str());
    std::fflush(stdout);

    unsigned sequence = 0;
    for (;;) {
        int sig = 0;
        if (sigwait(&signals, &sig) != 0)
            continue;
        if (sig == SIGUSR1) {
            printSnapshot(core, ++sequence);
            continue;
        }
        break;
    }
    core.stop();
    return 0;
}
