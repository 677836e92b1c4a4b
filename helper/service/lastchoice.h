// The user's last choice: whether a client last asked to enable or to disable interception, kept in
// $WEIR_STATE_DIR/last-choice (one line, "enabled" or "disabled") so that a helper started after a
// crash, a bus restart or a reboot can turn interception back on (setting restore_enabled).
//
// - Written only after a successful Enable or Disable a client asked for. Shutting down (SIGTERM,
//   bus loss) and crashing leave it as it is: they are not the user's choice.
// - Written atomically (temporary file, fsync, rename), root-only like the settings file beside it.
// - restoreLastChoice() is what the helper does at start, after removing leftovers and before
//   serving: enable when restore_enabled and the last choice was "enabled". A failed enable leaves
//   nothing installed (the engine's transaction), and the outcome is kept for GetStatus.
// Plain C++, no Qt.
#pragma once

#include <string>

namespace weir::service {

class Engine;

enum class LastChoice { None, Enabled, Disabled };

// "enabled" / "disabled" (None: "").
const char* toString(LastChoice choice);
// The file's text -> the choice; None for anything else (with *error saying what was found).
LastChoice parseLastChoice(const std::string& text, std::string* error);

class LastChoiceFile {
public:
    // directory: the state directory (SettingsStore::defaultDirectory()); created 0700 on first write.
    explicit LastChoiceFile(std::string directory);

    std::string path() const;
    // The stored choice; None when there is none. An unreadable or invalid file is None with *error.
    LastChoice read(std::string* error) const;
    // Replaces the file with this choice; false with *error (disk full, unwritable directory).
    bool write(LastChoice choice, std::string* error) const;

private:
    std::string directory_;
};

// What happened at start: GetStatus' "restore" and "restore_error".
struct RestoreOutcome {
    enum class State { Nothing, Restored, Failed };
    State state = State::Nothing;
    std::string error; // why, when Failed

    // "" / "restored" / "failed".
    const char* stateName() const;
};

// At start: with restoreEnabled and a stored "enabled", enables the engine. Logs what it did to stderr.
RestoreOutcome restoreLastChoice(Engine& engine, const LastChoiceFile& file, bool restoreEnabled);

} // namespace weir::service
