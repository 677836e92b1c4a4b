// The install record: golden text for sample plans, parse(serialize(r)) == r, and corrupt records
// refused with the line that is wrong. WEIR_REFRESH_GOLDEN=1 rewrites the golden files.
#include <QFile>
#include <QTest>

#include "../plan/samplesettings.h"
#include "plan/installplan.h"
#include "service/installrecord.h"

using namespace weir;

namespace {

service::InstallRecord recordOf(const Settings& settings) {
    const auto p = plan::makePlan(settings);
    std::vector<service::SysctlRecord> sys;
    for (const auto& s : p->sysctls)
        sys.push_back({s.path, s.value, "0"});
    return {p->rules, p->routes, sys};
}

} // namespace

class TestInstallRecord : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void golden_data() {
        QTest::addColumn<int>("index");
        const auto samples = testing::sampleSettings();
        for (std::size_t i = 0; i < samples.size(); ++i)
            QTest::newRow(samples[i].first.c_str()) << int(i);
    }
    void golden() {
        QFETCH(int, index);
        const auto [name, settings] = testing::sampleSettings()[static_cast<std::size_t>(index)];
        const auto record = recordOf(settings);
        const std::string text = service::serializeRecord(record);
        QFile file(QStringLiteral(WEIR_GOLDEN_DIR "/") + QString::fromStdString(name) +
                   QStringLiteral(".record"));
        if (qEnvironmentVariableIntValue("WEIR_REFRESH_GOLDEN") == 1) {
            QVERIFY(file.open(QIODevice::WriteOnly));
            file.write(QByteArray::fromStdString(text));
        } else {
            QVERIFY2(file.open(QIODevice::ReadOnly),
                     qPrintable(file.fileName() + " missing; WEIR_REFRESH_GOLDEN=1"));
            QCOMPARE(QByteArray::fromStdString(text), file.readAll());
        }
        std::string error;
        const auto parsed = service::parseRecord(text, &error);
        QVERIFY2(parsed, error.c_str());
        QVERIFY(*parsed == record);
    }

    void corrupt_data() {
        QTest::addColumn<QString>("text");
        QTest::addColumn<QString>("expected");
        QTest::newRow("empty") << ""
                               << "line 1: not a Weir install record";
        QTest::newRow("other file") << "hello\n"
                                    << "line 1: not a Weir install record";
        QTest::newRow("bad route") << "weir-install 1\nroute ipv5 fwmark 0x1/0x1 table 1 pref 1\nrules\n"
                                   << "line 2: cannot parse";
        QTest::newRow("sysctl outside /proc/sys")
            << "weir-install 1\nsysctl /etc/passwd value 1 previous 0\nrules\n"
            << "line 2: cannot parse";
        QTest::newRow("truncated") << "weir-install 1\nroute ipv4 fwmark 0x1/0x1 table 1 pref 1\n"
                                   << "line 3: the record ends before its rules";
        QTest::newRow("bad rules")
            << "weir-install 1\nrules\nweir-plan 1\nrule ipv4 nat top -A OUTPUT -j NOPE\n"
            << "rules after line 2: line 2";
    }
    void corrupt() {
        QFETCH(QString, text);
        QFETCH(QString, expected);
        std::string error;
        QVERIFY(!service::parseRecord(text.toStdString(), &error));
        QVERIFY2(QString::fromStdString(error).startsWith(expected), error.c_str());
    }
};

QTEST_GUILESS_MAIN(TestInstallRecord)
#include "tst_installrecord.moc"
