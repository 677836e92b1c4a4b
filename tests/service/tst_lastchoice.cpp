// The user's last choice: the file's exact text and modes, what a missing, foreign or unwritable file
// means, and what the helper does with it at start (restoreLastChoice): enable only for a stored
// "enabled" with restore_enabled on, and a failed enable reported with its reason and nothing left
// installed. The kernel side is faked (fakes.h); tests/integration/restore.sh runs the real helper.
#include <QDir>
#include <QTemporaryDir>
#include <QTest>

#include <fstream>
#include <sstream>
#include <sys/stat.h>

#include "fakes.h"
#include "service/engine.h"
#include "service/lastchoice.h"

using namespace weir;
using service::LastChoice;
using service::LastChoiceFile;
using service::RestoreOutcome;

namespace {

std::string readAll(const std::string& path) {
    std::ifstream in(path);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

void writeAll(const std::string& path, const std::string& text) {
    std::ofstream(path) << text;
}

int modeOf(const std::string& path) {
    struct stat st {};
    return ::stat(path.c_str(), &st) == 0 ? int(st.st_mode & 07777) : -1;
}

// An engine on fakes, in a scratch directory that also holds the state directory.
struct Rig {
    QTemporaryDir dir;
    testing::FirewallState fw;
    testing::RouteState routes;
    std::unique_ptr<service::Engine> engine;
    LastChoiceFile file{(dir.path() + QStringLiteral("/state")).toStdString()};

    explicit Rig(quint16 port) {
        QDir(dir.path()).mkpath(QStringLiteral("run"));
        service::EngineOptions options;
        options.runtimeDir = (dir.path() + QStringLiteral("/run")).toStdString();
        options.sysctlRoot = (dir.path() + QStringLiteral("/sys")).toStdString();
        options.routes = std::make_shared<testing::FakeRoutes>(&routes);
        Settings settings;
        settings.proxyPort = port;
        settings.ipv6 = false;
        engine =
            std::make_unique<service::Engine>(settings, std::make_unique<testing::FakeBackend>(&fw), options);
    }
    void store(LastChoice choice) {
        std::string error;
        QVERIFY2(file.write(choice, &error), error.c_str());
    }
};

// Below the ephemeral range (32768 up by default), different per process, so parallel test runs do
// not collide (tst_engine takes 20000-25000).
quint16 testPort() {
    return static_cast<quint16>(26000 + ::getpid() % 6000);
}

} // namespace

class TestLastChoice : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void parsesOnlyItsTwoWords() {
        std::string error;
        QVERIFY(service::parseLastChoice("enabled\n", &error) == LastChoice::Enabled);
        QVERIFY(service::parseLastChoice(" disabled \r\n", &error) == LastChoice::Disabled);
        QVERIFY(error.empty());
        QVERIFY(service::parseLastChoice("on\n", &error) == LastChoice::None);
        QCOMPARE(error, std::string("\"on\" is neither enabled nor disabled"));
        QVERIFY(service::parseLastChoice("", &error) == LastChoice::None);
        QVERIFY(service::parseLastChoice("enabled\ndisabled\n", &error) == LastChoice::None);
    }

    void writesOneLineRootOnly() {
        QTemporaryDir tmp;
        const std::string dir = tmp.filePath(QStringLiteral("state")).toStdString();
        LastChoiceFile file(dir);
        QCOMPARE(file.path(), dir + "/last-choice");
        std::string error;
        QVERIFY2(file.write(LastChoice::Enabled, &error), error.c_str());
        QCOMPARE(readAll(file.path()), std::string("enabled\n"));
        QCOMPARE(modeOf(dir), 0700);
        QCOMPARE(modeOf(file.path()), 0600);
        QVERIFY(file.read(&error) == LastChoice::Enabled);
        QVERIFY2(file.write(LastChoice::Disabled, &error), error.c_str());
        QCOMPARE(readAll(file.path()), std::string("disabled\n"));
        QVERIFY(file.read(&error) == LastChoice::Disabled);
        QVERIFY(error.empty());
        // Nothing but the file is left in the directory (no temporary file).
        QCOMPARE(QDir(QString::fromStdString(dir)).entryList(QDir::Files | QDir::Hidden),
                 QStringList{QStringLiteral("last-choice")});
    }

    void missingFileIsNoChoiceAndNoError() {
        QTemporaryDir tmp;
        LastChoiceFile file(tmp.path().toStdString());
        std::string error = "stale";
        QVERIFY(file.read(&error) == LastChoice::None);
        QCOMPARE(error, std::string());
    }

    void foreignTextIsNoChoiceWithItsPath() {
        QTemporaryDir tmp;
        LastChoiceFile file(tmp.path().toStdString());
        writeAll(file.path(), std::string(100, 'x'));
        std::string error;
        QVERIFY(file.read(&error) == LastChoice::None);
        QVERIFY2(error.find(file.path() + ": \"xxxx") == 0, error.c_str());
        QVERIFY2(error.size() < 200, error.c_str()); // a long file is not quoted whole
    }

    void unwritableDirectoryFailsWithTheReason() {
        QTemporaryDir tmp;
        // A regular file where the directory should be: fails for root too.
        const std::string notADir = tmp.filePath(QStringLiteral("file")).toStdString();
        writeAll(notADir, "x");
        LastChoiceFile file(notADir);
        std::string error;
        QVERIFY(!file.write(LastChoice::Enabled, &error));
        QVERIFY2(error.find(notADir) != std::string::npos, error.c_str());
    }

    void restoresAStoredEnable() {
        Rig rig(testPort());
        rig.store(LastChoice::Enabled);
        const RestoreOutcome outcome = service::restoreLastChoice(*rig.engine, rig.file, true);
        QCOMPARE(std::string(outcome.stateName()), std::string("restored"));
        QVERIFY(outcome.error.empty());
        QVERIFY(rig.engine->isEnabled());
        QVERIFY(!rig.fw.empty());
        // Restoring is not a new choice: the file is as it was.
        QCOMPARE(readAll(rig.file.path()), std::string("enabled\n"));
        std::string error;
        QVERIFY2(rig.engine->disable(&error), error.c_str());
    }

    void nothingToRestore_data() {
        QTest::addColumn<int>("stored"); // -1: no file
        QTest::addColumn<bool>("restoreEnabled");
        QTest::newRow("no file") << -1 << true;
        QTest::newRow("disabled") << int(LastChoice::Disabled) << true;
        QTest::newRow("enabled, restore_enabled=false") << int(LastChoice::Enabled) << false;
    }
    void nothingToRestore() {
        QFETCH(int, stored);
        QFETCH(bool, restoreEnabled);
        Rig rig(testPort());
        if (stored >= 0)
            rig.store(static_cast<LastChoice>(stored));
        const RestoreOutcome outcome = service::restoreLastChoice(*rig.engine, rig.file, restoreEnabled);
        QCOMPARE(std::string(outcome.stateName()), std::string());
        QVERIFY(!rig.engine->isEnabled());
        QVERIFY(rig.fw.empty());
        QCOMPARE(rig.fw.applies, 0);
    }

    void failedRestoreSaysWhyAndLeavesNothing() {
        Rig rig(testPort());
        rig.store(LastChoice::Enabled);
        rig.fw.rejectTable = testing::TableKey{Family::V4, firewall::Table::Nat};
        const RestoreOutcome outcome = service::restoreLastChoice(*rig.engine, rig.file, true);
        QCOMPARE(std::string(outcome.stateName()), std::string("failed"));
        QVERIFY2(outcome.error.find("the kernel rejected the ipv4 nat table") != std::string::npos,
                 outcome.error.c_str());
        QVERIFY(!rig.engine->isEnabled());
        QVERIFY(rig.fw.empty());
        QVERIFY(rig.routes.installed.empty());
        // The choice stays: the next start tries again.
        QCOMPARE(readAll(rig.file.path()), std::string("enabled\n"));
        // And the engine still works once the cause is gone.
        rig.fw.rejectTable.reset();
        std::string error;
        QVERIFY2(rig.engine->enable(&error), error.c_str());
        QVERIFY2(rig.engine->disable(&error), error.c_str());
    }
};

QTEST_GUILESS_MAIN(TestLastChoice)
#include "tst_lastchoice.moc"
