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
        QTest::addColumn<QStringList>("args");
        QTest::addColumn<QString>("file");
        QTest::newRow("default") << QStringList{} << "default.rules";
        QTest::newRow("port12345-mark1")
            << QStringList{"--port", "12345", "--mark", "0x1"} << "port12345-mark1.rules";
    }

    void applyMatchesGolden() {
        QFETCH(QStringList, args);
        QFETCH(QString, file);
        const QByteArray expected = golden(file.toUtf8().constData());
        QVERIFY(!expected.isEmpty());

        Result r = driver(QStringList{"apply"} + args);
        QVERIFY2(r.code == 0, r.describe().constData());
        QCOMPARE(normalised(save("nat")), expected);

        // Idempotent: a second apply leaves the same single set of rules.
        r = driver(QStringList{"apply"} + args);
        QVERIFY2(r.code == 0, r.describe().constData());
        QCOMPARE(normalised(save("nat")), expected);

        r = driver(QStringList{"remove"} + args);
        QVERIFY2(r.code == 0, r.describe().constData());
        QCOMPARE(weirLines(normalised(save("nat"))), QByteArray());
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
        QCOMPARE(weirLines(applied), weirLines(golden("default.rules")));

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

    void concurrentWriters() {
        constexpr int chains = 40;
        QProcess other;
        other.start(QStringLiteral("ip"),
                    {"netns", "exec", m_ns, "sh", "-ec",
                     QStringLiteral("for i in $(seq 1 %1); do iptables-legacy -w -t nat -N OTHER_$i; done")
                         .arg(chains)});
        QProcess ours;
        ours.start(QStringLiteral("ip"), {"netns", "exec", m_ns, WEIR_FW_DRIVER, "cycle", "25"});
        QVERIFY(other.waitForFinished(120000));
        QVERIFY(ours.waitForFinished(120000));
        QVERIFY2(other.exitCode() == 0, other.readAllStandardError().constData());
        QVERIFY2(ours.exitCode() == 0, ours.readAllStandardError().constData());

        const Result r = driver({"apply"});
        QVERIFY2(r.code == 0, r.describe().constData());
        const QByteArray nat = normalised(save("nat"));
        for (int i = 1; i <= chains; ++i)
            QVERIFY2(nat.contains(QStringLiteral(":OTHER_%1 - [0:0]\n").arg(i).toUtf8()), nat.constData());
        QCOMPARE(weirLines(nat), weirLines(golden("default.rules")));
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
