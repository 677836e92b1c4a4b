// The HTTP side of the host sniffer. Each case is a `head` (the bytes up to and including the one
// that decides) and a `rest` the sniffer must not need: fed whole, cut at every position and byte
// by byte, it must answer the same, exactly at the head's last byte and never before. Then the
// byte budget on endless header blocks and request lines.
#include <QtTest>

#include <string>

#include "sniffcheck.h"

using namespace sniffcheck;

namespace {

const std::string k253 = std::string(249, 'h') + ".com";

} // namespace

class TestHttpHost : public QObject {
    Q_OBJECT
private slots:
    void requests_data() {
        QTest::addColumn<QByteArray>("head");
        QTest::addColumn<QByteArray>("rest");
        QTest::addColumn<QString>("expected");
        const auto row = [](const char* name, const std::string& head, const std::string& rest,
                            const QString& expected) {
            QTest::newRow(name) << QByteArray::fromStdString(head) << QByteArray::fromStdString(rest)
                                << expected;
        };
        const auto http = [](const char* host) { return found(HostSource::HttpHost, host); };
        const QString noHost = notRecognised(GiveUpReason::NoHost);
        const QString unknown = notRecognised(GiveUpReason::UnknownProtocol);
        const QString malformed = notRecognised(GiveUpReason::Malformed);
        const std::string get = "GET / HTTP/1.1\r\n";
        const std::string end = "Accept: */*\r\n\r\n";

        // Found: the Host header, its port removed, lower-cased.
        row("GET with Host", get + "Host: example.com\r\n", end, http("example.com"));
        row("after other headers",
            "GET /index.html HTTP/1.1\r\nUser-Agent: curl/7.88.1\r\nHost: example.com:8080\r\n", "\r\n",
            http("example.com"));
        row("name in lower case", get + "host: Example.COM\r\n", end, http("example.com"));
        row("name in capitals", get + "HOST: EXAMPLE.COM\r\n", end, http("example.com"));
        row("no whitespace", get + "hOsT:example.com\r\n", end, http("example.com"));
        row("tabs and spaces", get + "Host: \t example.com \t\r\n", end, http("example.com"));
        row("IPv6 with port", get + "Host: [2001:DB8::1]:8080\r\n", end, http("[2001:db8::1]"));
        row("IPv6 without port", get + "Host: [::1]\r\n", end, http("[::1]"));
        row("IPv4 with port", get + "Host: 192.0.2.1:80\r\n", end, http("192.0.2.1"));
        row("empty port", get + "Host: example.com:\r\n", end, http("example.com"));
        row("trailing dot kept", get + "Host: example.com.\r\n", end, http("example.com."));
        row("253 characters", get + "Host: " + k253 + "\r\n", end, http(k253.c_str()));
        row("bare line feeds", "GET / HTTP/1.1\nHost: lf.test\n", "\n", http("lf.test"));
        row("after a folded line", get + "X-Long: a\r\n  b\r\nHost: fold.test\r\n", end, http("fold.test"));
        row("HTTP/1.0 with Host", "GET / HTTP/1.0\r\nHost: old.test\r\n", "\r\n", http("old.test"));
        row("HEAD", "HEAD /x HTTP/1.1\r\nHost: head.test\r\n", end, http("head.test"));
        row("POST", "POST /form HTTP/1.1\r\nContent-Length: 3\r\nHost: post.test\r\n", "\r\nabc",
            http("post.test"));
        row("PUT", "PUT /f HTTP/1.1\r\nHost: put.test\r\n", end, http("put.test"));
        row("DELETE", "DELETE /f HTTP/1.1\r\nHost: delete.test\r\n", end, http("delete.test"));
        row("PATCH", "PATCH /f HTTP/1.1\r\nHost: patch.test\r\n", end, http("patch.test"));
        row("OPTIONS *", "OPTIONS * HTTP/1.1\r\nHost: options.test\r\n", end, http("options.test"));
        row("TRACE", "TRACE / HTTP/1.1\r\nHost: trace.test\r\n", end, http("trace.test"));
        // Found on the request line: CONNECT's authority, an absolute-form target's.
        row("CONNECT", "CONNECT Example.com:443 HTTP/1.1\r\n", "Host: other.test:443\r\n\r\n",
            http("example.com"));
        row("CONNECT IPv6", "CONNECT [2001:db8::5]:443 HTTP/1.1\r\n", "\r\n", http("[2001:db8::5]"));
        row("absolute form", "GET http://Proxy.Example:8080/x?y HTTP/1.1\r\n", "Host: ignored.test\r\n\r\n",
            http("proxy.example"));
        row("absolute form without path", "GET HTTPS://a.test HTTP/1.1\r\n", "\r\n", http("a.test"));

        // No host: the header block ends without one.
        row("HTTP/1.0 without Host", "GET / HTTP/1.0\r\nUser-Agent: old\r\n\r\n", "body", noHost);
        row("no headers", get + "\r\n", "", noHost);
        row("empty Host", get + "Host:  \r\n", end, noHost);

        // Not HTTP: decided by the first bytes that cannot start a known method.
        row("unknown method", "F", "OO / HTTP/1.1\r\n\r\n", unknown);
        row("HTTP/2 preface", "PR", "I * HTTP/2.0\r\n\r\nSM\r\n\r\n", unknown);
        row("SSH", "S", "SH-2.0-OpenSSH_9.2\r\n", unknown);
        row("SMTP client first", "E", "HLO mail.test\r\n", unknown);
        row("method in lower case", "g", "et / HTTP/1.1\r\nHost: a.test\r\n\r\n", unknown);
        row("method too long", "GETX", " / HTTP/1.1\r\n", unknown);
        row("CONNECT too long", "CONNECTX", " a:1 HTTP/1.1\r\n", unknown);
        row("tab after method", "GET\t", "/ HTTP/1.1\r\n", unknown);
        row("line ends in method", "GET\r", "\n", unknown);
        row("blank line first", "\r", "\nGET / HTTP/1.1\r\n", unknown);
        row("NUL", std::string(1, '\0'), "GET", unknown);

        // Malformed: decided on the line that is wrong.
        row("HTTP/2.0 version", "GET / HTTP/2.0\r\n", "Host: a.test\r\n\r\n", malformed);
        row("HTTP/0.9", "GET /\r\n", "", malformed);
        row("double space", "GET  / HTTP/1.1\r\n", "Host: a.test\r\n\r\n", malformed);
        row("space after version", "GET / HTTP/1.1 \r\n", "Host: a.test\r\n\r\n", malformed);
        row("space in target", "GET /a b HTTP/1.1\r\n", "Host: a.test\r\n\r\n", malformed);
        row("target neither path nor URL", "GET example.com HTTP/1.1\r\n", "Host: a.test\r\n\r\n", malformed);
        row("URL with user info", "GET http://user@a.test/ HTTP/1.1\r\n", "\r\n", malformed);
        row("URL without host", "GET http:///path HTTP/1.1\r\n", "\r\n", malformed);
        row("CONNECT port too big", "CONNECT a.test:99999 HTTP/1.1\r\n", "\r\n", malformed);
        row("CONNECT bare IPv6", "CONNECT 2001:db8::1 HTTP/1.1\r\n", "\r\n", malformed);
        row("space before colon", get + "Host : a.test\r\n", end, malformed);
        row("nameless header", get + ": a.test\r\n", end, malformed);
        row("space in host", get + "Host: a b.test\r\n", end, malformed);
        row("control in host", get + "Host: a\x01.test\r\n", end, malformed);
        row("UTF-8 in host", get + "Host: caf\xc3\xa9.test\r\n", end, malformed);
        row("bare IPv6 host", get + "Host: 2001:db8::1\r\n", end, malformed);
        row("user info in host", get + "Host: user@a.test\r\n", end, malformed);
        row("unclosed bracket", get + "Host: [::1\r\n", end, malformed);
        row("not hex in brackets", get + "Host: [zz::1]\r\n", end, malformed);
        row("junk after bracket", get + "Host: [::1]x\r\n", end, malformed);
        row("letter in port", get + "Host: a.test:8o\r\n", end, malformed);
        row("254 characters", get + "Host: " + std::string(250, 'h') + ".com\r\n", end, malformed);
        row("NUL in a header", get + std::string("X-A: b\0c\r\n", 10), "Host: a.test\r\n\r\n", malformed);
        row("lone CR in a header", get + "X-A: b\rc\r\n", "Host: a.test\r\n\r\n", malformed);
        row("DEL in the request line", "GET /\x7f HTTP/1.1\r\n", "Host: a.test\r\n\r\n", malformed);
    }

    void requests() {
        QFETCH(QByteArray, head);
        QFETCH(QByteArray, rest);
        QFETCH(QString, expected);
        const std::string request = (head + rest).toStdString();
        QCOMPARE(sniffWhole(request), expected);
        QCOMPARE(sniffWhole(head.toStdString()), expected); // the rest is never needed
        for (std::size_t cut = 0; cut <= request.size(); ++cut)
            QCOMPARE(sniffCut(request, cut), expected);
        std::size_t answeredAfter = 0;
        QCOMPARE(sniffByteByByte(request, &answeredAfter), expected);
        QCOMPARE(answeredAfter, std::size_t(head.size())); // as soon as it can, not later
    }

    // A header block that never ends, or never names the host within the budget, is given up
    // after exactly the budget: nothing more is read or kept.
    void headerBlockOverBudget() {
        std::string request = "GET / HTTP/1.1\r\n";
        while (request.size() < HostSniffer::kDefaultBudget)
            request += "X-Filler: " + std::string(40, 'f') + "\r\n";
        request += "Host: late.test\r\n\r\n";
        HostSniffer s;
        QCOMPARE(s.feed(request), SniffStatus::NotRecognised);
        QCOMPARE(s.reason(), GiveUpReason::OverBudget);
        QCOMPARE(s.bytesSeen(), std::uint64_t{HostSniffer::kDefaultBudget});
        std::size_t answeredAfter = 0;
        QCOMPARE(sniffByteByByte(request, &answeredAfter), notRecognised(GiveUpReason::OverBudget));
        QCOMPARE(answeredAfter, HostSniffer::kDefaultBudget);
    }

    void requestLineOverBudget() {
        const std::string request = "GET /" + std::string(20000, 'a') + " HTTP/1.1\r\nHost: a.test\r\n\r\n";
        QCOMPARE(sniffWhole(request), notRecognised(GiveUpReason::OverBudget));
    }

    // A smaller budget: the Host just inside it is found, just outside it is not.
    void smallBudget() {
        const std::string request = "GET / HTTP/1.1\r\nHost: a.test\r\n";
        QCOMPARE(sniffWhole(request, request.size()), found(HostSource::HttpHost, "a.test"));
        QCOMPARE(sniffWhole(request, request.size() - 1), notRecognised(GiveUpReason::OverBudget));
    }
};

QTEST_APPLESS_MAIN(TestHttpHost)
#include "tst_httphost.moc"
