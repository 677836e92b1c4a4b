// The SOCKS5 UDP header (RFC 1928 section 7): what wrapping writes, and which datagrams from the
// proxy are dropped (short, fragmented, non-zero RSV, unknown address type).
#include <QtTest>

#include <string>

#include "upstream/socks5udp.h"

using weir::core::SocketAddress;
using namespace weir::upstream;

namespace {

std::string bytes(std::initializer_list<int> list) {
    std::string s;
    for (int b : list)
        s.push_back(static_cast<char>(b));
    return s;
}

} // namespace

class TestSocks5Udp : public QObject {
    Q_OBJECT
private slots:
    void wrapIpv4AndIpv6() {
        std::string out;
        QVERIFY(wrapSocks5Udp(out, Socks5Address::fromIp(*SocketAddress::parse("203.0.113.5:53")), "hi", 2));
        QCOMPARE(out, bytes({0, 0, 0, 1, 203, 0, 113, 5, 0, 53}) + "hi");
        out.clear();
        QVERIFY(wrapSocks5Udp(out, Socks5Address::fromIp(*SocketAddress::parse("[2001:db8::1]:53")), "", 0));
        QCOMPARE(out.size(), std::size_t(3 + 1 + 16 + 2));
    }

    void unwrap() {
        const std::string d = bytes({0, 0, 0, 1, 203, 0, 113, 5, 0, 53}) + "answer";
        const auto u = unwrapSocks5Udp(d.data(), d.size());
        QVERIFY(u);
        QCOMPARE(u->payloadOffset, std::size_t(10));
        QCOMPARE(u->source.ip.toString(), std::string("203.0.113.5:53"));
        const std::string named = bytes({0, 0, 0, 3, 3}) + "dns" + bytes({0, 53});
        const auto n = unwrapSocks5Udp(named.data(), named.size());
        QVERIFY(n);
        QCOMPARE(n->source.domain, std::string("dns"));
        QCOMPARE(n->payloadOffset, named.size()); // an empty payload
    }

    void dropped_data() {
        QTest::addColumn<QByteArray>("datagram");
        QTest::newRow("empty") << QByteArray();
        QTest::newRow("header only") << QByteArray("\0\0\0", 3);
        QTest::newRow("fragment") << QByteArray("\0\0\x01\x01\xcb\0\x71\x05\0\x35x", 11);
        QTest::newRow("rsv") << QByteArray("\0\x01\0\x01\xcb\0\x71\x05\0\x35x", 11);
        QTest::newRow("short ipv4") << QByteArray("\0\0\0\x01\xcb\0\x71\x05\0", 9);
        QTest::newRow("short ipv6") << QByteArray("\0\0\0\x04\x20\x01", 6);
        QTest::newRow("short domain") << QByteArray("\0\0\0\x03\x09"
                                                    "abc",
                                                    8);
        QTest::newRow("empty domain") << QByteArray("\0\0\0\x03\x00\0\x35", 7);
        QTest::newRow("address type 2") << QByteArray("\0\0\0\x02\0\0\0\0\0\0", 10);
    }
    void dropped() {
        QFETCH(QByteArray, datagram);
        QVERIFY(!unwrapSocks5Udp(datagram.constData(), static_cast<std::size_t>(datagram.size())));
    }
};

QTEST_APPLESS_MAIN(TestSocks5Udp)
#include "tst_socks5udp.moc"
