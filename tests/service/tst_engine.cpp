// Engine keeps the proxy core, the rules, the policy routes and the sysctls consistent on every
// failure path: rules are never left installed without a core accepting behind them, a failed
// enable leaves nothing behind, a failed settings change leaves the old plan installed and working,
// the install record always covers what may be installed, and drift is found and repaired.
// The kernel side is faked here (fakes.h) so that failures can be injected at every step and the
// host is never touched; tests/service/engine_netns.sh runs the real thing in a namespace.
#include <QDir>
#include <QFile>
#include <QTemporaryDir>
#include <QTest>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "fakes.h"
#include "plan/installplan.h"
#include "service/engine.h"
#include "service/installrecord.h"
#include "service/sysctl.h"

using namespace weir;
using testing::FirewallState;
using testing::RouteState;

namespace {

constexpr const char kForward[] = "/proc/sys/net/ipv4/ip_forward";
const testing::TableKey kV4Nat{Family::V4, firewall::Table::Nat};
const testing::TableKey kV4Mangle{Family::V4, firewall::Table::Mangle};

bool canConnect(quint16 port) {
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    const bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
    ::close(fd);
    return ok;
}

bool bindAny(int type, quint16 port, int* fd) {
    *fd = ::socket(AF_INET, type | SOCK_CLOEXEC, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    return ::bind(*fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
}

// A port free for TCP and UDP on the any address, below the ephemeral range so that no client
// socket (in TIME_WAIT, say) takes it meanwhile. `hold` keeps a TCP listener on it ("port in use").
quint16 freePort(int* hold = nullptr) {
    static quint16 next = 20000 + static_cast<quint16>(::getpid() % 5000);
    for (;;) {
        const quint16 port = next++;
        int tcp = -1, udp = -1;
        const bool free = bindAny(SOCK_STREAM, port, &tcp) && bindAny(SOCK_DGRAM, port, &udp);
        ::close(udp);
        if (free && hold) {
            ::listen(tcp, 1);
            *hold = tcp;
            return port;
        }
        ::close(tcp);
        if (free)
            return port;
    }
}

Settings redirect(quint16 port) {
    Settings s;
    s.proxyPort = port;
    s.ipv6 = false;
    return s;
}

Settings tproxy(quint16 port) {
    Settings s = redirect(port);
    s.mode = Mode::Tproxy;
    s.udp = true;
    s.scope = Scope::Both; // IP forwarding is only for a gateway
    s.gatewayInterfaces = {"weirtest0"};
    s.gatewaySources = {*Cidr::parse("10.99.0.0/16")};
    s.ipForward = true;
    return s;
}

std::string readText(const std::string& path) {
    std::string ignored;
    return service::readWholeFile(path, &ignored).value_or("<missing>");
}

// One engine with fake kernel state, a scratch runtime directory and a scratch /proc/sys.
struct Rig {
    QTemporaryDir dir;
    FirewallState fw;
    RouteState routes;
    service::EngineOptions options;
    std::unique_ptr<service::Engine> engine;

    explicit Rig(const Settings& settings) {
        QDir(dir.path()).mkpath(QStringLiteral("run"));
        QDir(dir.path()).mkpath(QStringLiteral("sys/proc/sys/net/ipv4"));
        options.runtimeDir = (dir.path() + QStringLiteral("/run")).toStdString();
        options.sysctlRoot = (dir.path() + QStringLiteral("/sys")).toStdString();
        options.routes = std::make_shared<testing::FakeRoutes>(&routes);
        setForward("0");
        engine =
            std::make_unique<service::Engine>(settings, std::make_unique<testing::FakeBackend>(&fw), options);
    }
    void setForward(const std::string& v) {
        QFile f(QString::fromStdString(options.sysctlRoot + kForward));
        if (f.open(QIODevice::WriteOnly | QIODevice::Truncate))
            f.write(QByteArray::fromStdString(v + "\n"));
    }
    std::string forward() const {
        return service::sysctl::read(options.sysctlRoot, kForward, nullptr).value_or("?");
    }
    std::string record() const { return readText(engine->recordPath()); }
    bool recordExists() const { return QFile::exists(QString::fromStdString(engine->recordPath())); }
    // The record text the engine must hold with `settings` installed and ip_forward previously 0.
    static std::string recordFor(const Settings& settings) {
        const auto p = plan::makePlan(settings);
        std::vector<service::SysctlRecord> sys;
        for (const auto& s : p->sysctls)
            sys.push_back({s.path, s.value, "0"});
        return service::serializeRecord({p->rules, p->routes, sys});
    }
};

firewall::RulePlan rulesOf(const Settings& s) {
    return plan::makePlan(s)->rules;
}

} // namespace

class TestEngine : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void enableDisable() {
        const quint16 port = freePort();
        Rig rig(redirect(port));
        auto& engine = *rig.engine;
        std::string error;
        QVERIFY(!canConnect(port));
        QVERIFY2(engine.enable(&error), error.c_str());
        QVERIFY(engine.isEnabled());
        QVERIFY(rig.fw.holds(rulesOf(redirect(port))));
        QVERIFY(canConnect(port)); // the core accepts before the rules point at it
        QCOMPARE(rig.record(), Rig::recordFor(redirect(port)));
        QVERIFY(engine.enable(&error)); // idempotent
        QCOMPARE(rig.fw.applies, 1);
        QVERIFY2(engine.disable(&error), error.c_str());
        QVERIFY(rig.fw.empty());
        QVERIFY(!canConnect(port));
        QVERIFY(!rig.recordExists());
        // And again: the core resumes accepting on the same port, its table is kept.
        QVERIFY2(engine.enable(&error), error.c_str());
        QVERIFY(canConnect(port));
        QVERIFY(!engine.connections().empty());
        QVERIFY(engine.disable(&error));
        QVERIFY(rig.routes.dropped.empty()); // REDIRECT leaves no transparent socket
    }

    void tproxyInstallsRoutesAndSysctls() {
        const quint16 port = freePort();
        Rig rig(tproxy(port));
        std::string error;
        QVERIFY2(rig.engine->enable(&error), error.c_str());
        QCOMPARE(rig.routes.installed, plan::makePlan(tproxy(port))->routes);
        QCOMPARE(rig.forward(), std::string("1"));
        QVERIFY(canConnect(port));
        QCOMPARE(rig.record(), Rig::recordFor(tproxy(port)));
        QVERIFY(rig.routes.dropped.empty());
        QVERIFY(rig.engine->disable(&error));
        QVERIFY(rig.routes.installed.empty());
        QCOMPARE(rig.forward(), std::string("0")); // the previous value, from the record
        QVERIFY(!rig.recordExists());
        QCOMPARE(rig.routes.dropped, std::vector<Family>{Family::V4}); // what its connections left
    }

    // The record must be on disk before the first kernel change, or a crash there leaks rules.
    void recordWrittenBeforeApply() {
        const quint16 port = freePort();
        Rig rig(tproxy(port));
        std::string seen;
        rig.fw.beforeApply = [&] { seen = rig.record(); };
        std::string error;
        QVERIFY2(rig.engine->enable(&error), error.c_str());
        QCOMPARE(seen, Rig::recordFor(tproxy(port)));
    }

    void rejectedRulesLeaveNothing() {
        const quint16 port = freePort();
        Rig rig(tproxy(port));
        rig.fw.rejectTable = testing::TableKey{Family::V4, firewall::Table::Mangle};
        std::string error;
        QVERIFY(!rig.engine->enable(&error));
        QVERIFY2(error.find("rejected the ipv4 mangle") != std::string::npos, error.c_str());
        QVERIFY(!rig.engine->isEnabled());
        QVERIFY(rig.fw.empty());
        QVERIFY(!canConnect(port)); // nothing listens for rules that are not there
        QVERIFY(!rig.recordExists());
        rig.fw.rejectTable.reset();
        QVERIFY2(rig.engine->enable(&error), error.c_str()); // a later try works
        QVERIFY(canConnect(port));
    }

    void failedRouteUndoesRules() {
        const quint16 port = freePort();
        Rig rig(tproxy(port));
        rig.routes.failAdds = 1;
        std::string error;
        QVERIFY(!rig.engine->enable(&error));
        QVERIFY2(error.find("Network is down") != std::string::npos, error.c_str());
        QVERIFY(rig.fw.empty());
        QVERIFY(rig.routes.installed.empty());
        QCOMPARE(rig.forward(), std::string("0"));
        QVERIFY(!canConnect(port));
        QVERIFY(!rig.recordExists());
    }

    void failedRemoveKeepsCoreAccepting() {
        const quint16 port = freePort();
        Rig rig(redirect(port));
        std::string error;
        QVERIFY2(rig.engine->enable(&error), error.c_str());
        rig.fw.failRemoves = 1;
        QVERIFY(!rig.engine->disable(&error));
        QVERIFY(rig.engine->isEnabled());
        QVERIFY(!rig.fw.empty());
        QVERIFY(canConnect(port)); // the rules still redirect here: stopping would blackhole traffic
        QVERIFY(rig.recordExists());
        QVERIFY(rig.engine->disable(&error));
    }

    void portInUse() {
        int blocker = -1;
        const quint16 port = freePort(&blocker);
        Rig rig(redirect(port));
        std::string error;
        QVERIFY(!rig.engine->enable(&error));
        QVERIFY2(!error.empty(), "no reason given");
        QVERIFY(rig.fw.empty()); // no rules towards a port somebody else owns
        QVERIFY(!rig.recordExists());
        ::close(blocker);
    }

    void invalidSettingsRefused() {
        Settings s = redirect(freePort());
        s.fwmark = s.outgoingMark;
        Rig rig(s);
        std::string error;
        QVERIFY(!rig.engine->enable(&error));
        QVERIFY2(error.find("fwmark") != std::string::npos, error.c_str());
        QCOMPARE(rig.fw.applies, 0);
    }

    void destructorRemovesRules() {
        Rig rig(tproxy(freePort()));
        std::string error;
        QVERIFY2(rig.engine->enable(&error), error.c_str());
        rig.engine.reset();
        QVERIFY(rig.fw.empty());
        QVERIFY(rig.routes.installed.empty());
        QCOMPARE(rig.forward(), std::string("0"));
    }

    void switchModesWhileEnabled() {
        const quint16 a = freePort(), b = freePort();
        Rig rig(redirect(a));
        std::string error;
        QVERIFY2(rig.engine->enable(&error), error.c_str());
        QVERIFY2(rig.engine->setSettings(tproxy(b), &error), error.c_str());
        // nat lost Weir's rules, mangle gained them; routes, sysctl, listener follow.
        QVERIFY(rig.fw.holds(rulesOf(tproxy(b))));
        QVERIFY(rig.fw.tables[kV4Nat].rules.empty());
        QCOMPARE(rig.routes.installed.size(), 1u);
        QCOMPARE(rig.forward(), std::string("1"));
        QVERIFY(canConnect(b));
        QVERIFY(!canConnect(a));
        QCOMPARE(rig.record(), Rig::recordFor(tproxy(b)));
        QCOMPARE(rig.engine->settings(), tproxy(b));
        QVERIFY(rig.routes.dropped.empty()); // TPROXY began: nothing it left yet
        QVERIFY2(rig.engine->setSettings(redirect(a), &error), error.c_str());
        // TPROXY ended (IPv4 only here): the sockets its connections left go.
        QCOMPARE(rig.routes.dropped, std::vector<Family>{Family::V4});
        QVERIFY(rig.fw.holds(rulesOf(redirect(a))));
        QVERIFY(rig.routes.installed.empty());
        QCOMPARE(rig.forward(), std::string("0"));
        QVERIFY(canConnect(a));
        QVERIFY(!canConnect(b));
        QCOMPARE(rig.record(), Rig::recordFor(redirect(a)));
    }

    // An upstream whose connector cannot be made (its host does not resolve) fails a change while
    // enabled and changes nothing; while disabled it is stored and refused at enable, leaving nothing.
    void upstreamThatCannotBeMadeChangesNothing() {
        const quint16 port = freePort();
        Rig rig(redirect(port));
        std::string error;
        QVERIFY2(rig.engine->enable(&error), error.c_str());
        Settings next = redirect(port);
        next.upstream = *Upstream::parse("socks5://no-such-host.invalid:1080");
        QVERIFY(!rig.engine->setSettings(next, &error));
        QVERIFY2(error.find("upstream socks5 no-such-host.invalid:1080") != std::string::npos, error.c_str());
        QCOMPARE(rig.engine->settings(), redirect(port));
        QVERIFY(rig.fw.holds(rulesOf(redirect(port))));
        QVERIFY(canConnect(port));
        QVERIFY(rig.engine->disable(&error));
        QVERIFY2(rig.engine->setSettings(next, &error), error.c_str()); // stored, not made yet
        error.clear();
        QVERIFY(!rig.engine->enable(&error));
        QVERIFY2(error.find("no-such-host.invalid") != std::string::npos, error.c_str());
        QVERIFY(rig.fw.empty());
        QVERIFY(!rig.recordExists());
        QVERIFY(!canConnect(port));
    }

    // Limits and timeouts reach a new core (they are fixed at its start); it accepts again at once.
    // The direct upstream is never failing.
    void limitsRestartTheCore() {
        const quint16 port = freePort();
        Rig rig(redirect(port));
        std::string error;
        QVERIFY2(rig.engine->enable(&error), error.c_str());
        Settings next = redirect(port);
        next.workerThreads = 1;
        next.maxConnections = 100;
        next.connectTimeoutSeconds = 3;
        next.tcpIdleTimeoutSeconds = 60;
        QVERIFY2(rig.engine->setSettings(next, &error), error.c_str());
        QCOMPARE(rig.engine->settings(), next);
        QVERIFY(canConnect(port));
        QVERIFY(!rig.engine->upstreamHealth().failing);
        QVERIFY(rig.engine->disable(&error));
    }

    // A failure at each step of a REDIRECT -> TPROXY change leaves the REDIRECT plan installed and
    // the core accepting on its old port.
    void failedSwitchRestoresOldPlan_data() {
        QTest::addColumn<QString>("fault");
        for (const char* f : {"listeners", "record", "apply", "remove-old", "routes", "sysctl"})
            QTest::newRow(f) << QString::fromLatin1(f);
    }
    void failedSwitchRestoresOldPlan() {
        QFETCH(QString, fault);
        int blocker = -1;
        const quint16 a = freePort();
        const quint16 b = fault == QLatin1String("listeners") ? freePort(&blocker) : freePort();
        Rig rig(redirect(a));
        std::string error;
        QVERIFY2(rig.engine->enable(&error), error.c_str());
        const std::string tmp = rig.engine->recordPath() + ".tmp";
        if (fault == QLatin1String("record"))
            QVERIFY(
                QDir().mkpath(QString::fromStdString(tmp))); // the atomic write's temp file cannot be made
        if (fault == QLatin1String("apply"))
            rig.fw.rejectTable = testing::TableKey{Family::V4, firewall::Table::Mangle};
        if (fault == QLatin1String("remove-old"))
            rig.fw.failRemoves = 1;
        if (fault == QLatin1String("routes"))
            rig.routes.failAdds = 1;
        if (fault == QLatin1String("sysctl")) // readable, not writable
            QVERIFY(QFile::link(QStringLiteral("/dev/full"),
                                QString::fromStdString(rig.options.sysctlRoot + kForward)) ||
                    (QFile::remove(QString::fromStdString(rig.options.sysctlRoot + kForward)) &&
                     QFile::link(QStringLiteral("/dev/full"),
                                 QString::fromStdString(rig.options.sysctlRoot + kForward))));

        QVERIFY(!rig.engine->setSettings(tproxy(b), &error));
        QVERIFY2(!error.empty(), "no reason given");
        qInfo("%s: %s", qPrintable(fault), error.c_str());
        QVERIFY(rig.engine->isEnabled());
        QCOMPARE(rig.engine->settings(), redirect(a));
        QCOMPARE(rig.engine->installedPlan()->settings, redirect(a));
        QVERIFY(rig.fw.holds(rulesOf(redirect(a))));
        QVERIFY(rig.routes.installed.empty());
        QVERIFY(canConnect(a));
        if (fault != QLatin1String("listeners"))
            QVERIFY(!canConnect(b));
        if (fault == QLatin1String("record")) {
            QDir().rmdir(QString::fromStdString(tmp));
        } else if (fault != QLatin1String("sysctl")) { // /dev/full takes no restore either
            QCOMPARE(rig.forward(), std::string("0"));
            QCOMPARE(rig.record(), Rig::recordFor(redirect(a)));
        }
        if (blocker >= 0)
            ::close(blocker);
        if (fault == QLatin1String("sysctl")) { // disable must put ip_forward back: let it
            QFile::remove(QString::fromStdString(rig.options.sysctlRoot + kForward));
            rig.setForward("1");
        }
        QVERIFY2(rig.engine->disable(&error), error.c_str());
        if (fault == QLatin1String("sysctl")) // what was read through the link before the failure
            QCOMPARE(rig.forward(), std::string(255, '\0'));
        QVERIFY(rig.fw.empty());
    }

    // The kernel refuses to remove the new plan's rules even while restoring the old one: they stay
    // in the record, health says so until they can be removed, and disable removes them.
    void failedRestoreKeepsRemains() {
        const quint16 a = freePort(), b = freePort();
        Rig rig(redirect(a));
        std::string error;
        QVERIFY(rig.engine->enable(&error));
        // Refused: the switch's removal of the old rules, restore's of the new ones, and both tries
        // of the next health check (before and after its reapply).
        rig.fw.failRemoves = 4;
        QVERIFY(!rig.engine->setSettings(tproxy(b), &error));
        QVERIFY2(error.find("restoring the previous settings failed too") != std::string::npos,
                 error.c_str());
        QCOMPARE(rig.engine->settings(), redirect(a));
        QVERIFY(canConnect(a));
        const auto both = plan::unionRules(rulesOf(redirect(a)), rulesOf(tproxy(b)));
        QCOMPARE(service::parseRecord(rig.record(), &error)->rules, both);
        QVERIFY(!rig.engine->checkHealth().ok);
        QVERIFY2(rig.engine->health().reason.find("failed settings change") != std::string::npos,
                 rig.engine->health().reason.c_str());
        QVERIFY2(rig.engine->checkHealth().ok, rig.engine->health().reason.c_str()); // removal works now
        QVERIFY(rig.fw.holds(rulesOf(redirect(a))));
        QCOMPARE(rig.record(), Rig::recordFor(redirect(a)));
        // Again, and this time disable cleans up.
        rig.fw.failRemoves = 2;
        QVERIFY(!rig.engine->setSettings(tproxy(b), &error));
        QVERIFY2(rig.engine->disable(&error), error.c_str());
        QVERIFY(rig.fw.empty());
        QVERIFY(!rig.recordExists());
    }

    void removeLeftoversFromRecord() {
        const quint16 port = freePort();
        Rig rig(tproxy(port));
        // What a killed helper leaves: the kernel state and the record, no engine.
        std::string error;
        const auto p = plan::makePlan(tproxy(port));
        testing::FakeBackend(&rig.fw).apply(p->rules, &error);
        rig.routes.installed = p->routes;
        rig.setForward("1");
        QVERIFY(service::writeFileAtomically(rig.engine->recordPath(), Rig::recordFor(tproxy(port)), &error));
        std::size_t removed = 0;
        QVERIFY2(rig.engine->removeLeftovers(&removed, &error), error.c_str());
        QVERIFY(rig.fw.empty());
        QVERIFY(rig.routes.installed.empty());
        QCOMPARE(rig.forward(), std::string("0"));
        QVERIFY(!rig.recordExists());
        QCOMPARE(removed, p->rules.chains.size() + p->rules.rules.size() + p->routes.size());
        QCOMPARE(rig.routes.dropped, std::vector<Family>{Family::V4}); // the dead helper's sockets
        // Nothing recorded: only stray rules, and nothing found is fine.
        QVERIFY(rig.engine->removeLeftovers(&removed, &error));
        QCOMPARE(removed, 0u);
    }

    void corruptRecordFallsBackToRemoveAll() {
        Rig rig(redirect(freePort()));
        std::string error;
        testing::FakeBackend(&rig.fw).apply(rulesOf(redirect(1234)), &error);
        QVERIFY(
            service::writeFileAtomically(rig.engine->recordPath(), "weir-install 1\nroute bogus\n", &error));
        std::size_t removed = 0;
        testing::FakeBackend backend(&rig.fw);
        QVERIFY(!service::Engine::cleanupAfterCrash(rig.options, backend, &removed, &error));
        QVERIFY2(error.find("corrupt install record") != std::string::npos, error.c_str());
        QVERIFY2(error.find("line 2") != std::string::npos, error.c_str());
        QVERIFY(rig.fw.empty());
        QVERIFY(removed > 0);
        QVERIFY(!rig.recordExists());
    }

    void driftDetectedOrRepaired() {
        const quint16 port = freePort();
        Settings s = tproxy(port);
        s.reapplyOnDrift = false;
        Rig rig(s);
        std::string error;
        QVERIFY2(rig.engine->enable(&error), error.c_str());
        QVERIFY(rig.engine->checkHealth().ok);

        rig.fw.tables[kV4Mangle].rules.pop_back(); // somebody deleted a rule
        auto h = rig.engine->checkHealth();
        QVERIFY(!h.ok);
        QVERIFY2(h.reason.find("ipv4 mangle") != std::string::npos, h.reason.c_str());
        QCOMPARE(rig.engine->health(), h);

        rig.fw.tables[kV4Mangle] = {};
        rig.routes.installed.clear();
        rig.setForward("0");
        s.reapplyOnDrift = true;
        QVERIFY2(rig.engine->setSettings(s, &error), error.c_str()); // re-installs the plan as well
        QVERIFY(rig.engine->checkHealth().ok);

        rig.routes.installed.clear(); // `ip rule flush`
        h = rig.engine->checkHealth();
        QVERIFY2(h.ok, h.reason.c_str());
        QVERIFY2(rig.engine->lastReapply().find("rule") != std::string::npos,
                 rig.engine->lastReapply().c_str());
        QCOMPARE(rig.routes.installed.size(), 1u);

        rig.setForward("0");
        QVERIFY(rig.engine->checkHealth().ok);
        QVERIFY2(rig.engine->lastReapply().find("ip_forward is 0, expected 1") != std::string::npos,
                 rig.engine->lastReapply().c_str());
        QCOMPARE(rig.forward(), std::string("1"));
    }
};

QTEST_GUILESS_MAIN(TestEngine)
#include "tst_engine.moc"
