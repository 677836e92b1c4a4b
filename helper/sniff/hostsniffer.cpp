#include "sniff/hostsniffer.h"

#include <algorithm>

namespace weir::sniff {

SniffStatus HostSniffer::feed(const char* data, std::size_t size) {
    if (answered() || size == 0)
        return status_;
    if (seen_ == 0) { // the first byte picks the parser
        const auto first = static_cast<unsigned char>(data[0]);
        if (first == TlsClientHelloParser::kHandshakeRecord)
            parser_.emplace<TlsClientHelloParser>(budget_);
        else if (first >= 'A' && first <= 'Z')
            parser_.emplace<HttpRequestParser>();
        else {
            finish(Verdict::givenUp(GiveUpReason::UnknownProtocol));
            return status_;
        }
    }
    // Never more than the budget reaches a parser; the caller's extra bytes are simply not read.
    const std::size_t take = static_cast<std::size_t>(std::min<std::uint64_t>(size, budget_ - seen_));
    seen_ += take;
    const std::string_view bytes(data, take);
    std::optional<Verdict> verdict;
    if (auto* tls = std::get_if<TlsClientHelloParser>(&parser_))
        verdict = tls->feed(bytes);
    else if (auto* http = std::get_if<HttpRequestParser>(&parser_))
        verdict = http->feed(bytes);
    if (!verdict && seen_ >= budget_)
        verdict = Verdict::givenUp(GiveUpReason::OverBudget);
    if (verdict)
        finish(std::move(*verdict));
    return status_;
}

SniffStatus HostSniffer::feedAt(std::uint64_t offset, const char* data, std::size_t size) {
    if (answered())
        return status_;
    if (offset > seen_) {
        finish(Verdict::givenUp(GiveUpReason::Gap));
        return status_;
    }
    const std::uint64_t overlap = std::min<std::uint64_t>(seen_ - offset, size);
    return feed(data + overlap, size - static_cast<std::size_t>(overlap));
}

void HostSniffer::finish(Verdict verdict) {
    if (verdict.reason == GiveUpReason::None) {
        status_ = SniffStatus::Found;
        host_ = std::move(verdict.host);
        source_ =
            std::holds_alternative<TlsClientHelloParser>(parser_) ? HostSource::TlsSni : HostSource::HttpHost;
    } else {
        status_ = SniffStatus::NotRecognised;
        reason_ = verdict.reason;
    }
    parser_ = std::monostate{}; // frees the parser's buffers: a long connection keeps nothing
}

} // namespace weir::sniff
