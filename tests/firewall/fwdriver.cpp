// Runs one backend operation in the current network namespace, for tst_firewall_netns
// (which starts it under `ip netns exec`). Never run it in the host namespace.
//   weir-fw-driver apply|remove|render [--port N] [--mark M]
//   weir-fw-driver apply-extended|remove-extended|apply-rejected|remove-all|cycle N
#include "firewall/iptcbackend.h"
#include "firewall/ruleplan.h"
#include "sampleplans.h"

#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <string>

using namespace weir::firewall;

int main(int argc, char** argv) {
    if (argc < 2) {
        std::cerr << "usage: weir-fw-driver COMMAND [--port N] [--mark M]\n";
        return 2;
    }
    const std::string cmd = argv[1];
    InterceptSettings settings;
    long count = 1;
    for (int i = 2; i < argc; ++i) {
        const std::string arg = argv[i];
        if (arg == "--port" && i + 1 < argc)
            settings.proxyPort = static_cast<std::uint16_t>(std::strtoul(argv[++i], nullptr, 0));
        else if (arg == "--mark" && i + 1 < argc)
            settings.bypassMark = static_cast<std::uint32_t>(std::strtoul(argv[++i], nullptr, 0));
        else
            count = std::strtol(argv[i], nullptr, 0);
    }

    std::string error;
    auto plan = planRules(settings, &error);
    if (!plan) {
        std::cerr << "plan: " << error << "\n";
        return 1;
    }
    IptcBackend::Options options;
    if (const char* ms = std::getenv("WEIR_TEST_LOCK_TIMEOUT_MS"))
        options.lockTimeoutMs = std::atoi(ms);
    IptcBackend backend(options);
    bool ok = true;
    if (cmd == "render") {
        std::cout << renderIptablesSave(*plan);
    } else if (cmd == "apply") {
        ok = backend.apply(*plan, &error);
    } else if (cmd == "remove") {
        ok = backend.remove(*plan, &error);
    } else if (cmd == "apply-extended") {
        ok = backend.apply(test::extendedSamplePlan(), &error);
    } else if (cmd == "remove-extended") {
        ok = backend.remove(test::extendedSamplePlan(), &error);
    } else if (cmd == "apply-rejected") {
        ok = backend.apply(test::rejectedPlan(), &error);
    } else if (cmd == "remove-all") {
        std::size_t removed = 0;
        ok = backend.removeAll(&error, &removed);
        std::cout << "removed " << removed << "\n";
    } else if (cmd == "cycle") {
        for (long i = 0; ok && i < count; ++i)
            ok = backend.apply(*plan, &error) && backend.remove(*plan, &error);
    } else {
        std::cerr << "unknown command " << cmd << "\n";
        return 2;
    }
    if (!ok) {
        std::cerr << cmd << ": " << error << "\n";
        return 1;
    }
    return 0;
}
