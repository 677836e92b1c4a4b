#include <QTest>

#include <arpa/inet.h>
#include <net/if.h>
#include <sys/un.h>

#include <cstring>

#include "core/socketaddress.h"
#include "printers.h"

using weir::core::SocketAddress;

class TestSocketAddress : public QObject {
    Q_OBJECT

private slots:
    void parsesIpv4() {
        const auto a = SocketAddress::parse("192.0.2.10:8080");
        QVERIFY(a);
        QCOMPARE(a->family(), AF_INET);
        QCOMPARE(a->ip(), std::string("192.0.2.10"));
        QCOMPARE(a->port(), std::uint16_t(8080));
        QCOMPARE(a->toString(), std::string("192.0.2.10:8080"));
        QCOMPARE(a->sockaddrLen(), socklen_t(sizeof(sockaddr_in)));
        const auto* in = reinterpret_cast<const sockaddr_in*>(a->sockaddrPtr());
        QCOMPARE(ntohs(in->sin_port), 8080);
    }

    void parsesIpv6_data() {
        QTest::addColumn<QString>("text");
        QTest::addColumn<QString>("ip");
        QTest::addColumn<int>("port");
        QTest::addColumn<QString>("formatted");
        QTest::newRow("loopback") << "[::1]:80"
                                  << "::1" << 80 << "[::1]:80";
        QTest::newRow("doc") << "[2001:db8::1]:443"
                             << "2001:db8::1" << 443 << "[2001:db8::1]:443";
        QTest::newRow("compressed") << "[2001:0db8:0000::0001]:65535"
                                    << "2001:db8::1" << 65535 << "[2001:db8::1]:65535";
        QTest::newRow("any, port 0") << "[::]:0"
                                     << "::" << 0 << "[::]:0";
    }
    void parsesIpv6() {
        QFETCH(QString, text);
        QFETCH(QString, ip);
        QFETCH(int, port);
        QFETCH(QString, formatted);
        const auto a = SocketAddress::parse(text.toStdString());
        QVERIFY(a);
        QCOMPARE(a->family(), AF_INET6);
        QCOMPARE(QString::fromStdString(a->ip()), ip);
        QCOMPARE(int(a->port()), port);
        QCOMPARE(QString::fromStdString(a->toString()), formatted);
        QCOMPARE(a->sockaddrLen(), socklen_t(sizeof(sockaddr_in6)));
        // Round trip.
        QCOMPARE(SocketAddress::parse(a->toString()), a);
    }

    void parsesScopedIpv6() {
        const unsigned loIndex = if_nametoindex("lo");
        QVERIFY(loIndex != 0);
        const auto byIndex = SocketAddress::parse("[fe80::1%" + std::to_string(loIndex) + "]:22");
        const auto byName = SocketAddress::parse("[fe80::1%lo]:22");
        QVERIFY(byIndex && byName);
        QCOMPARE(*byIndex, *byName);
        QCOMPARE(byName->toString(), std::string("[fe80::1%lo]:22"));
        QVERIFY(*byName != *SocketAddress::parse("[fe80::1]:22"));
        QVERIFY(!SocketAddress::parse("[fe80::1%no-such-interface]:22"));
    }

    void normalizesV4Mapped() {
        const auto parsed = SocketAddress::parse("[::ffff:198.51.100.7]:53");
        QVERIFY(parsed);
        QCOMPARE(parsed->family(), AF_INET);
        QCOMPARE(parsed->toString(), std::string("198.51.100.7:53"));
        QCOMPARE(*parsed, *SocketAddress::parse("198.51.100.7:53"));

        sockaddr_in6 in6{};
        in6.sin6_family = AF_INET6;
        in6.sin6_port = htons(41080);
        QCOMPARE(inet_pton(AF_INET6, "::ffff:127.0.0.1", &in6.sin6_addr), 1);
        const auto fromKernel = SocketAddress::fromSockaddr(reinterpret_cast<sockaddr*>(&in6), sizeof in6);
        QVERIFY(fromKernel);
        QCOMPARE(fromKernel->family(), AF_INET);
        QCOMPARE(fromKernel->toString(), std::string("127.0.0.1:41080"));
        QCOMPARE(fromKernel->sockaddrLen(), socklen_t(sizeof(sockaddr_in)));
    }

    void fromSockaddr() {
        sockaddr_in in{};
        in.sin_family = AF_INET;
        in.sin_port = htons(1);
        in.sin_addr.s_addr = htonl(0xC0000201); // 192.0.2.1
        const auto a = SocketAddress::fromSockaddr(reinterpret_cast<sockaddr*>(&in), sizeof in);
        QVERIFY(a);
        QCOMPARE(a->toString(), std::string("192.0.2.1:1"));
        // Too short, wrong family, null.
        QVERIFY(!SocketAddress::fromSockaddr(reinterpret_cast<sockaddr*>(&in), sizeof in - 1));
        sockaddr_un un{};
        un.sun_family = AF_UNIX;
        QVERIFY(!SocketAddress::fromSockaddr(reinterpret_cast<sockaddr*>(&un), sizeof un));
        QVERIFY(!SocketAddress::fromSockaddr(nullptr, 0));
    }

    void rejectsInvalid_data() {
        QTest::addColumn<QString>("text");
        for (const char* bad : {"",
                                ":",
                                "1.2.3.4",
                                "1.2.3.4:",
                                ":80",
                                "1.2.3.4:65536",
                                "1.2.3.4:-1",
                                "1.2.3.4:+1",
                                "1.2.3.4:8a",
                                "1.2.3.4:123456",
                                "1.2.3.4:80 ",
                                " 1.2.3.4:80",
                                "256.1.1.1:80",
                                "1.2.3:80",
                                "a.b.c.d:80",
                                "localhost:80",
                                "::1:80",
                                "::1",
                                "[::1]",
                                "[::1]:",
                                "[::1]80",
                                "[::1:80",
                                "::1]:80",
                                "[1.2.3.4]:80",
                                "[::1]:65536",
                                "[::g]:80",
                                "[[::1]]:80",
                                "[]:80"})
            QTest::newRow(*bad ? bad : "(empty)") << QString::fromLatin1(bad);
    }
    void rejectsInvalid() {
        QFETCH(QString, text);
        QVERIFY2(!SocketAddress::parse(text.toStdString()), qPrintable(text));
    }

    void invalidByDefault() {
        const SocketAddress a;
        QVERIFY(!a.isValid());
        QCOMPARE(a.toString(), std::string());
        QCOMPARE(a.ip(), std::string());
        QCOMPARE(a.port(), std::uint16_t(0));
        QCOMPARE(a.sockaddrLen(), socklen_t(0));
        QCOMPARE(a, SocketAddress());
    }

    void equality() {
        const auto a = *SocketAddress::parse("192.0.2.1:80");
        QCOMPARE(a, *SocketAddress::parse("192.0.2.1:80"));
        QVERIFY(a != *SocketAddress::parse("192.0.2.1:81"));
        QVERIFY(a != *SocketAddress::parse("192.0.2.2:80"));
        QVERIFY(a != *SocketAddress::parse("[::1]:80"));
        QVERIFY(a != SocketAddress());
        QCOMPARE(*SocketAddress::parse("[::1]:80"), *SocketAddress::parse("[0:0::1]:80"));
    }
};

QTEST_GUILESS_MAIN(TestSocketAddress)
#include "tst_socketaddress.moc"
