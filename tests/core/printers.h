// Readable QCOMPARE failure output for the core's types. Include before any test code.
#pragma once

#include <QTest>

#include <string>

#include "core/connection.h"
#include "core/socketaddress.h"

namespace QTest {
template <> inline char* toString(const weir::core::SocketAddress& a) {
    return qstrdup(a.isValid() ? a.toString().c_str() : "(invalid)");
}
template <> inline char* toString(const std::string& s) {
    return qstrdup(s.c_str());
}
} // namespace QTest

// weir::core::toString(Protocol/InterceptMode/ConnectionState) returns static strings. A plain QCOMPARE
// on those enums finds it by argument-dependent lookup, prints it, then delete[]s it (abort). Compare
// their names instead.
#define WEIR_COMPARE_ENUM(actual, expected)                                                                  \
    QCOMPARE(std::string(weir::core::toString(actual)), std::string(weir::core::toString(expected)))
