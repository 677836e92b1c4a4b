#include "service/sysctl.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace weir::service::sysctl {

namespace {

void setError(std::string* error, const std::string& what, const std::string& path) {
    if (error)
        *error = what + " " + path + ": " + std::strerror(errno);
}

} // namespace

std::optional<std::string> read(const std::string& root, const std::string& path, std::string* error) {
    const int fd = ::open((root + path).c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        setError(error, "cannot read", path);
        return std::nullopt;
    }
    char buf[256];
    const ssize_t n = ::read(fd, buf, sizeof buf - 1);
    if (n < 0)
        setError(error, "cannot read", path);
    ::close(fd);
    if (n < 0)
        return std::nullopt;
    std::string value(buf, static_cast<std::size_t>(n));
    while (!value.empty() && (value.back() == '\n' || value.back() == ' '))
        value.pop_back();
    return value;
}

bool write(const std::string& root, const std::string& path, const std::string& value, std::string* error) {
    // O_TRUNC matters for the scratch files of tests; /proc/sys ignores it.
    const int fd = ::open((root + path).c_str(), O_WRONLY | O_TRUNC | O_CLOEXEC);
    if (fd < 0) {
        setError(error, "cannot write", path);
        return false;
    }
    const std::string text = value + "\n";
    const bool ok = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
    if (!ok)
        setError(error, "cannot write", path);
    ::close(fd);
    return ok;
}

} // namespace weir::service::sysctl
