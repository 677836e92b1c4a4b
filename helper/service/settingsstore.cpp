#include "service/settingsstore.h"

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace weir::service {

namespace {

constexpr const char* kFileName = "settings.conf";
// A real settings file is about a kilobyte; anything far larger is not one (and is not read whole).
constexpr off_t kMaxFileSize = 1 << 20;

std::string errnoText(const std::string& what, int err) {
    return what + ": " + std::strerror(err);
}

// The whole file, or nullopt with *error; *missing tells "no file" apart from "cannot read it".
std::optional<std::string> readFile(const std::string& path, bool* missing, std::string* error) {
    *missing = false;
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0) {
        *missing = errno == ENOENT;
        *error = errnoText("cannot open " + path, errno);
        return std::nullopt;
    }
    struct stat st {};
    std::string text;
    if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size > kMaxFileSize) {
        *error = path + " is not a settings file (not a regular file, or larger than 1 MiB)";
        ::close(fd);
        return std::nullopt;
    }
    char buffer[4096];
    for (;;) {
        const ssize_t n = ::read(fd, buffer, sizeof buffer);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            *error = errnoText("cannot read " + path, errno);
            ::close(fd);
            return std::nullopt;
        }
        if (n == 0)
            break;
        text.append(buffer, static_cast<std::size_t>(n));
    }
    ::close(fd);
    return text;
}

bool writeAll(int fd, const std::string& text) {
    std::size_t done = 0;
    while (done < text.size()) {
        const ssize_t n = ::write(fd, text.data() + done, text.size() - done);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return false;
        done += static_cast<std::size_t>(n);
    }
    return true;
}

// fsync() on the directory makes a rename in it durable.
bool syncDirectory(const std::string& directory, std::string* error) {
    const int fd = ::open(directory.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0 || ::fsync(fd) != 0) {
        *error = errnoText("cannot sync " + directory, errno);
        if (fd >= 0)
            ::close(fd);
        return false;
    }
    ::close(fd);
    return true;
}

} // namespace

SettingsStore::SettingsStore(std::string directory)
    : directory_(std::move(directory)) {}

std::string SettingsStore::defaultDirectory() {
    const char* dir = std::getenv("WEIR_STATE_DIR");
    return dir && *dir ? std::string(dir) : std::string("/var/lib/weir");
}

std::string SettingsStore::path() const {
    return directory_ + "/" + kFileName;
}

Settings SettingsStore::load() {
    warning_.clear();
    bool missing = false;
    std::string error;
    const auto text = readFile(path(), &missing, &error);
    if (!text) {
        if (!missing) {
            warning_ = "the settings file could not be read (" + error + "); defaults are in use";
            std::fprintf(stderr, "weir-helper: warning: %s\n", warning_.c_str());
        }
        return Settings{};
    }
    auto settings = fromFileText(*text, &error);
    if (!settings) {
        keepCorruptFile(error);
        return Settings{};
    }
    return *settings;
}

void SettingsStore::keepCorruptFile(const std::string& why) {
    const std::string aside = path() + ".corrupt";
    warning_ = "the settings file " + path() + " is not valid (" + why + "); defaults are in use";
    if (::rename(path().c_str(), aside.c_str()) == 0)
        warning_ += "; the file was kept as " + aside;
    else
        warning_ += "; " + errnoText("it could not be renamed to " + aside, errno);
    std::fprintf(stderr, "weir-helper: warning: %s\n", warning_.c_str());
}

bool SettingsStore::ensureDirectory(std::string* error) const {
    if (::mkdir(directory_.c_str(), 0700) == 0 || errno == EEXIST)
        return true;
    *error = errnoText("cannot create " + directory_, errno);
    return false;
}

std::unique_ptr<SettingsStore::PendingSave> SettingsStore::prepare(const Settings& settings,
                                                                   std::string* error) {
    if (!ensureDirectory(error))
        return nullptr;
    std::string temp = path() + ".XXXXXX";
    const int fd = ::mkostemp(temp.data(), O_CLOEXEC); // created 0600
    if (fd < 0) {
        *error = errnoText("cannot create a file in " + directory_, errno);
        return nullptr;
    }
    // From here on the PendingSave owns the temporary file and removes it on every failure.
    std::unique_ptr<PendingSave> pending(new PendingSave(this, temp));
    const bool ok = ::fchmod(fd, 0600) == 0 && writeAll(fd, toFileText(settings)) && ::fsync(fd) == 0;
    const int err = errno;
    if (::close(fd) != 0 && ok) {
        *error = errnoText("cannot write " + temp, errno);
        return nullptr;
    }
    if (!ok) {
        *error = errnoText("cannot write " + temp, err);
        return nullptr;
    }
    return pending;
}

bool SettingsStore::save(const Settings& settings, std::string* error) {
    auto pending = prepare(settings, error);
    return pending && pending->commit(error);
}

SettingsStore::PendingSave::PendingSave(SettingsStore* store, std::string tempPath)
    : store_(store)
    , tempPath_(std::move(tempPath)) {}

SettingsStore::PendingSave::~PendingSave() {
    if (!committed_)
        ::unlink(tempPath_.c_str());
}

bool SettingsStore::PendingSave::commit(std::string* error) {
    if (::rename(tempPath_.c_str(), store_->path().c_str()) != 0) {
        *error = errnoText("cannot replace " + store_->path(), errno);
        return false;
    }
    committed_ = true;
    store_->warning_.clear();
    // The new file is in place; a failed directory sync only risks losing it in a power cut.
    std::string syncError;
    if (!syncDirectory(store_->directory_, &syncError))
        std::fprintf(stderr, "weir-helper: warning: %s\n", syncError.c_str());
    return true;
}

} // namespace weir::service
