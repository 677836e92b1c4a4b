#include "service/installrecord.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <sstream>

#include "firewall/planrecord.h"

namespace weir::service {

namespace {

constexpr const char kHeader[] = "weir-install 1";

void setError(std::string* error, const std::string& text) {
    if (error)
        *error = text;
}

std::string routeLine(const plan::RouteSpec& r) {
    char text[160];
    std::snprintf(text, sizeof text, "route %s fwmark 0x%x/0x%x table %u pref %u", toString(r.family),
                  r.route.fwmark, r.route.mask, r.route.table, r.route.priority);
    return text;
}

std::optional<plan::RouteSpec> parseRoute(const std::string& line) {
    char family[8] = {};
    unsigned mark = 0, mask = 0, table = 0, pref = 0;
    int end = 0;
    if (std::sscanf(line.c_str(), "route %7s fwmark 0x%x/0x%x table %u pref %u%n", family, &mark, &mask,
                    &table, &pref, &end) != 5 ||
        static_cast<std::size_t>(end) != line.size())
        return std::nullopt;
    plan::RouteSpec r;
    if (std::string(family) == "ipv6")
        r.family = Family::V6;
    else if (std::string(family) != "ipv4")
        return std::nullopt;
    r.route = {mark, mask, table, pref};
    return r;
}

// "sysctl PATH value V previous P": paths and values never contain spaces.
std::optional<SysctlRecord> parseSysctl(const std::string& line) {
    std::istringstream in(line);
    std::string word, valueWord, previousWord;
    SysctlRecord s;
    if (!(in >> word >> s.path >> valueWord >> s.value >> previousWord >> s.previous) || word != "sysctl" ||
        valueWord != "value" || previousWord != "previous" || (in >> word) ||
        s.path.rfind("/proc/sys/", 0) != 0)
        return std::nullopt;
    return s;
}

int syncDirectory(const std::string& path) {
    const auto slash = path.rfind('/');
    const std::string dir = slash == std::string::npos ? "." : (slash == 0 ? "/" : path.substr(0, slash));
    const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    const int rc = ::fsync(fd);
    ::close(fd);
    return rc;
}

} // namespace

std::string serializeRecord(const InstallRecord& record) {
    std::string out = std::string(kHeader) + "\n";
    for (const auto& r : record.routes)
        out += routeLine(r) + "\n";
    for (const auto& s : record.sysctls)
        out += "sysctl " + s.path + " value " + s.value + " previous " + s.previous + "\n";
    out += "rules\n" + firewall::serializePlan(record.rules);
    return out;
}

std::optional<InstallRecord> parseRecord(const std::string& text, std::string* error) {
    std::istringstream in(text);
    std::string line;
    int number = 0;
    InstallRecord record;
    if (!std::getline(in, line) || line != kHeader) {
        setError(error, "line 1: not a Weir install record (expected \"" + std::string(kHeader) + "\")");
        return std::nullopt;
    }
    for (number = 2; std::getline(in, line); ++number) {
        if (line == "rules")
            break;
        if (auto r = parseRoute(line)) {
            record.routes.push_back(*r);
        } else if (auto s = parseSysctl(line)) {
            record.sysctls.push_back(*s);
        } else {
            setError(error, "line " + std::to_string(number) + ": cannot parse \"" + line + "\"");
            return std::nullopt;
        }
    }
    if (line != "rules") {
        setError(error, "line " + std::to_string(number) + ": the record ends before its rules");
        return std::nullopt;
    }
    std::string planError;
    const std::string rest = text.substr(static_cast<std::size_t>(in.tellg()));
    auto rules = firewall::parsePlan(rest, &planError);
    if (!rules) {
        setError(error, "rules after line " + std::to_string(number) + ": " + planError);
        return std::nullopt;
    }
    record.rules = std::move(*rules);
    return record;
}

std::string recordPathForThisNetns(const std::string& runtimeDir) {
    struct stat st {};
    const unsigned long long ino = ::stat("/proc/self/ns/net", &st) == 0 ? st.st_ino : 0;
    return runtimeDir + "/installed-net" + std::to_string(ino) + ".record";
}

bool writeFileAtomically(const std::string& path, const std::string& text, std::string* error) {
    const std::string temp = path + ".tmp";
    const int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) {
        setError(error, "cannot write " + temp + ": " + std::strerror(errno));
        return false;
    }
    const bool written = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
    const bool synced = written && ::fsync(fd) == 0;
    const int savedErrno = errno;
    ::close(fd);
    if (!synced || ::rename(temp.c_str(), path.c_str()) != 0) {
        setError(error, "cannot write " + path + ": " + std::strerror(synced ? errno : savedErrno));
        ::unlink(temp.c_str());
        return false;
    }
    syncDirectory(path); // the rename itself must survive a power cut too; best effort
    return true;
}

std::optional<std::string> readWholeFile(const std::string& path, std::string* error) {
    setError(error, {});
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        if (errno != ENOENT)
            setError(error, "cannot read " + path + ": " + std::strerror(errno));
        return std::nullopt;
    }
    std::string text;
    char buf[4096];
    ssize_t n = 0;
    while ((n = ::read(fd, buf, sizeof buf)) > 0)
        text.append(buf, static_cast<std::size_t>(n));
    if (n < 0)
        setError(error, "cannot read " + path + ": " + std::strerror(errno));
    ::close(fd);
    if (n < 0)
        return std::nullopt;
    return text;
}

bool removeFile(const std::string& path, std::string* error) {
    if (::unlink(path.c_str()) == 0 || errno == ENOENT)
        return true;
    setError(error, "cannot remove " + path + ": " + std::strerror(errno));
    return false;
}

} // namespace weir::service
