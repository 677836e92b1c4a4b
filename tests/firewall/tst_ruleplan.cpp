// Planner and renderer: golden files and the invariants every plan must keep.
// WEIR_REFRESH_GOLDEN=1 rewrites the golden files from the current output (review the diff).
#include "firewall/ruleplan.h"
#include "sampleplans.h"

#include <QFile>
#include <QTest>

using namespace weir::firewall;

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

private slots:
    void golden_data() {
        QTest::addColumn<int>("port");
        QTest::addColumn<uint>("mark");
        QTest::addColumn<QString>("file");
        const InterceptSettings defaults;
        QTest::newRow("default") << int(defaults.proxyPort) << uint(defaults.bypassMark) << "default.rules";
        QTest::newRow("port12345-mark1") << 12345 << 0x1u << "port12345-mark1.rules";
    }

    void golden() {
        QFETCH(int, port);
        QFETCH(uint, mark);
        QFETCH(QString, file);
        InterceptSettings s;
        s.proxyPort = static_cast<std::uint16_t>(port);
        s.bypassMark = mark;
        std::string error;
        const auto plan = planRules(s, &error);
        QVERIFY2(plan, error.c_str());
        QVERIFY(error.empty());
        compareGolden(file, renderIptablesSave(*plan));
        // Nothing for IPv6 yet.
        QCOMPARE(renderIptablesSave(*plan, Family::V6), std::string());
    }

    void extendedRendering() {
        const RulePlan plan = test::extendedSamplePlan();
        compareGolden("extended-v4.rules", renderIptablesSave(plan, Family::V4));
        compareGolden("extended-v6.rules", renderIptablesSave(plan, Family::V6));
    }

    void tproxyIsRefused() {
        InterceptSettings s;
        s.mode = Mode::Tproxy;
        std::string error;
        QVERIFY(!planRules(s, &error));
        QVERIFY2(error.find("not supported yet") != std::string::npos, error.c_str());
    }

    void badSettingsAreRefused() {
        InterceptSettings s;
        s.proxyPort = 0;
        std::string error;
        QVERIFY(!planRules(s, &error));
        QVERIFY(!error.empty());
        s = InterceptSettings{};
        s.bypassMark = 0;
        QVERIFY(!planRules(s, &error));
    }

    void invariants_data() {
        QTest::addColumn<int>("port");
        QTest::addColumn<uint>("mark");
        QTest::newRow("default") << 41080 << 0x5745u;
        QTest::newRow("non-default") << 12345 << 0x1u;
        QTest::newRow("extremes") << 65535 << 0xffffffffu;
    }

    void invariants() {
        QFETCH(int, port);
        QFETCH(uint, mark);
        InterceptSettings s;
        s.proxyPort = static_cast<std::uint16_t>(port);
        s.bypassMark = mark;
        const auto plan = planRules(s);
        QVERIFY(plan);
        QVERIFY(!plan->chains.empty());
        QVERIFY(!plan->rules.empty());

        for (const auto& c : plan->chains) {
            QVERIFY2(isWeirChain(c.name), c.name.c_str());
            QVERIFY(c.name.size() < 29); // XT_EXTENSION_MAXNAMELEN
        }
        int markReturn = -1;
        int redirect = -1;
        for (int i = 0; i < int(plan->rules.size()); ++i) {
            const Rule& r = plan->rules[i];
            const std::string line = renderRule(r);
            // Tagged with exactly one comment "weir".
            int comments = 0;
            for (const auto& m : r.matches)
                if (const auto* c = std::get_if<CommentMatch>(&m)) {
                    ++comments;
                    QCOMPARE(c->text, std::string(kRuleComment));
                }
            QVERIFY2(comments == 1, line.c_str());
            // Built-in chains only get jumps to Weir's chains, inserted before other rules.
            if (isBuiltinChain(r.chain)) {
                const auto* jump = std::get_if<JumpTarget>(&r.target);
                QVERIFY2(jump && isWeirChain(jump->chain), line.c_str());
                QVERIFY2(r.position == Rule::Position::InsertTop, line.c_str());
            } else {
                QVERIFY2(isWeirChain(r.chain), line.c_str());
                const bool created =
                    std::any_of(plan->chains.begin(), plan->chains.end(), [&](const ChainSpec& c) {
                        return c.name == r.chain && c.table == r.table && c.family == r.family;
                    });
                QVERIFY2(created, line.c_str());
            }
            if (const auto* jump = std::get_if<JumpTarget>(&r.target)) {
                const bool exists = std::any_of(plan->chains.begin(), plan->chains.end(),
                                                [&](const ChainSpec& c) { return c.name == jump->chain; });
                QVERIFY2(exists, line.c_str());
            }
            for (const auto& m : r.matches)
                if (const auto* mk = std::get_if<MarkMatch>(&m);
                    mk && std::holds_alternative<ReturnTarget>(r.target) && mk->value == mark && !mk->invert)
                    markReturn = markReturn < 0 ? i : markReturn;
            if (const auto* red = std::get_if<RedirectTarget>(&r.target)) {
                QCOMPARE(int(red->toPort), port);
                QVERIFY2(r.protocol == Protocol::Tcp, line.c_str());
                redirect = i;
            }
        }
        QVERIFY(markReturn >= 0);
        QVERIFY(redirect >= 0);
        QVERIFY(markReturn < redirect);
        // The mark RETURN is the first rule of Weir's chain: nothing may catch the core's own traffic.
        const std::string& chain = plan->rules[markReturn].chain;
        for (int i = 0; i < markReturn; ++i)
            QVERIFY(plan->rules[i].chain != chain);
        // No other rule reaches the REDIRECT with loopback or local destinations.
        const std::string text = renderIptablesSave(*plan);
        QVERIFY(text.find("-d 127.0.0.0/8") < text.find("REDIRECT"));
        QVERIFY(text.find("--dst-type LOCAL") < text.find("REDIRECT"));
    }

    void rendering() {
        Rule r;
        r.chain = "WEIR_X";
        r.destination = Cidr{"198.51.100.77", 24};
        r.invertDestination = true;
        r.outInterface = "eth+";
        r.protocol = Protocol::Udp;
        r.matches.emplace_back(CommentMatch{"two words"});
        r.target = MarkTarget{0x10, 0xf0};
        QCOMPARE(renderRule(r),
                 std::string("-A WEIR_X ! -d 198.51.100.0/24 -o eth+ -p udp -m comment --comment "
                             "\"two words\" -j MARK --set-xmark 0x10/0xf0"));
    }

    void planIsDeterministic() { QCOMPARE(*planRules(InterceptSettings{}), *planRules(InterceptSettings{})); }
};

QTEST_APPLESS_MAIN(TestRulePlan)
#include "tst_ruleplan.moc"
