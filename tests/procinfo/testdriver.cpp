// Accepts REDIRECTed TCP connections and says which process made each, through ProcessResolver:
//   weir-procinfo-testdriver PORT COUNT
// listens on 127.0.0.1:PORT, prints "listening", then for each of COUNT connections reads one byte:
// 'k' (the client keeps its socket open) or 'c' (it closes it now; the lookup waits for the close).
// Prints one line per connection: "tag=N source=... destination=... pid=... name=... exe=... uid=...
// user=..." or "tag=N source=... destination=... failure=KIND message", then closes everything.
#include <poll.h>
#include <unistd.h>

#include <cstdio>
#include <future>
#include <vector>

#include "core/originaldst.h"
#include "procinfo/processresolver.h"
#include "testsockets.h"

using namespace procinfotest;
using weir::procinfo::ProcessResolver;

namespace {

void print(const ProcessResolver::Result& r) {
    std::printf("tag=%llu source=%s destination=%s ", static_cast<unsigned long long>(r.tag),
                r.query.source.toString().c_str(), r.query.destination.toString().c_str());
    if (r.process)
        std::printf("pid=%d name=%s exe=%s uid=%u user=%s\n", r.process->pid, r.process->name.c_str(),
                    r.process->exe.c_str(), r.process->uid, r.process->user.c_str());
    else
        std::printf("failure=%s %s\n", toString(r.failure.kind), r.failure.message.c_str());
    std::fflush(stdout);
}

} // namespace

int main(int argc, char** argv) {
    if (argc != 3) {
        std::fprintf(stderr, "usage: %s PORT COUNT\n", argv[0]);
        return 2;
    }
    const int port = std::atoi(argv[1]);
    const int count = std::atoi(argv[2]);
    UniqueFd listener(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
    const int on = 1;
    ::setsockopt(listener.get(), SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
    const auto address = rawAddress(AF_INET, "127.0.0.1", static_cast<std::uint16_t>(port));
    if (::bind(listener.get(), reinterpret_cast<const sockaddr*>(&address), sizeof(sockaddr_in)) != 0 ||
        ::listen(listener.get(), 16) != 0) {
        std::perror("listen");
        return 1;
    }
    std::printf("listening\n");
    std::fflush(stdout);
    ProcessResolver resolver; // polled: results are printed on this thread
    std::vector<UniqueFd> accepted;
    for (int tag = 1; tag <= count; ++tag) {
        sockaddr_in6 peer{};
        socklen_t len = sizeof peer;
        UniqueFd fd(::accept4(listener.get(), reinterpret_cast<sockaddr*>(&peer), &len, SOCK_CLOEXEC));
        std::string error;
        const auto source = SocketAddress::fromSockaddr(reinterpret_cast<sockaddr*>(&peer), len);
        const auto destination =
            weir::core::recoverOriginalDestination(fd.get(), weir::core::InterceptMode::Redirect, &error);
        if (!fd.isValid() || !source || !destination) {
            std::fprintf(stderr, "connection %d: %s\n", tag, error.c_str());
            return 1;
        }
        char how = 0;
        if (::read(fd.get(), &how, 1) != 1)
            return 1;
        if (how == 'c') { // wait for the client's close
            pollfd p{fd.get(), POLLIN, 0};
            ::poll(&p, 1, 5000);
        }
        resolver.request(static_cast<std::uint64_t>(tag), {weir::Protocol::Tcp, *source, *destination});
        accepted.push_back(std::move(fd));
    }
    if (!resolver.waitIdle(std::chrono::seconds(10)))
        return 1;
    for (const auto& r : resolver.takeResults())
        print(r);
    return 0;
}
