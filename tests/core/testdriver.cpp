// weir-core-testdriver: runs a ProxyCore in the foreground for network-namespace tests.
//
//   weir-core-testdriver [--listen ADDR] [--port N] [--mark M] [--mode redirect|tproxy]
//
// Prints "listening <addr>" once ready. On SIGUSR1 prints the connection table as
//   snapshot-begin <n>
//   id=1 proto=tcp mode=redirect src=... dst=... state=closed sent=N received=M reason=eof
//   snapshot-end <n>
// and stops on SIGTERM or SIGINT. No Qt: this is how the core is meant to be embedded.
#include <signal.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "core/proxycore.h"

using namespace weir::core;

namespace {

[[noreturn]] void usage(const char* message) {
    std::fprintf(stderr,
                 "weir-core-testdriver: %s\n"
                 "usage: weir-core-testdriver [--listen ADDR] [--port N] [--mark M] "
                 "[--mode redirect|tproxy]\n",
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

} // namespace

int main(int argc, char** argv) {
    CoreConfig config;
    config.listenPort = 0;
    for (int i = 1; i < argc; ++i) {
        const std::string arg = argv[i];
        if (i + 1 >= argc)
            usage(("missing value for " + arg).c_str());
        const char* value = argv[++i];
        char* end = nullptr;
        if (arg == "--listen") {
            config.listenAddress = value;
        } else if (arg == "--port") {
            const unsigned long port = std::strtoul(value, &end, 10);
            if (*end || port > 65535)
                usage("bad port");
            config.listenPort = static_cast<std::uint16_t>(port);
        } else if (arg == "--mark") {
            const unsigned long mark = std::strtoul(value, &end, 0);
            if (*end || mark > 0xffffffffUL)
                usage("bad mark");
            config.outgoingMark = static_cast<std::uint32_t>(mark);
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
