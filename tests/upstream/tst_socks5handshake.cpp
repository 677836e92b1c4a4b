// The SOCKS5 handshake byte by byte: requests as RFC 1928/1929 write them, every reply code, and
// truncated, malformed and talkative proxies.
#include <QtTest>

#include <string>

#include "upstream/socks5handshake.h"

using weir::core::Handshake;
using weir::core::SocketAddress;
using namespace weir::upstream;
using Status = Handshake::Status;

namespace {

std::string bytes(std::initializer_list<int> list) {
    std::string s;
    for (int b : list)
        s.push_back(static_cast<char>(b));
    return s;
}

SocketAddress addr(const char* text) {
    return *SocketAddress::parse(text);
}

// Takes everything the handshake wants to send.
std::string drain(Handshake& h) {
    std::string out(h.output());
    h.consumeOutput(out.size());
    return out;
}

Status feed(Handshake& h, const std::string& data, std::size_t* used = nullptr) {
    std::size_t u = 0;
    const Status s = h.input(data.data(), data.size(), &u);
    if (used)
        *used = u;
    return s;
}

const std::string kIpv4Reply = bytes({5, 0, 0, 1, 10, 0, 0, 1, 0x04, 0x38});

} // namespace

class TestSocks5Handshake : public QObject {
    Q_OBJECT
private slots:
    void connectIpv4WithoutAuthentication() {
        Socks5Handshake h(Socks5Address::fromIp(addr("203.0.113.5:8080")));
        QCOMPARE(drain(h), bytes({5, 1, 0}));
        QCOMPARE(feed(h, bytes({5, 0})), Status::NeedInput);
        QCOMPARE(drain(h), bytes({5, 1, 0, 1, 203, 0, 113, 5, 0x1f, 0x90}));
        std::size_t used = 0;
        QCOMPARE(feed(h, kIpv4Reply + "payload", &used), Status::Done);
        QCOMPARE(used, kIpv4Reply.size()); // the rest is the destination's
        QCOMPARE(h.bound().ip.toString(), std::string("10.0.0.1:1080"));
    }

    void connectIpv6AndDomainTargets() {
        Socks5Handshake v6(Socks5Address::fromIp(addr("[2001:db8::5]:443")));
        drain(v6);
        feed(v6, bytes({5, 0}));
        QCOMPARE(drain(v6),
                 bytes({5, 1, 0, 4, 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 5, 1, 0xbb}));

        Socks5Handshake name(Socks5Address::fromDomain("example.org", 80));
        drain(name);
        feed(name, bytes({5, 0}));
        QCOMPARE(drain(name), bytes({5, 1, 0, 3, 11}) + "example.org" + bytes({0, 80}));
        // A bound address given as a domain name.
        std::size_t used = 0;
        QCOMPARE(feed(name, bytes({5, 0, 0, 3, 4}) + "host" + bytes({0x12, 0x34}) + "x", &used),
                 Status::Done);
        QCOMPARE(used, std::size_t(11));
        QCOMPARE(name.bound().domain, std::string("host"));
        QCOMPARE(name.bound().port, std::uint16_t(0x1234));
    }

    void unwritableTargetsFailAtOnce() {
        Socks5Handshake tooLong(Socks5Address::fromDomain(std::string(256, 'a'), 80));
        QCOMPARE(feed(tooLong, {}), Status::Failed);
        QVERIFY(tooLong.output().empty());
        Socks5Handshake longUser(Socks5Address::fromIp(addr("1.2.3.4:5")), std::string(256, 'u'), "p");
        QCOMPARE(feed(longUser, {}), Status::Failed);
        QVERIFY(longUser.failure().find("255") != std::string::npos);
    }

    void usernamePassword() {
        Socks5Handshake h(Socks5Address::fromIp(addr("203.0.113.5:80")), "weir", "s3cret");
        QCOMPARE(drain(h), bytes({5, 2, 0, 2}));
        QCOMPARE(feed(h, bytes({5, 2})), Status::NeedInput);
        QCOMPARE(drain(h), bytes({1, 4}) + "weir" + bytes({6}) + "s3cret");
        QCOMPARE(feed(h, bytes({1, 0})), Status::NeedInput);
        QCOMPARE(drain(h).substr(0, 4), bytes({5, 1, 0, 1}));
        QCOMPARE(feed(h, kIpv4Reply), Status::Done);
    }

    void usernamePasswordRefused() {
        Socks5Handshake h(Socks5Address::fromIp(addr("203.0.113.5:80")), "weir", "wrong");
        drain(h);
        feed(h, bytes({5, 2}));
        drain(h);
        QCOMPARE(feed(h, bytes({1, 1})), Status::Failed);
        QCOMPARE(h.failure(), std::string("upstream authentication failed"));
    }

    void proxyAcceptsNoMethod() {
        Socks5Handshake anonymous(Socks5Address::fromIp(addr("203.0.113.5:80")));
        drain(anonymous);
        QCOMPARE(feed(anonymous, bytes({5, 0xff})), Status::Failed);
        QCOMPARE(anonymous.failure(),
                 std::string("upstream authentication failed: proxy requires a user name and password"));
        // A method we did not offer.
        Socks5Handshake h(Socks5Address::fromIp(addr("203.0.113.5:80")));
        drain(h);
        QCOMPARE(feed(h, bytes({5, 2})), Status::Failed);
        QCOMPARE(h.failure(), std::string("upstream answered garbage: method 2 was not offered"));
    }

    void replyCodes_data() {
        QTest::addColumn<int>("rep");
        QTest::addColumn<QString>("reason");
        QTest::newRow("1") << 1 << "upstream refused: general failure";
        QTest::newRow("2") << 2 << "upstream refused: not allowed by ruleset";
        QTest::newRow("3") << 3 << "upstream refused: network unreachable";
        QTest::newRow("4") << 4 << "upstream refused: host unreachable";
        QTest::newRow("5") << 5 << "upstream refused: connection refused by destination";
        QTest::newRow("6") << 6 << "upstream refused: TTL expired";
        QTest::newRow("7") << 7 << "upstream refused: command not supported";
        QTest::newRow("8") << 8 << "upstream refused: address type not supported";
        QTest::newRow("9") << 9 << "upstream answered garbage: unknown reply code 9";
        QTest::newRow("255") << 255 << "upstream answered garbage: unknown reply code 255";
    }
    void replyCodes() {
        QFETCH(int, rep);
        QFETCH(QString, reason);
        Socks5Handshake h(Socks5Address::fromIp(addr("203.0.113.5:80")));
        drain(h);
        feed(h, bytes({5, 0}));
        drain(h);
        // A refusal is final after 4 bytes: the proxy may close without the address.
        QCOMPARE(feed(h, bytes({5, rep, 0, 1})), Status::Failed);
        QCOMPARE(QString::fromStdString(h.failure()), reason);
    }

    void garbage_data() {
        QTest::addColumn<QByteArray>("methodReply");
        QTest::addColumn<QByteArray>("reply");
        QTest::addColumn<QString>("reason");
        const QByteArray ok("\x05\x00", 2);
        QTest::newRow("http answer") << QByteArray("HTTP/1.0 400 Bad") << QByteArray()
                                     << "upstream answered garbage: not a SOCKS5 reply (version 72)";
        QTest::newRow("socks4 reply") << ok << QByteArray("\x00\x5a\x00\x00", 4)
                                      << "upstream answered garbage: not a SOCKS5 reply (version 0)";
        QTest::newRow("address type 2")
            << ok << QByteArray("\x05\x00\x00\x02", 4) << "upstream answered garbage: unknown address type 2";
        QTest::newRow("empty domain") << ok << QByteArray("\x05\x00\x00\x03\x00\x00\x50", 7)
                                      << "upstream answered garbage: empty bound domain name";
        QTest::newRow("talks ahead") << QByteArray("\x05\x00\x05\x00\x00\x01", 6) << QByteArray()
                                     << "upstream answered garbage: answered before it was asked";
    }
    void garbage() {
        QFETCH(QByteArray, methodReply);
        QFETCH(QByteArray, reply);
        QFETCH(QString, reason);
        Socks5Handshake h(Socks5Address::fromIp(addr("203.0.113.5:80")));
        drain(h);
        Status s = feed(h, methodReply.toStdString());
        if (s == Status::NeedInput) {
            drain(h);
            s = feed(h, reply.toStdString());
        }
        QCOMPARE(s, Status::Failed);
        QCOMPARE(QString::fromStdString(h.failure()), reason);
        QCOMPARE(feed(h, "more"), Status::Failed); // stays failed
    }

    // Every split of a whole conversation ends the same; every truncation waits, then fails on EOF.
    void truncatedAndSplit() {
        const std::string method = bytes({5, 2});
        const std::string auth = bytes({1, 0});
        const std::string reply =
            bytes({5, 0, 0, 4, 0x20, 1, 0xd, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 80});
        const std::string answers[] = {method, auth, reply};
        std::string all = method + auth + reply;
        for (std::size_t cut = 0; cut < all.size(); ++cut) {
            Socks5Handshake h(Socks5Address::fromIp(addr("[2001:db8::1]:80")), "u", "p");
            std::size_t offset = 0;
            Status s = Status::NeedInput;
            for (const std::string& answer : answers) {
                drain(h);
                const std::size_t end = std::min(offset + answer.size(), cut);
                for (std::size_t i = offset; i < end; ++i) { // one byte at a time
                    std::size_t used = 0;
                    s = h.input(all.data() + i, 1, &used);
                    QCOMPARE(used, std::size_t(1));
                }
                offset += answer.size();
                if (end < offset)
                    break;
            }
            QCOMPARE(s, Status::NeedInput);
            QCOMPARE(h.endOfInput(), Status::Failed);
            QCOMPARE(h.failure(), std::string("upstream closed during handshake"));
        }
    }

    void udpAssociate() {
        Socks5Handshake h(Socks5Address::fromIp(addr("0.0.0.0:0")), {}, {},
                          Socks5Handshake::Command::UdpAssociate);
        drain(h);
        feed(h, bytes({5, 0}));
        QCOMPARE(drain(h), bytes({5, 3, 0, 1, 0, 0, 0, 0, 0, 0}));
        QCOMPARE(feed(h, bytes({5, 0, 0, 1, 198, 51, 100, 2, 0x9c, 0x40})), Status::Done);
        QCOMPARE(h.bound().ip.toString(), std::string("198.51.100.2:40000"));
    }
};

QTEST_APPLESS_MAIN(TestSocks5Handshake)
#include "tst_socks5handshake.moc"
