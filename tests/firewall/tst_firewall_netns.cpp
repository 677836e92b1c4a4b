// The libiptc backend against the real kernel, inside a network namespace this test creates and
// deletes. Every backend call runs in weir-fw-driver under `ip netns exec`; nothing here touches the
// host's own tables (checked at the end).
#include "firewall/ruleplan.h"
#include "netnsfixture.h"

#include <QTest>

using namespace weir::firewall;
using namespace weir::firewall::test;

class TestFirewallNetns : public QObject, private test::NetnsFixture {
    Q_OBJECT

private slots:
    void initTestCase() {
        QVERIFY2(::geteuid() == 0, "this test needs root (it creates network namespaces)");
        QVERIFY(QFile::exists(QStringLiteral(WEIR_FW_DRIVER)));
        QByteArray why;
        QVERIFY2(createNamespace(&why), why.constData());
    }

    void cleanupTestCase() {
        deleteNamespace();
        QFile::remove(m_lockFile);
        QByteArray why;
        QVERIFY2(checkHostUntouched(&why), why.constData());
    }

    // Every test starts from empty nat and mangle tables.
    void init() { QVERIFY(flushTables()); }

    void applyMatchesGolden_data() {
        QTest::addColumn<QString>("name");
        for (const QString& name : caseNames())
            QTest::newRow(qPrintable(name)) << name;
    }

    // Every golden plan, applied in the namespace, is what iptables-legacy-save shows; verify() agrees;
    // a second apply changes nothing; remove() restores the tables exactly.
    void applyMatchesGolden() {
        QFETCH(QString, name);
        QVERIFY(sh("iptables-legacy -w -t nat -A OUTPUT -p udp -j RETURN\n"
                   "ip6tables-legacy -w -t mangle -A PREROUTING -p udp -j RETURN\n"));
        const QByteArray before = allTables();
        auto compareTables = [&] {
            for (bool v6 : {false, true})
                for (const char* table : {"nat", "mangle"}) {
                    const QByteArray expected = goldenTable(name, v6, table);
                    const QByteArray actual = weirLines(normalised(save(QString::fromLatin1(table), v6)));
                    QCOMPARE(actual, weirLines(expected));
                }
        };
        for (int round = 0; round < 2; ++round) { // idempotent: the same single set of rules
            const Result r = driver({"apply", name});
            QVERIFY2(r.code == 0, r.describe().constData());
            compareTables();
            const Result v = driver({"verify", name});
            QVERIFY2(v.code == 0, v.describe().constData());
        }
        const Result r = driver({"remove", name});
        QVERIFY2(r.code == 0, r.describe().constData());
        QCOMPARE(allTables(), before);
        const Result v = driver({"verify", name});
        QVERIFY2(v.code == 3 && v.out.contains("missing"), v.describe().constData());
    }

    // Somebody changes Weir's rules behind its back: verify() says what differs, and changes nothing.
    void verifyDetectsDrift() {
        Result r = driver({"apply", "tproxy-local-udp"});
        QVERIFY2(r.code == 0, r.describe().constData());
        r = driver({"verify", "tproxy-local-udp"});
        QVERIFY2(r.code == 0, r.describe().constData());

        QVERIFY(sh("iptables-legacy -w -t mangle -F WEIR_PREROUTING"));
        const QByteArray flushed = allTables();
        r = driver({"verify", "tproxy-local-udp"});
        QVERIFY2(r.code == 3 && r.out.contains("missing in ipv4 mangle") &&
                     r.out.contains("-A WEIR_PREROUTING"),
                 r.describe().constData());
        qInfo("difference reported: %s", r.out.trimmed().constData());
        QCOMPARE(allTables(), flushed); // verify never commits

        r = driver({"apply", "tproxy-local-udp"}); // reapply repairs it
        QVERIFY2(r.code == 0, r.describe().constData());
        QVERIFY(sh("ip6tables-legacy -w -t mangle -A WEIR_OUTPUT -j RETURN"));
        r = driver({"verify", "tproxy-local-udp"});
        QVERIFY2(r.code == 3 && r.out.contains("chain WEIR_OUTPUT in ipv6 mangle has 1 rule"),
                 r.describe().constData());

        r = driver({"apply", "tproxy-local-udp"});
        QVERIFY2(r.code == 0, r.describe().constData());
        QVERIFY(sh("iptables-legacy -w -t mangle -I OUTPUT -m comment --comment weir -j WEIR_OUTPUT"));
        r = driver({"verify", "tproxy-local-udp"});
        QVERIFY2(r.code == 3 && r.out.contains("chain OUTPUT in ipv4 mangle"), r.describe().constData());
        r = driver({"remove", "tproxy-local-udp"});
        QVERIFY2(r.code == 0, r.describe().constData());
    }

    // The kernel refuses the third of three tables (WEIR_FAULT_REJECT): the tables committed before
    // are rolled back, the refused one never changed, and the error names the table and the rule.
    void faultAtLastTableRollsBackAll() {
        QVERIFY(sh("iptables-legacy -w -t nat -A OUTPUT -p udp -j RETURN\n"
                   "iptables-legacy -w -t mangle -A PREROUTING -p udp -j RETURN\n"
                   "ip6tables-legacy -w -t mangle -A OUTPUT -p udp -j RETURN\n"));
        const QByteArray before = allTables();
        const Result r = ns(
            {"env", "WEIR_FAULT_REJECT=ipv6 mangle", QStringLiteral(WEIR_FW_DRIVER), "apply-three-tables"});
        QVERIFY2(r.code == 1, r.describe().constData());
        QVERIFY2(r.err.contains("ip6tables mangle table") && r.err.contains("dmesg") &&
                     r.err.contains("-A WEIR_FAULT -p tcp -m comment --comment weir -j REDIRECT"),
                 r.err.constData());
        qInfo("error shown to the user: %s", r.err.trimmed().constData());
        QCOMPARE(allTables(), before);

        // With a previous plan installed, the rollback puts that plan back exactly, and it still verifies.
        Result r2 = driver({"apply", "tproxy-both-no-private-bypass"});
        QVERIFY2(r2.code == 0, r2.describe().constData());
        const QByteArray withPrevious = allTables();
        r2 = ns(
            {"env", "WEIR_FAULT_REJECT=ipv6 mangle", QStringLiteral(WEIR_FW_DRIVER), "apply-three-tables"});
        QVERIFY2(r2.code == 1, r2.describe().constData());
        QCOMPARE(allTables(), withPrevious);
        r2 = driver({"verify", "tproxy-both-no-private-bypass"});
        QVERIFY2(r2.code == 0, r2.describe().constData());

        // Without the fault the same plan applies.
        const Result ok = driver({"apply-three-tables"});
        QVERIFY2(ok.code == 0, ok.describe().constData());
        QVERIFY(save("mangle", true).contains("WEIR_PREROUTING"));
    }

    void removeRestoresSnapshot() {
        // Somebody else's rules, before and after ours.
        QVERIFY(sh("iptables-legacy -w -t nat -N OTHER_keep\n"
                   "iptables-legacy -w -t nat -A OTHER_keep -p udp -j RETURN\n"
                   "iptables-legacy -w -t nat -A OUTPUT -d 198.51.100.7/32 -j OTHER_keep\n"
                   "iptables-legacy -w -t nat -A OUTPUT -p tcp -m comment --comment other -j RETURN\n"
                   "iptables-legacy -w -t nat -A POSTROUTING -o wv0 -j MASQUERADE\n"));
        const QByteArray before = withoutComments(save("nat"));

        Result r = driver({"apply"});
        QVERIFY2(r.code == 0, r.describe().constData());
        const QByteArray applied = normalised(save("nat"));
        // Our jump comes first in OUTPUT; the others stay in their order.
        const QList<QByteArray> lines = applied.split('\n');
        const auto firstOutput = std::find_if(lines.begin(), lines.end(),
                                              [](const QByteArray& l) { return l.startsWith("-A OUTPUT"); });
        QVERIFY(firstOutput != lines.end());
        QCOMPARE(*firstOutput, QByteArray("-A OUTPUT -p tcp -m comment --comment weir -j WEIR_OUTPUT"));
        QVERIFY(applied.contains("-A OUTPUT -d 198.51.100.7/32 -j OTHER_keep"));
        QCOMPARE(weirLines(applied), weirLines(goldenTable("redirect-local", false, "nat")));

        r = driver({"remove"});
        QVERIFY2(r.code == 0, r.describe().constData());
        QCOMPARE(withoutComments(save("nat")), before);

        // Removing again is not an error and changes nothing.
        r = driver({"remove"});
        QVERIFY2(r.code == 0, r.describe().constData());
        QCOMPARE(withoutComments(save("nat")), before);
    }

    void removeAllAfterCrash() {
        QVERIFY(sh("iptables-legacy -w -t nat -N OTHER_keep\n"
                   "iptables-legacy -w -t nat -A OUTPUT -p udp -j OTHER_keep\n"
                   "iptables-legacy -w -t mangle -A OUTPUT -p udp -j RETURN\n"));
        const QByteArray natBefore = withoutComments(save("nat"));
        const QByteArray mangleBefore = withoutComments(save("mangle"));
        const QByteArray nat6Before = withoutComments(save("nat", true));

        // A process that applied and died without removing...
        Result r = driver({"apply"});
        QVERIFY2(r.code == 0, r.describe().constData());
        r = driver({"apply-extended"});
        QVERIFY2(r.code == 0, r.describe().constData());
        // ...and strays added by hand: a jump to a WEIR_ chain without comment, a tagged rule, nested chains.
        QVERIFY(sh("iptables-legacy -w -t nat -N WEIR_X\n"
                   "iptables-legacy -w -t nat -N WEIR_Y\n"
                   "iptables-legacy -w -t nat -A WEIR_X -j WEIR_Y\n"
                   "iptables-legacy -w -t nat -A OUTPUT -p udp -j WEIR_X\n"
                   "iptables-legacy -w -t nat -A OTHER_keep -j WEIR_Y\n"
                   "iptables-legacy -w -t nat -A PREROUTING -m comment --comment weir -j RETURN\n"
                   "iptables-legacy -w -t mangle -I OUTPUT -j WEIR_OUTPUT\n"));
        QVERIFY(save("nat").contains("WEIR_X"));

        // A fresh process (like weir-helper --cleanup) finds and removes all of it.
        r = driver({"remove-all"});
        QVERIFY2(r.code == 0, r.describe().constData());
        static const QRegularExpression count(QStringLiteral("removed (\\d+)"));
        const auto m = count.match(QString::fromUtf8(r.out));
        QVERIFY2(m.hasMatch() && m.captured(1).toInt() > 0, r.out.constData());

        QCOMPARE(withoutComments(save("nat")), natBefore);
        QCOMPARE(withoutComments(save("mangle")), mangleBefore);
        QCOMPARE(withoutComments(save("nat", true)), nat6Before);
        QCOMPARE(weirLines(save("mangle", true)), QByteArray());

        r = driver({"remove-all"});
        QVERIFY2(r.code == 0, r.describe().constData());
        QCOMPARE(r.out, QByteArray("removed 0\n"));
    }

    void rejectedPlanLeavesTablesUnchanged() {
        QVERIFY(sh("iptables-legacy -w -t mangle -A OUTPUT -p udp -j RETURN\n"
                   "iptables-legacy -w -t nat -A OUTPUT -p udp -j RETURN\n"));
        const QByteArray natBefore = withoutComments(save("nat"));
        const QByteArray mangleBefore = withoutComments(save("mangle"));

        // nat commits fine, then the kernel refuses REDIRECT in mangle: nat is cleaned again.
        const Result r = driver({"apply-rejected"});
        QVERIFY2(r.code != 0, r.describe().constData());
        QVERIFY2(r.err.contains("mangle") && r.err.contains("dmesg"), r.err.constData());
        qInfo("error shown to the user: %s", r.err.trimmed().constData());

        QCOMPARE(withoutComments(save("nat")), natBefore);
        QCOMPARE(withoutComments(save("mangle")), mangleBefore);
    }

    void extendedPlanRoundTrip() {
        // Every match and target the model has (TPROXY, MARK, IPv6, inversions) as the kernel holds them.
        const Result r = driver({"apply-extended"});
        QVERIFY2(r.code == 0, r.describe().constData());
        const RulePlan plan = test::extendedSamplePlan();
        QCOMPARE(normalised(save("mangle")), QByteArray::fromStdString(renderIptablesSave(plan, Family::V4)));
        QCOMPARE(normalised(save("nat", true)) + normalised(save("mangle", true)),
                 QByteArray::fromStdString(renderIptablesSave(plan, Family::V6)));

        const Result rm = driver({"remove-extended"});
        QVERIFY2(rm.code == 0, rm.describe().constData());
        QCOMPARE(weirLines(save("mangle")), QByteArray());
        QCOMPARE(weirLines(save("nat", true)), QByteArray());
        QCOMPARE(weirLines(save("mangle", true)), QByteArray());
    }

    // Another program writing with `iptables -w` during 100 applies loses none of its rules: every
    // commit is a whole-table replace, so this only holds because both sides take the xtables lock
    // and libiptc's EAGAIN is retried.
    void concurrentWriters() {
        constexpr int chains = 60;
        QProcess other;
        other.start(QStringLiteral("ip"),
                    {"netns", "exec", m_ns, "sh", "-ec",
                     QStringLiteral("for i in $(seq 1 %1); do iptables-legacy -w -t nat -N OTHER_$i; "
                                    "iptables-legacy -w -t nat -A OTHER_$i -p udp --dport $i -j RETURN; done")
                         .arg(chains)});
        QProcess ours;
        ours.start(QStringLiteral("ip"),
                   {"netns", "exec", m_ns, WEIR_FW_DRIVER, "apply-many", "redirect-local-v4", "100"});
        QVERIFY(other.waitForFinished(120000));
        QVERIFY(ours.waitForFinished(120000));
        QVERIFY2(other.exitCode() == 0, other.readAllStandardError().constData());
        QVERIFY2(ours.exitCode() == 0, ours.readAllStandardError().constData());

        const QByteArray nat = normalised(save("nat"));
        for (int i = 1; i <= chains; ++i) {
            QVERIFY2(nat.contains(QStringLiteral(":OTHER_%1 - [0:0]\n").arg(i).toUtf8()), nat.constData());
            QVERIFY2(nat.contains(
                         QStringLiteral("-A OTHER_%1 -p udp -m udp --dport %1 -j RETURN\n").arg(i).toUtf8()),
                     nat.constData());
        }
        QCOMPARE(weirLines(nat), weirLines(goldenTable("redirect-local-v4", false, "nat")));
        const Result v = driver({"verify", "redirect-local-v4"});
        QVERIFY2(v.code == 0, v.describe().constData());
    }

    void unavailableTableGivesClearError() {
        // In a fresh user + network namespace without privileges iptc_init fails: a message, no crash.
        const Result r = run(QStringLiteral("unshare"), {"--user", "--net", WEIR_FW_DRIVER, "apply"});
        QVERIFY2(r.code == 1 && r.err.contains("legacy iptables nat table unavailable: "),
                 r.describe().constData());
    }

    void lockIsHonoured() {
        const QByteArray before = withoutComments(save("nat"));
        // Hold the lock named by XTABLES_LOCKFILE, as iptables -w would.
        QProcess holder;
        holder.start(QStringLiteral("flock"), {m_lockFile, "sh", "-c", "echo locked; sleep 3"});
        QVERIFY(holder.waitForReadyRead(5000));
        qputenv("XTABLES_LOCKFILE", m_lockFile.toUtf8());
        qputenv("WEIR_TEST_LOCK_TIMEOUT_MS", "300");
        const Result r = driver({"apply"});
        qunsetenv("XTABLES_LOCKFILE");
        qunsetenv("WEIR_TEST_LOCK_TIMEOUT_MS");
        holder.waitForFinished();
        QVERIFY2(r.code != 0 && r.err.contains("xtables lock") && r.err.contains(m_lockFile.toUtf8()),
                 r.describe().constData());
        QCOMPARE(withoutComments(save("nat")), before);
    }
};

QTEST_GUILESS_MAIN(TestFirewallNetns)
#include "tst_firewall_netns.moc"
