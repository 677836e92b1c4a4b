// The helper's settings file: round trip with root-only modes, nothing half-written when writing
// fails (unwritable directory, disk full), a corrupt file means defaults plus a warning and is kept
// aside, and a prepared save that is not committed leaves the old file as it was.
#include <QTemporaryDir>
#include <QTest>

#include <csignal>
#include <fstream>
#include <sstream>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "service/settingsstore.h"

using weir::Settings;
using weir::service::SettingsStore;

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

QStringList filesIn(const QString& dir) {
    return QDir(dir).entryList(QDir::Files | QDir::Dirs | QDir::NoDotAndDotDot | QDir::Hidden);
}

Settings changed() {
    Settings s;
    s.proxyPort = 41234;
    s.excludeUids = {1000, 1001};
    s.bypass = {*weir::Cidr::parse("192.0.2.0/24")};
    return s;
}

} // namespace

class TestSettingsStore : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void missingFileMeansDefaults() {
        QTemporaryDir tmp;
        SettingsStore store(tmp.filePath(QStringLiteral("state")).toStdString());
        QCOMPARE(store.load(), Settings{});
        QCOMPARE(store.warning(), std::string());
    }

    void roundTripRootOnly() {
        QTemporaryDir tmp;
        const std::string dir = tmp.filePath(QStringLiteral("state")).toStdString();
        SettingsStore store(dir);
        std::string error;
        QVERIFY2(store.save(changed(), &error), error.c_str());
        QCOMPARE(modeOf(dir), 0700);
        QCOMPARE(modeOf(store.path()), 0600);
        QCOMPARE(filesIn(QString::fromStdString(dir)), QStringList{QStringLiteral("settings.conf")});
        SettingsStore again(dir);
        QCOMPARE(again.load(), changed());
        QCOMPARE(again.warning(), std::string());
    }

    // A prepared save that is dropped (the engine refused the settings) leaves the old file.
    void droppedSaveLeavesOldFile() {
        QTemporaryDir tmp;
        SettingsStore store(tmp.path().toStdString());
        std::string error;
        QVERIFY(store.save(Settings{}, &error));
        const std::string before = readAll(store.path());
        {
            auto pending = store.prepare(changed(), &error);
            QVERIFY(pending);
            QCOMPARE(filesIn(tmp.path()).size(), 2); // settings.conf and the temporary file
            QCOMPARE(readAll(store.path()), before);
        }
        QCOMPARE(filesIn(tmp.path()), QStringList{QStringLiteral("settings.conf")});
        QCOMPARE(readAll(store.path()), before);
        auto pending = store.prepare(changed(), &error);
        QVERIFY(pending && pending->commit(&error));
        QCOMPARE(store.load(), changed());
    }

    void corruptFileIsKeptAside() {
        QTemporaryDir tmp;
        SettingsStore store(tmp.path().toStdString());
        writeAll(store.path(), "mode=redirect\nproxy_port=banana\n");
        QCOMPARE(store.load(), Settings{});
        QVERIFY2(store.warning().find("proxy_port") != std::string::npos, store.warning().c_str());
        QVERIFY(store.warning().find("defaults are in use") != std::string::npos);
        QVERIFY(store.warning().find("settings.conf.corrupt") != std::string::npos);
        QCOMPARE(readAll(store.path() + ".corrupt"), std::string("mode=redirect\nproxy_port=banana\n"));
        QVERIFY(::access(store.path().c_str(), F_OK) != 0);
        // The next save does not touch the kept file, and clears the warning.
        std::string error;
        QVERIFY(store.save(changed(), &error));
        QCOMPARE(store.warning(), std::string());
        QCOMPARE(readAll(store.path() + ".corrupt"), std::string("mode=redirect\nproxy_port=banana\n"));
    }

    void invalidCombinationIsCorrupt() {
        QTemporaryDir tmp;
        SettingsStore store(tmp.path().toStdString());
        writeAll(store.path(), "mode=redirect\nudp=true\n"); // every line parses; together invalid
        QCOMPARE(store.load(), Settings{});
        QVERIFY(store.warning().find("udp") != std::string::npos);
    }

    void unreadableIsAWarning() {
        QTemporaryDir tmp;
        SettingsStore store(tmp.path().toStdString());
        QVERIFY(::mkdir(store.path().c_str(), 0700) == 0); // a directory where the file should be
        QCOMPARE(store.load(), Settings{});
        QVERIFY(!store.warning().empty());
        writeAll(tmp.filePath(QStringLiteral("big")).toStdString(), std::string(2 << 20, '#'));
        SettingsStore big(tmp.path().toStdString());
        QVERIFY(::rmdir((big.path() + ".corrupt").c_str()) == 0); // the directory was moved aside
        QVERIFY(::rename(tmp.filePath(QStringLiteral("big")).toLocal8Bit().constData(), big.path().c_str()) ==
                0);
        QCOMPARE(big.load(), Settings{});
        QVERIFY2(big.warning().find("1 MiB") != std::string::npos, big.warning().c_str());
        // Kept aside like a corrupt file, so a save does not replace the only copy.
        QCOMPARE(readAll(big.path() + ".corrupt").size(), std::size_t(2 << 20));
    }

    // When the corrupt file cannot be moved aside at start, a save fails rather than replace it, and
    // succeeds (moving it aside first) once it can.
    void corruptFileNotKeptIsNeverReplaced() {
        QTemporaryDir tmp;
        SettingsStore store(tmp.path().toStdString());
        writeAll(store.path(), "proxy_port=banana\n");
        const std::string blocker = store.path() + ".corrupt";
        QVERIFY(::mkdir(blocker.c_str(), 0700) == 0); // rename(file, non-empty directory) fails
        writeAll(blocker + "/x", "x");
        QCOMPARE(store.load(), Settings{});
        QVERIFY2(store.warning().find("not replaced") != std::string::npos, store.warning().c_str());
        std::string error;
        QVERIFY(!store.save(changed(), &error));
        QVERIFY2(error.find("kept as") != std::string::npos, error.c_str());
        QCOMPARE(readAll(store.path()), std::string("proxy_port=banana\n"));
        QCOMPARE(filesIn(tmp.path()),
                 (QStringList{QStringLiteral("settings.conf"), QStringLiteral("settings.conf.corrupt")}));
        QVERIFY(::unlink((blocker + "/x").c_str()) == 0 && ::rmdir(blocker.c_str()) == 0);
        QVERIFY2(store.save(changed(), &error), error.c_str());
        QCOMPARE(readAll(blocker), std::string("proxy_port=banana\n"));
        QCOMPARE(SettingsStore(tmp.path().toStdString()).load(), changed());
    }

    // Root writes anywhere, so "unwritable" is a file where the directory should be.
    void unwritableDirectory() {
        QTemporaryDir tmp;
        const std::string file = tmp.filePath(QStringLiteral("file")).toStdString();
        writeAll(file, "x");
        SettingsStore store(file + "/state");
        std::string error;
        QVERIFY(!store.save(changed(), &error));
        QVERIFY2(error.find("cannot create") != std::string::npos, error.c_str());
        SettingsStore inFile(file);
        QVERIFY(!inFile.prepare(changed(), &error));
        QCOMPARE(readAll(file), std::string("x"));
    }

    // Disk full, simulated with a file size limit: the write fails, the old file stays, no temporary
    // file is left behind.
    void diskFull() {
        QTemporaryDir tmp;
        SettingsStore store(tmp.path().toStdString());
        std::string error;
        QVERIFY(store.save(Settings{}, &error));
        const std::string before = readAll(store.path());
        rlimit old{};
        ::getrlimit(RLIMIT_FSIZE, &old);
        const auto oldHandler = std::signal(SIGXFSZ, SIG_IGN);
        rlimit tiny = old;
        tiny.rlim_cur = 16;
        QVERIFY(::setrlimit(RLIMIT_FSIZE, &tiny) == 0);
        const bool saved = store.save(changed(), &error);
        ::setrlimit(RLIMIT_FSIZE, &old);
        std::signal(SIGXFSZ, oldHandler);
        QVERIFY(!saved);
        QVERIFY2(error.find("cannot write") != std::string::npos, error.c_str());
        QCOMPARE(readAll(store.path()), before);
        QCOMPARE(filesIn(tmp.path()), QStringList{QStringLiteral("settings.conf")});
    }

    // A kill -9 between mkostemp() and rename() leaves settings.conf.XXXXXX: the next start removes it
    // and keeps everything else (the settings, a kept corrupt file).
    void interruptedSaveIsCleanedUp() {
        QTemporaryDir tmp;
        SettingsStore store(tmp.path().toStdString());
        std::string error;
        QVERIFY(store.save(changed(), &error));
        auto pending = store.prepare(Settings{}, &error);
        QVERIFY(pending);
        const QStringList during = filesIn(tmp.path());
        QCOMPARE(during.size(), 2);
        const QString temp = during.filter(QStringLiteral("settings.conf.")).value(0);
        QVERIFY(QFile::copy(tmp.filePath(temp), tmp.filePath(QStringLiteral("settings.conf.Ab12Z9"))));
        writeAll(store.path() + ".corrupt", "kept");
        pending.reset(); // removes its own temporary file; the copy stands for a killed helper's
        SettingsStore next(tmp.path().toStdString());
        QCOMPARE(next.load(), changed());
        QCOMPARE(next.warning(), std::string());
        QCOMPARE(filesIn(tmp.path()),
                 (QStringList{QStringLiteral("settings.conf"), QStringLiteral("settings.conf.corrupt")}));
    }

    // A file cut short is corrupt: defaults, a warning, the text kept aside.
    void truncatedFileIsKeptAside() {
        QTemporaryDir tmp;
        SettingsStore store(tmp.path().toStdString());
        std::string error;
        QVERIFY(store.save(changed(), &error));
        const std::string whole = readAll(store.path());
        const std::string cut = whole.substr(0, whole.find("proxy_port=") + 13); // "proxy_port=41"
        writeAll(store.path(), cut);
        QCOMPARE(store.load(), Settings{});
        QVERIFY2(store.warning().find("cut short") != std::string::npos, store.warning().c_str());
        QCOMPARE(readAll(store.path() + ".corrupt"), cut);
    }

    void stateDirectoryFromEnvironment() {
        qputenv("WEIR_STATE_DIR", "/tmp/weir-test-state");
        QCOMPARE(SettingsStore::defaultDirectory(), std::string("/tmp/weir-test-state"));
        qunsetenv("WEIR_STATE_DIR");
        QCOMPARE(SettingsStore::defaultDirectory(), std::string("/var/lib/weir"));
    }
};

QTEST_GUILESS_MAIN(TestSettingsStore)
#include "tst_settingsstore.moc"
