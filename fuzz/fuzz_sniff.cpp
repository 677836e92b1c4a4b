// libFuzzer target: the first bytes of a connection as hostile input to the host sniffer, fed in
// pieces the way reads or MSG_PEEK + splice would deliver them. The first input byte picks the
// piece size, whether pieces overlap (feedAt) and a small or the default budget; the rest is the
// stream. Checks: the answer is the same as for the whole stream in one piece, it is final, the
// sniffer never takes more than its budget, a found host is normalised and a give-up says why.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "sniff/hostsniffer.h"

using namespace weir::sniff;

namespace {

bool isNormalisedHost(const std::string& h) {
    if (h.empty() || h.size() > 253)
        return false;
    for (char c : h)
        if (c < 0x21 || c > 0x7e || (c >= 'A' && c <= 'Z'))
            return false;
    return true;
}

void check(bool ok) {
    if (!ok)
        __builtin_trap();
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size < 1)
        return 0;
    const std::uint8_t control = data[0];
    const std::string_view stream(reinterpret_cast<const char*>(data + 1), size - 1);
    const std::size_t piece = 1 + (control & 0x3f) * 7; // 1 to 442 bytes
    const bool overlap = control & 0x40;
    const std::size_t budget = (control & 0x80) ? 300 : HostSniffer::kDefaultBudget;

    HostSniffer whole(budget);
    whole.feed(stream);

    HostSniffer pieces(budget);
    std::size_t at = 0;
    while (at < stream.size() && !pieces.answered()) {
        // Overlapping pieces re-send up to 5 bytes already given, as a peek before a splice would.
        const std::size_t start = overlap ? at - std::min({at, std::size_t{5}, piece - 1}) : at;
        const std::size_t n = std::min(piece, stream.size() - start);
        if (overlap)
            pieces.feedAt(start, stream.data() + start, n);
        else
            pieces.feed(stream.substr(start, n));
        at = start + n;
        check(pieces.bytesSeen() <= at && pieces.bytesSeen() <= budget);
    }

    check(pieces.status() == whole.status() && pieces.host() == whole.host() &&
          pieces.source() == whole.source() && pieces.reason() == whole.reason());
    check(whole.bytesSeen() <= budget);
    switch (whole.status()) {
    case SniffStatus::Found:
        check(isNormalisedHost(whole.host()) && whole.source() != HostSource::None &&
              whole.reason() == GiveUpReason::None);
        break;
    case SniffStatus::NotRecognised:
        check(whole.reason() != GiveUpReason::None && whole.reason() != GiveUpReason::Gap &&
              whole.host().empty());
        break;
    case SniffStatus::NeedMore:
        check(whole.bytesSeen() == stream.size() && whole.bytesSeen() < budget);
        break;
    }
    // Final: more bytes change nothing.
    const SniffStatus before = whole.status();
    whole.feed(stream);
    check(whole.status() == before || before == SniffStatus::NeedMore);
    return 0;
}
