// The libiptc backend against the real kernel, inside a network namespace this test creates and
// deletes. Every backend call runs in weir-fw-driver under `ip netns exec`; nothing here touches the
// host's own tables (checked at the end).
#include "firewall/ruleplan.h"
#include "sampleplans.h"

#include <QDir>
#include <QFile>
#include <QProcess>
#include <QRegularExpression>
#include <QTest>

#include <signal.h>
#include <unistd.h>

using namespace weir::firewall;

namespace {

struct Result {
    int code = -1;
    QByteArray out;
    QByteArray err;
    QByteArray describe() const {
        return "exit " + QByteArray::number(code) + "\nstdout:\n" + out + "stderr:\n" + err;
    }
};

Result run(const QString& program, const QStringList& args, int timeoutMs = 60000) {
    QProcess p;
    p.start(program, args);
    Result r;
    if (!p.waitForFinished(timeoutMs)) {
        p.kill();
        p.waitForFinished();
        r.err = "timed out: " + program.toUtf8() + " " + args.join(' ').toUtf8();
        return r;
    }
    r.code = p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1;
    r.out = p.readAllStandardOutput();
    r.err = p.readAllStandardError();
    return r;
}

QByteArray readFile(const QString& path) {
    QFile f(path);
    return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
}

QByteArray golden(const char* name) {
    return readFile(QStringLiteral(WEIR_GOLDEN_DIR "/") + name);
}

// iptables-save output without the date lines.
QByteArray withoutComments(const QByteArray& save) {
    QByteArray out;
    for (const QByteArray& line : save.split('\n'))
        if (!line.isEmpty() && !line.startsWith('#'))
            out += line + '\n';
    return out;
}

// What renderIptablesSave() prints: also without built-in chain policy lines, counters zeroed.
QByteArray normalised(const QByteArray& save) {
    static const QRegularExpression counters(QStringLiteral("\\[\\d+:\\d+\\]"));
    QByteArray out;
    for (const QByteArray& line : withoutComments(save).split('\n')) {
        if (line.isEmpty() || (line.startsWith(':') && !line.contains(" - [")))
            continue;
        out += QString::fromUtf8(line).replace(counters, QStringLiteral("[0:0]")).toUtf8() + '\n';
    }
    return out;
}

// One table's part of a case's golden file (golden/<case>.rules: "# ipv4", "*nat" ... "COMMIT",
// "# ipv6", ...), as renderIptablesSave() printed it; empty when the plan does not touch the table.
QByteArray goldenTable(const QString& caseName, bool v6, const QByteArray& table) {
    const QByteArray text = golden(qPrintable(caseName + QStringLiteral(".rules")));
    const QByteArray familyMark = v6 ? "# ipv6\n" : "# ipv4\n";
    const qsizetype familyStart = text.indexOf(familyMark);
    if (familyStart < 0)
        return "golden file " + caseName.toUtf8() + " has no " + familyMark;
    qsizetype familyEnd = v6 ? text.size() : text.indexOf("# ipv6\n");
    const QByteArray section = text.mid(familyStart, familyEnd - familyStart);
    const qsizetype start = section.indexOf("*" + table + "\n");
    if (start < 0)
        return {};
    const qsizetype end = section.indexOf("COMMIT\n", start);
    return section.mid(start, end + 7 - start);
}

QStringList caseNames() {
    QStringList names;
    for (const auto& c : test::planCases())
        names << QString::fromLatin1(c.name);
    return names;
}

bool processAlive(qint64 pid) {
    return pid > 0 && (::kill(pid_t(pid), 0) == 0 || errno == EPERM);
}

const char kNsPrefix[] = "weir-test-fw-";

} // namespace

class TestFirewallNetns : public QObject {
    Q_OBJECT

public:
    ~TestFirewallNetns() override { deleteNamespace(); }

private:
    QString m_ns;
    bool m_created = false;
    QString m_lockFile;

    void deleteNamespace() {
        if (m_created) {
            run(QStringLiteral("ip"), {QStringLiteral("netns"), QStringLiteral("del"), m_ns});
            m_created = false;
        }
    }

    Result ns(const QStringList& cmd, int timeoutMs = 60000) {
        return run(QStringLiteral("ip"),
                   QStringList{QStringLiteral("netns"), QStringLiteral("exec"), m_ns} + cmd, timeoutMs);
    }

    Result driver(const QStringList& args) { return ns(QStringList{QStringLiteral(WEIR_FW_DRIVER)} + args); }

    QByteArray save(const QString& table, bool v6 = false, bool counters = false) {
        QStringList cmd{v6 ? QStringLiteral("ip6tables-legacy-save") : QStringLiteral("iptables-legacy-save"),
                        QStringLiteral("-t"), table};
        if (counters)
            cmd << QStringLiteral("-c");
        const Result r = ns(cmd);
        return r.code == 0 ? r.out : "save failed: " + r.describe();
    }

    // Runs a shell snippet of iptables commands in the namespace.
    bool sh(const QString& script) {
        const Result r = ns({QStringLiteral("sh"), QStringLiteral("-ec"), script});
        if (r.code != 0)
            qWarning("%s", r.describe().constData());
        return r.code == 0;
    }

    // Every table's iptables-save text (both families), without the date lines, counters zeroed
    // (IPv6 neighbour discovery on the veth moves the built-in chains' policy counters).
    QByteArray allTables() {
        static const QRegularExpression counters(QStringLiteral("\\[\\d+:\\d+\\]"));
        QByteArray out;
        for (bool v6 : {false, true})
            for (const char* table : {"nat", "mangle"})
                out += QString::fromUtf8(withoutComments(save(QString::fromLatin1(table), v6)))
                           .replace(counters, QStringLiteral("[0:0]"))
                           .toUtf8();
        return out;
    }

    static QByteArray weirLines(const QByteArray& normalisedSave) {
        QByteArray out;
        for (const QByteArray& line : normalisedSave.split('\n'))
            if (line.contains("WEIR_") || line.contains("weir"))
                out += line + '\n';
        return out;
    }

private slots:
    void initTestCase() {
        QVERIFY2(::geteuid() == 0, "this test needs root (it creates network namespaces)");
        QVERIFY(QFile::exists(QStringLiteral(WEIR_FW_DRIVER)));

        // Namespaces left by an earlier run that was killed (SIGKILL skips every cleanup).
        const Result list = run(QStringLiteral("ip"), {QStringLiteral("netns"), QStringLiteral("list")});
        static const QRegularExpression stale(QStringLiteral("^%1(\\d+)\\b").arg(kNsPrefix));
        for (const QString& line : QString::fromUtf8(list.out).split('\n')) {
            const auto m = stale.match(line);
            if (m.hasMatch() && !processAlive(m.captured(1).toLongLong()))
                run(QStringLiteral("ip"),
                    {QStringLiteral("netns"), QStringLiteral("del"), line.section(' ', 0, 0)});
        }

        m_ns = kNsPrefix + QString::number(QCoreApplication::applicationPid());
        const Result add = run(QStringLiteral("ip"), {QStringLiteral("netns"), QStringLiteral("add"), m_ns});
        QVERIFY2(add.code == 0, add.describe().constData());
        m_created = true;
        // A veth pair (both ends here) gives 203.0.113.0/24 a route that is not local.
        QVERIFY(sh(QStringLiteral("ip link set lo up\n"
                                  "ip link add wv0 type veth peer name wv1\n"
                                  "ip addr add 198.51.100.1/24 dev wv0\n"
                                  "ip link set wv0 up\nip link set wv1 up\n"
                                  "ip route add 203.0.113.0/24 via 198.51.100.2 dev wv0\n")));
        m_lockFile = QDir::tempPath() + QStringLiteral("/weir-test-xtables-%1.lock").arg(m_ns);
    }

    void cleanupTestCase() {
        deleteNamespace();
        QFile::remove(m_lockFile);
        // The host's own tables must not have been touched. (Reads only existing tables.)
        const Result host = run(QStringLiteral("iptables-legacy-save"), {});
        QVERIFY2(!host.out.contains("WEIR_") && !host.out.contains("weir"), host.out.constData());
        const Result host6 = run(QStringLiteral("ip6tables-legacy-save"), {});
        QVERIFY2(!host6.out.contains("WEIR_") && !host6.out.contains("weir"), host6.out.constData());
    }

    // Every test starts from empty nat and mangle tables.
    void init() {
        QVERIFY(sh(QStringLiteral("for t in nat mangle; do\n"
                                  "  iptables-legacy -w -t $t -F; iptables-legacy -w -t $t -X\n"
                                  "  ip6tables-legacy -w -t $t -F; ip6tables-legacy -w -t $t -X\n"
                                  "done")));
    }

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

    // The kernel refuses the third of three tables (WEIR_FAULT_REJECT): the two committed before are
    // rolled back, the refused one never changed, and the error names the table and the rule.
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

    void trafficIsRedirected() {
        Result r = driver({"apply"});
        QVERIFY2(r.code == 0, r.describe().constData());

        // The "core": accepts one connection and answers with its original destination.
        QProcess listener;
        listener.start(
            QStringLiteral("ip"),
            {"netns", "exec", m_ns, "python3", "-c",
             "import socket, struct\n"
             "s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)\n"
             "s.bind(('0.0.0.0', 41080)); s.listen(8); s.settimeout(30)\n"
             "print('ready', flush=True)\n"
             "c, peer = s.accept()\n"
             "raw = c.getsockopt(socket.SOL_IP, 80, 16)  # SO_ORIGINAL_DST\n"
             "orig = '%s:%d' % (socket.inet_ntoa(raw[4:8]), struct.unpack('!H', raw[2:4])[0])\n"
             "c.recv(4096)\n"
             "body = ('orig=' + orig + '\\n').encode()\n"
             "c.sendall(b'HTTP/1.0 200 OK\\r\\nContent-Length: %d\\r\\n\\r\\n' % len(body) + body)\n"
             "c.close(); print('served ' + orig, flush=True)\n"});
        auto stop = qScopeGuard([&listener] {
            listener.kill();
            listener.waitForFinished();
        });
        QVERIFY(listener.waitForStarted());
        QVERIFY2(listener.waitForReadyRead(10000), listener.readAllStandardError().constData());
        QVERIFY(listener.readLine().startsWith("ready"));

        // The core's own sockets carry the bypass mark: not redirected (nobody answers there).
        const Result marked =
            ns({"python3", "-c",
                "import socket\n"
                "s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, 36, 0x5745)  # SO_MARK\n"
                "s.settimeout(1.5)\n"
                "try:\n    s.connect(('203.0.113.9', 80)); print('connected')\n"
                "except OSError as e:\n    print('not connected', e)\n"});
        QVERIFY2(marked.code == 0 && marked.out.startsWith("not connected"), marked.describe().constData());
        QCOMPARE(listener.state(), QProcess::Running);
        static const QRegularExpression markCounter(QStringLiteral("^\\[(\\d+):\\d+\\] .*--mark 0x5745 "),
                                                    QRegularExpression::MultilineOption);
        const auto m = markCounter.match(QString::fromUtf8(save("nat", false, true)));
        QVERIFY(m.hasMatch());
        QVERIFY2(m.captured(1).toInt() >= 1, "the mark RETURN rule saw no packet");

        // Anything else is.
        const Result curl = ns({"curl", "-sS", "--max-time", "10", "http://203.0.113.9:80/"});
        QVERIFY2(curl.code == 0, curl.describe().constData());
        QCOMPARE(curl.out, QByteArray("orig=203.0.113.9:80\n"));
        QVERIFY(listener.waitForFinished(10000));
        QVERIFY(listener.readAllStandardOutput().contains("served 203.0.113.9:80"));

        r = driver({"remove"});
        QVERIFY2(r.code == 0, r.describe().constData());
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
