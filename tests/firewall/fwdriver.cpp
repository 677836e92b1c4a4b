// Runs one backend operation in the current network namespace, for tst_firewall_netns
// (which starts it under `ip netns exec`). Never run it in the host namespace.
//   weir-fw-driver apply|remove|verify|render [CASE]    (CASE from sampleplans.h; default redirect-local)
//   weir-fw-driver cycle CASE N                          (N times apply + remove)
//   weir-fw-driver apply-many CASE N                     (N applies, verify after each)
//   weir-fw-driver apply-extended|remove-extended|apply-rejected|apply-three-tables|remove-all
// verify exits 3 and prints the difference when the plan is not installed exactly.
#include "firewall/iptcbackend.h"
#include "firewall/ruleplan.h"
#include "sampleplans.h"

#include <cstdlib>
#include <iostream>
#include <string>

using namespace weir::firewall;

namespace {

int usage() {
    std::cerr << "usage: weir-fw-driver COMMAND [CASE] [N]\n";
    return 2;
}

} // namespace

int main(int argc, char** argv) {
    if (argc < 2)
        return usage();
    const std::string cmd = argv[1];
    const std::string caseName = argc > 2 ? argv[2] : "redirect-local";
    const long count = argc > 3 ? std::strtol(argv[3], nullptr, 0) : 1;

    const auto settings = test::caseSettings(caseName);
    if (!settings) {
        std::cerr << "unknown case " << caseName << "\n";
        return 2;
    }
    std::string error;
    const auto plan = planRules(*settings, &error);
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
        std::cout << renderIptablesSave(*plan, weir::Family::V4)
                  << renderIptablesSave(*plan, weir::Family::V6);
    } else if (cmd == "apply") {
        ok = backend.apply(*plan, &error);
    } else if (cmd == "remove") {
        ok = backend.remove(*plan, &error);
    } else if (cmd == "verify") {
        if (!backend.verify(*plan, &error)) {
            std::cout << error << "\n";
            return 3;
        }
    } else if (cmd == "cycle") {
        for (long i = 0; ok && i < count; ++i)
            ok = backend.apply(*plan, &error) && backend.remove(*plan, &error);
    } else if (cmd == "apply-many") {
        for (long i = 0; ok && i < count; ++i)
            ok = backend.apply(*plan, &error) && backend.verify(*plan, &error);
    } else if (cmd == "apply-extended") {
        ok = backend.apply(test::extendedSamplePlan(), &error);
    } else if (cmd == "remove-extended") {
        ok = backend.remove(test::extendedSamplePlan(), &error);
    } else if (cmd == "apply-rejected") {
        ok = backend.apply(test::rejectedPlan(), &error);
    } else if (cmd == "apply-three-tables") {
        ok = backend.apply(test::threeTablePlan(), &error);
    } else if (cmd == "remove-all") {
        std::size_t removed = 0;
        ok = backend.removeAll(&error, &removed);
        std::cout << "removed " << removed << "\n";
    } else {
        return usage();
    }
    if (!ok) {
        std::cerr << cmd << ": " << error << "\n";
        return 1;
    }
    return 0;
}
