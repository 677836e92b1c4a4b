#include "upstream/socks5handshake.h"

namespace weir::upstream {

namespace {

constexpr std::uint8_t kVersion = 5;
constexpr std::uint8_t kAuthVersion = 1; // RFC 1929
constexpr std::uint8_t kMethodNone = 0;
constexpr std::uint8_t kMethodPassword = 2;
constexpr std::uint8_t kNoAcceptableMethod = 0xff;
constexpr std::size_t kMaxField = 255;

std::uint8_t byteAt(const std::string& s, std::size_t i) {
    return static_cast<std::uint8_t>(s[i]);
}

std::string garbage(const std::string& what) {
    return "upstream answered garbage: " + what;
}

} // namespace

std::optional<std::string> socks5ReplyReason(std::uint8_t rep) {
    switch (rep) {
    case 1:
        return "upstream refused: general failure";
    case 2:
        return "upstream refused: not allowed by ruleset";
    case 3:
        return "upstream refused: network unreachable";
    case 4:
        return "upstream refused: host unreachable";
    case 5:
        return "upstream refused: connection refused by destination";
    case 6:
        return "upstream refused: TTL expired";
    case 7:
        return "upstream refused: command not supported";
    case 8:
        return "upstream refused: address type not supported";
    default:
        return std::nullopt;
    }
}

Socks5Handshake::Socks5Handshake(Socks5Address target, std::string username, std::string password,
                                 Command command)
    : target_(std::move(target))
    , username_(std::move(username))
    , password_(std::move(password))
    , command_(command) {
    if (username_.size() > kMaxField || password_.size() > kMaxField) {
        fail("upstream credentials longer than 255 bytes (RFC 1929)");
        return;
    }
    std::string probe;
    if (!appendSocks5Address(probe, target_)) {
        fail("socks5: target address cannot be sent");
        return;
    }
    out_.push_back(static_cast<char>(kVersion));
    if (username_.empty() && password_.empty()) {
        out_.push_back(1);
        out_.push_back(static_cast<char>(kMethodNone));
    } else {
        out_.push_back(2);
        out_.push_back(static_cast<char>(kMethodNone));
        out_.push_back(static_cast<char>(kMethodPassword));
    }
}

void Socks5Handshake::consumeOutput(std::size_t n) {
    sent_ = std::min(out_.size(), sent_ + n);
    if (sent_ == out_.size()) {
        out_.clear();
        sent_ = 0;
    }
}

Socks5Handshake::Status Socks5Handshake::fail(std::string reason) {
    step_ = Step::Failed;
    failure_ = std::move(reason);
    out_.clear();
    sent_ = 0;
    return Status::Failed;
}

std::size_t Socks5Handshake::expectedSize() {
    switch (step_) {
    case Step::MethodReply:
    case Step::AuthReply:
        return 2;
    case Step::RequestReply: {
        // VER REP RSV, then the bound address. A refusal is final after its first 4 bytes: a
        // server may close without sending the rest.
        if (in_.size() < 4 || byteAt(in_, 1) != 0)
            return 4;
        std::size_t needed = 0;
        const auto* address = reinterpret_cast<const unsigned char*>(in_.data()) + 3;
        if (parseSocks5Address(address, in_.size() - 3, nullptr, nullptr, &needed) ==
            Socks5AddressParse::Short)
            return 3 + needed;
        return in_.size(); // complete, or invalid: onRequestReply() says which
    }
    default:
        return 0;
    }
}

Socks5Handshake::Status Socks5Handshake::input(const char* data, std::size_t size, std::size_t* used) {
    std::size_t taken = 0;
    Status status = step_ == Step::Done     ? Status::Done
                    : step_ == Step::Failed ? Status::Failed
                                            : Status::NeedInput;
    while (status == Status::NeedInput) {
        // A reply is only meaningful once what it answers went out: a proxy that talks ahead of
        // the client is not speaking SOCKS5.
        if (!out_.empty() && taken < size) {
            status = fail(garbage("answered before it was asked"));
            break;
        }
        const std::size_t want = expectedSize();
        if (in_.size() < want) {
            const std::size_t n = std::min(want - in_.size(), size - taken);
            if (n == 0)
                break;
            in_.append(data + taken, n);
            taken += n;
            continue;
        }
        status = process();
    }
    if (used)
        *used = taken;
    return status;
}

Socks5Handshake::Status Socks5Handshake::process() {
    Status status = Status::Failed;
    switch (step_) {
    case Step::MethodReply:
        status = onMethodReply();
        break;
    case Step::AuthReply:
        status = onAuthReply();
        break;
    case Step::RequestReply:
        status = onRequestReply();
        break;
    default:
        break;
    }
    if (status == Status::NeedInput)
        in_.clear();
    return status;
}

Socks5Handshake::Status Socks5Handshake::onMethodReply() {
    if (byteAt(in_, 0) != kVersion)
        return fail(garbage("not a SOCKS5 reply (version " + std::to_string(byteAt(in_, 0)) + ")"));
    const std::uint8_t method = byteAt(in_, 1);
    const bool haveCredentials = !username_.empty() || !password_.empty();
    if (method == kNoAcceptableMethod)
        return fail(haveCredentials
                        ? "upstream authentication failed: no acceptable method"
                        : "upstream authentication failed: proxy requires a user name and password");
    if (method == kMethodNone) {
        queueRequest();
        return Status::NeedInput;
    }
    if (method == kMethodPassword && haveCredentials) {
        out_.push_back(static_cast<char>(kAuthVersion));
        out_.push_back(static_cast<char>(username_.size()));
        out_ += username_;
        out_.push_back(static_cast<char>(password_.size()));
        out_ += password_;
        step_ = Step::AuthReply;
        return Status::NeedInput;
    }
    return fail(garbage("method " + std::to_string(method) + " was not offered"));
}

Socks5Handshake::Status Socks5Handshake::onAuthReply() {
    // RFC 1929 says version 1; some servers answer with 5. Both are taken; the status decides.
    const std::uint8_t version = byteAt(in_, 0);
    if (version != kAuthVersion && version != kVersion)
        return fail(garbage("not an RFC 1929 reply (version " + std::to_string(version) + ")"));
    if (byteAt(in_, 1) != 0)
        return fail("upstream authentication failed");
    queueRequest();
    return Status::NeedInput;
}

void Socks5Handshake::queueRequest() {
    out_.push_back(static_cast<char>(kVersion));
    out_.push_back(static_cast<char>(command_));
    out_.push_back(0);                  // RSV
    appendSocks5Address(out_, target_); // checked in the constructor
    step_ = Step::RequestReply;
}

Socks5Handshake::Status Socks5Handshake::onRequestReply() {
    if (byteAt(in_, 0) != kVersion)
        return fail(garbage("not a SOCKS5 reply (version " + std::to_string(byteAt(in_, 0)) + ")"));
    const std::uint8_t rep = byteAt(in_, 1);
    if (rep != 0) {
        if (auto reason = socks5ReplyReason(rep))
            return fail(*reason);
        return fail(garbage("unknown reply code " + std::to_string(rep)));
    }
    Socks5Address bound;
    const auto* address = reinterpret_cast<const unsigned char*>(in_.data()) + 3;
    switch (parseSocks5Address(address, in_.size() - 3, &bound, nullptr)) {
    case Socks5AddressParse::Ok:
        break;
    case Socks5AddressParse::EmptyDomain:
        return fail(garbage("empty bound domain name"));
    case Socks5AddressParse::BadType:
        return fail(garbage("unknown address type " + std::to_string(byteAt(in_, 3))));
    case Socks5AddressParse::Short: // expectedSize() waited for all of it
        return fail(garbage("truncated reply"));
    }
    bound_ = std::move(bound);
    in_.clear();
    step_ = Step::Done;
    return Status::Done;
}

Socks5Handshake::Status Socks5Handshake::endOfInput() {
    if (step_ == Step::Done)
        return Status::Done;
    if (step_ != Step::Failed)
        fail("upstream closed during handshake");
    return Status::Failed;
}

} // namespace weir::upstream
