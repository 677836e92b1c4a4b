// The host sniffer as the relay drives it: the first byte picks the protocol, an answer is final
// and frees the parser, feedAt() skips bytes seen before and gives up on a gap; and the host
// names it reports (normaliseHost, hostFromAuthority) case by case.
#include <QtTest>

#include <string>

#include "sniff/hostname.h"
#include "sniffcheck.h"

using namespace sniffcheck;

namespace {

const std::string kRequest = "GET / HTTP/1.1\r\nHost: Relay.Test:8080\r\n\r\n";

QString orNothing(const std::optional<std::string>& host) {
    return host ? QString::fromStdString(*host) : QStringLiteral("(nothing)");
}

} // namespace

class TestHostSniffer : public QObject {
    Q_OBJECT
private slots:
    void startsUndecided() {
        HostSniffer s;
        QCOMPARE(s.status(), SniffStatus::NeedMore);
        QVERIFY(!s.answered());
        QCOMPARE(s.feed(nullptr, 0), SniffStatus::NeedMore); // an empty read changes nothing
        QCOMPARE(s.bytesSeen(), std::uint64_t{0});
        QCOMPARE(s.source(), HostSource::None);
        QCOMPARE(s.reason(), GiveUpReason::None);
        QVERIFY(s.host().empty());
    }

    void firstBytePicksProtocol() {
        HostSniffer tls;
        QCOMPARE(tls.feed("\x16"), SniffStatus::NeedMore);
        HostSniffer http;
        QCOMPARE(http.feed("G"), SniffStatus::NeedMore);
        for (const char* other : {"\x17", "\x80", "{", "1", "@", "[", "a", " "}) {
            HostSniffer s;
            QCOMPARE(s.feed(other), SniffStatus::NotRecognised);
            QCOMPARE(s.reason(), GiveUpReason::UnknownProtocol);
            QCOMPARE(s.bytesSeen(), std::uint64_t{0}); // decided before taking anything
        }
    }

    // After an answer: the same answer whatever comes next, and nothing more is counted.
    void answerIsFinal() {
        HostSniffer s;
        QCOMPARE(s.feed(kRequest), SniffStatus::Found);
        QCOMPARE(s.host(), std::string("relay.test"));
        QCOMPARE(s.source(), HostSource::HttpHost);
        const auto seen = s.bytesSeen();
        QCOMPARE(s.feed("\x16\x03\x01garbage"), SniffStatus::Found);
        QCOMPARE(s.feedAt(0, kRequest.data(), kRequest.size()), SniffStatus::Found);
        QCOMPARE(s.feedAt(1000000, "x", 1), SniffStatus::Found);
        QCOMPARE(s.host(), std::string("relay.test"));
        QCOMPARE(s.bytesSeen(), seen);

        HostSniffer given;
        QCOMPARE(given.feed("SSH-2.0"), SniffStatus::NotRecognised);
        QCOMPARE(given.feed(kRequest), SniffStatus::NotRecognised);
        QCOMPARE(given.reason(), GiveUpReason::UnknownProtocol);
    }

    // feedAt as a splicing relay would use it: peeks that start where the splices got to, each
    // overlapping what was fed before.
    void feedAtSkipsOverlap() {
        HostSniffer s;
        QCOMPARE(s.feedAt(0, kRequest.data(), 10), SniffStatus::NeedMore);
        QCOMPARE(s.feedAt(0, kRequest.data(), 20), SniffStatus::NeedMore); // 10 new bytes
        QCOMPARE(s.bytesSeen(), std::uint64_t{20});
        QCOMPARE(s.feedAt(5, kRequest.data() + 5, 10), SniffStatus::NeedMore); // nothing new
        QCOMPARE(s.bytesSeen(), std::uint64_t{20});
        QCOMPARE(s.feedAt(20, kRequest.data() + 20, kRequest.size() - 20), SniffStatus::Found);
        QCOMPARE(s.host(), std::string("relay.test"));
    }

    void feedAtGap() {
        HostSniffer s;
        QCOMPARE(s.feedAt(0, kRequest.data(), 10), SniffStatus::NeedMore);
        QCOMPARE(s.feedAt(11, kRequest.data() + 11, kRequest.size() - 11), SniffStatus::NotRecognised);
        QCOMPARE(s.reason(), GiveUpReason::Gap);
    }

    // The same stream in uneven pieces, each fed through feedAt with overlaps: the same answer.
    void feedAtWithOverlapsOnCapture() {
        const std::string hello = readTestData("curl.bin");
        HostSniffer s;
        std::size_t from = 0;
        for (std::size_t step = 1; !s.answered(); step = step * 2 + 1) {
            const std::size_t start = from > 3 ? from - 3 : 0; // re-peeks three old bytes
            const std::size_t size = std::min(hello.size() - start, step);
            s.feedAt(start, hello.data() + start, size);
            from = start + size;
        }
        QCOMPARE(describe(s), found(HostSource::TlsSni, "curl.example.test"));
    }

    void names() {
        QCOMPARE(sourceName(HostSource::TlsSni), std::string_view("tls-sni"));
        QCOMPARE(sourceName(HostSource::HttpHost), std::string_view("http-host"));
        QCOMPARE(sourceName(HostSource::None), std::string_view(""));
        QCOMPARE(reasonText(GiveUpReason::OverBudget), std::string_view("over the byte budget"));
    }

    void normalise_data() {
        QTest::addColumn<QByteArray>("name");
        QTest::addColumn<QString>("expected");
        QTest::newRow("lower-cased") << QByteArray("WWW.Example.COM") << "www.example.com";
        QTest::newRow("IPv4") << QByteArray("192.0.2.1") << "192.0.2.1";
        QTest::newRow("punycode") << QByteArray("xn--caf-dma.test") << "xn--caf-dma.test";
        QTest::newRow("253") << QByteArray(253, 'a') << QString(253, 'a');
        QTest::newRow("254") << QByteArray(254, 'a') << "(nothing)";
        QTest::newRow("empty") << QByteArray() << "(nothing)";
        QTest::newRow("space") << QByteArray("a b") << "(nothing)";
        QTest::newRow("tab") << QByteArray("a\tb") << "(nothing)";
        QTest::newRow("NUL") << QByteArray("a\0b", 3) << "(nothing)";
        QTest::newRow("DEL") << QByteArray("a\x7f") << "(nothing)";
        QTest::newRow("UTF-8") << QByteArray("caf\xc3\xa9") << "(nothing)";
    }

    void normalise() {
        QFETCH(QByteArray, name);
        QFETCH(QString, expected);
        QCOMPARE(orNothing(normaliseHost(std::string_view(name.constData(), name.size()))), expected);
    }

    void authority_data() {
        QTest::addColumn<QString>("authority");
        QTest::addColumn<QString>("expected");
        QTest::newRow("name") << "Example.com"
                              << "example.com";
        QTest::newRow("name and port") << "example.com:443"
                                       << "example.com";
        QTest::newRow("port 65535") << "a.test:65535"
                                    << "a.test";
        QTest::newRow("port 65536") << "a.test:65536"
                                    << "(nothing)";
        QTest::newRow("port of six digits") << "a.test:000080"
                                            << "(nothing)";
        QTest::newRow("empty port") << "a.test:"
                                    << "a.test";
        QTest::newRow("IPv4 and port") << "192.0.2.1:8080"
                                       << "192.0.2.1";
        QTest::newRow("IPv6") << "[2001:DB8::1]"
                              << "[2001:db8::1]";
        QTest::newRow("IPv6 and port") << "[::1]:80"
                                       << "[::1]";
        QTest::newRow("IPv4-mapped IPv6") << "[::ffff:192.0.2.1]:1"
                                          << "[::ffff:192.0.2.1]";
        QTest::newRow("bare IPv6") << "::1"
                                   << "(nothing)";
        QTest::newRow("empty brackets") << "[]"
                                        << "(nothing)";
        QTest::newRow("brackets without colon") << "[abc]"
                                                << "(nothing)";
        QTest::newRow("zone id") << "[fe80::1%25eth0]"
                                 << "(nothing)";
        QTest::newRow("unclosed") << "[::1"
                                  << "(nothing)";
        QTest::newRow("after bracket") << "[::1]:80x"
                                       << "(nothing)";
        QTest::newRow("only a port") << ":80"
                                     << "(nothing)";
        QTest::newRow("empty") << ""
                               << "(nothing)";
        QTest::newRow("user info") << "u:p@a.test"
                                   << "(nothing)";
        QTest::newRow("two colons") << "a.test:1:2"
                                    << "(nothing)";
    }

    void authority() {
        QFETCH(QString, authority);
        QFETCH(QString, expected);
        QCOMPARE(orNothing(hostFromAuthority(authority.toStdString())), expected);
    }
};

QTEST_APPLESS_MAIN(TestHostSniffer)
#include "tst_hostsniffer.moc"
