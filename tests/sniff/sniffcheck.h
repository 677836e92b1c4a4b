// Shared by the sniffer tests: feeding a HostSniffer whole, cut in two anywhere, or byte by byte,
// and its answer as one line of text, so QCOMPARE shows what differs.
#pragma once

#include <QString>
#include <QTest>

#include <fstream>
#include <iterator>
#include <stdexcept>
#include <string>
#include <string_view>

#include "sniff/hostsniffer.h"

// QCOMPARE on the sniffer's enums prints their names.
namespace QTest {
template <> inline char* toString(const weir::sniff::SniffStatus& status) {
    switch (status) {
    case weir::sniff::SniffStatus::NeedMore:
        return qstrdup("NeedMore");
    case weir::sniff::SniffStatus::Found:
        return qstrdup("Found");
    case weir::sniff::SniffStatus::NotRecognised:
        return qstrdup("NotRecognised");
    }
    return qstrdup("?");
}
template <> inline char* toString(const weir::sniff::GiveUpReason& reason) {
    return qstrdup(std::string(weir::sniff::reasonText(reason)).c_str());
}
template <> inline char* toString(const weir::sniff::HostSource& source) {
    return qstrdup(std::string(weir::sniff::sourceName(source)).c_str());
}
} // namespace QTest

namespace sniffcheck {

using namespace weir::sniff;

// "found tls-sni example.test", "need more", "not recognised: malformed".
inline QString describe(const HostSniffer& s) {
    switch (s.status()) {
    case SniffStatus::NeedMore:
        return QStringLiteral("need more");
    case SniffStatus::Found:
        return QStringLiteral("found %1 %2")
            .arg(QString::fromStdString(std::string(sourceName(s.source()))),
                 QString::fromStdString(s.host()));
    case SniffStatus::NotRecognised:
        return QStringLiteral("not recognised: %1")
            .arg(QString::fromStdString(std::string(reasonText(s.reason()))));
    }
    return QStringLiteral("?");
}

inline QString found(HostSource source, const char* host) {
    return QStringLiteral("found %1 %2").arg(QString::fromStdString(std::string(sourceName(source))), host);
}

inline QString notRecognised(GiveUpReason reason) {
    return QStringLiteral("not recognised: %1").arg(QString::fromStdString(std::string(reasonText(reason))));
}

inline QString sniffWhole(std::string_view data, std::size_t budget = HostSniffer::kDefaultBudget) {
    HostSniffer s(budget);
    s.feed(data);
    return describe(s);
}

// `data` in two pieces, cut before byte `cut`.
inline QString sniffCut(std::string_view data, std::size_t cut) {
    HostSniffer s;
    s.feed(data.substr(0, cut));
    s.feed(data.substr(cut));
    return describe(s);
}

// One byte per feed; *answeredAfter: how many bytes had been fed when it answered (0: never).
inline QString sniffByteByByte(std::string_view data, std::size_t* answeredAfter,
                               std::size_t budget = HostSniffer::kDefaultBudget) {
    HostSniffer s(budget);
    *answeredAfter = 0;
    for (std::size_t i = 0; i < data.size(); ++i) {
        if (s.feed(data.substr(i, 1)) != SniffStatus::NeedMore && *answeredAfter == 0)
            *answeredAfter = i + 1;
    }
    return describe(s);
}

// A file of tests/sniff/data (captured ClientHellos; see capture_hellos.sh there).
inline std::string readTestData(const std::string& name) {
    const std::string path = std::string(WEIR_SNIFF_TEST_DATA) + "/" + name;
    std::ifstream in(path, std::ios::binary);
    if (!in)
        throw std::runtime_error("cannot read " + path);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

} // namespace sniffcheck
