// HTTP CONNECT client handshake (RFC 9110 section 9.3.6), sans I/O, with optional Basic
// authentication (Proxy-Authorization). The answer's header is read up to kMaxResponseHeader;
// anything after its blank line is already the tunnel's payload and is left to the caller.
// The proxy is hostile: the status line and every header line are checked, an oversized or
// malformed header ends Failed ("upstream answered garbage: ...").
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/connector.h"

namespace weir::upstream {

class HttpConnectHandshake final : public core::Handshake {
public:
    static constexpr std::size_t kMaxResponseHeader = 16 * 1024;

    // `authority` is "host:port" or "[v6]:port", as the request line carries it.
    HttpConnectHandshake(std::string authority, const std::string& username = {},
                         const std::string& password = {});

    std::string_view output() const override { return std::string_view(out_).substr(sent_); }
    void consumeOutput(std::size_t n) override;
    Status input(const char* data, std::size_t size, std::size_t* used) override;
    Status endOfInput() override;
    const std::string& failure() const override { return failure_; }

    int statusCode() const { return statusCode_; }

private:
    Status parseHeader(std::string_view header);
    Status fail(std::string reason);

    std::string out_;
    std::size_t sent_ = 0;
    std::string in_; // the response header so far
    Status status_ = Status::NeedInput;
    int statusCode_ = 0;
    std::string failure_;
};

std::string base64Encode(std::string_view data);

} // namespace weir::upstream
