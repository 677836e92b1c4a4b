// The network-namespace fixture shared by the firewall's kernel tests: a namespace made (and
// deleted) by the test, with a veth pair giving 203.0.113.0/24 a route that is not local, and the
// helpers that run commands, the driver and iptables-legacy-save inside it. Nothing here touches
// the host's own tables (checkHostUntouched() checks).
#pragma once

#include "sampleplans.h"

#include <QCoreApplication>
#include <QDir>
#include <QFile>
#include <QProcess>
#include <QRegularExpression>
#include <QStringList>

#include <signal.h>
#include <unistd.h>

#include <cerrno>

namespace weir::firewall::test {

struct Result {
    int code = -1;
    QByteArray out;
    QByteArray err;
    QByteArray describe() const {
        return "exit " + QByteArray::number(code) + "\nstdout:\n" + out + "stderr:\n" + err;
    }
};

inline Result run(const QString& program, const QStringList& args, int timeoutMs = 60000) {
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

inline QByteArray readFile(const QString& path) {
    QFile f(path);
    return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
}

inline QByteArray golden(const char* name) {
    return readFile(QStringLiteral(WEIR_GOLDEN_DIR "/") + name);
}

// iptables-save output without the date lines.
inline QByteArray withoutComments(const QByteArray& save) {
    QByteArray out;
    for (const QByteArray& line : save.split('\n'))
        if (!line.isEmpty() && !line.startsWith('#'))
            out += line + '\n';
    return out;
}

// What renderIptablesSave() prints: also without built-in chain policy lines, counters zeroed.
inline QByteArray normalised(const QByteArray& save) {
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
inline QByteArray goldenTable(const QString& caseName, bool v6, const QByteArray& table) {
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

inline QStringList caseNames() {
    QStringList names;
    for (const auto& c : test::planCases())
        names << QString::fromLatin1(c.name);
    return names;
}

inline bool processAlive(qint64 pid) {
    return pid > 0 && (::kill(pid_t(pid), 0) == 0 || errno == EPERM);
}

inline constexpr char kNsPrefix[] = "weir-test-fw-";

class NetnsFixture {
public:
    ~NetnsFixture() { deleteNamespace(); }

protected:
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

    // Starts a python3 script inside the namespace and waits until it prints "ready" (it listens):
    // false with *why (its stderr or first line) otherwise. The caller ends it.
    bool startReadyPeer(QProcess* peer, const QString& script, QByteArray* why) {
        peer->start(QStringLiteral("ip"), {QStringLiteral("netns"), QStringLiteral("exec"), m_ns,
                                           QStringLiteral("python3"), QStringLiteral("-c"), script});
        if (!peer->waitForStarted() || !peer->waitForReadyRead(10000)) {
            *why = "the peer did not start: " + peer->readAllStandardError();
            return false;
        }
        const QByteArray line = peer->readLine();
        if (!line.startsWith("ready")) {
            *why = "the peer said: " + line + peer->readAllStandardError();
            return false;
        }
        return true;
    }

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

    // Makes the namespace (after deleting ones left by killed runs); false and *why on failure.
    bool createNamespace(QByteArray* why) {
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
        if (add.code != 0) {
            *why = add.describe();
            return false;
        }
        m_created = true;
        m_lockFile = QDir::tempPath() + QStringLiteral("/weir-test-xtables-%1.lock").arg(m_ns);
        *why = "cannot set up the veth pair";
        return sh(QStringLiteral("ip link set lo up\n"
                                 "ip link add wv0 type veth peer name wv1\n"
                                 "ip addr add 198.51.100.1/24 dev wv0\n"
                                 "ip link set wv0 up\nip link set wv1 up\n"
                                 "ip route add 203.0.113.0/24 via 198.51.100.2 dev wv0\n"));
    }

    // After deleting the namespace: the host's tables hold nothing of Weir. (Reads existing tables only.)
    bool checkHostUntouched(QByteArray* why) {
        for (const char* tool : {"iptables-legacy-save", "ip6tables-legacy-save"}) {
            const Result host = run(QString::fromLatin1(tool), {});
            if (host.out.contains("WEIR_") || host.out.contains("weir")) {
                *why = host.out;
                return false;
            }
        }
        return true;
    }

    // Empty nat and mangle tables, both families.
    bool flushTables() {
        return sh(QStringLiteral("for t in nat mangle; do\n"
                                 "  iptables-legacy -w -t $t -F; iptables-legacy -w -t $t -X\n"
                                 "  ip6tables-legacy -w -t $t -F; ip6tables-legacy -w -t $t -X\n"
                                 "done"));
    }
};

} // namespace weir::firewall::test
