#include "service/settingsstore.h"

#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <dirent.h>
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

// The whole file, or nullopt with *error; *missing tells "no file" apart from "cannot read it", and
// *notSettings "something that is no settings file is in its place" (kept aside like a corrupt one).
std::optional<std::string> readFile(const std::string& path, bool* missing, bool* notSettings,
                                    std::string* error) {
    *missing = false;
    *notSettings = false;
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
        *notSettings = true;
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
        if (n <= 0) {
            if (n == 0)
                errno = EIO; // no progress and no reason: never loop on it
            return false;
        }
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

// settings.conf.XXXXXX, mkostemp()'s name for a save in progress.
bool isTemporaryName(const std::string& name) {
    const std::string prefix = std::string(kFileName) + ".";
    if (name.size() != prefix.size() + 6 || name.compare(0, prefix.size(), prefix) != 0)
        return false;
    for (std::size_t i = prefix.size(); i < name.size(); ++i)
        if (!std::isalnum(static_cast<unsigned char>(name[i])))
            return false;
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
    removeInterruptedSaves();
    bool missing = false;
    bool notSettings = false;
    std::string error;
    const auto text = readFile(path(), &missing, &notSettings, &error);
    if (!text && notSettings) {
        keepCorruptFile(error);
        return Settings{};
    }
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

void SettingsStore::removeInterruptedSaves() const {
    DIR* dir = ::opendir(directory_.c_str());
    if (!dir)
        return; // no directory yet, or unreadable: load() says so if it matters
    while (const dirent* entry = ::readdir(dir)) {
        const std::string name = entry->d_name;
        if (!isTemporaryName(name))
            continue;
        const std::string temp = directory_ + "/" + name;
        if (::unlink(temp.c_str()) == 0)
            std::fprintf(stderr, "weir-helper: removed %s, left by a save that was interrupted\n",
                         temp.c_str());
    }
    ::closedir(dir);
}

void SettingsStore::keepCorruptFile(const std::string& why) {
    const std::string aside = path() + ".corrupt";
    warning_ = "the settings file " + path() + " is not valid (" + why + "); defaults are in use";
    keepAsidePending_ = ::rename(path().c_str(), aside.c_str()) != 0;
    if (!keepAsidePending_)
        warning_ += "; the file was kept as " + aside;
    else
        warning_ += "; " + errnoText("it could not be renamed to " + aside, errno) +
                    ", so it is not replaced until it can be";
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

bool SettingsStore::keepCorruptFileNow(std::string* error) {
    if (!keepAsidePending_)
        return true;
    const std::string aside = path() + ".corrupt";
    if (::rename(path().c_str(), aside.c_str()) != 0 && errno != ENOENT) {
        *error = errnoText("the unusable settings file " + path() + " must be kept as " + aside +
                               " before it is replaced, and renaming it failed",
                           errno);
        return false;
    }
    keepAsidePending_ = false;
    std::fprintf(stderr, "weir-helper: the unusable settings file was kept as %s\n", aside.c_str());
    return true;
}

bool SettingsStore::PendingSave::commit(std::string* error) {
    // The user's text of an unusable file is never lost: it goes aside first (load() could not).
    if (!store_->keepCorruptFileNow(error))
        return false;
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
