// SOCKS5 client handshake (RFC 1928), sans I/O: method negotiation (no authentication, or RFC 1929
// user name and password), then one request, CONNECT or UDP ASSOCIATE, to an IPv4, IPv6 or domain
// target. Every byte the proxy sends is hostile: each message is read with its exact size (never
// more than 262 bytes), nothing past the reply is consumed, and every malformed answer ends Failed
// with a reason that names what was wrong.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/connector.h"
#include "upstream/socks5address.h"

namespace weir::upstream {

class Socks5Handshake final : public core::Handshake {
public:
    enum class Command : std::uint8_t { Connect = 1, UdpAssociate = 3 };

    // Empty username and password: offer only "no authentication". Otherwise offer both methods and
    // answer RFC 1929 if the proxy picks it. Over-long credentials or an unwritable target make the
    // handshake Failed from the start (input() of nothing says so).
    Socks5Handshake(Socks5Address target, std::string username = {}, std::string password = {},
                    Command command = Command::Connect);

    std::string_view output() const override { return std::string_view(out_).substr(sent_); }
    void consumeOutput(std::size_t n) override;
    Status input(const char* data, std::size_t size, std::size_t* used) override;
    Status endOfInput() override;
    const std::string& failure() const override { return failure_; }

    // After Done: BND.ADDR and BND.PORT from the reply (for UDP ASSOCIATE, where to send datagrams).
    const Socks5Address& bound() const { return bound_; }

private:
    enum class Step { MethodReply, AuthReply, RequestReply, Done, Failed };

    // Bytes the message being read needs in total, from what has arrived so far; 0 when it cannot
    // be valid (failure_ set).
    std::size_t expectedSize();
    Status process();
    Status onMethodReply();
    Status onAuthReply();
    Status onRequestReply();
    void queueRequest();
    Status fail(std::string reason);

    Socks5Address target_;
    std::string username_;
    std::string password_;
    Command command_;
    Step step_ = Step::MethodReply;
    std::string out_;
    std::size_t sent_ = 0;
    std::string in_; // the message being read, at most 262 bytes
    Socks5Address bound_;
    std::string failure_;
};

// The reason for a SOCKS5 reply code (REP); nullopt for codes RFC 1928 does not define.
std::optional<std::string> socks5ReplyReason(std::uint8_t rep);

} // namespace weir::upstream
