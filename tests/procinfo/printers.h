// Readable QCOMPARE output for the procinfo tests' types (the core's printers, plus FailureKind).
// Include before any test code.
#pragma once

#include <string>

#include "../core/printers.h"
#include "procinfo/processinfo.h"

// weir::procinfo::toString(FailureKind) returns a static string: a plain QCOMPARE on the enum would
// find it by argument-dependent lookup and delete[] it. Compare the names.
#define COMPARE_KIND(actual, expected)                                                                       \
    QCOMPARE(std::string(weir::procinfo::toString(actual)), std::string(weir::procinfo::toString(expected)))
