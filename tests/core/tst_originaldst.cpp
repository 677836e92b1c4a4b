#include <QTest>

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "core/originaldst.h"
#include "printers.h"
#include "testutil.h"

using weir::core::InterceptMode;
using weir::core::recoverArrivedDestination;
using weir::core::recoverOriginalDestination;
using weir::core::SocketAddress;
using weir::test::localAddress;

namespace {

// A listening socket on `address` (port 0) and one accepted connection to it.
struct LoopbackPair {
    int listener = -1;
    int client = -1;
    int accepted = -1;
    SocketAddress listenAddress;

    explicit LoopbackPair(const char* address) {
        const auto at = SocketAddress::parse(address);
        if (!at)
            return;
        listener = ::socket(at->family(), SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (::bind(listener, at->sockaddrPtr(), at->sockaddrLen()) != 0 || ::listen(listener, 4) != 0)
            return;
        listenAddress = localAddress(listener);
        auto connectAt = listenAddress;
        if (std::string(address).starts_with("[::]")) // dual-stack listener reached over IPv4
            connectAt = *SocketAddress::parse("127.0.0.1:" + std::to_string(listenAddress.port()));
        client = weir::test::connectTo(connectAt);
        accepted = ::accept4(listener, nullptr, nullptr, SOCK_CLOEXEC);
    }
    ~LoopbackPair() {
        for (int fd : {listener, client, accepted})
            if (fd >= 0)
                ::close(fd);
    }
    bool ok() const { return accepted >= 0; }
};

bool hasIpv6Loopback() {
    const int fd = ::socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0);
    const auto at = SocketAddress::parse("[::1]:0");
    const bool ok = fd >= 0 && ::bind(fd, at->sockaddrPtr(), at->sockaddrLen()) == 0;
    if (fd >= 0)
        ::close(fd);
    return ok;
}

} // namespace

class TestOriginalDst : public QObject {
    Q_OBJECT

private slots:
    // Tproxy: the accepted socket's local address is the original destination.
    void tproxyUsesLocalAddress() {
        LoopbackPair pair("127.0.0.1:0");
        QVERIFY(pair.ok());
        std::string error;
        const auto dst = recoverOriginalDestination(pair.accepted, InterceptMode::Tproxy, &error);
        QVERIFY2(dst, error.c_str());
        QCOMPARE(*dst, pair.listenAddress);
        QVERIFY(error.empty());
    }

    void tproxyIpv6() {
        QVERIFY2(hasIpv6Loopback(), "this test needs ::1");
        LoopbackPair pair("[::1]:0");
        QVERIFY(pair.ok());
        std::string error;
        const auto dst = recoverOriginalDestination(pair.accepted, InterceptMode::Tproxy, &error);
        QVERIFY2(dst, error.c_str());
        QCOMPARE(dst->family(), AF_INET6);
        QCOMPARE(*dst, pair.listenAddress);
    }

    // A dual-stack listener sees IPv4 clients as ::ffff:a.b.c.d; the result is plain IPv4.
    void tproxyNormalizesV4Mapped() {
        QVERIFY2(hasIpv6Loopback(), "this test needs IPv6");
        LoopbackPair pair("[::]:0");
        QVERIFY(pair.ok());
        std::string error;
        const auto dst = recoverOriginalDestination(pair.accepted, InterceptMode::Tproxy, &error);
        QVERIFY2(dst, error.c_str());
        QCOMPARE(dst->family(), AF_INET);
        QCOMPARE(dst->toString(), "127.0.0.1:" + std::to_string(pair.listenAddress.port()));
    }

    // Without NAT there is nothing to recover. Whether conntrack tracks loopback here depends on
    // what else uses it in this namespace: then the "original" destination is the real one.
    // Either way the answer must not be anything else.
    void redirectWithoutNat() {
        for (const char* listen : {"127.0.0.1:0", "[::]:0"}) {
            LoopbackPair pair(listen);
            QVERIFY(pair.ok());
            std::string error;
            errno = 0;
            const auto dst = recoverOriginalDestination(pair.accepted, InterceptMode::Redirect, &error);
            if (dst) {
                QCOMPARE(dst->toString(), "127.0.0.1:" + std::to_string(pair.listenAddress.port()));
            } else {
                QCOMPARE(errno, ENOENT);
                QCOMPARE(error, std::string("SO_ORIGINAL_DST: No such file or directory"));
            }
        }
    }

    // Without NAT, a transparent listener's connection counts as TPROXYed (its local address is the
    // destination: here the listener itself, which the core's loop guard refuses). A plain listener
    // gets the same address as Redirect when conntrack has an entry, else the SO_ORIGINAL_DST error.
    // REDIRECTed and TPROXYed connections proper: netns_redirect.sh, netns_tproxy.sh.
    void arrivedWithoutNat() {
        for (const char* listen : {"127.0.0.1:0", "[::1]:0"}) {
            if (listen[0] == '[' && !hasIpv6Loopback())
                continue;
            LoopbackPair pair(listen);
            QVERIFY(pair.ok());
            std::string error;
            const SocketAddress peer = localAddress(pair.client);
            SocketAddress local;
            const auto tproxy = recoverArrivedDestination(pair.accepted, peer, true, &local, &error);
            QVERIFY2(tproxy, error.c_str());
            QCOMPARE(tproxy->address, pair.listenAddress);
            QCOMPARE(local, pair.listenAddress);
            WEIR_COMPARE_ENUM(tproxy->mode, InterceptMode::Tproxy);

            const auto plain = recoverArrivedDestination(pair.accepted, peer, false, nullptr, &error);
            if (plain) {
                QCOMPARE(plain->address, pair.listenAddress);
                WEIR_COMPARE_ENUM(plain->mode, InterceptMode::Redirect);
            } else {
                QCOMPARE(error, std::string("SO_ORIGINAL_DST: No such file or directory"));
            }
        }
        std::string error;
        QVERIFY(!recoverArrivedDestination(-1, SocketAddress(), true, nullptr, &error));
        QCOMPARE(error, std::string("getsockname: Bad file descriptor"));
    }

    void redirectOnUdpFails() {
        const int fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        QVERIFY(fd >= 0);
        std::string error;
        const auto dst = recoverOriginalDestination(fd, InterceptMode::Redirect, &error);
        ::close(fd);
        QVERIFY(!dst);
        // conntrack answers SO_ORIGINAL_DST only for TCP (and SCTP).
        QVERIFY2(error.starts_with("SO_ORIGINAL_DST: "), error.c_str());
        QCOMPARE(error, std::string("SO_ORIGINAL_DST: Protocol not available"));
    }

    void unixSocketFails() {
        int fds[2];
        QCOMPARE(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds), 0);
        std::string error;
        QVERIFY(!recoverOriginalDestination(fds[0], InterceptMode::Redirect, &error));
        QCOMPARE(error, std::string("SO_ORIGINAL_DST: Address family not supported by protocol"));
        QCOMPARE(errno, EAFNOSUPPORT);
        error.clear();
        QVERIFY(!recoverOriginalDestination(fds[0], InterceptMode::Tproxy, &error));
        QCOMPARE(error, std::string("getsockname: Address family not supported by protocol"));
        ::close(fds[0]);
        ::close(fds[1]);
    }

    void badDescriptorFails() {
        std::string error;
        QVERIFY(!recoverOriginalDestination(-1, InterceptMode::Redirect, &error));
        QCOMPARE(error, std::string("SO_ORIGINAL_DST: Bad file descriptor"));
        QVERIFY(!recoverOriginalDestination(-1, InterceptMode::Tproxy, &error));
        QCOMPARE(error, std::string("getsockname: Bad file descriptor"));
        QVERIFY(!recoverOriginalDestination(-1, InterceptMode::Tproxy, nullptr)); // error is optional
    }
};

QTEST_GUILESS_MAIN(TestOriginalDst)
#include "tst_originaldst.moc"
