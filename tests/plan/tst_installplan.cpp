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
};

QTEST_GUILESS_MAIN(TestInstallPlan)
#include "tst_installplan.moc"
