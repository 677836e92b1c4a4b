// The install record: what the engine has (or may have) put into the kernel, kept in a file under
// the runtime directory so that a later run, or the guardian after a kill -9, removes exactly that.
// It is written before any kernel change and covers old and new plan during a settings change, so
// a crash at any point leaves a record of everything that might be installed.
//
//   weir-install 1
//   route ipv4 fwmark 0x5746/0xffffffff table 22341 pref 22341
//   sysctl /proc/sys/net/ipv4/ip_forward value 1 previous 0
//   rules
//   weir-plan 1            <- firewall::serializePlan() to the end of the file
//   ...
// Plain C++, no Qt.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "firewall/ruleplan.h"
#include "plan/installplan.h"

namespace weir::service {

struct SysctlRecord {
    std::string path;
    std::string value;    // what Weir wrote
    std::string previous; // what was there before, restored on removal
    bool operator==(const SysctlRecord&) const = default;
};

struct InstallRecord {
    firewall::RulePlan rules;
    std::vector<plan::RouteSpec> routes;
    std::vector<SysctlRecord> sysctls;
    bool operator==(const InstallRecord&) const = default;
};

std::string serializeRecord(const InstallRecord& record);
// nullopt with *error ("line N: ...") for anything serializeRecord() would not have written.
std::optional<InstallRecord> parseRecord(const std::string& text, std::string* error);

// <runtimeDir>/installed-net<inode of /proc/self/ns/net>.record: one per network namespace, like
// the instance lock, so helpers in different namespaces never read each other's record.
std::string recordPathForThisNetns(const std::string& runtimeDir);

// Write to a temporary file in the same directory, fsync it, rename it over path, fsync the
// directory: a reader (or a crash) sees the old or the new record, never half of one.
bool writeFileAtomically(const std::string& path, const std::string& text, std::string* error);
// nullopt with *error empty when the file does not exist, with *error set on other failures.
std::optional<std::string> readWholeFile(const std::string& path, std::string* error);
bool removeFile(const std::string& path, std::string* error);

} // namespace weir::service
