// SettingsStore: the helper's settings file, $WEIR_STATE_DIR/settings.conf (default
// /var/lib/weir/settings.conf), in the text form of config/settings.h.
//
// - Root-only: the directory is created 0700, the file written 0600. It decides which traffic is
//   intercepted, so no other user may read or change it.
// - Never half-written: a new version goes to a temporary file in the same directory, is fsync()ed,
//   then renamed over the old one and the directory fsync()ed. A save is two steps (prepare, commit)
//   so the caller can write first, then apply to the engine, and only then replace the file: if the
//   disk is full nothing is applied, and if the engine refuses nothing is replaced.
// - Never a reason not to start: a missing file means defaults; a file that cannot be parsed means
//   defaults plus a warning (for GetStatus and the log), and the file is renamed to
//   settings.conf.corrupt so the user's text is not lost when the next save replaces it (when the
//   rename fails, in a read-only directory, it is retried before the next save, which fails rather
//   than replace the only copy of the user's text). Anything too large or not a regular file in
//   its place is kept aside the same way. A file the helper wrote that was cut short (no end line,
//   see config/settings.h) counts as not parsable.
// - A save interrupted by a crash or kill -9 leaves only its temporary file (settings.conf.XXXXXX,
//   never settings.conf half-written); load() removes such leftovers.
// Plain C++ and POSIX; used from the helper's main thread only.
#pragma once

#include <memory>
#include <string>

#include "config/settings.h"

namespace weir::service {

class SettingsStore {
public:
    // The directory holding settings.conf; created on the first save.
    explicit SettingsStore(std::string directory);

    // $WEIR_STATE_DIR when set (tests), /var/lib/weir otherwise.
    static std::string defaultDirectory();

    std::string path() const;
    // The state directory (settings.conf and the last choice live there).
    const std::string& directory() const { return directory_; }

    // The stored settings, or defaults (see above); removes temporary files of interrupted saves.
    // Never fails. Called once, when the helper starts (before any save can be in progress).
    Settings load();
    // Why the stored settings could not be used ("" when they could or there were none). Cleared by
    // a successful commit.
    const std::string& warning() const { return warning_; }

    // A written, synced temporary file waiting to replace settings.conf. Destroying it without
    // commit() removes the temporary file.
    class PendingSave {
    public:
        ~PendingSave();
        PendingSave(const PendingSave&) = delete;
        PendingSave& operator=(const PendingSave&) = delete;
        // Renames it over settings.conf and syncs the directory.
        bool commit(std::string* error);

    private:
        friend class SettingsStore;
        PendingSave(SettingsStore* store, std::string tempPath);
        SettingsStore* store_;
        std::string tempPath_;
        bool committed_ = false;
    };

    // Writes the settings to a temporary file; nullptr with *error when that fails (nothing changed).
    std::unique_ptr<PendingSave> prepare(const Settings& settings, std::string* error);
    // prepare() + commit().
    bool save(const Settings& settings, std::string* error);

private:
    bool ensureDirectory(std::string* error) const;
    void keepCorruptFile(const std::string& why);
    void removeInterruptedSaves() const;
    // Moves an unusable file aside if load() could not (a read-only directory then); false with
    // *error when that still fails, and then the file must not be replaced.
    bool keepCorruptFileNow(std::string* error);

    std::string directory_;
    std::string warning_;
    bool keepAsidePending_ = false; // the unusable settings.conf is still in place, not yet kept aside
};

} // namespace weir::service
