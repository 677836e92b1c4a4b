// Readable QCOMPARE output for the procinfo tests' types. Include before any test code.
#pragma once

#include <QTest>

#include <string>

#include "core/socketaddress.h"
#include "procinfo/processinfo.h"

namespace QTest {
template <> inline char* toString(const weir::core::SocketAddress& a) {
    return qstrdup(a.isValid() ? a.toString().c_str() : "(invalid)");
}
template <> inline char* toString(const std::string& s) {
    return qstrdup(s.c_str());
}
} // namespace QTest

// weir::procinfo::toString(FailureKind) returns a static string: a plain QCOMPARE on the enum would
// find it by argument-dependent lookup and delete[] it. Compare the names.
#define COMPARE_KIND(actual, expected)                                                                       \
    QCOMPARE(std::string(weir::procinfo::toString(actual)), std::string(weir::procinfo::toString(expected)))
