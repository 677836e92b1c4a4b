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

// Type errors from the conversion, plus what validating the keys that did convert found. A key that
// already has a type error gets no second, derived complaint.
std::vector<SettingError> mergeErrors(std::vector<SettingError> typeErrors,
                                      const std::vector<SettingError>& valueErrors) {
    std::set<std::string> typed;
    for (const auto& e : typeErrors)
        typed.insert(e.key);
    for (const auto& e : valueErrors)
        if (!typed.count(e.key))
            typeErrors.push_back(e);
    return typeErrors;
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
    const auto valueErrors = applyValues(engine_->settings(), values, &next);
    if (typeErrors.empty() && valueErrors.empty())
        return next;
    *error = CallError{bus::errorInvalidSettings, settingErrorsMessage(mergeErrors(typeErrors, valueErrors))};
    return std::nullopt;
}

std::optional<CallError> SettingsApi::set(const QVariantMap& changes) {
    std::optional<CallError> error;
    const auto next = changedSettings(changes, &error);
    if (!next)
        return error;
    std::string why;
    auto pending = store_->prepare(*next, &why);
    if (!pending)
        return failed(QStringLiteral("cannot save the settings, nothing was changed"), why);
    const Settings old = engine_->settings();
    if (!engine_->setSettings(*next, &why))
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
