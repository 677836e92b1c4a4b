// Listener sets (setListeners, all or nothing), the source filter, per-connection modes and the UDP
// listener's refusals, on loopback without rules. TPROXY with real rules is in netns_tproxy.sh.
#include <QTest>

#include <ifaddrs.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>

#include "core/proxycore.h"
#include "core/sourcefilter.h"
#include "printers.h"
#include "testutil.h"

using weir::Family;
using weir::core::ConnectionRecord;
using weir::core::ConnectionState;
using weir::core::CoreConfig;
using weir::core::InterceptMode;
using weir::core::ListenerConfig;
using weir::core::Protocol;
using weir::core::ProxyCore;
using weir::core::SocketAddress;
using weir::core::SourceFilter;
using namespace weir::test;

namespace {

void echo(int fd) {
    char buf[16384];
    for (;;) {
        const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
        if (n <= 0 || !writeAll(fd, buf, static_cast<std::size_t>(n)))
            break;
    }
    ::close(fd);
}

ListenerConfig tcp(const std::string& address, std::uint16_t port = 0, bool transparent = false) {
    return {address.find(':') != std::string::npos ? Family::V6 : Family::V4, Protocol::Tcp, address, port,
            transparent};
}

ListenerConfig udp(const std::string& address, std::uint16_t port = 0) {
    return {address.find(':') != std::string::npos ? Family::V6 : Family::V4, Protocol::Udp, address, port,
            true};
}

// A port free on 0.0.0.0, not only on 127.0.0.1: a port the kernel picks for 127.0.0.1:0 may still
// be held on another address (a test client's TIME_WAIT on 127.0.0.2), which a wildcard bind meets.
std::uint16_t wildcardFreePort() {
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    const auto any = SocketAddress::parse("0.0.0.0:0");
    ::bind(fd, any->sockaddrPtr(), any->sockaddrLen());
    const std::uint16_t port = localAddress(fd).port();
    ::close(fd);
    return port;
}

CoreConfig configTo(const SocketAddress& target, std::vector<ListenerConfig> listeners) {
    CoreConfig config;
    config.listeners = std::move(listeners);
    config.outgoingMark = 0;
    config.originalDestinationOverride = [target](int, std::string*) { return std::optional(target); };
    return config;
}

SocketAddress at(const ListenerConfig& l) {
    const bool v6 = l.family == Family::V6;
    return *SocketAddress::parse((v6 ? "[" + l.address + "]" : l.address) + ":" + std::to_string(l.port));
}

// Sends "ping" through the listener `to` from `from`; true when it comes back.
bool roundTrip(const SocketAddress& to, const SocketAddress& from = SocketAddress()) {
    const int c = connectTo(to, from);
    if (c < 0)
        return false;
    setReceiveTimeout(c, 3000);
    bool ok = writeAll(c, "ping");
    ::shutdown(c, SHUT_WR);
    std::string got;
    ok = ok && readToEnd(c, &got) && got == "ping";
    ::close(c);
    return ok;
}

std::vector<ConnectionRecord> settled(const ProxyCore& core, std::size_t count) {
    for (int i = 0; i < 100; ++i) {
        auto records = core.snapshot();
        bool done = records.size() == count;
        for (const auto& r : records)
            done = done && (r.state == ConnectionState::Closed || r.state == ConnectionState::Failed);
        if (done)
            return records;
        QTest::qWait(30);
    }
    return core.snapshot();
}

// A TCP port on 127.0.0.1 held by someone else (listening, no SO_REUSEPORT).
struct BusyPort {
    int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    std::uint16_t port = 0;
    BusyPort() {
        const auto any = SocketAddress::parse("127.0.0.1:0");
        ::bind(fd, any->sockaddrPtr(), any->sockaddrLen());
        ::listen(fd, 1);
        port = localAddress(fd).port();
    }
    ~BusyPort() { ::close(fd); }
};

} // namespace

class TestListeners : public QObject {
    Q_OBJECT

private slots:
    void notRunning() {
        ProxyCore core;
        std::string error;
        QVERIFY(!core.setListeners({tcp("127.0.0.1")}, {}, &error));
        QCOMPARE(error, std::string("the proxy core is not running"));
        QVERIFY(core.listeners().empty());
    }

    void setListenersAllOrNothing() {
        TestServer server(echo);
        ProxyCore core;
        std::string error;
        QVERIFY2(core.start(configTo(server.address(), {tcp("127.0.0.1")}), &error), error.c_str());
        const auto before = core.listeners();
        QCOMPARE(before.size(), std::size_t(1));
        QVERIFY(before[0].port != 0);

        BusyPort busy;
        QVERIFY(!core.setListeners({tcp("127.0.0.1"), tcp("127.0.0.1", 0), tcp("127.0.0.1", busy.port)}, {},
                                   &error));
        QCOMPARE(error, "bind 127.0.0.1:" + std::to_string(busy.port) + ": Address already in use");
        QVERIFY(core.listeners() == before); // unchanged, and still working
        QVERIFY(core.isAccepting());
        QVERIFY(roundTrip(at(before[0])));

        // An invalid second listener: same.
        QVERIFY(!core.setListeners({tcp("127.0.0.2"), tcp("nonsense")}, {}, &error));
        QCOMPARE(error, std::string("invalid listen address: nonsense"));
        QVERIFY(core.listeners() == before);
        QVERIFY(!core.setListeners({tcp("127.0.0.2"), {Family::V4, Protocol::Udp, "127.0.0.1", 0, false}}, {},
                                   &error));
        QVERIFY2(error.find("must be transparent") != std::string::npos, error.c_str());
        QVERIFY(core.listeners() == before);
        QVERIFY(roundTrip(at(before[0])));
    }

    void keepIdentical() {
        TestServer server(echo);
        ProxyCore core;
        std::string error;
        QVERIFY2(core.start(configTo(server.address(), {tcp("127.0.0.1")}), &error), error.c_str());
        const auto first = core.listeners().at(0);
        // A connection made before the change keeps working.
        const int waiting = connectTo(at(first));
        QVERIFY(waiting >= 0);

        // As asked (port 0) and with the real port: both are "the same listener", kept as it is.
        QVERIFY2(core.setListeners({tcp("127.0.0.1"), tcp("::1")}, {}, &error), error.c_str());
        auto now = core.listeners();
        QCOMPARE(now.size(), std::size_t(2));
        QVERIFY(now[0] == first);
        QCOMPARE(now[1].address, std::string("::1"));
        QVERIFY(now[1].port != 0);
        QVERIFY2(core.setListeners({now[1], first}, {}, &error), error.c_str());
        QVERIFY(core.listeners()[0] == now[1]);
        QVERIFY(core.listeners()[1] == first);
        QVERIFY(roundTrip(at(first)));
        QVERIFY(roundTrip(at(now[1])));

        setReceiveTimeout(waiting, 3000);
        QVERIFY(writeAll(waiting, "ping"));
        ::shutdown(waiting, SHUT_WR);
        std::string got;
        QVERIFY(readToEnd(waiting, &got));
        QCOMPARE(got, std::string("ping"));
        ::close(waiting);

        // Dropping one closes it.
        QVERIFY2(core.setListeners({first}, {}, &error), error.c_str());
        QCOMPARE(core.listeners().size(), std::size_t(1));
        QVERIFY(connectTo(at(now[1])) < 0);
    }

    // Local -> gateway while enabled: 0.0.0.0:P opens while 127.0.0.1:P is still open.
    void scopeChangeSamePort() {
        TestServer server(echo);
        ProxyCore core;
        std::string error;
        QVERIFY2(core.start(configTo(server.address(), {tcp("127.0.0.1", wildcardFreePort())}), &error),
                 error.c_str());
        const std::uint16_t port = core.listeners().at(0).port;
        QVERIFY2(core.setListeners({tcp("127.0.0.1", port), tcp("0.0.0.0", port)}, {}, &error),
                 error.c_str());
        QCOMPARE(core.listeners().size(), std::size_t(2));
        QVERIFY2(core.setListeners({tcp("0.0.0.0", port)}, {}, &error), error.c_str());
        QCOMPARE(core.listeners().size(), std::size_t(1));
        QCOMPARE(core.listenAddress().toString(), "0.0.0.0:" + std::to_string(port));
        QVERIFY(roundTrip(*SocketAddress::parse("127.0.0.1:" + std::to_string(port))));

        // Another program (or core) on the port is still an error.
        ProxyCore second;
        QVERIFY(!second.start(configTo(server.address(), {tcp("0.0.0.0", port)}), &error));
        QCOMPARE(error, "bind 0.0.0.0:" + std::to_string(port) + ": Address already in use");
    }

    void stopAndResumeTheSet() {
        TestServer server(echo);
        ProxyCore core;
        std::string error;
        QVERIFY2(core.start(configTo(server.address(), {tcp("127.0.0.1"), tcp("::1")}), &error),
                 error.c_str());
        const auto set = core.listeners();
        core.stopAccepting();
        QVERIFY(!core.isAccepting());
        QVERIFY(connectTo(at(set[0])) < 0);
        QVERIFY(connectTo(at(set[1])) < 0);
        QVERIFY2(core.resumeAccepting(&error), error.c_str());
        QVERIFY(core.listeners() == set);
        QVERIFY(roundTrip(at(set[0])));
        QVERIFY(roundTrip(at(set[1])));

        // While stopped, a new set is checked, kept closed, and opened by resumeAccepting().
        core.stopAccepting();
        BusyPort busy;
        QVERIFY(!core.setListeners({tcp("127.0.0.1", busy.port)}, {}, &error));
        QVERIFY(core.listeners() == set);
        QVERIFY2(core.setListeners({set[1]}, {}, &error), error.c_str());
        QVERIFY(!core.isAccepting());
        QVERIFY(connectTo(at(set[1])) < 0);
        QVERIFY2(core.resumeAccepting(&error), error.c_str());
        QCOMPARE(core.listeners().size(), std::size_t(1));
        QVERIFY(roundTrip(at(set[1])));
    }

    // An empty set accepts nothing, but is not stopAccepting(): the next set opens at once.
    void emptySetThenNew() {
        TestServer server(echo);
        ProxyCore core;
        std::string error;
        QVERIFY2(core.start(configTo(server.address(), {tcp("127.0.0.1")}), &error), error.c_str());
        QVERIFY2(core.setListeners({}, {}, &error), error.c_str());
        QVERIFY(!core.isAccepting());
        QVERIFY(core.listeners().empty());
        QVERIFY(!core.listenAddress().isValid());
        QVERIFY2(core.setListeners({tcp("::1")}, {}, &error), error.c_str());
        QVERIFY(core.isAccepting());
        QVERIFY(roundTrip(core.listenAddress()));
    }

    void v6ListenerOnLoopback() {
        TestServer server(echo);
        ProxyCore core;
        std::string error;
        QVERIFY2(core.start(configTo(server.address(), {tcp("::1")}), &error), error.c_str());
        const auto l = core.listeners().at(0);
        QVERIFY(l.family == Family::V6);
        QCOMPARE(core.listenAddress().toString(), "[::1]:" + std::to_string(l.port));
        QVERIFY(roundTrip(at(l)));
        const auto records = settled(core, 1);
        QCOMPARE(records.size(), std::size_t(1));
        QCOMPARE(records[0].source.ip(), std::string("::1"));
        WEIR_COMPARE_ENUM(records[0].state, ConnectionState::Closed);
    }

    void sourceFilter() {
        TestServer server(echo);
        ProxyCore core;
        CoreConfig config = configTo(server.address(), {tcp("127.0.0.1")});
        config.sourceFilter.allowLocal = false; // loopback is local; with it off nothing is allowed
        std::string error;
        QVERIFY2(core.start(config, &error), error.c_str());
        const SocketAddress listener = core.listenAddress();
        const auto from = *SocketAddress::parse("127.0.0.2:0");
        QVERIFY(!roundTrip(listener, from));
        auto records = settled(core, 1);
        QCOMPARE(records.size(), std::size_t(1));
        WEIR_COMPARE_ENUM(records[0].state, ConnectionState::Failed);
        QCOMPARE(records[0].closeReason, std::string("source not allowed: 127.0.0.2"));
        QCOMPARE(server.accepted(), 0);

        SourceFilter allowed;
        allowed.allowLocal = false;
        allowed.allowed = {*weir::Cidr::parse("127.0.0.2/32")};
        QVERIFY2(core.setListeners(core.listeners(), allowed, &error), error.c_str());
        QVERIFY(core.listenAddress() == listener);
        QVERIFY(roundTrip(listener, from));
        QVERIFY(!roundTrip(listener, *SocketAddress::parse("127.0.0.3:0")));
        records = settled(core, 3);
        QCOMPARE(records.size(), std::size_t(3));
        WEIR_COMPARE_ENUM(records[1].state, ConnectionState::Closed);
        QCOMPARE(records[2].closeReason, std::string("source not allowed: 127.0.0.3"));

        // The default filter lets the machine's own addresses in (loopback included).
        QVERIFY2(core.setListeners(core.listeners(), SourceFilter{}, &error), error.c_str());
        QVERIFY(roundTrip(listener, *SocketAddress::parse("127.0.0.3:0")));
    }

    // The record's mode says how each connection arrived; with the override, by its listener.
    void modePerListener() {
        TestServer server(echo);
        ProxyCore core;
        std::string error;
        QVERIFY2(
            core.start(configTo(server.address(), {tcp("127.0.0.1"), tcp("127.0.0.1", 0, true)}), &error),
            error.c_str());
        const auto set = core.listeners();
        const auto from = *SocketAddress::parse("127.0.0.2:0");
        QVERIFY(roundTrip(at(set[0]), from));
        QVERIFY(roundTrip(at(set[1]), from));
        const auto records = settled(core, 2);
        QCOMPARE(records.size(), std::size_t(2));
        WEIR_COMPARE_ENUM(records[0].mode, InterceptMode::Redirect);
        WEIR_COMPARE_ENUM(records[1].mode, InterceptMode::Tproxy);
    }

    // Without TPROXY rules a datagram sent straight to the UDP listener has the listener itself as
    // its original destination: refused as a loop, recorded once per flow.
    void udpStraightToListenerIsALoop() {
        ProxyCore core;
        CoreConfig config;
        config.listeners = {udp("127.0.0.1"), udp("::1")};
        std::string error;
        QVERIFY2(core.start(config, &error), error.c_str());
        const auto set = core.listeners();
        QVERIFY(set[0].port != 0);
        QVERIFY(set[0].protocol == Protocol::Udp);
        for (const auto& l : set) {
            const int fd =
                ::socket(l.family == Family::V6 ? AF_INET6 : AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
            const SocketAddress to = at(l);
            for (int i = 0; i < 3; ++i)
                ::sendto(fd, "x", 1, 0, to.sockaddrPtr(), to.sockaddrLen());
            ::close(fd);
        }
        const auto records = settled(core, 2);
        QCOMPARE(records.size(), std::size_t(2));
        for (std::size_t i = 0; i < 2; ++i) {
            WEIR_COMPARE_ENUM(records[i].protocol, Protocol::Udp);
            WEIR_COMPARE_ENUM(records[i].mode, InterceptMode::Tproxy);
            WEIR_COMPARE_ENUM(records[i].state, ConnectionState::Failed);
            QCOMPARE(records[i].closeReason, std::string("loop: destination is the proxy itself"));
            QCOMPARE(records[i].destination, at(set[i]));
        }
    }

    void udpSourceNotAllowed() {
        ProxyCore core;
        CoreConfig config;
        config.listeners = {udp("127.0.0.1")};
        config.sourceFilter.allowLocal = false;
        std::string error;
        QVERIFY2(core.start(config, &error), error.c_str());
        const SocketAddress to = core.listenAddress();
        const int fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        ::sendto(fd, "x", 1, 0, to.sockaddrPtr(), to.sockaddrLen());
        const auto records = settled(core, 1);
        ::close(fd);
        QCOMPARE(records.size(), std::size_t(1));
        QCOMPARE(records[0].closeReason, std::string("source not allowed: 127.0.0.1"));
    }

    // "Local" = loopback ranges and every interface address; nothing else.
    void localAddresses() {
        weir::core::detail::LocalAddresses local;
        QVERIFY(local.contains(*SocketAddress::parse("127.0.0.1:1")));
        QVERIFY(local.contains(*SocketAddress::parse("127.45.6.7:1")));
        QVERIFY(local.contains(*SocketAddress::parse("[::1]:1")));
        QVERIFY(
            !local.contains(*SocketAddress::parse("198.18.255.254:1"))); // benchmark range, never ours here
        QVERIFY(!local.contains(*SocketAddress::parse("[2001:db8:ffff::1]:1")));
        QVERIFY(!local.contains(SocketAddress()));
        ifaddrs* list = nullptr;
        QCOMPARE(::getifaddrs(&list), 0);
        int seen = 0;
        for (const ifaddrs* it = list; it; it = it->ifa_next) {
            if (!it->ifa_addr || (it->ifa_addr->sa_family != AF_INET && it->ifa_addr->sa_family != AF_INET6))
                continue;
            const auto a = SocketAddress::fromSockaddr(it->ifa_addr, it->ifa_addr->sa_family == AF_INET
                                                                         ? sizeof(sockaddr_in)
                                                                         : sizeof(sockaddr_in6));
            QVERIFY(a);
            QVERIFY2(local.contains(*a), a->toString().c_str());
            ++seen;
        }
        ::freeifaddrs(list);
        QVERIFY(seen > 0);

        weir::core::detail::SourceGate gate;
        QVERIFY(gate.allows(*SocketAddress::parse("127.0.0.1:1"))); // default: local only
        QVERIFY(!gate.allows(*SocketAddress::parse("198.18.0.1:1")));
        gate.setFilter({false, {*weir::Cidr::parse("198.18.0.0/15"), *weir::Cidr::parse("fd00::/8")}});
        QVERIFY(gate.allows(*SocketAddress::parse("198.19.1.1:1")));
        QVERIFY(gate.allows(*SocketAddress::parse("[fd12::1]:1")));
        QVERIFY(!gate.allows(*SocketAddress::parse("127.0.0.1:1")));
        QVERIFY(!gate.allows(*SocketAddress::parse("[fe80::1]:1")));
    }

    void generationMoves() {
        TestServer server(echo);
        ProxyCore core;
        std::string error;
        QVERIFY2(core.start(configTo(server.address(), {tcp("127.0.0.1")}), &error), error.c_str());
        std::uint64_t g0 = 0;
        std::uint64_t g1 = 0;
        std::uint64_t g2 = 0;
        core.snapshot(&g0);
        core.snapshot(&g1);
        QCOMPARE(g1, g0);
        QVERIFY(roundTrip(core.listenAddress(), *SocketAddress::parse("127.0.0.2:0")));
        settled(core, 1);
        core.snapshot(&g2);
        QVERIFY(g2 > g1);
    }
};

QTEST_GUILESS_MAIN(TestListeners)
#include "tst_listeners.moc"
