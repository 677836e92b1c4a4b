// Reading and writing /proc/sys values (net.ipv4.ip_forward, ...). The engine reads the value first
// and keeps it in its install record, so disable and crash cleanup can put back what was there.
// `root` prefixes every path (tests point it at a scratch directory); empty in production.
// Plain C++, no Qt.
#pragma once

#include <optional>
#include <string>

namespace weir::service::sysctl {

// The value without its trailing newline; nullopt with *error naming the path and errno text.
std::optional<std::string> read(const std::string& root, const std::string& path, std::string* error);
bool write(const std::string& root, const std::string& path, const std::string& value, std::string* error);

} // namespace weir::service::sysctl
