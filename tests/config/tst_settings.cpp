// Settings: defaults are valid, every rule names its key, updates are all or nothing, and the text
// form (settings file, weirctl) round-trips every key.
#include "config/settings.h"

#include <QTest>

#include <arpa/inet.h>

using namespace weir;

namespace {

// The keys of the errors, in order.
QStringList keysOf(const std::vector<SettingError>& errors) {
    QStringList keys;
    for (const auto& e : errors)
        keys << QString::fromStdString(e.key);
    return keys;
}

Settings gateway() {
    Settings s;
    s.scope = Scope::Gateway;
    s.gatewayInterfaces = {"eth1"};
    s.gatewaySources = {*Cidr::parse("192.168.50.0/24")};
    return s;
}

} // namespace

class TestSettings : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void defaultsAreValid() {
        QVERIFY(validate(Settings{}).empty());
        QVERIFY(validate(gateway()).empty());
        QCOMPARE(Settings{}.proxyPort, kDefaultProxyPort);
        QVERIFY(Settings{}.fwmark != Settings{}.outgoingMark);
    }

    void cidrParsing_data() {
        QTest::addColumn<QString>("text");
        QTest::addColumn<bool>("ok");
        QTest::addColumn<QString>("normalized");
        QTest::newRow("v4 net") << "10.1.2.3/8" << true << "10.0.0.0/8";
        QTest::newRow("v4 host") << "192.0.2.7" << true << "192.0.2.7/32";
        QTest::newRow("v6 net") << "fd00:1::5/16" << true << "fd00::/16";
        QTest::newRow("v6 host") << "::1" << true << "::1/128";
        QTest::newRow("zero") << "0.0.0.0/0" << true << "0.0.0.0/0";
        QTest::newRow("v4 /33") << "10.0.0.0/33" << false << "";
        QTest::newRow("v6 /129") << "::/129" << false << "";
        QTest::newRow("leading zero length") << "10.0.0.0/08" << false << "";
        QTest::newRow("empty length") << "10.0.0.0/" << false << "";
        QTest::newRow("negative") << "10.0.0.0/-1" << false << "";
        QTest::newRow("name") << "example.org/24" << false << "";
        QTest::newRow("empty") << "" << false << "";
        QTest::newRow("brackets") << "[::1]/128" << false << "";
        QTest::newRow("octet") << "10.0.0.256/8" << false << "";
        QTest::newRow("NUL inside") << QString("10.1.2.3") + QChar(0) + QString("junk/8") << false << "";
    }

    void cidrParsing() {
        QFETCH(QString, text);
        QFETCH(bool, ok);
        QFETCH(QString, normalized);
        std::string error;
        const auto c = Cidr::parse(text.toStdString(), &error);
        QCOMPARE(c.has_value(), ok);
        if (ok)
            QCOMPARE(QString::fromStdString(c->normalized()), normalized);
        else
            QVERIFY2(error.find(text.toStdString()) != std::string::npos, error.c_str());
    }

    void cidrContains() {
        const auto net = *Cidr::parse("192.168.50.0/24");
        unsigned char in[4], out[4], v6[16];
        inet_pton(AF_INET, "192.168.50.77", in);
        inet_pton(AF_INET, "192.168.51.1", out);
        inet_pton(AF_INET6, "::1", v6);
        QVERIFY(net.contains(Family::V4, in));
        QVERIFY(!net.contains(Family::V4, out));
        QVERIFY(!net.contains(Family::V6, v6));
        QVERIFY(Cidr::parse("::/0")->contains(Family::V6, v6));
    }

    void rulesNameTheirKey_data() {
        QTest::addColumn<QString>("key");
        QTest::addColumn<int>("which");
        const char* keys[] = {"udp",
                              "gateway_interfaces",
                              "gateway_sources",
                              "gateway_interfaces",
                              "gateway_sources",
                              "ip_forward",
                              "bypass",
                              "ports",
                              "ports",
                              "exclude_uids",
                              "exclude_cgroups",
                              "proxy_port",
                              "outgoing_mark",
                              "fwmark",
                              "fwmark",
                              "route_table",
                              "route_table",
                              "bypass",
                              "exclude_cgroups",
                              "exclude_cgroups"};
        for (int i = 0; i < int(std::size(keys)); ++i)
            QTest::newRow(qPrintable(QStringLiteral("%1 #%2").arg(QLatin1String(keys[i])).arg(i)))
                << QString::fromLatin1(keys[i]) << i;
    }

    void rulesNameTheirKey() {
        QFETCH(QString, key);
        QFETCH(int, which);
        Settings s = gateway();
        switch (which) {
        case 0:
            s.udp = true;
            break; // with redirect
        case 1:
            s.gatewayInterfaces.clear();
            break;
        case 2:
            s.gatewaySources.clear();
            break;
        case 3:
            s.gatewayInterfaces = {"lo"};
            break;
        case 4:
            s.ipv6 = false;
            s.gatewaySources = {*Cidr::parse("fd00::/8")};
            break;
        case 5:
            s.scope = Scope::Local;
            s.ipForward = true;
            break;
        case 6:
            s.bypass.assign(kMaxListEntries + 1, *Cidr::parse("10.0.0.0/8"));
            break;
        case 7:
            s.ports = {{443, 80}};
            break;
        case 8:
            for (int p = 1; p <= 16; ++p)
                s.ports.push_back({std::uint16_t(p), std::uint16_t(p)});
            break;
        case 9:
            s.excludeUids = {1000};
            break; // scope gateway only
        case 10:
            s.scope = Scope::Local;
            s.excludeCgroups = {"user.slice"};
            break;
        case 11:
            s.proxyPort = 0;
            break;
        case 12:
            s.outgoingMark = 0;
            break;
        case 13:
            s.fwmark = 0;
            break;
        case 14:
            s.fwmark = s.outgoingMark;
            break;
        case 15:
            s.routeTable = 254;
            break;
        case 16:
            s.routeTable = 0;
            break;
        case 17:
            s.ipv6 = false;
            s.bypass = {*Cidr::parse("2001:db8::/32")};
            break;
        case 18:
            s.scope = Scope::Both;
            s.excludeCgroups = {"/system.slice/../user.slice"};
            break;
        case 19: // the kernel's cgroup match holds at most 511 bytes
            s.scope = Scope::Local;
            s.excludeCgroups = {"/" + std::string(kMaxCgroupPathBytes, 'a')};
            break;
        }
        const auto errors = validate(s);
        QVERIFY2(keysOf(errors).contains(key), qPrintable(QString::fromStdString(describe(errors))));
        for (const auto& e : errors)
            QVERIFY2(!e.message.empty(), e.key.c_str());
    }

    void portRanges() {
        QCOMPARE(PortRange::parse("443")->toString(), std::string("443"));
        QCOMPARE(PortRange::parse("8000-8100")->toString(), std::string("8000-8100"));
        QVERIFY(!PortRange::parse("0"));
        QVERIFY(!PortRange::parse("70000"));
        QVERIFY(!PortRange::parse("100-90"));
        QVERIFY(!PortRange::parse("-5"));
        QVERIFY(!PortRange::parse("80-"));
        QVERIFY(!PortRange::parse("8o"));
        QVERIFY(!PortRange::parse(""));
    }

    void applyIsAllOrNothing() {
        const Settings base;
        Settings out = base;
        out.proxyPort = 1; // must stay untouched on failure
        const ValueMap bad = {{"mode", std::string("tproxy")},
                              {"proxy_port", std::uint64_t{70000}},
                              {"bypass", std::vector<std::string>{"10.0.0.0/8", "nonsense"}},
                              {"ipv6", std::string("yes")},
                              {"colour", true}};
        const auto errors = applyValues(base, bad, &out);
        QCOMPARE(keysOf(errors), (QStringList{"bypass", "colour", "ipv6", "proxy_port"}));
        QCOMPARE(out.proxyPort, std::uint16_t(1));

        const ValueMap good = {{"mode", std::string("tproxy")},
                               {"udp", true},
                               {"ports", std::vector<std::string>{"443", "8000-8100"}},
                               {"exclude_uids", std::vector<std::uint64_t>{0, 1000}}};
        QVERIFY(applyValues(base, good, &out).empty());
        QCOMPARE(out.mode, Mode::Tproxy);
        QVERIFY(out.udp);
        QCOMPARE(out.ports.size(), std::size_t(2));
        QCOMPARE(out.excludeUids, (std::vector<std::uint32_t>{0, 1000}));
    }

    void combinationsAreCheckedAfterTheUpdate() {
        // udp alone is fine only together with tproxy in the same update.
        Settings out;
        QCOMPARE(keysOf(applyValues(Settings{}, {{"udp", true}}, &out)), QStringList{"udp"});
        QVERIFY(applyValues(Settings{}, {{"udp", true}, {"mode", std::string("tproxy")}}, &out).empty());
    }

    void emptyAndHugeListEntriesRefused() {
        Settings out;
        QCOMPARE(keysOf(applyValues(Settings{}, {{"bypass", std::vector<std::string>{""}}}, &out)),
                 QStringList{"bypass"});
        QCOMPARE(
            keysOf(applyValues(Settings{}, {{"exclude_gids", std::vector<std::uint64_t>(300, 5)}}, &out)),
            QStringList{"exclude_gids"});
        QCOMPARE(keysOf(applyValues(Settings{}, {{"exclude_uids", std::vector<std::uint64_t>{0x100000000}}},
                                    &out)),
                 QStringList{"exclude_uids"});
        QCOMPARE(keysOf(applyValues(Settings{}, {{"mode", std::string()}}, &out)), QStringList{"mode"});
    }

    void everyKeyRoundTripsThroughText() {
        Settings s = gateway();
        s.scope = Scope::Both;
        s.mode = Mode::Tproxy;
        s.udp = true;
        s.ipForward = true;
        s.bypass = {*Cidr::parse("203.0.113.0/24"), *Cidr::parse("2001:db8::/32")};
        s.bypassPrivate = false;
        s.ports = {{443, 443}, {8000, 8100}};
        s.excludeUids = {0, 1000};
        s.excludeGids = {27};
        s.excludeCgroups = {"/system.slice/sshd.service"};
        s.proxyPort = 12345;
        s.outgoingMark = 0x10;
        s.fwmark = 0x20;
        s.routeTable = 100;
        s.reapplyOnDrift = false;
        s.restoreEnabled = false;
        s.upstream = *Upstream::parse("http://user:p%40ss@proxy.lan:3128");
        s.udpWithoutUpstream = UdpWithoutUpstream::Block;
        s.maxConnections = 5000;
        s.workerThreads = 2;
        s.connectTimeoutSeconds = 3;
        s.tcpIdleTimeoutSeconds = 600;
        QVERIFY2(validate(s).empty(), describe(validate(s)).c_str());
        std::string error;
        const auto back = fromFileText(toFileText(s), &error);
        QVERIFY2(back.has_value(), error.c_str());
        QVERIFY(*back == s);
        // Every key of the table is in the file, once.
        const std::string text = toFileText(s);
        for (const auto& key : settingKeys())
            QVERIFY2(text.find("\n" + std::string(key.name) + "=") != std::string::npos, key.name);
        QCOMPARE(toValues(s).size(), settingKeys().size());
    }

    // restore_enabled: on by default (a service started at boot comes back as the user left it), a
    // boolean in the table, and a file written before the key existed keeps the default.
    void restoreEnabledKey() {
        QVERIFY(Settings{}.restoreEnabled);
        const KeyInfo* key = findKey("restore_enabled");
        QVERIFY(key);
        QVERIFY(key->kind == ValueKind::Bool);
        QCOMPARE(std::get<bool>(toValues(Settings{}).at("restore_enabled")), true);
        Settings off;
        QVERIFY(applyValues(Settings{}, {{"restore_enabled", false}}, &off).empty());
        QVERIFY(!off.restoreEnabled);
        QVERIFY(toFileText(off).find("\nrestore_enabled=false\n") != std::string::npos);
        const auto wrongKind = applyValues(Settings{}, {{"restore_enabled", std::string("yes")}}, &off);
        QCOMPARE(wrongKind.size(), std::size_t(1));
        QCOMPARE(wrongKind.front().key, std::string("restore_enabled"));
        std::string error;
        const auto older = fromFileText("mode=tproxy\nreapply_on_drift=false\n", &error);
        QVERIFY2(older.has_value(), error.c_str());
        QVERIFY(older->restoreEnabled);
        QVERIFY(!fromFileText("restore_enabled=yes\n", &error));
        QVERIFY2(error.find("restore_enabled") != std::string::npos, error.c_str());
    }

    void corruptFilesAreRefusedWithALine() {
        std::string error;
        QVERIFY(!fromFileText("mode=redirect\nproxy_port=eighty\n", &error));
        QVERIFY2(error.find("line 2") != std::string::npos, error.c_str());
        QVERIFY(!fromFileText("mode=redirect\nwhat=ever\n", &error));
        QVERIFY(!fromFileText("garbage without equals\n", &error));
        QVERIFY(!fromFileText("udp=true\n", &error));                      // valid line, invalid settings
        QVERIFY(fromFileText("# only a comment\n\n", &error).has_value()); // defaults
        // Garbage is quoted readably: control bytes escaped, at most 60 bytes of it.
        QVERIFY(!fromFileText(std::string("\x01\x7f") + std::string(200, 'z') + "\n", &error));
        QVERIFY2(error.find("\"\\x01\\x7fzzz") != std::string::npos, error.c_str());
        QVERIFY2(error.size() < 100 && error.find("zzz\"...") != std::string::npos, error.c_str());
    }

    // Every proper prefix of a file the helper wrote is refused (a number cut in half would parse,
    // later keys would silently be defaults); the whole file and hand-written files still parse.
    void truncatedFilesAreRefused() {
        Settings s;
        s.proxyPort = 41234;
        s.bypass = {*Cidr::parse("192.0.2.0/24")};
        const std::string text = toFileText(s);
        std::string error;
        QVERIFY(fromFileText(text, &error).has_value());
        for (std::size_t n = 0; n + 1 < text.size(); ++n) { // the last byte is only the final newline
            error.clear();
            const auto cut = fromFileText(text.substr(0, n), &error);
            QVERIFY2(!cut, ("a file cut after " + std::to_string(n) + " bytes parsed").c_str());
            QVERIFY2(error.find("cut short") != std::string::npos || error.find("line ") == 0, error.c_str());
        }
        QVERIFY(fromFileText(text.substr(0, text.size() - 1), &error).has_value()); // no final newline
        error.clear();
        QVERIFY(!fromFileText(text.substr(0, text.find("proxy_port=") + 16), &error)); // "proxy_port=41"
        QVERIFY2(error.find("cut short") != std::string::npos, error.c_str());
        QVERIFY(fromFileText("mode=tproxy\nproxy_port=41\n", &error).has_value()); // by hand: no end line
    }

    void parseValueByKind() {
        std::string error;
        QVERIFY(std::get<bool>(*parseValue(*findKey("ipv6"), "false", &error)) == false);
        QVERIFY(!parseValue(*findKey("ipv6"), "0", &error));
        QCOMPARE(std::get<std::uint64_t>(*parseValue(*findKey("fwmark"), "0x5746", &error)),
                 std::uint64_t(0x5746));
        QVERIFY(!parseValue(*findKey("proxy_port"), "-1", &error));
        QCOMPARE(
            std::get<std::vector<std::string>>(*parseValue(*findKey("bypass"), " 10.0.0.0/8, ::1 ", &error)),
            (std::vector<std::string>{"10.0.0.0/8", "::1"}));
        QVERIFY(std::get<std::vector<std::string>>(*parseValue(*findKey("bypass"), "", &error)).empty());
        // A trailing comma makes an empty entry, refused later rather than dropped.
        Settings out;
        const auto list = *parseValue(*findKey("ports"), "80,", &error);
        QCOMPARE(keysOf(applyValues(Settings{}, {{"ports", list}}, &out)), QStringList{"ports"});
    }
};

QTEST_GUILESS_MAIN(TestSettings)
#include "tst_settings.moc"
