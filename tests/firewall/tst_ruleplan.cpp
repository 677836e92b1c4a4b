// Planner, renderer and undo record: golden files and the invariants every plan must keep.
//
// Golden files (tests/firewall/golden): <case>.rules holds both families' iptables-save text of one
// settings case (sampleplans.h planCases()); <case>.record the undo record of a few of them.
// After an intended change, regenerate them and review the diff:
//   WEIR_REFRESH_GOLDEN=1 build/tests/firewall/tst_ruleplan
#include "firewall/planrecord.h"
#include "firewall/ruleplan.h"
#include "sampleplans.h"

#include <QFile>
#include <QTest>

#include <algorithm>
#include <map>

using namespace weir::firewall;
using weir::Settings;

namespace {

QByteArray readGolden(const QString& name) {
    QFile f(QStringLiteral(WEIR_GOLDEN_DIR "/") + name);
    if (!f.open(QIODevice::ReadOnly))
        return {};
    return f.readAll();
}

bool refresh() {
    return qEnvironmentVariableIntValue("WEIR_REFRESH_GOLDEN") == 1;
}

void writeGolden(const QString& name, const QByteArray& text) {
    QFile f(QStringLiteral(WEIR_GOLDEN_DIR "/") + name);
    QVERIFY2(f.open(QIODevice::WriteOnly | QIODevice::Truncate), qPrintable(f.errorString()));
    f.write(text);
}

RulePlan planFor(const char* caseName) {
    const auto settings = test::caseSettings(caseName);
    std::string error;
    const auto plan = settings ? planRules(*settings, &error) : std::nullopt;
    if (!plan)
        qFatal("case %s: %s", caseName, error.c_str());
    return *plan;
}

bool isBypassReturn(const Rule& r) {
    if (!std::holds_alternative<ReturnTarget>(r.target))
        return false;
    return r.destination || std::any_of(r.matches.begin(), r.matches.end(), [](const Match& m) {
               return std::holds_alternative<AddrTypeMatch>(m);
           });
}

bool intercepts(const Rule& r) {
    return std::holds_alternative<RedirectTarget>(r.target) ||
           std::holds_alternative<TproxyTarget>(r.target) ||
           (std::holds_alternative<MarkTarget>(r.target) && r.chain == "WEIR_OUTPUT");
}

} // namespace

class TestRulePlan : public QObject {
    Q_OBJECT

private:
    void compareGolden(const QString& name, const std::string& rendered) {
        const QByteArray actual = QByteArray::fromStdString(rendered);
        if (refresh())
            writeGolden(name, actual);
        const QByteArray expected = readGolden(name);
        QVERIFY2(!expected.isEmpty(), qPrintable(name + " is missing; run with WEIR_REFRESH_GOLDEN=1"));
        QCOMPARE(actual, expected);
    }

    static void addCaseRows() {
        QTest::addColumn<QString>("name");
        for (const auto& c : test::planCases())
            QTest::newRow(c.name) << QString::fromLatin1(c.name);
    }

private slots:
    void golden_data() { addCaseRows(); }

    void golden() {
        QFETCH(QString, name);
        const RulePlan plan = planFor(qPrintable(name));
        compareGolden(name + ".rules", "# ipv4\n" + renderIptablesSave(plan, Family::V4) + "# ipv6\n" +
                                           renderIptablesSave(plan, Family::V6));
        if (!test::caseSettings(name.toStdString())->ipv6)
            QCOMPARE(renderIptablesSave(plan, Family::V6), std::string());
    }

    void recordRoundTrip_data() { addCaseRows(); }

    void recordRoundTrip() {
        QFETCH(QString, name);
        const RulePlan plan = planFor(qPrintable(name));
        const std::string record = serializePlan(plan);
        std::string error;
        const auto parsed = parsePlan(record, &error);
        QVERIFY2(parsed, error.c_str());
        QVERIFY(*parsed == plan);
        QCOMPARE(serializePlan(*parsed), record);
    }

    void recordGolden() {
        compareGolden("redirect-exclusions.record", serializePlan(planFor("redirect-exclusions")));
        compareGolden("tproxy-both-ports-exclusions.record",
                      serializePlan(planFor("tproxy-both-ports-exclusions")));
    }

    void recordRejectsOtherText_data() {
        QTest::addColumn<QString>("text");
        QTest::addColumn<QString>("why");
        const QString head = QStringLiteral("weir-plan 1\n");
        QTest::newRow("empty") << QString() << "line 0: empty record";
        QTest::newRow("no header") << "chain ipv4 nat WEIR_X\n"
                                   << "line 1: not a Weir plan record";
        QTest::newRow("bad kind") << head + "table ipv4 nat WEIR_X\n"
                                  << "line 2: unknown line kind";
        QTest::newRow("bad family") << head + "chain ipv5 nat WEIR_X\n"
                                    << "line 2: expected";
        QTest::newRow("foreign chain") << head + "chain ipv4 nat OTHER\n"
                                       << "bad chain name";
        QTest::newRow("no position") << head + "rule ipv4 nat -A WEIR_X -j RETURN\n"
                                     << "top or append";
        QTest::newRow("unknown match")
            << head + "rule ipv4 nat append -A WEIR_X -m string --algo bm -j RETURN\n"
            << "bad -m option";
        QTest::newRow("unknown target") << head + "rule ipv4 nat append -A WEIR_X -j DROP\n"
                                        << "bad target";
        QTest::newRow("after target") << head + "rule ipv4 nat append -A WEIR_X -j RETURN -p tcp\n"
                                      << "words after the target";
        QTest::newRow("v6 address in v4") << head + "rule ipv4 nat append -A WEIR_X -d ::1/128 -j RETURN\n"
                                          << "bad -d option";
        QTest::newRow("no target") << head + "rule ipv4 nat append -A WEIR_X -p tcp\n"
                                   << "no -j target";
        QTest::newRow("open quote")
            << head + "rule ipv4 nat append -A WEIR_X -m comment --comment \"weir -j RETURN\n"
            << "quote";
    }

    void recordRejectsOtherText() {
        QFETCH(QString, text);
        QFETCH(QString, why);
        std::string error;
        QVERIFY(!parsePlan(text.toStdString(), &error));
        QVERIFY2(QString::fromStdString(error).contains(why), error.c_str());
    }

    void extendedRendering() {
        const RulePlan plan = test::extendedSamplePlan();
        compareGolden("extended-v4.rules", renderIptablesSave(plan, Family::V4));
        compareGolden("extended-v6.rules", renderIptablesSave(plan, Family::V6));
    }

    void badSettingsAreRefused() {
        Settings s;
        s.proxyPort = 0;
        std::string error;
        QVERIFY(!planRules(s, &error));
        QVERIFY2(error.find("proxy_port") != std::string::npos, error.c_str());
        s = Settings{};
        s.outgoingMark = 0;
        QVERIFY(!planRules(s, &error));
        QVERIFY2(error.find("outgoing_mark") != std::string::npos, error.c_str());
        s = Settings{};
        s.scope = weir::Scope::Gateway; // no LAN interface named
        QVERIFY(!planRules(s, &error));
        QVERIFY2(error.find("gateway_interfaces") != std::string::npos, error.c_str());
    }

    void listenAddress() {
        QCOMPARE(tproxyListenAddress(Family::V4, weir::Scope::Local), std::string("127.0.0.1"));
        QCOMPARE(tproxyListenAddress(Family::V6, weir::Scope::Local), std::string("::1"));
        QCOMPARE(tproxyListenAddress(Family::V4, weir::Scope::Gateway), std::string("0.0.0.0"));
        QCOMPARE(tproxyListenAddress(Family::V6, weir::Scope::Both), std::string("::"));
    }

    void invariants_data() { addCaseRows(); }

    void invariants() {
        QFETCH(QString, name);
        const Settings s = *test::caseSettings(name.toStdString());
        const RulePlan plan = planFor(qPrintable(name));
        QVERIFY(!plan.chains.empty());
        for (const auto& c : plan.chains) {
            QVERIFY2(isWeirChain(c.name), c.name.c_str());
            QVERIFY(c.name.size() < 29); // XT_EXTENSION_MAXNAMELEN
            QVERIFY(s.ipv6 || c.family == Family::V4);
        }
        std::map<std::string, bool> interceptedIn; // chain (per family/table) -> an intercepting rule seen
        std::map<std::string, int> rulesIn;
        int intercepting = 0;
        for (const Rule& r : plan.rules) {
            const std::string line = renderRule(r);
            const std::string key = std::string(toString(r.family)) + tableName(r.table) + r.chain;
            // Tagged with exactly one comment "weir".
            const auto comments = std::count_if(r.matches.begin(), r.matches.end(), [](const Match& m) {
                const auto* c = std::get_if<CommentMatch>(&m);
                return c && c->text == kRuleComment;
            });
            QVERIFY2(comments == 1, line.c_str());
            if (isBuiltinChain(r.chain)) { // built-in chains only jump to Weir's chains, at the top
                const auto* jump = std::get_if<JumpTarget>(&r.target);
                QVERIFY2(jump && isWeirChain(jump->chain), line.c_str());
                QVERIFY2(r.position == Rule::Position::InsertTop, line.c_str());
            } else {
                QVERIFY2(std::find(plan.chains.begin(), plan.chains.end(),
                                   ChainSpec{r.family, r.table, r.chain}) != plan.chains.end(),
                         line.c_str());
            }
            if (const auto* jump = std::get_if<JumpTarget>(&r.target))
                QVERIFY2(std::find(plan.chains.begin(), plan.chains.end(),
                                   ChainSpec{r.family, r.table, jump->chain}) != plan.chains.end(),
                         line.c_str());
            // The core's own traffic RETURNs before anything else in an OUTPUT chain.
            if (r.chain == "WEIR_OUTPUT" && rulesIn[key]++ == 0)
                QVERIFY2(r.matches.front() == Match(MarkMatch{s.outgoingMark, 0xffffffff, false}),
                         line.c_str());
            // Nothing is intercepted before the bypasses.
            if (intercepts(r)) {
                interceptedIn[key] = true;
                ++intercepting;
            }
            if (isBypassReturn(r))
                QVERIFY2(!interceptedIn[key], ("bypass after interception: " + line).c_str());
            if (std::holds_alternative<RedirectTarget>(r.target)) {
                QVERIFY2(r.table == Table::Nat && r.protocol == Protocol::Tcp, line.c_str());
                QCOMPARE(std::get<RedirectTarget>(r.target).toPort, s.proxyPort);
            }
            if (const auto* t = std::get_if<TproxyTarget>(&r.target)) {
                QVERIFY2(r.table == Table::Mangle && r.chain == "WEIR_PREROUTING", line.c_str());
                QVERIFY2(t->markValue == s.fwmark && t->markMask == 0xffffffff && t->onPort == s.proxyPort,
                         line.c_str());
                QVERIFY2(r.protocol == Protocol::Tcp || s.udp, line.c_str());
            }
            // The socket shortcut never catches a SYN.
            for (const auto& m : r.matches)
                if (std::holds_alternative<SocketMatch>(m))
                    QVERIFY2(std::find(r.matches.begin(), r.matches.end(), Match(TcpFlagsMatch::notSyn())) !=
                                 r.matches.end(),
                             line.c_str());
        }
        QVERIFY(intercepting > 0);
        QVERIFY(s.mode == weir::Mode::Tproxy ||
                renderIptablesSave(plan).find("*mangle") == std::string::npos);
        QVERIFY(s.mode == weir::Mode::Redirect || renderIptablesSave(plan).find("*nat") == std::string::npos);
    }

    void rendering() {
        Rule r;
        r.chain = "WEIR_X";
        r.source = Cidr{"10.1.2.3", 8};
        r.invertSource = true;
        r.destination = Cidr{"198.51.100.77", 24};
        r.invertDestination = true;
        r.inInterface = "wlan+";
        r.outInterface = "eth+";
        r.protocol = Protocol::Tcp;
        r.matches.emplace_back(SocketMatch{true});
        r.matches.emplace_back(TcpFlagsMatch::notSyn());
        r.matches.emplace_back(OwnerMatch{OwnerMatch::Kind::Gid, 100, true});
        r.matches.emplace_back(CgroupMatch{"/system.slice/sshd.service", false});
        r.matches.emplace_back(MultiportMatch{{{80, 80}, {8000, 8100}}, false});
        r.matches.emplace_back(CommentMatch{"two words"});
        r.target = MarkTarget{0x10, 0xf0};
        const std::string line =
            "-A WEIR_X ! -s 10.0.0.0/8 ! -d 198.51.100.0/24 -i wlan+ -o eth+ -p tcp -m socket "
            "--transparent -m tcp ! --tcp-flags FIN,SYN,RST,ACK SYN -m owner ! --gid-owner "
            "100 -m cgroup --path \"/system.slice/sshd.service\" -m multiport --dports "
            "80,8000:8100 -m comment --comment \"two words\" -j MARK --set-xmark 0x10/0xf0";
        QCOMPARE(renderRule(r), line);
        // The record parser reads it back (addresses normalised).
        r.source = Cidr{"10.0.0.0", 8};
        r.destination = Cidr{"198.51.100.0", 24};
        std::string error;
        const auto parsed = parseRule(Family::V4, Table::Nat, line, &error);
        QVERIFY2(parsed, error.c_str());
        QVERIFY(*parsed == r);
    }

    void planIsDeterministic() { QCOMPARE(*planRules(Settings{}), *planRules(Settings{})); }
};

QTEST_APPLESS_MAIN(TestRulePlan)
#include "tst_ruleplan.moc"
