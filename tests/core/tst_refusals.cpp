// Connections the core refuses or cannot complete, and why the table says so: connect refused or
// timed out, loops (to the proxy itself, our own connection intercepted again), an unknown original
// destination. On loopback without NAT, as tst_proxycore (the netns tests cover real rules).
#include <QTest>

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <future>

#include "core/proxycore.h"
#include "coreclient.h"
#include "printers.h"
#include "testutil.h"

using namespace std::chrono_literals;
using weir::core::ConnectionState;
using weir::core::CoreConfig;
using weir::core::InterceptMode;
using weir::core::ProxyCore;
using weir::core::SocketAddress;
using namespace weir::test;

class TestRefusals : public QObject {
    Q_OBJECT

private slots:
    void connectRefused() {
        ClosedPort port;
        ProxyCore core;
        std::string error;
        QVERIFY2(core.start(configTo(port.address), &error), error.c_str());
        const int c = clientOf(core);
        QVERIFY(c >= 0);
        setReceiveTimeout(c, 5000);
        std::string got;
        int err = 0;
        QVERIFY(!readToEnd(c, &got, &err));
        QCOMPARE(err, ECONNRESET);
        ::close(c);
        QTRY_VERIFY_WITH_TIMEOUT(allFinal(core, 1), 5000);
        const auto r = *findRecord(core, 1);
        WEIR_COMPARE_ENUM(r.state, ConnectionState::Failed);
        QCOMPARE(r.closeReason, std::string("connect: Connection refused"));
        QCOMPARE(r.destination, port.address);
        QCOMPARE(r.bytesSent + r.bytesReceived, std::uint64_t(0));
    }

    void connectTimeout() {
        // A listener whose accept queue is full drops further SYNs: the connect hangs.
        const int listener = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        const auto any = SocketAddress::parse("127.0.0.1:0");
        QCOMPARE(::bind(listener, any->sockaddrPtr(), any->sockaddrLen()), 0);
        QCOMPARE(::listen(listener, 0), 0);
        const SocketAddress target = localAddress(listener);
        std::vector<int> fillers;
        for (int i = 0; i < 3; ++i) {
            const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
            ::connect(fd, target.sockaddrPtr(), target.sockaddrLen());
            fillers.push_back(fd);
        }
        QTest::qWait(100);

        ProxyCore core;
        auto config = configTo(target);
        config.connectTimeout = 300ms;
        std::string error;
        QVERIFY2(core.start(config, &error), error.c_str());
        const int c = clientOf(core);
        QVERIFY(c >= 0);
        QTest::qWait(100);
        WEIR_COMPARE_ENUM(findRecord(core, 1)->state, ConnectionState::Connecting);
        QTRY_VERIFY_WITH_TIMEOUT(allFinal(core, 1), 3000);
        const auto r = *findRecord(core, 1);
        WEIR_COMPARE_ENUM(r.state, ConnectionState::Failed);
        QCOMPARE(r.closeReason, std::string("connect: timed out"));
        QVERIFY(r.closedMs - r.startedMs >= 290);
        ::close(c);
        for (int fd : fillers)
            ::close(fd);
        ::close(listener);
    }

    void loopGuard() {
        // Destination = the listener itself (what conntrack reports for a direct connection).
        ProxyCore core;
        auto self = std::make_shared<std::promise<SocketAddress>>();
        auto selfFuture = self->get_future().share();
        CoreConfig config = configTo(SocketAddress());
        config.originalDestinationOverride = [selfFuture](int, std::string*) {
            return std::optional(selfFuture.get());
        };
        std::string error;
        QVERIFY2(core.start(config, &error), error.c_str());
        self->set_value(core.listenAddress());
        const int c = clientOf(core);
        QVERIFY(c >= 0);
        std::string got;
        setReceiveTimeout(c, 5000);
        readToEnd(c, &got);
        ::close(c);
        QTRY_VERIFY_WITH_TIMEOUT(allFinal(core, 1), 5000);
        QTest::qWait(100);
        QCOMPARE(core.snapshot().size(), std::size_t(1)); // refused, not relayed to itself
        const auto r = core.snapshot().front();
        WEIR_COMPARE_ENUM(r.state, ConnectionState::Failed);
        QCOMPARE(r.closeReason, std::string("loop: destination is the proxy itself"));
        QCOMPARE(r.destination, core.listenAddress());
    }

    // The real Tproxy lookup (getsockname) on a direct connection finds the listener: a loop.
    void loopGuardTproxy() {
        ProxyCore core;
        CoreConfig config;
        config.listenAddress = "127.0.0.1";
        config.listenPort = 0;
        config.mode = InterceptMode::Tproxy; // IP_TRANSPARENT: needs CAP_NET_ADMIN
        std::string error;
        QVERIFY2(core.start(config, &error), error.c_str());
        const int c = clientOf(core);
        QVERIFY(c >= 0);
        QTRY_VERIFY_WITH_TIMEOUT(allFinal(core, 1), 5000);
        ::close(c);
        const auto r = core.snapshot().front();
        WEIR_COMPARE_ENUM(r.mode, InterceptMode::Tproxy);
        WEIR_COMPARE_ENUM(r.state, ConnectionState::Failed);
        QCOMPARE(r.closeReason, std::string("loop: destination is the proxy itself"));
    }

    // Our own outgoing connection intercepted again (as with REDIRECT rules but no mark): a
    // Connector that "connects" back to the listener stands in for the NAT rule.
    void loopThroughOwnConnection() {
        struct BackToListener : weir::core::Connector {
            std::promise<SocketAddress> listener;
            std::shared_future<SocketAddress> at = listener.get_future().share();
            weir::core::OutgoingConnection startConnect(const SocketAddress&, std::string* error) override {
                weir::core::DirectConnector direct(0);
                return direct.startConnect(at.get(), error);
            }
            std::string describe() const override { return "back to the listener"; }
        };
        auto connector = std::make_shared<BackToListener>();
        ProxyCore core;
        CoreConfig config = configTo(*SocketAddress::parse("192.0.2.1:80"));
        config.connector = connector;
        std::string error;
        QVERIFY2(core.start(config, &error), error.c_str());
        connector->listener.set_value(core.listenAddress());
        const int c = clientOf(core);
        QVERIFY(c >= 0);
        setReceiveTimeout(c, 5000);
        std::string got;
        int err = 0;
        QVERIFY(!readToEnd(c, &got, &err));
        QCOMPARE(err, ECONNRESET);
        ::close(c);
        QTRY_VERIFY_WITH_TIMEOUT(allFinal(core, 2), 5000);
        QTest::qWait(100);
        const auto records = core.snapshot();
        QCOMPARE(records.size(), std::size_t(2)); // no third hop
        QCOMPARE(records[0].destination.toString(), std::string("192.0.2.1:80"));
        WEIR_COMPARE_ENUM(records[0].state, ConnectionState::Failed);
        QCOMPARE(records[0].closeReason, std::string("loop: own connection intercepted again"));
        WEIR_COMPARE_ENUM(records[1].state, ConnectionState::Failed);
        QCOMPARE(records[1].closeReason, std::string("loop: connection from the proxy itself"));
    }

    void originalDestinationUnknown() {
        ProxyCore core;
        CoreConfig config = configTo(SocketAddress());
        config.originalDestinationOverride = [](int, std::string* error) -> std::optional<SocketAddress> {
            *error = "SO_ORIGINAL_DST: No such file or directory";
            return std::nullopt;
        };
        std::string error;
        QVERIFY2(core.start(config, &error), error.c_str());
        const int c = clientOf(core);
        QVERIFY(c >= 0);
        QTRY_VERIFY_WITH_TIMEOUT(allFinal(core, 1), 5000);
        ::close(c);
        const auto r = core.snapshot().front();
        WEIR_COMPARE_ENUM(r.state, ConnectionState::Failed);
        QCOMPARE(r.closeReason, std::string("SO_ORIGINAL_DST: No such file or directory"));
        QVERIFY(!r.destination.isValid());
    }

    // The real Redirect lookup on a connection that was never NATed: conntrack either has no
    // entry or reports the listener itself. Both must fail, neither may be relayed.
    void redirectWithoutNat() {
        ProxyCore core;
        CoreConfig config;
        config.listenAddress = "127.0.0.1";
        config.listenPort = 0;
        std::string error;
        QVERIFY2(core.start(config, &error), error.c_str());
        const int c = clientOf(core);
        QVERIFY(c >= 0);
        QTRY_VERIFY_WITH_TIMEOUT(allFinal(core, 1), 5000);
        ::close(c);
        const auto r = core.snapshot().front();
        WEIR_COMPARE_ENUM(r.state, ConnectionState::Failed);
        QVERIFY2(r.closeReason == "SO_ORIGINAL_DST: No such file or directory" ||
                     r.closeReason == "loop: destination is the proxy itself",
                 r.closeReason.c_str());
    }
};

QTEST_GUILESS_MAIN(TestRefusals)
#include "tst_refusals.moc"
