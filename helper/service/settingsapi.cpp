#include "service/settingsapi.h"

#include <QStringList>

#include <algorithm>
#include <cstdio>
#include <set>

#include "interface/busnames.h"
#include "interface/settingsvariant.h"
#include "service/engine.h"
#include "service/settingsstore.h"

namespace weir::service {

namespace {

CallError failed(const QString& what, const std::string& why) {
    return {bus::errorFailed, what + QStringLiteral(": ") + QString::fromStdString(why)};
}

// Adds the errors of keys not yet reported: a key with a type error gets no second, derived complaint.
void addNewErrors(std::vector<SettingError>* errors, const std::vector<SettingError>& more) {
    std::set<std::string> reported;
    for (const auto& e : *errors)
        reported.insert(e.key);
    for (const auto& e : more)
        if (!reported.count(e.key))
            errors->push_back(e);
}

// Every bad key, not only the first kind of problem: applyValues() checks combinations (udp=true
// with mode redirect) only once every single value is fine, so the combinations are checked again
// with the bad keys left at their current values.
std::vector<SettingError> allErrors(const Settings& current, ValueMap values,
                                    std::vector<SettingError> errors) {
    addNewErrors(&errors, applyValues(current, values, nullptr));
    for (const auto& e : errors)
        values.erase(e.key);
    if (!errors.empty())
        addNewErrors(&errors, applyValues(current, values, nullptr));
    return errors;
}

} // namespace

SettingsApi::SettingsApi(Engine* engine, SettingsStore* store)
    : engine_(engine)
    , store_(store) {}

QVariantMap SettingsApi::get() const {
    return valuesToVariantMap(toValues(engine_->settings()));
}

std::optional<Settings> SettingsApi::changedSettings(const QVariantMap& changes,
                                                     std::optional<CallError>* error) const {
    ValueMap values;
    const auto typeErrors = valuesFromVariantMap(changes, &values);
    Settings next;
    if (typeErrors.empty() && applyValues(engine_->settings(), values, &next).empty())
        return next;
    const auto errors = allErrors(engine_->settings(), std::move(values), typeErrors);
    *error = CallError{bus::errorInvalidSettings, settingErrorsMessage(errors)};
    return std::nullopt;
}

std::optional<CallError> SettingsApi::set(const QVariantMap& changes) {
    std::optional<CallError> error;
    const auto next = changedSettings(changes, &error);
    if (!next)
        return error;
    std::string why;
    const Settings old = engine_->settings();
    // While enabled a new upstream is made first (its host name resolved): one that cannot be made is
    // a settings error on the upstream key, shown at its field, and nothing changes. While disabled
    // it is made at Enable (the network that resolves it may not be up yet).
    std::shared_ptr<core::Connector> connector;
    if (engine_->isEnabled() && !Engine::sameConnector(*next, old) &&
        !(connector = Engine::makeConnectorFor(*next, &why)))
        return CallError{bus::errorInvalidSettings, settingErrorsMessage({{"upstream", why}})};
    auto pending = store_->prepare(*next, &why);
    if (!pending)
        return failed(QStringLiteral("cannot save the settings, nothing was changed"), why);
    // Unchanged settings are still saved (that replaces a corrupt file) but not re-applied.
    if (*next != old && !engine_->setSettings(*next, &why, connector))
        return failed(QStringLiteral("cannot apply the settings, the old ones are still in use"), why);
    if (!pending->commit(&why)) {
        std::string restoreError;
        if (!engine_->setSettings(old, &restoreError))
            std::fprintf(stderr, "weir-helper: cannot restore the old settings: %s\n", restoreError.c_str());
        return failed(QStringLiteral("cannot save the settings, the old ones are back in use"), why);
    }
    return std::nullopt;
}

QString SettingsApi::preview(const QVariantMap& changes, std::optional<CallError>* error) const {
    const auto next = changedSettings(changes, error);
    if (!next)
        return {};
    std::string why;
    const std::string text = engine_->previewRules(*next, &why);
    if (text.empty() && !why.empty()) {
        *error = failed(QStringLiteral("cannot plan the rules"), why);
        return {};
    }
    return QString::fromStdString(text);
}

} // namespace weir::service
