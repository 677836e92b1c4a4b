// makePlan: everything one enable installs, from Settings alone. The preview text of each sample is
// checked against a golden file; WEIR_REFRESH_GOLDEN=1 rewrites them (review the diff).
#include <QFile>
#include <QTest>

#include "plan/installplan.h"
#include "samplesettings.h"

using namespace weir;

namespace {

bool refresh() {
    return qEnvironmentVariableIntValue("WEIR_REFRESH_GOLDEN") == 1;
}

QString goldenPath(const std::string& name) {
    return QStringLiteral(WEIR_GOLDEN_DIR "/") + QString::fromStdString(name) + QStringLiteral(".preview");
}

Settings sample(const char* name) {
    for (const auto& [n, s] : testing::sampleSettings())
        if (n == name)
            return s;
    return {};
}

} // namespace

class TestInstallPlan : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void golden_data() {
        QTest::addColumn<QString>("name");
        for (const auto& [name, settings] : testing::sampleSettings())
            QTest::newRow(name.c_str()) << QString::fromStdString(name);
    }

    void golden() {
        QFETCH(QString, name);
        std::string error;
        const auto plan = plan::makePlan(sample(qPrintable(name)), &error);
        QVERIFY2(plan, error.c_str());
        const QByteArray actual = QByteArray::fromStdString(plan::renderPreview(*plan));
        QFile file(goldenPath(name.toStdString()));
        if (refresh()) {
            QVERIFY(file.open(QIODevice::WriteOnly));
            file.write(actual);
            return;
        }
        QVERIFY2(file.open(QIODevice::ReadOnly),
                 qPrintable(file.fileName() + " missing; WEIR_REFRESH_GOLDEN=1"));
        QCOMPARE(actual, file.readAll());
    }

    void redirectHasNoRoutes() {
        const auto plan = plan::makePlan(sample("redirect-local"));
        QVERIFY(plan);
        QVERIFY(plan->routes.empty());
        QVERIFY(plan->sysctls.empty());
        QCOMPARE(plan->listeners.size(), 2u); // tcp v4 + v6, on loopback
        QCOMPARE(plan->listeners[0].address, std::string("127.0.0.1"));
        QCOMPARE(plan->listeners[1].address, std::string("::1"));
        QVERIFY(plan->sourceFilter.allowLocal);
    }

    // Ports, marks and tables come from the settings, once, into every part of the plan.
    void tproxyValuesFlowFromSettings() {
        const Settings s = sample("tproxy-both-forward");
        const auto plan = plan::makePlan(s);
        QVERIFY(plan);
        QCOMPARE(plan->routes.size(), 2u);
        for (const auto& r : plan->routes) {
            QCOMPARE(r.route.fwmark, s.fwmark);
            QCOMPARE(r.route.table, s.routeTable);
        }
        QCOMPARE(plan->listeners.size(), 4u); // tcp+udp per family, on the any address
        for (const auto& l : plan->listeners) {
            QCOMPARE(l.port, s.proxyPort);
            QVERIFY(l.address == "0.0.0.0" || l.address == "::");
        }
        QCOMPARE(plan->sysctls.size(), 2u);
        QCOMPARE(plan->sourceFilter.allowed, s.gatewaySources);
        bool tproxyToPort = false;
        for (const auto& rule : plan->rules.rules)
            if (const auto* t = std::get_if<firewall::TproxyTarget>(&rule.target))
                tproxyToPort = t->onPort == s.proxyPort && t->markValue == s.fwmark;
        QVERIFY(tproxyToPort);
    }

    void invalidSettingsRefused() {
        Settings s;
        s.fwmark = s.outgoingMark;
        std::string error;
        QVERIFY(!plan::makePlan(s, &error));
        QVERIFY2(error.find("fwmark") != std::string::npos, error.c_str());
    }

    void transactionHelpers() {
        const auto redirect = plan::makePlan(sample("redirect-local"));
        const auto tproxy = plan::makePlan(sample("tproxy-local-udp"));
        // Switching REDIRECT -> TPROXY: the nat rules are what apply(tproxy) does not replace.
        const auto leftover = plan::rulesOutsideTables(redirect->rules, tproxy->rules);
        QCOMPARE(leftover, redirect->rules);
        QVERIFY(plan::rulesOutsideTables(tproxy->rules, tproxy->rules).rules.empty());
        const auto both = plan::unionRules(redirect->rules, tproxy->rules);
        QCOMPARE(both.rules.size(), redirect->rules.rules.size() + tproxy->rules.rules.size());
        QCOMPARE(plan::unionRules(both, tproxy->rules), both);
    }

    // Which open connections survive a change (the engine closes the others).
    void stillCarries() {
        using plan::stillCarries;
        const Settings redirectSettings = sample("redirect-local");
        const auto redirect = plan::makePlan(redirectSettings);
        const auto tproxyLocal = plan::makePlan(sample("tproxy-local-udp"));
        const auto tproxyBoth = plan::makePlan(sample("tproxy-both-forward"));
        Settings tproxyGatewayOnly = sample("tproxy-both-forward");
        tproxyGatewayOnly.scope = Scope::Gateway;
        const auto gatewayOnly = plan::makePlan(tproxyGatewayOnly);
        QVERIFY(redirect && tproxyLocal && tproxyBoth && gatewayOnly);

        // Disabled: nothing carries anything.
        QVERIFY(!stillCarries(*redirect, nullptr, Mode::Redirect, Family::V4));
        QVERIFY(!stillCarries(*tproxyLocal, nullptr, Mode::Tproxy, Family::V6));
        // REDIRECT keeps its NAT while conntrack runs in the family: any REDIRECT plan of that family,
        // or a TPROXY one with its conntrack match (local scope), but not gateway-only TPROXY.
        Settings moreBypass = redirectSettings;
        moreBypass.bypass = {*Cidr::parse("203.0.113.0/24")};
        const auto moreBypassPlan = plan::makePlan(moreBypass);
        QVERIFY(stillCarries(*redirect, &*moreBypassPlan, Mode::Redirect, Family::V4));
        QVERIFY(stillCarries(*redirect, &*tproxyLocal, Mode::Redirect, Family::V6));
        QVERIFY(!stillCarries(*redirect, &*gatewayOnly, Mode::Redirect, Family::V4));
        Settings v4Only = redirectSettings;
        v4Only.ipv6 = false;
        const auto v4Plan = plan::makePlan(v4Only);
        QVERIFY(stillCarries(*redirect, &*v4Plan, Mode::Redirect, Family::V4));
        QVERIFY(!stillCarries(*redirect, &*v4Plan, Mode::Redirect, Family::V6));
        // TPROXY needs its mangle rules and routes unchanged in the family.
        Settings history = sample("tproxy-both-forward");
        history.historyLimit = 10;
        const auto historyPlan = plan::makePlan(history);
        QVERIFY(stillCarries(*tproxyBoth, &*historyPlan, Mode::Tproxy, Family::V4));
        QVERIFY(!stillCarries(*tproxyBoth, &*gatewayOnly, Mode::Tproxy, Family::V4));
        QVERIFY(!stillCarries(*tproxyLocal, &*redirect, Mode::Tproxy, Family::V4));
        Settings tproxyBypass = sample("tproxy-both-forward");
        tproxyBypass.bypass = {*Cidr::parse("203.0.113.0/24")};
        const auto bypassPlan = plan::makePlan(tproxyBypass);
        QVERIFY(!stillCarries(*tproxyBoth, &*bypassPlan, Mode::Tproxy, Family::V4));
        QVERIFY(stillCarries(*tproxyBoth, &*bypassPlan, Mode::Tproxy, Family::V6)); // an IPv4 prefix
        // After a switch from REDIRECT, a TPROXY connection was accepted through the new rules: kept
        // (the engine's second pass asks), unless the new plan has no TPROXY rule in its family.
        QVERIFY(stillCarries(*redirect, &*tproxyBoth, Mode::Tproxy, Family::V4));
        QVERIFY(stillCarries(*redirect, &*tproxyLocal, Mode::Tproxy, Family::V6));
        QVERIFY(!stillCarries(*redirect, &*v4Plan, Mode::Tproxy, Family::V6));
        QVERIFY(!stillCarries(*redirect, &*moreBypassPlan, Mode::Tproxy, Family::V4));
    }
};

QTEST_GUILESS_MAIN(TestInstallPlan)
#include "tst_installplan.moc"
