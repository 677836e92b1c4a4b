// Upstream: the `upstream` URL parsed from hostile text (each problem its own message), printed back
// (percent-encoded, password masked on request) and kept when a masked URL comes back.
#include "config/settings.h"
#include "config/upstream.h"

#include <QTest>

using namespace weir;

namespace {

std::string errorOf(const std::string& text) {
    std::string error;
    const auto u = Upstream::parse(text, &error);
    return u ? std::string("(parsed)") : error;
}

} // namespace

class TestUpstream : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void parsesEachForm() {
        QVERIFY(Upstream::parse("direct") == Upstream{});
        const auto s = Upstream::parse("socks5://10.0.0.1:1080");
        QVERIFY(s && s->kind == UpstreamKind::Socks5 && s->host == "10.0.0.1" && s->port == 1080);
        QVERIFY(!s->hasCredentials());
        const auto h = Upstream::parse("HTTP://proxy.lan:3128/");
        QVERIFY(h && h->kind == UpstreamKind::Http && h->host == "proxy.lan" && h->port == 3128);
        const auto v6 = Upstream::parse("socks5://[2001:db8::1]:1080");
        QVERIFY(v6 && v6->host == "2001:db8::1");
        QCOMPARE(v6->describe(), std::string("socks5 [2001:db8::1]:1080"));
        const auto auth = Upstream::parse("socks5://al%40ice:p%3Ass%20w@h:1");
        QVERIFY(auth && auth->username == "al@ice" && auth->password == "p:ss w");
        // An unencoded '@' in the password: the last '@' ends the credentials.
        const auto at = Upstream::parse("http://u:p@ss@h:8080");
        QVERIFY(at && at->username == "u" && at->password == "p@ss" && at->host == "h");
        const auto userOnly = Upstream::parse("socks5://u@h:1080");
        QVERIFY(userOnly && userOnly->username == "u" && userOnly->password.empty());
    }

    void refusesHostileText_data() {
        QTest::addColumn<QString>("text");
        QTest::addColumn<QString>("error");
        QTest::newRow("empty") << ""
                               << "empty";
        QTest::newRow("word") << "proxy"
                              << "is not direct or a URL";
        QTest::newRow("ftp") << "ftp://h:21"
                             << "unknown scheme \"ftp\"";
        QTest::newRow("https") << "https://h:443"
                               << "unknown scheme \"https\"";
        QTest::newRow("no port") << "socks5://h"
                                 << "port missing";
        QTest::newRow("empty port") << "socks5://h:"
                                    << "port missing";
        QTest::newRow("port 0") << "socks5://h:0"
                                << "out of range";
        QTest::newRow("port 65536") << "socks5://h:65536"
                                    << "out of range";
        QTest::newRow("port text") << "socks5://h:http"
                                   << "is not a port";
        QTest::newRow("port sign") << "socks5://h:-1"
                                   << "is not a port";
        QTest::newRow("port long") << "socks5://h:000001080"
                                   << "is not a port";
        QTest::newRow("no host") << "socks5://:1080"
                                 << "host missing";
        QTest::newRow("bare v6") << "socks5://::1:1080"
                                 << "must be in brackets";
        QTest::newRow("bad v6") << "socks5://[::g]:1080"
                                << "is not an IPv6 address";
        QTest::newRow("open bracket") << "socks5://[::1:1080"
                                      << "without ']'";
        QTest::newRow("v6 junk") << "socks5://[::1]x:1080"
                                 << "after the IPv6 address";
        QTest::newRow("v6 no port") << "socks5://[::1]"
                                    << "port missing";
        QTest::newRow("bad v4") << "socks5://256.1.1.1:1080"
                                << "is not an IPv4 address";
        QTest::newRow("short v4") << "socks5://1.2.3:1080"
                                  << "is not an IPv4 address";
        QTest::newRow("bad name") << "socks5://exa mple:1080"
                                  << "percent-encoded";
        QTest::newRow("name chars") << "socks5://a!b:1080"
                                    << "is not a host name";
        QTest::newRow("dash label") << "socks5://-a.b:1080"
                                    << "is not a host name";
        QTest::newRow("empty label") << "socks5://a..b:1080"
                                     << "is not a host name";
        QTest::newRow("long label") << QString("socks5://%1.b:1").arg(QString(64, 'a'))
                                    << "is not a host name";
        QTest::newRow("path") << "http://h:3128/x"
                              << "no path";
        QTest::newRow("query") << "http://h:3128?a=1"
                               << "no path";
        QTest::newRow("newline") << "http://h:3128\nmode=tproxy"
                                 << "control characters";
        QTest::newRow("nul escape ok, bad escape") << "socks5://u:%zz@h:1"
                                                   << "percent-encoding in the password";
        QTest::newRow("cut escape") << "socks5://u%4:p@h:1"
                                    << "percent-encoding in the user name";
        QTest::newRow("escape at end") << "socks5://u:p%@h:1"
                                       << "percent-encoding in the password";
        QTest::newRow("empty user") << "socks5://:pass@h:1080"
                                    << "empty user name";
        QTest::newRow("long user") << QString("socks5://%1:p@h:1").arg(QString(256, 'u'))
                                   << "user name longer than 255 bytes (RFC 1929)";
        QTest::newRow("long pass") << QString("socks5://u:%1@h:1").arg(QString(256, 'p'))
                                   << "password longer than 255 bytes (RFC 1929)";
        QTest::newRow("encoded long") << QString("socks5://u:%1@h:1").arg(QString("%41").repeated(256))
                                      << "password longer than 255 bytes";
        QTest::newRow("ctl in pass") << "socks5://u:a%0Ab@h:1"
                                     << "control character";
        QTest::newRow("nul in user") << "socks5://a%00:b@h:1"
                                     << "control character";
        QTest::newRow("colon in http user") << "http://a%3Ab:c@h:1"
                                            << "cannot contain ':'";
        QTest::newRow("huge") << QString("socks5://%1:1").arg(QString(5000, 'a')) << "longer than 2048 bytes";
    }
    void refusesHostileText() {
        QFETCH(QString, text);
        QFETCH(QString, error);
        const std::string why = errorOf(text.toStdString());
        QVERIFY2(why.find(error.toStdString()) != std::string::npos, why.c_str());
    }

    void exactlyTheLimitsPass() {
        const std::string u255(255, 'u');
        const auto u = Upstream::parse("socks5://" + u255 + ":" + std::string(255, 'p') + "@h:65535");
        QVERIFY(u && u->username == u255 && u->port == 65535);
        QVERIFY(Upstream::parse("socks5://h:1"));
        QVERIFY(Upstream::parse("socks5://" + std::string(63, 'a') + ".example:1"));
    }

    void urlRoundTripsAndMasks() {
        Upstream u;
        u.kind = UpstreamKind::Socks5;
        u.host = "::1";
        u.port = 1080;
        u.username = "a@b:c/d";
        u.password = "p ss%w:rd@";
        const std::string url = u.toUrl();
        QCOMPARE(url, std::string("socks5://a%40b%3Ac%2Fd:p%20ss%25w%3Ard%40@[::1]:1080"));
        QVERIFY(Upstream::parse(url) == u);
        const std::string masked = u.toUrl(true);
        QVERIFY2(masked.find("ss") == std::string::npos, masked.c_str());
        QCOMPARE(masked, std::string("socks5://a%40b%3Ac%2Fd:") + kMaskedPassword + "@[::1]:1080");
        QCOMPARE(u.describe(), std::string("socks5 [::1]:1080")); // never the credentials
        QCOMPARE(Upstream{}.toUrl(true), std::string("direct"));
    }

    void maskedPasswordKeepsTheStoredOne() {
        const Upstream stored = *Upstream::parse("http://user:secret@proxy:3128");
        const Upstream back = *Upstream::parse(stored.toUrl(true));
        QCOMPARE(back.withStoredPassword(stored).password, std::string("secret"));
        // Another host, user or scheme: the literal is taken (never the old secret to a new place).
        QCOMPARE(Upstream::parse("http://user:********@other:3128")->withStoredPassword(stored).password,
                 std::string(kMaskedPassword));
        QCOMPARE(Upstream::parse("http://bob:********@proxy:3128")->withStoredPassword(stored).password,
                 std::string(kMaskedPassword));
        QCOMPARE(Upstream::parse("socks5://user:********@proxy:3128")->withStoredPassword(stored).password,
                 std::string(kMaskedPassword));
        // A new password replaces it.
        QCOMPARE(Upstream::parse("http://user:new@proxy:3128")->withStoredPassword(stored).password,
                 std::string("new"));
    }

    void settingsMaskButTheFileKeeps() {
        Settings s;
        s.upstream = *Upstream::parse("socks5://u:hunter2@10.0.0.1:1080");
        const auto shown = std::get<std::string>(toValues(s).at("upstream"));
        QVERIFY2(shown.find("hunter2") == std::string::npos, shown.c_str());
        const std::string file = toFileText(s);
        QVERIFY(file.find("upstream=socks5://u:hunter2@10.0.0.1:1080\n") != std::string::npos);
        std::string error;
        QVERIFY(fromFileText(file, &error) == s);
        // The masked map applied on top of the stored settings changes nothing.
        Settings out;
        QVERIFY(applyValues(s, toValues(s), &out).empty());
        QVERIFY(out == s);
        QCOMPARE(out.upstream.password, std::string("hunter2"));
    }

    void settingsKeysValidate() {
        Settings out;
        auto errorFor = [&](const char* key, Value v) {
            const auto errors = applyValues(Settings{}, {{key, v}}, &out);
            return errors.empty() ? std::string() : errors[0].key + ": " + errors[0].message;
        };
        QCOMPARE(errorFor("upstream", std::string("socks5://h")),
                 std::string("upstream: port missing (like socks5://host:1080)"));
        QCOMPARE(errorFor("udp_without_upstream", std::string("drop")),
                 std::string("udp_without_upstream: \"drop\" is not direct or block"));
        QCOMPARE(errorFor("connect_timeout", std::uint64_t{0}),
                 std::string("connect_timeout: must be at least 1 second"));
        QVERIFY(!errorFor("connect_timeout", std::uint64_t{301}).empty());
        QVERIFY(!errorFor("worker_threads", std::uint64_t{257}).empty());
        QVERIFY(errorFor("worker_threads", std::uint64_t{0}).empty());
        QVERIFY(errorFor("tcp_idle_timeout", std::uint64_t{0}).empty());
        QVERIFY(!errorFor("max_connections", std::uint64_t{2'000'000}).empty());
        QCOMPARE(Settings{}.historyLimit, 1000u);
        QVERIFY(errorFor("history_limit", std::uint64_t{0}).empty());
        QVERIFY(errorFor("history_limit", std::uint64_t{100'000}).empty());
        QCOMPARE(out.historyLimit, 100'000u);
        QVERIFY(!errorFor("history_limit", std::uint64_t{100'001}).empty());
        QVERIFY(errorFor("upstream", std::string("http://u:p@[fe80::1]:8080")).empty());
        QCOMPARE(out.upstream.kind, UpstreamKind::Http);
        // A value built in code is checked too.
        Settings bad;
        bad.upstream.kind = UpstreamKind::Socks5; // no host, no port
        QCOMPARE(validate(bad).size(), std::size_t{1});
        QCOMPARE(validate(bad)[0].key, std::string("upstream"));
    }
};

QTEST_GUILESS_MAIN(TestUpstream)
#include "tst_upstream.moc"
