// The TLS side of the host sniffer: ClientHellos captured from real clients (openssl s_client,
// Python's ssl, curl; see data/capture_hellos.sh), fed whole, cut at every byte and byte by byte,
// re-framed into records of many sizes; built hellos with one field wrong at a time; and every
// byte of the captures overwritten, which must never crash nor make the answer depend on the cuts.
#include <QtTest>

#include <string>
#include <vector>

#include "sniff/tlsclienthello.h"
#include "sniffcheck.h"

using namespace sniffcheck;

namespace {

std::string u8(std::size_t v) {
    return std::string(1, static_cast<char>(v & 0xff));
}
std::string u16(std::size_t v) {
    return u8(v >> 8) + u8(v);
}
std::string u24(std::size_t v) {
    return u8(v >> 16) + u16(v);
}
std::string vec8(const std::string& body) {
    return u8(body.size()) + body;
}
std::string vec16(const std::string& body) {
    return u16(body.size()) + body;
}

std::string extension(std::size_t type, const std::string& data) {
    return u16(type) + vec16(data);
}

std::string serverName(const std::string& host, std::size_t nameType = 0) {
    return extension(0, vec16(u8(nameType) + vec16(host)));
}

// A ClientHello body: TLS 1.2 legacy version, a 32-byte session id, two suites, null compression,
// then `tail` (the extensions block with its length, or nothing).
std::string helloBody(const std::string& tail, const std::string& sessionId = std::string(32, 's'),
                      const std::string& suites = u16(0x1301) + u16(0xc02f),
                      const std::string& compression = u8(0)) {
    return u16(0x0303) + std::string(32, 'r') + vec8(sessionId) + vec16(suites) + vec8(compression) + tail;
}

std::string handshake(const std::string& body, std::size_t type = 1) {
    return u8(type) + u24(body.size()) + body;
}

// `message` cut into handshake records of at most `fragment` bytes.
std::string records(const std::string& message, std::size_t fragment = 1 << 14) {
    std::string out;
    for (std::size_t at = 0; at < message.size(); at += fragment) {
        const std::string chunk = message.substr(at, fragment);
        out += u8(22) + u16(0x0301) + vec16(chunk);
    }
    return out;
}

std::string hello(const std::vector<std::string>& extensions) {
    std::string block;
    for (const auto& e : extensions)
        block += e;
    return records(handshake(helloBody(vec16(block))));
}

// The handshake message inside captured records (their payloads joined).
std::string payloadOf(const std::string& recordBytes) {
    std::string out;
    for (std::size_t at = 0; at + 5 <= recordBytes.size();) {
        const std::size_t len = (static_cast<unsigned char>(recordBytes[at + 3]) << 8) |
                                static_cast<unsigned char>(recordBytes[at + 4]);
        out += recordBytes.substr(at + 5, len);
        at += 5 + len;
    }
    return out;
}

const std::string kSupportedVersions = extension(43, vec8(u16(0x0304) + u16(0x0303)));

bool isNormalisedHost(const std::string& h) {
    if (h.empty() || h.size() > 253)
        return false;
    for (char c : h)
        if (c < 0x21 || c > 0x7e || (c >= 'A' && c <= 'Z'))
            return false;
    return true;
}

} // namespace

class TestTlsSni : public QObject {
    Q_OBJECT
private slots:
    void captured_data() {
        QTest::addColumn<QString>("file");
        QTest::addColumn<QString>("expected");
        QTest::newRow("openssl s_client")
            << "openssl-s_client.bin" << found(HostSource::TlsSni, "example.test");
        QTest::newRow("capitals") << "openssl-uppercase.bin" << found(HostSource::TlsSni, "www.example.test");
        QTest::newRow("two records") << "openssl-multirecord.bin"
                                     << found(HostSource::TlsSni, "multi.example.test");
        QTest::newRow("python ssl") << "python-ssl.bin" << found(HostSource::TlsSni, "example.test");
        QTest::newRow("curl") << "curl.bin" << found(HostSource::TlsSni, "curl.example.test");
        QTest::newRow("no server_name") << "openssl-noservername.bin" << notRecognised(GiveUpReason::NoHost);
    }

    // Whole, cut in two at every position, and byte by byte: the same answer, given exactly when the
    // hello's last byte arrives (the captures end there), never before.
    void captured() {
        QFETCH(QString, file);
        QFETCH(QString, expected);
        const std::string data = readTestData(file.toStdString());
        QCOMPARE(sniffWhole(data), expected);
        for (std::size_t cut = 0; cut <= data.size(); ++cut) {
            HostSniffer s;
            const SniffStatus first = s.feed(std::string_view(data).substr(0, cut));
            QVERIFY2(first == SniffStatus::NeedMore || cut == data.size(), qPrintable(QString::number(cut)));
            s.feed(std::string_view(data).substr(cut));
            QCOMPARE(describe(s), expected);
            QCOMPARE(s.bytesSeen(), std::uint64_t{data.size()});
        }
        std::size_t answeredAfter = 0;
        QCOMPARE(sniffByteByByte(data, &answeredAfter), expected);
        QCOMPARE(answeredAfter, data.size());
    }

    void multirecordCaptureSpansRecords() {
        const std::string data = readTestData("openssl-multirecord.bin");
        const std::size_t first =
            5 + ((static_cast<unsigned char>(data[3]) << 8) | static_cast<unsigned char>(data[4]));
        QVERIFY(first < data.size()); // a second record follows: the hello really spans two
        HostSniffer s;
        QCOMPARE(s.feed(std::string_view(data).substr(0, first)), SniffStatus::NeedMore);
    }

    // The captured handshake messages re-framed into records of every size from 1 byte up.
    void reframed() {
        for (const char* file :
             {"openssl-s_client.bin", "python-ssl.bin", "curl.bin", "openssl-multirecord.bin"}) {
            const std::string original = readTestData(file);
            const QString expected = sniffWhole(original);
            const std::string message = payloadOf(original);
            for (std::size_t fragment : {1, 2, 3, 4, 5, 7, 64, 100, 511, 512, 4096, 16384}) {
                const std::string framed = records(message, fragment);
                QCOMPARE(sniffWhole(framed), expected);
                QCOMPARE(sniffCut(framed, framed.size() / 2), expected);
            }
        }
    }

    void built_data() {
        QTest::addColumn<QByteArray>("bytes");
        QTest::addColumn<QString>("expected");
        const auto row = [](const char* name, const std::string& bytes, const QString& expected) {
            QTest::newRow(name) << QByteArray::fromStdString(bytes) << expected;
        };
        const auto tls = [](const char* host) { return found(HostSource::TlsSni, host); };
        const QString malformed = notRecognised(GiveUpReason::Malformed);
        const QString noHost = notRecognised(GiveUpReason::NoHost);
        const std::string sni = serverName("Example.ORG");
        const std::string name253 = std::string(249, 'a') + ".org";

        row("server_name only", hello({sni}), tls("example.org"));
        row("among other extensions", hello({kSupportedVersions, sni, extension(16, vec16(vec8("h2")))}),
            tls("example.org"));
        // As a browser sends it: GREASE extensions, an ECH offer (the outer name is the answer), a
        // post-quantum-sized key share and padding, the whole over one TCP segment.
        row("browser-like",
            hello({extension(0x1a1a, ""), serverName("public.example"),
                   extension(0xfe0d, std::string(200, 'e')), kSupportedVersions,
                   extension(51, vec16(u16(0x11ec) + vec16(std::string(1216, 'k')))),
                   extension(21, std::string(300, '\0')), extension(0x2a2a, u8(0))}),
            tls("public.example"));
        row("IP literal", hello({serverName("192.0.2.7")}), tls("192.0.2.7"));
        row("253 characters", hello({serverName(name253)}), tls(name253.c_str()));
        row("first host_name of two",
            hello({extension(0, vec16(u8(0) + vec16("one.test") + u8(0) + vec16("two.test")))}),
            tls("one.test"));
        row("unknown name type first",
            hello({extension(0, vec16(u8(7) + vec16("opaque") + u8(0) + vec16("real.test")))}),
            tls("real.test"));
        row("record version 3.3", u8(22) + u16(0x0303) + vec16(handshake(helloBody(vec16(sni)))),
            tls("example.org"));
        row("empty session id", records(handshake(helloBody(vec16(sni), ""))), tls("example.org"));
        row("bytes after the hello in its record",
            u8(22) + u16(0x0301) + vec16(handshake(helloBody(vec16(sni))) + "trailing"), tls("example.org"));

        row("no extensions", records(handshake(helloBody(""))), noHost);
        row("no server_name", hello({kSupportedVersions}), noHost);
        row("only an unknown name type", hello({extension(0, vec16(u8(1) + vec16("x.test")))}), noHost);

        row("254 characters", hello({serverName(std::string(250, 'a') + ".org")}), malformed);
        row("space in name", hello({serverName("a b.test")}), malformed);
        row("control in name", hello({serverName("a\x01.test")}), malformed);
        row("byte 0x80 in name", hello({serverName("caf\xc3\xa9.test")}), malformed);
        row("empty host_name", hello({serverName("")}), malformed);
        row("two server_name extensions", hello({sni, serverName("other.test")}), malformed);
        row("empty server_name data", hello({extension(0, "")}), malformed);
        row("empty server name list", hello({extension(0, vec16(""))}), malformed);
        row("list shorter than data", hello({extension(0, vec16(u8(0) + vec16("a.test")) + "x")}), malformed);
        row("list longer than data", hello({extension(0, u16(20) + u8(0) + vec16("a.test"))}), malformed);
        row("name longer than list", hello({extension(0, vec16(u8(0) + u16(50) + "a.test"))}), malformed);
        row("entry cut after its type", hello({extension(0, vec16(u8(0)))}), malformed);
        row("extension longer than block", records(handshake(helloBody(vec16(u16(0) + u16(100) + "abc")))),
            malformed);
        row("extension header cut", records(handshake(helloBody(vec16(sni + u16(5))))), malformed);
        row("block shorter than hello", records(handshake(helloBody(vec16(sni) + "extra"))), malformed);
        row("block longer than hello", records(handshake(helloBody(u16(sni.size() + 9) + sni))), malformed);
        row("session id of 33", records(handshake(helloBody(vec16(sni), std::string(33, 's')))), malformed);
        row("odd cipher suites", records(handshake(helloBody(vec16(sni), "", "abc"))), malformed);
        row("no cipher suites", records(handshake(helloBody(vec16(sni), "", ""))), malformed);
        row("no compression method", records(handshake(helloBody(vec16(sni), "", u16(0x1301), ""))),
            malformed);
        row("hello version 2.0", records(handshake(u16(0x0200) + helloBody(vec16(sni)).substr(2))),
            malformed);
        row("hello body cut short", records(handshake(helloBody("").substr(0, 30))), malformed);
        row("empty hello", records(handshake("")), malformed);
        row("ServerHello", records(handshake(helloBody(vec16(sni)), 2)), malformed);
        const std::string firstTen =
            u8(22) + u16(0x0301) + vec16(handshake(helloBody(vec16(sni))).substr(0, 10));
        row("alert record next", firstTen + u8(21) + u16(0x0303) + vec16("xx"), malformed);
        row("empty record next", firstTen + u8(22) + u16(0x0303) + u16(0), malformed);
        row("record over 2^14 next", firstTen + u8(22) + u16(0x0303) + u16(16385), malformed);
        row("record version 2.x next", firstTen + u8(22) + u16(0x0203) + u16(5), malformed);

        row("first record over 2^14", u8(22) + u16(0x0301) + u16(16385) + std::string(16385, 'x'),
            notRecognised(GiveUpReason::UnknownProtocol));
        row("empty first record", u8(22) + u16(0x0301) + u16(0) + sni,
            notRecognised(GiveUpReason::UnknownProtocol));
        row("not version 3.x", u8(22) + u16(0x0201) + u16(10), notRecognised(GiveUpReason::UnknownProtocol));
        row("application data", u8(23) + u16(0x0303) + u16(10), notRecognised(GiveUpReason::UnknownProtocol));
        row("hello of 16 MiB", u8(22) + u16(0x0301) + u16(4) + u8(1) + u24(0xffffff),
            notRecognised(GiveUpReason::OverBudget));
    }

    // Built hellos: whole, cut anywhere and byte by byte all give the same answer.
    void built() {
        QFETCH(QByteArray, bytes);
        QFETCH(QString, expected);
        const std::string data = bytes.toStdString();
        QCOMPARE(sniffWhole(data), expected);
        for (std::size_t cut = 0; cut <= data.size(); cut += 1 + data.size() / 64)
            QCOMPARE(sniffCut(data, cut), expected);
        std::size_t answeredAfter = 0;
        QCOMPARE(sniffByteByByte(data, &answeredAfter), expected);
    }

    // A hello declaring more than the budget can hold is given up once its length is known, not
    // waited for.
    void helloLargerThanBudget() {
        const std::string header = u8(22) + u16(0x0301) + u16(16384) + u8(1) + u24(20000);
        HostSniffer s;
        QCOMPARE(s.feed(header), SniffStatus::NotRecognised);
        QCOMPARE(s.reason(), GiveUpReason::OverBudget);
        QCOMPARE(s.bytesSeen(), std::uint64_t{header.size()});

        const std::string data = readTestData("curl.bin");
        QCOMPARE(sniffWhole(data, data.size()), found(HostSource::TlsSni, "curl.example.test"));
        QCOMPARE(sniffWhole(data, data.size() - 1), notRecognised(GiveUpReason::OverBudget));
    }

    // readClientHello never reads outside the message: every prefix of a real one is Malformed.
    void truncatedMessages() {
        const std::string message = payloadOf(readTestData("python-ssl.bin"));
        QCOMPARE(sniffWhole(records(message)), found(HostSource::TlsSni, "example.test"));
        for (std::size_t n = 0; n < message.size(); ++n)
            QCOMPARE(readClientHello(std::string_view(message).substr(0, n)).reason, GiveUpReason::Malformed);
    }

    // Every byte of every capture overwritten in turn with a few values: any answer is fine, a
    // crash or a read out of bounds (under ASan) is not; the answer must not depend on where the
    // bytes were cut, and a found host is always a normalised one.
    void everyByteOverwritten() {
        int runs = 0;
        for (const char* file : {"openssl-s_client.bin", "openssl-noservername.bin",
                                 "openssl-multirecord.bin", "python-ssl.bin", "curl.bin"}) {
            const std::string original = readTestData(file);
            for (std::size_t at = 0; at < original.size(); ++at) {
                const auto byte = static_cast<unsigned char>(original[at]);
                for (unsigned value : {0x00u, 0xffu, byte ^ 0x01u, byte + 1u, byte ^ 0x80u}) {
                    std::string data = original;
                    data[at] = static_cast<char>(value);
                    HostSniffer whole;
                    whole.feed(data);
                    const QString answer = describe(whole);
                    QCOMPARE(sniffCut(data, at), answer);
                    QCOMPARE(sniffCut(data, at + 1), answer);
                    if (whole.status() == SniffStatus::Found)
                        QVERIFY2(isNormalisedHost(whole.host()), whole.host().c_str());
                    ++runs;
                }
            }
        }
        QVERIFY(runs > 10000);
    }
};

QTEST_APPLESS_MAIN(TestTlsSni)
#include "tst_tlssni.moc"
