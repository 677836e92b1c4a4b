// The upstream health: failing after consecutive failures, fast failure with one probe at a time
// and at most one a second, recovery on a success; the proxy's own refusals do not count; and the
// factory's errors.
#include <QtTest>

#include "upstream/connectorfactory.h"
#include "upstream/upstreamhealth.h"

using namespace weir::upstream;
using namespace std::chrono_literals;

class TestUpstreamHealth : public QObject {
    Q_OBJECT
private slots:
    void failsAfterConsecutiveFailures() {
        HealthTracker h("socks5 10.0.0.1:1080");
        QVERIFY(!h.admit());
        h.report(false, "upstream refused");
        QVERIFY(!h.health().failing);
        QVERIFY(!h.admit());
        h.report(false, "upstream refused");
        QVERIFY(h.health().failing);
        QCOMPARE(h.health().reason, std::string("socks5 10.0.0.1:1080: upstream refused"));
        QCOMPARE(h.admit().value_or(""), std::string("upstream down: upstream refused"));
    }

    void oneProbeAtATime() {
        HealthTracker h("socks5 10.0.0.1:1080");
        h.report(false, "upstream timeout");
        h.report(false, "upstream timeout");
        const auto now = HealthTracker::Clock::now();
        QVERIFY(h.admit(now + 100ms));       // refused: within the interval
        QVERIFY(!h.admit(now + 1100ms));     // the probe
        QVERIFY(h.admit(now + 2500ms));      // refused: the probe is still out
        h.report(false, "upstream timeout"); // the probe failed: the interval starts again
        QVERIFY(h.health().failing);
        QVERIFY(h.admit(HealthTracker::Clock::now() + 500ms));
        QVERIFY(!h.admit(HealthTracker::Clock::now() + 1100ms));
        h.report(true, {});
        QVERIFY(!h.health().failing);
        QVERIFY(!h.admit());
    }

    void refusalsFromTheProxyMeanItWorks() {
        HealthTracker h("http p:3128");
        for (int i = 0; i < 5; ++i) {
            h.report(false, "upstream refused: host unreachable");
            h.report(false, "upstream refused: HTTP 502 Bad Gateway");
        }
        QVERIFY(!h.health().failing);
        h.report(false, "upstream authentication failed");
        h.report(false, "upstream answered garbage: x");
        QVERIFY(h.health().failing);
        h.report(false, "upstream refused: host unreachable"); // it answered: it is back
        QVERIFY(!h.health().failing);
    }

    void factory() {
        std::string error;
        weir::Upstream u;
        QVERIFY(makeConnector(u, {}, &error));
        QCOMPARE(makeConnector(u, {}, &error)->describe(), std::string("direct"));
        u.kind = weir::UpstreamKind::Socks5;
        u.host = "no-such-host.invalid";
        u.port = 1080;
        QVERIFY(!makeConnector(u, {}, &error));
        QVERIFY2(error.starts_with("cannot resolve no-such-host.invalid: "), error.c_str());
        u.host = "::1";
        auto c = makeConnector(u, {}, &error);
        QVERIFY(c);
        QCOMPARE(c->describe(), std::string("socks5 [::1]:1080"));
        QCOMPARE(c->udpRoute(), weir::core::UdpRoute::Socks5Associate);
        u.kind = weir::UpstreamKind::Http;
        u.host = "127.0.0.1";
        ConnectorOptions blocked;
        blocked.udpWithoutUpstream = weir::UdpWithoutUpstream::Block;
        QCOMPARE(makeConnector(u, blocked, &error)->udpRoute(), weir::core::UdpRoute::Blocked);
        QCOMPARE(makeConnector(u, {}, &error)->udpRoute(), weir::core::UdpRoute::Direct);
        u.kind = weir::UpstreamKind::Socks5;
        u.username = std::string(256, 'u');
        QVERIFY(!makeConnector(u, {}, &error));
    }
};

QTEST_APPLESS_MAIN(TestUpstreamHealth)
#include "tst_upstreamhealth.moc"
