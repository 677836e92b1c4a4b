// Engine keeps the proxy core and the rules consistent on every failure path: rules are never left
// installed without a core accepting behind them, and a failed enable leaves nothing behind.
// The firewall side is a scripted backend here so that kernel failures can be injected at will; the
// real libiptc backend is exercised in tests/firewall and tests/integration.
#include <QTest>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "firewall/ruleplan.h"
#include "service/engine.h"

using namespace weir;

namespace {

struct Script {
    bool failApply = false;
    bool failRemove = false;
    int applied = 0;
    int removed = 0;
    bool installed = false;
};

class ScriptedBackend : public firewall::FirewallBackend {
public:
    explicit ScriptedBackend(Script* s)
        : s_(s) {}
    std::string name() const override { return "scripted"; }
    bool apply(const firewall::RulePlan&, std::string* error) override {
        if (s_->failApply) {
            *error = "the kernel rejected the iptables nat table";
            return false;
        }
        ++s_->applied;
        s_->installed = true;
        return true;
    }
    bool remove(const firewall::RulePlan&, std::string* error) override {
        if (s_->failRemove) {
            *error = "cannot remove";
            return false;
        }
        ++s_->removed;
        s_->installed = false;
        return true;
    }
    bool removeAll(std::string*, std::size_t* removed) override {
        if (removed)
            *removed = s_->installed ? 1 : 0;
        s_->installed = false;
        return true;
    }

private:
    Script* s_;
};

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

quint16 freePort() {
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
    socklen_t len = sizeof a;
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
    ::close(fd);
    return ntohs(a.sin_port);
}

weir::Settings configFor(quint16 port) {
    weir::Settings c;
    c.proxyPort = port;
    c.ipv6 = false;
    return c;
}

} // namespace

class TestEngine : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void enableDisable() {
        Script s;
        const quint16 port = freePort();
        service::Engine engine(configFor(port), std::make_unique<ScriptedBackend>(&s));
        std::string error;
        QVERIFY(!engine.isEnabled());
        QVERIFY(!canConnect(port));
        QVERIFY2(engine.enable(&error), error.c_str());
        QVERIFY(engine.isEnabled());
        QVERIFY(s.installed);
        QVERIFY(canConnect(port));      // the core accepts before the rules point at it
        QVERIFY(engine.enable(&error)); // idempotent
        QCOMPARE(s.applied, 1);
        QVERIFY2(engine.disable(&error), error.c_str());
        QVERIFY(!s.installed);
        QVERIFY(!canConnect(port));
        // And again: the core resumes accepting on the same port, its table is kept.
        QVERIFY2(engine.enable(&error), error.c_str());
        QVERIFY(canConnect(port));
        QVERIFY(!engine.connections().empty());
        QVERIFY(engine.disable(&error));
    }

    void rejectedRulesLeaveNothing() {
        Script s;
        s.failApply = true;
        const quint16 port = freePort();
        service::Engine engine(configFor(port), std::make_unique<ScriptedBackend>(&s));
        std::string error;
        QVERIFY(!engine.enable(&error));
        QVERIFY(error.find("rejected") != std::string::npos);
        QVERIFY(!engine.isEnabled());
        QVERIFY(!s.installed);
        QVERIFY(!canConnect(port)); // nothing listens for rules that are not there
        s.failApply = false;
        QVERIFY2(engine.enable(&error), error.c_str()); // a later try works
        QVERIFY(canConnect(port));
    }

    void failedRemoveKeepsCoreAccepting() {
        Script s;
        const quint16 port = freePort();
        service::Engine engine(configFor(port), std::make_unique<ScriptedBackend>(&s));
        std::string error;
        QVERIFY(engine.enable(&error));
        s.failRemove = true;
        QVERIFY(!engine.disable(&error));
        QVERIFY(engine.isEnabled());
        QVERIFY(s.installed);
        QVERIFY(canConnect(port)); // the rules still redirect here: stopping would blackhole traffic
        s.failRemove = false;
        QVERIFY(engine.disable(&error));
    }

    void portInUse() {
        Script s;
        const int blocker = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        sockaddr_in a{};
        a.sin_family = AF_INET;
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        QCOMPARE(::bind(blocker, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
        QCOMPARE(::listen(blocker, 1), 0);
        socklen_t len = sizeof a;
        ::getsockname(blocker, reinterpret_cast<sockaddr*>(&a), &len);
        service::Engine engine(configFor(ntohs(a.sin_port)), std::make_unique<ScriptedBackend>(&s));
        std::string error;
        QVERIFY(!engine.enable(&error));
        QVERIFY2(!error.empty(), "no reason given");
        QVERIFY(!s.installed); // no rules towards a port somebody else owns
        ::close(blocker);
    }

    void invalidSettingsRefused() {
        Script s;
        auto config = configFor(freePort());
        config.mode = weir::Mode::Tproxy; // not supported yet: a clear error, nothing done
        service::Engine engine(config, std::make_unique<ScriptedBackend>(&s));
        std::string error;
        QVERIFY(!engine.enable(&error));
        QVERIFY2(error.find("TPROXY") != std::string::npos, error.c_str());
        QCOMPARE(s.applied, 0);
    }

    void destructorRemovesRules() {
        Script s;
        {
            service::Engine engine(configFor(freePort()), std::make_unique<ScriptedBackend>(&s));
            std::string error;
            QVERIFY(engine.enable(&error));
        }
        QVERIFY(!s.installed);
    }
};

QTEST_GUILESS_MAIN(TestEngine)
#include "tst_engine.moc"
