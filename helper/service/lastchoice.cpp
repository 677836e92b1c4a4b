#include "service/lastchoice.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <sys/stat.h>

#include "service/engine.h"
#include "service/installrecord.h"

namespace weir::service {

namespace {

constexpr const char* kFileName = "last-choice";
// The file holds one short word; anything longer is not ours (and is not quoted back whole).
constexpr std::size_t kMaxQuoted = 40;

std::string trimmed(const std::string& text) {
    const auto b = text.find_first_not_of(" \t\r\n");
    const auto e = text.find_last_not_of(" \t\r\n");
    return b == std::string::npos ? std::string() : text.substr(b, e - b + 1);
}

} // namespace

const char* toString(LastChoice choice) {
    switch (choice) {
    case LastChoice::Enabled:
        return "enabled";
    case LastChoice::Disabled:
        return "disabled";
    case LastChoice::None:
        break;
    }
    return "";
}

LastChoice parseLastChoice(const std::string& text, std::string* error) {
    const std::string word = trimmed(text);
    if (word == "enabled")
        return LastChoice::Enabled;
    if (word == "disabled")
        return LastChoice::Disabled;
    if (error)
        *error = "\"" + word.substr(0, kMaxQuoted) + (word.size() > kMaxQuoted ? "…" : "") +
                 "\" is neither enabled nor disabled";
    return LastChoice::None;
}

LastChoiceFile::LastChoiceFile(std::string directory)
    : directory_(std::move(directory)) {}

std::string LastChoiceFile::path() const {
    return directory_ + "/" + kFileName;
}

LastChoice LastChoiceFile::read(std::string* error) const {
    std::string why;
    const auto text = readWholeFile(path(), &why);
    if (!text) {
        if (error)
            *error = why; // empty when there is no file: nothing was chosen yet
        return LastChoice::None;
    }
    const LastChoice choice = parseLastChoice(*text, &why);
    if (choice == LastChoice::None && error)
        *error = path() + ": " + why;
    return choice;
}

bool LastChoiceFile::write(LastChoice choice, std::string* error) const {
    if (::mkdir(directory_.c_str(), 0700) != 0 && errno != EEXIST) {
        *error = "cannot create " + directory_ + ": " + std::strerror(errno);
        return false;
    }
    return writeFileAtomically(path(), std::string(toString(choice)) + "\n", error);
}

const char* RestoreOutcome::stateName() const {
    switch (state) {
    case State::Restored:
        return "restored";
    case State::Failed:
        return "failed";
    case State::Nothing:
        break;
    }
    return "";
}

RestoreOutcome restoreLastChoice(Engine& engine, const LastChoiceFile& file, bool restoreEnabled) {
    std::string error;
    const LastChoice choice = file.read(&error);
    if (!error.empty())
        std::fprintf(stderr, "weir-helper: warning: the last choice is not known (%s); nothing is restored\n",
                     error.c_str());
    if (choice != LastChoice::Enabled)
        return {};
    if (!restoreEnabled) {
        std::fprintf(stderr, "weir-helper: interception was on before; restore_enabled=false keeps it off\n");
        return {};
    }
    if (!engine.enable(&error)) {
        std::fprintf(stderr, "weir-helper: could not turn interception back on: %s\n", error.c_str());
        return {RestoreOutcome::State::Failed, error};
    }
    std::fprintf(stderr, "weir-helper: interception turned back on, as it was before the helper stopped\n");
    return {RestoreOutcome::State::Restored, {}};
}

} // namespace weir::service
