#include "core/sockmap.h"

#include <linux/bpf.h>
#include <linux/sockios.h>
#include <netinet/in.h>
#include <poll.h>
#include <linux/tcp.h> // the kernel's tcp_info (glibc's lacks the byte counts)
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <mutex>
#include <optional>
#include <utility>

namespace weir::core::detail {

namespace {

// Sockets per map (two per connection): the pair of maps costs about 1 MiB of kernel memory per
// relay thread; a connection beyond this stays on the splice relay.
constexpr std::uint32_t kMaxSockets = 65536;
constexpr std::size_t kVerifierLogSize = 64 * 1024;

long bpf(int cmd, bpf_attr* attr) {
    return ::syscall(__NR_bpf, cmd, attr, sizeof *attr);
}

// --- the verdict program, one instruction per line ---------------------------------------------

constexpr bpf_insn insn(std::uint8_t code, std::uint8_t dst, std::uint8_t src, std::int16_t off,
                        std::int32_t imm) {
    return bpf_insn{code, dst, src, off, imm};
}

// Runs for every segment a hooked socket receives, in order, under that socket's lock. Redirects
// it to the socket stored in `peers` under the receiver's own cookie (its peer), onto that socket's
// send side. A segment without payload (a bare FIN) is dropped: it carries nothing, and the FIN
// itself stays on the receiving socket, where the relay sees it as EPOLLRDHUP. When the peer is
// missing (only while the pair is being torn down) the helper returns SK_DROP.
std::array<bpf_insn, 16> verdictProgram(int peersMapFd) {
    return {{
        insn(BPF_ALU64 | BPF_MOV | BPF_X, BPF_REG_6, BPF_REG_1, 0, 0), //  0: r6 = ctx (struct __sk_buff *)
        insn(BPF_LDX | BPF_MEM | BPF_W, BPF_REG_0, BPF_REG_6,          //  1: r0 = ctx->len
             offsetof(__sk_buff, len), 0),                             //
        insn(BPF_JMP | BPF_JEQ | BPF_K, BPF_REG_0, 0, 11, 0),          //  2: if r0 == 0 goto 14 (no payload)
        insn(BPF_ALU64 | BPF_MOV | BPF_X, BPF_REG_1, BPF_REG_6, 0, 0), //  3: r1 = ctx
        insn(BPF_JMP | BPF_CALL, 0, 0, 0,
             BPF_FUNC_get_socket_cookie), //  4: r0 = cookie of the receiving socket
        insn(BPF_STX | BPF_MEM | BPF_DW, BPF_REG_10, BPF_REG_0, -8, 0),  //  5: *(u64 *)(fp - 8) = r0: the key
        insn(BPF_ALU64 | BPF_MOV | BPF_X, BPF_REG_1, BPF_REG_6, 0, 0),   //  6: r1 = ctx
        insn(BPF_LD | BPF_DW | BPF_IMM, BPF_REG_2, BPF_PSEUDO_MAP_FD, 0, //  7: r2 = &peers (64-bit immediate:
             peersMapFd),                                               //     the map's fd, resolved at load;
        insn(0, 0, 0, 0, 0),                                            //  8:  its upper half)
        insn(BPF_ALU64 | BPF_MOV | BPF_X, BPF_REG_3, BPF_REG_10, 0, 0), //  9: r3 = fp
        insn(BPF_ALU64 | BPF_ADD | BPF_K, BPF_REG_3, 0, 0, -8),         // 10: r3 = fp - 8: &key
        insn(BPF_ALU64 | BPF_MOV | BPF_K, BPF_REG_4, 0, 0, 0),          // 11: r4 = 0: flags (egress)
        insn(BPF_JMP | BPF_CALL, 0, 0, 0,
             BPF_FUNC_sk_redirect_hash),      // 12: r0 = SK_PASS (redirected) or SK_DROP
        insn(BPF_JMP | BPF_EXIT, 0, 0, 0, 0), // 13: return r0
        insn(BPF_ALU64 | BPF_MOV | BPF_K, BPF_REG_0, 0, 0, SK_DROP), // 14: r0 = SK_DROP
        insn(BPF_JMP | BPF_EXIT, 0, 0, 0, 0),                        // 15: return r0
    }};
}

std::string bpfError(const char* what, int err) {
    std::string text = std::string(what) + ": " + errnoText(err);
    if (err == EPERM)
        text += " (needs CAP_BPF and CAP_NET_ADMIN, or root)";
    return text;
}

UniqueFd createSockhash(const char* name, std::string* why) {
    bpf_attr attr{};
    attr.map_type = BPF_MAP_TYPE_SOCKHASH;
    attr.key_size = sizeof(std::uint64_t);
    attr.value_size = sizeof(std::uint32_t);
    attr.max_entries = kMaxSockets;
    std::strncpy(attr.map_name, name, sizeof attr.map_name - 1);
    UniqueFd fd(static_cast<int>(bpf(BPF_MAP_CREATE, &attr)));
    if (!fd.isValid() && why)
        *why = bpfError("creating a SOCKHASH map", errno);
    return fd;
}

UniqueFd loadProgram(int peersMapFd, std::string* why) {
    const auto program = verdictProgram(peersMapFd);
    static const char license[] = "Dual MIT/GPL";
    auto load = [&](char* log, std::uint32_t logSize) {
        bpf_attr attr{};
        attr.prog_type = BPF_PROG_TYPE_SK_SKB;
        attr.expected_attach_type = BPF_SK_SKB_VERDICT;
        attr.insns = reinterpret_cast<std::uintptr_t>(program.data());
        attr.insn_cnt = program.size();
        attr.license = reinterpret_cast<std::uintptr_t>(license);
        attr.log_buf = reinterpret_cast<std::uintptr_t>(log);
        attr.log_size = logSize;
        attr.log_level = log ? 1 : 0;
        std::strncpy(attr.prog_name, "weir_relay", sizeof attr.prog_name - 1);
        return UniqueFd(static_cast<int>(bpf(BPF_PROG_LOAD, &attr)));
    };
    UniqueFd fd = load(nullptr, 0);
    if (fd.isValid())
        return fd;
    const int err = errno;
    // Again with the verifier's log, for the reason.
    std::string log(kVerifierLogSize, '\0');
    fd = load(log.data(), static_cast<std::uint32_t>(log.size()));
    if (fd.isValid())
        return fd; // a transient failure the second time did not repeat
    log.resize(std::strlen(log.c_str()));
    if (why)
        *why =
            bpfError("loading the sk_skb verdict program", err) + (log.empty() ? "" : "; verifier: " + log);
    return {};
}

bool updateElement(int mapFd, std::uint64_t key, int socketFd, int* err) {
    const std::uint32_t value = static_cast<std::uint32_t>(socketFd);
    bpf_attr attr{};
    attr.map_fd = static_cast<std::uint32_t>(mapFd);
    attr.key = reinterpret_cast<std::uintptr_t>(&key);
    attr.value = reinterpret_cast<std::uintptr_t>(&value);
    attr.flags = BPF_NOEXIST;
    if (bpf(BPF_MAP_UPDATE_ELEM, &attr) == 0)
        return true;
    *err = errno;
    return false;
}

void deleteElement(int mapFd, std::uint64_t key) {
    bpf_attr attr{};
    attr.map_fd = static_cast<std::uint32_t>(mapFd);
    attr.key = reinterpret_cast<std::uintptr_t>(&key);
    bpf(BPF_MAP_DELETE_ELEM, &attr);
}

std::optional<std::uint64_t> cookieOf(int fd) {
    std::uint64_t cookie = 0;
    socklen_t len = sizeof cookie;
    if (::getsockopt(fd, SOL_SOCKET, SO_COOKIE, &cookie, &len) != 0)
        return std::nullopt;
    return cookie;
}

std::optional<tcp_info> tcpInfo(int fd) {
    tcp_info info{};
    socklen_t len = sizeof info;
    if (::getsockopt(fd, IPPROTO_TCP, TCP_INFO, &info, &len) != 0)
        return std::nullopt;
    return info;
}

std::optional<int> queued(int fd, unsigned long request) {
    int n = 0;
    if (::ioctl(fd, request, &n) != 0)
        return std::nullopt;
    return n;
}

// Bytes the relay has read from `fd` (copied_seq): received minus still queued, from one
// consistent moment (the received count did not move around the queue's reading) of a socket that
// has not seen a FIN. Before the socket is in a map (afterwards SIOCINQ counts something else).
std::optional<std::uint64_t> bytesRead(int fd) {
    for (int attempt = 0; attempt < 8; ++attempt) {
        const auto before = tcpInfo(fd);
        const auto inq = queued(fd, SIOCINQ);
        const auto after = tcpInfo(fd);
        if (!before || !inq || !after || after->tcpi_state != BPF_TCP_ESTABLISHED)
            return std::nullopt;
        if (before->tcpi_bytes_received == after->tcpi_bytes_received)
            return after->tcpi_bytes_received - static_cast<std::uint64_t>(*inq);
    }
    return std::nullopt; // receiving too fast to take a reading: stay on splice
}

// Bytes written to `fd` (write_seq): acknowledged plus still queued. `exact`: from one moment
// (the queue did not move around the acknowledged count's reading); otherwise a lower bound.
std::optional<std::uint64_t> bytesWritten(int fd, bool exact) {
    for (int attempt = 0; attempt < 8; ++attempt) {
        const auto before = queued(fd, SIOCOUTQ);
        const auto info = tcpInfo(fd); // acknowledged first, the queue after: never too high
        const auto after = queued(fd, SIOCOUTQ);
        if (!before || !info || !after)
            return std::nullopt;
        if (!exact || *before == *after)
            return info->tcpi_bytes_acked + static_cast<std::uint64_t>(*after);
    }
    return std::nullopt;
}

} // namespace

// ---------------------------------------------------------------------------------------------

std::unique_ptr<Sockmap> Sockmap::open(std::string* why) {
    std::unique_ptr<Sockmap> m(new Sockmap);
    m->peers_ = createSockhash("weir_peers", why);
    if (!m->peers_.isValid())
        return nullptr;
    m->sources_ = createSockhash("weir_sources", why);
    if (!m->sources_.isValid())
        return nullptr;
    m->program_ = loadProgram(m->peers_.get(), why);
    if (!m->program_.isValid())
        return nullptr;
    bpf_attr attr{};
    attr.target_fd = static_cast<std::uint32_t>(m->sources_.get());
    attr.attach_bpf_fd = static_cast<std::uint32_t>(m->program_.get());
    attr.attach_type = BPF_SK_SKB_VERDICT;
    if (bpf(BPF_PROG_ATTACH, &attr) != 0) {
        if (why)
            *why = bpfError("attaching the verdict program to its map (BPF_SK_SKB_VERDICT)", errno);
        return nullptr;
    }
    return m;
}

bool Sockmap::available(std::string* why) {
    static std::once_flag once;
    static bool ok = false;
    static std::string reason;
    std::call_once(once, [] { ok = open(&reason) != nullptr; });
    if (!ok && why)
        *why = reason;
    return ok;
}

Sockmap::~Sockmap() = default;

std::unique_ptr<SockmapPair> Sockmap::link(int clientFd, int upstreamFd, bool* broken, std::string* why) {
    *broken = false;
    const auto clientCookie = cookieOf(clientFd);
    const auto upstreamCookie = cookieOf(upstreamFd);
    if (!clientCookie || !upstreamCookie) {
        *why = "SO_COOKIE: " + errnoText(errno);
        return nullptr;
    }
    std::unique_ptr<SockmapPair> pair(new SockmapPair);
    pair->fd_[SockmapPair::ToUpstream] = clientFd;
    pair->fd_[SockmapPair::ToClient] = upstreamFd;
    // The readings first: once a socket is in a map, SIOCINQ no longer reports the TCP queue.
    const auto readClient = bytesRead(clientFd);
    const auto readUpstream = bytesRead(upstreamFd);
    const auto wroteUpstream = bytesWritten(upstreamFd, true);
    const auto wroteClient = bytesWritten(clientFd, true);
    if (!readClient || !readUpstream || !wroteUpstream || !wroteClient) {
        *why = "no consistent TCP_INFO reading (closing, or receiving fast)";
        return nullptr;
    }
    pair->readAtLink_[SockmapPair::ToUpstream] = *readClient;
    pair->readAtLink_[SockmapPair::ToClient] = *readUpstream;
    pair->writtenAtLink_[SockmapPair::ToUpstream] = *wroteUpstream;
    pair->writtenAtLink_[SockmapPair::ToClient] = *wroteClient;

    // 1. Each socket becomes the other's redirect target. Not hooked yet: arriving bytes wait in
    //    the receive queues, so undoing this loses nothing.
    int err = 0;
    if (!updateElement(peers_.get(), *clientCookie, upstreamFd, &err)) {
        *why = bpfError("adding the upstream socket to the peers map", err);
        return nullptr;
    }
    if (!updateElement(peers_.get(), *upstreamCookie, clientFd, &err)) {
        deleteElement(peers_.get(), *clientCookie);
        *why = bpfError("adding the client socket to the peers map", err);
        return nullptr;
    }
    // 2. Hook both. From here the kernel carries every newly received segment.
    if (!updateElement(sources_.get(), *clientCookie, clientFd, &err)) {
        deleteElement(peers_.get(), *clientCookie);
        deleteElement(peers_.get(), *upstreamCookie);
        *why = bpfError("hooking the client socket", err);
        return nullptr;
    }
    if (!updateElement(sources_.get(), *upstreamCookie, upstreamFd, &err)) {
        // The client socket may already have sent bytes the kernel's way: cannot go back.
        *broken = true;
        *why = bpfError("hooking the upstream socket", err);
        return nullptr;
    }
    // 3. Bytes that arrived before the hook sit in the receive queue, and the hook runs only on the
    //    next arrival (which may never come: a request waiting for its answer). Setting
    //    SO_RCVLOWAT makes TCP check the queue and call the (now hooked) data_ready at once.
    const int one = 1;
    for (int fd : {clientFd, upstreamFd}) {
        if (::setsockopt(fd, SOL_SOCKET, SO_RCVLOWAT, &one, sizeof one) != 0) {
            *broken = true;
            *why = "SO_RCVLOWAT: " + errnoText(errno);
            return nullptr;
        }
    }
    return pair;
}

// ---------------------------------------------------------------------------------------------

std::uint64_t SockmapPair::newlyCarried(Direction d) {
    const auto info = tcpInfo(fd_[d]);
    if (!info)
        return 0;
    // A FIN takes one sequence number, which bytes_received counts. Asked after the reading: a FIN
    // arriving in between is subtracted once too often now, and counted next time.
    pollfd p{fd_[d], POLLRDHUP, 0};
    const bool fin = ::poll(&p, 1, 0) == 1 && (p.revents & (POLLRDHUP | POLLHUP));
    const std::uint64_t received = info->tcpi_bytes_received - (fin ? 1 : 0);
    const std::uint64_t carried = received > readAtLink_[d] ? received - readAtLink_[d] : 0;
    if (carried <= counted_[d])
        return 0;
    return carried - std::exchange(counted_[d], carried);
}

bool SockmapPair::drained(Direction d) const {
    const auto info = tcpInfo(fd_[d]);
    const auto written = bytesWritten(fd_[1 - d], false);
    if (!info || !written)
        return false;
    // Called after the source read EOF: its FIN is counted in bytes_received.
    const std::uint64_t expected = info->tcpi_bytes_received - 1 - readAtLink_[d];
    return *written - writtenAtLink_[d] >= expected;
}

std::chrono::milliseconds SockmapPair::idleFor() const {
    std::uint32_t idle = UINT32_MAX;
    for (int fd : fd_) {
        if (const auto info = tcpInfo(fd))
            idle = std::min(idle, info->tcpi_last_data_recv);
    }
    return std::chrono::milliseconds(idle == UINT32_MAX ? 0 : idle);
}

} // namespace weir::core::detail
