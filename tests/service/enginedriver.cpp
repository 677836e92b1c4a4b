// Drives one Engine with the real libiptc backend and rtnetlink, for engine_netns.sh, which starts it
// under `ip netns exec` only. Never run it in the host namespace. Reads one command per line on
// stdin and answers one line on stdout: "ok MS [text]" or "error MS text" (MS: milliseconds taken).
//   set KEY=VALUE...     engine.setSettings(current + values)   (enable/disable are separate)
//   enable | disable | health | leftovers
//   fault TEXT|-         set/unset WEIR_FAULT_REJECT for the following applies
//   hang-after-apply     the next apply commits, then blocks forever (the script then kill -9s us)
//   quit
// `weir-engine-driver cleanup` instead runs Engine::cleanupAfterCrash once and exits (the guardian's job).
#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <iostream>
#include <sstream>
#include <string>
#include <thread>

#include "config/settings.h"
#include "firewall/iptcbackend.h"
#include "firewall/ruleplan.h"
#include "service/engine.h"

using namespace weir;

namespace {

// Passes everything to libiptc; can block after one apply, to be killed mid-transaction.
class HangingBackend : public firewall::FirewallBackend {
public:
    bool hangAfterApply = false;
    std::string name() const override { return real_.name(); }
    bool remove(const firewall::RulePlan& plan, std::string* error) override {
        return real_.remove(plan, error);
    }
    bool removeAll(std::string* error, std::size_t* removed) override {
        return real_.removeAll(error, removed);
    }
    bool verify(const firewall::RulePlan& plan, std::string* difference) override {
        return real_.verify(plan, difference);
    }
    bool apply(const firewall::RulePlan& plan, std::string* error) override {
        const bool ok = real_.apply(plan, error);
        if (hangAfterApply) {
            std::cout << "hanging" << std::endl;
            for (;;)
                std::this_thread::sleep_for(std::chrono::hours(1));
        }
        return ok;
    }

private:
    firewall::IptcBackend real_;
};

bool applyPairs(std::istringstream& in, const Settings& base, Settings* out, std::string* error) {
    ValueMap values;
    std::string pair;
    while (in >> pair) {
        const auto eq = pair.find('=');
        const KeyInfo* key = eq == std::string::npos ? nullptr : findKey(pair.substr(0, eq));
        if (!key) {
            *error = "bad KEY=VALUE: " + pair;
            return false;
        }
        auto value = parseValue(*key, pair.substr(eq + 1), error);
        if (!value)
            return false;
        values[key->name] = *value;
    }
    const auto errors = applyValues(base, values, out);
    if (errors.empty())
        return true;
    *error = describe(errors);
    return false;
}

bool run(service::Engine& engine, HangingBackend& backend, const std::string& line, std::string* text) {
    std::istringstream in(line);
    std::string cmd;
    in >> cmd;
    if (cmd == "set") {
        Settings next;
        return applyPairs(in, engine.settings(), &next, text) && engine.setSettings(next, text);
    }
    if (cmd == "enable")
        return engine.enable(text);
    if (cmd == "disable")
        return engine.disable(text);
    if (cmd == "health") {
        const auto h = engine.checkHealth();
        *text = h.ok ? "ok " + engine.lastReapply() : h.reason;
        return h.ok;
    }
    if (cmd == "leftovers") {
        std::size_t removed = 0;
        const bool ok = engine.removeLeftovers(&removed, text);
        *text += " removed " + std::to_string(removed);
        return ok;
    }
    if (cmd == "fault") {
        std::string value;
        in >> value;
        value == "-" ? ::unsetenv("WEIR_FAULT_REJECT")
                     : ::setenv("WEIR_FAULT_REJECT", line.substr(6).c_str(), 1);
        return true;
    }
    if (cmd == "hang-after-apply")
        return backend.hangAfterApply = true;
    *text = "unknown command " + cmd;
    return false;
}

} // namespace

int main(int argc, char** argv) {
    if (argc == 2 && std::string(argv[1]) == "cleanup") {
        firewall::IptcBackend backend;
        std::size_t removed = 0;
        std::string error;
        const bool ok = service::Engine::cleanupAfterCrash({}, backend, &removed, &error);
        std::cout << (ok ? "ok removed " : "error ") << (ok ? std::to_string(removed) : error) << std::endl;
        return ok ? 0 : 1;
    }
    auto owned = std::make_unique<HangingBackend>();
    HangingBackend& backend = *owned;
    service::Engine engine(Settings{}, std::move(owned));
    std::string line;
    while (std::getline(std::cin, line) && line != "quit") {
        std::string text;
        const auto start = std::chrono::steady_clock::now();
        const bool ok = run(engine, backend, line, &text);
        const auto ms =
            std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
        std::replace(text.begin(), text.end(), '\n', '|'); // one answer, one line
        std::cout << (ok ? "ok " : "error ") << static_cast<long>(ms * 10) / 10.0 << " " << text << std::endl;
    }
    return 0;
}
