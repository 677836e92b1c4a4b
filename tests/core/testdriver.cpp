// weir-core-testdriver: runs a ProxyCore in the foreground for network-namespace tests.
//
//   weir-core-testdriver [--listen ADDR] [--port N] [--mode redirect|tproxy] [--mark M]
//                        [--listener PROTO,ADDR,PORT[,transparent]]... [--allow CIDR]... [--no-local]
//                        [--udp-idle-ms N] [--max-udp N] [--workers N] [--max-connections N]
//                        [--idle-ms N]
//
// --listener (repeatable) replaces --listen/--port/--mode with a listener set, e.g.
// "--listener udp,::,41080,transparent". --allow (repeatable) and --no-local make the source filter.
// Prints "listener <config>" for every open listener and "listening <addr>" (the first) once ready. On
// SIGUSR1 prints the connection table as
//   snapshot-begin <n>
//   id=1 proto=tcp mode=redirect src=... dst=... state=closed sent=N received=M reason=eof
//   snapshot-end <n>
// and stops on SIGTERM or SIGINT. No Qt: this is how the core is meant to be embedded.
#include <signal.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "config/cidr.h"
#include "core/proxycore.h"

using namespace weir::core;

namespace {

[[noreturn]] void usage(const char* message) {
    std::fprintf(
        stderr,
        "weir-core-testdriver: %s\n"
        "usage: weir-core-testdriver [--listen ADDR] [--port N] [--mode redirect|tproxy] [--mark M]\n"
        "       [--listener PROTO,ADDR,PORT[,transparent]]... [--allow CIDR]... [--no-local]\n"
        "       [--udp-idle-ms N] [--max-udp N] [--workers N] [--max-connections N] [--idle-ms N]\n",
        message);
    std::exit(2);
}

void printSnapshot(const ProxyCore& core, unsigned sequence) {
    std::printf("snapshot-begin %u\n", sequence);
    for (const auto& r : core.snapshot()) {
        std::printf("id=%llu proto=%s mode=%s src=%s dst=%s state=%s sent=%llu received=%llu reason=%s\n",
                    static_cast<unsigned long long>(r.id), toString(r.protocol), toString(r.mode),
                    r.source.toString().c_str(), r.destination.toString().c_str(), toString(r.state),
                    static_cast<unsigned long long>(r.bytesSent),
                    static_cast<unsigned long long>(r.bytesReceived),
                    r.closeReason.empty() ? "-" : r.closeReason.c_str());
    }
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

    ProxyCore core;
    std::string error;
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
