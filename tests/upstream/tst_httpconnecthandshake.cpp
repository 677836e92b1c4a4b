// The HTTP CONNECT handshake byte by byte: the request with and without Basic authentication,
// answers split anywhere, payload after the header, refusals, and oversized or malformed headers.
#include <QtTest>

#include <string>

#include "upstream/httpconnecthandshake.h"

using weir::core::Handshake;
using namespace weir::upstream;
using Status = Handshake::Status;

namespace {

Status feed(Handshake& h, const std::string& data, std::size_t* used = nullptr) {
    std::size_t u = 0;
    const Status s = h.input(data.data(), data.size(), &u);
    if (used)
        *used = u;
    return s;
}

void sendAll(Handshake& h) {
    h.consumeOutput(h.output().size());
}

} // namespace

class TestHttpConnectHandshake : public QObject {
    Q_OBJECT
private slots:
    void base64() { // RFC 4648 section 10
        QCOMPARE(base64Encode(""), std::string(""));
        QCOMPARE(base64Encode("f"), std::string("Zg=="));
        QCOMPARE(base64Encode("fo"), std::string("Zm8="));
        QCOMPARE(base64Encode("foo"), std::string("Zm9v"));
        QCOMPARE(base64Encode("foob"), std::string("Zm9vYg=="));
        QCOMPARE(base64Encode("fooba"), std::string("Zm9vYmE="));
        QCOMPARE(base64Encode("foobar"), std::string("Zm9vYmFy"));
    }

    void request() {
        HttpConnectHandshake plain("203.0.113.5:443");
        QCOMPARE(std::string(plain.output()),
                 std::string("CONNECT 203.0.113.5:443 HTTP/1.1\r\nHost: 203.0.113.5:443\r\n\r\n"));
        HttpConnectHandshake auth("[2001:db8::5]:80", "weir", "s3cret");
        QCOMPARE(std::string(auth.output()),
                 std::string("CONNECT [2001:db8::5]:80 HTTP/1.1\r\nHost: [2001:db8::5]:80\r\n"
                             "Proxy-Authorization: Basic d2VpcjpzM2NyZXQ=\r\n\r\n"));
        HttpConnectHandshake bad("evil\r\nX: y");
        QCOMPARE(feed(bad, {}), Status::Failed);
        QVERIFY(bad.output().empty());
    }

    // The answer split at every position: the same result, and *used never reaches the payload.
    void splitAnywhere() {
        const std::string header = "HTTP/1.1 200 Connection established\r\nProxy-Agent: test\r\n\r\n";
        const std::string all = header + "PAYLOAD";
        for (std::size_t cut = 0; cut <= all.size(); ++cut) {
            HttpConnectHandshake h("1.2.3.4:80");
            sendAll(h);
            std::size_t used = 0;
            Status s = feed(h, all.substr(0, cut), &used);
            std::size_t total = used;
            if (s == Status::NeedInput) {
                QVERIFY(cut < header.size());
                s = feed(h, all.substr(cut), &used);
                total += used;
            }
            QCOMPARE(s, Status::Done);
            QCOMPARE(total, header.size());
            QCOMPARE(h.statusCode(), 200);
        }
    }

    void bareLineFeeds() {
        HttpConnectHandshake h("1.2.3.4:80");
        sendAll(h);
        std::size_t used = 0;
        QCOMPARE(feed(h, "HTTP/1.0 200 OK\nVia: x\n\nabc", &used), Status::Done);
        QCOMPARE(used, std::size_t(24));
    }

    void refusals_data() {
        QTest::addColumn<QString>("answer");
        QTest::addColumn<QString>("reason");
        QTest::newRow("407")
            << "HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic\r\n\r\n"
            << "upstream authentication failed";
        QTest::newRow("401 (tinyproxy)") << "HTTP/1.0 401 Unauthorized\r\n\r\n"
                                         << "upstream authentication failed";
        QTest::newRow("502") << "HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n"
                             << "upstream refused: HTTP 502 Bad Gateway";
        QTest::newRow("403 no phrase") << "HTTP/1.1 403\r\n\r\n"
                                       << "upstream refused: HTTP 403";
        QTest::newRow("obs-text phrase") << "HTTP/1.1 500 Erreur \xe9\r\n\r\n"
                                         << "upstream refused: HTTP 500 Erreur ?";
        QTest::newRow("http/2") << "HTTP/2 200\r\n\r\n"
                                << "upstream answered garbage: not an HTTP/1 status line";
        QTest::newRow("icy") << "ICY 200 OK\r\n\r\n"
                             << "upstream answered garbage: not an HTTP/1 status line";
        QTest::newRow("socks5") << QString::fromLatin1("\x05\x00\n\n", 4)
                                << "upstream answered garbage: not an HTTP/1 status line";
        QTest::newRow("two-digit code") << "HTTP/1.1 20 OK\r\n\r\n"
                                        << "upstream answered garbage: not an HTTP/1 status line";
        QTest::newRow("header without colon") << "HTTP/1.1 200 OK\r\nnonsense\r\n\r\n"
                                              << "upstream answered garbage: malformed header line";
        QTest::newRow("space in name") << "HTTP/1.1 200 OK\r\nBad Name: x\r\n\r\n"
                                       << "upstream answered garbage: malformed header line";
        QTest::newRow("control char") << QString::fromLatin1("HTTP/1.1 200 OK\r\nX: a\x01z\r\n\r\n")
                                      << "upstream answered garbage: malformed header line";
    }
    void refusals() {
        QFETCH(QString, answer);
        QFETCH(QString, reason);
        HttpConnectHandshake h("1.2.3.4:80");
        sendAll(h);
        QCOMPARE(feed(h, answer.toLatin1().toStdString()), Status::Failed);
        QCOMPARE(QString::fromStdString(h.failure()), reason);
    }

    void nulInHeader() {
        HttpConnectHandshake h("1.2.3.4:80");
        sendAll(h);
        QCOMPARE(feed(h, std::string("HTTP/1.1 200 OK\r\nX: \0\r\n\r\n", 25)), Status::Failed);
    }

    void oversizedHeader() {
        HttpConnectHandshake h("1.2.3.4:80");
        sendAll(h);
        const std::string line = "X-Filler: " + std::string(1000, 'a') + "\r\n";
        QCOMPARE(feed(h, "HTTP/1.1 200 OK\r\n"), Status::NeedInput);
        std::size_t taken = 17;
        Status s = Status::NeedInput;
        for (int i = 0; i < 20 && s == Status::NeedInput; ++i) {
            std::size_t used = 0;
            s = feed(h, line, &used);
            taken += used;
        }
        QCOMPARE(s, Status::Failed);
        QCOMPARE(h.failure(), std::string("upstream answered garbage: response header larger than 16 KiB"));
        QVERIFY(taken <= HttpConnectHandshake::kMaxResponseHeader);
    }

    void answerBeforeRequest() {
        HttpConnectHandshake h("1.2.3.4:80");
        QCOMPARE(feed(h, "HTTP/1.1 200 OK\r\n\r\n"), Status::Failed);
    }

    void closedEarly() {
        HttpConnectHandshake h("1.2.3.4:80");
        sendAll(h);
        QCOMPARE(feed(h, "HTTP/1.1 200 OK\r\n"), Status::NeedInput);
        QCOMPARE(h.endOfInput(), Status::Failed);
        QCOMPARE(h.failure(), std::string("upstream closed during handshake"));
    }
};

QTEST_APPLESS_MAIN(TestHttpConnectHandshake)
#include "tst_httpconnecthandshake.moc"
