// Fuzzes the settings file parser (weir::fromFileText). The file is root-owned, but it may be
// hand-edited, truncated or left over from another version, and every line of it reaches the value
// parsers (numbers, lists, Cidr, PortRange, the upstream URL) and validate().
// Beyond "no crash, no UB": whatever the parser accepts must survive its own round trip, i.e.
// writing it out and reading that back gives the same file text again.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "config/settings.h"

namespace {

[[noreturn]] void failRoundTrip(const char* what, const std::string& text) {
    std::fprintf(stderr, "fuzz_settings_text: %s\n--- file text:\n%s\n", what, text.c_str());
    std::abort();
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string text(reinterpret_cast<const char*>(data), size);
    std::string error;
    const auto settings = weir::fromFileText(text, &error);
    if (!settings) {
        if (error.empty())
            failRoundTrip("refused without saying why", text);
        return 0;
    }
    const std::string written = weir::toFileText(*settings);
    const auto reread = weir::fromFileText(written, &error);
    if (!reread)
        failRoundTrip(("its own output is refused: " + error).c_str(), written);
    if (weir::toFileText(*reread) != written)
        failRoundTrip("reading its own output back changes it", written);
    return 0;
}
