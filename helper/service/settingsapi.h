// SettingsApi: what GetSettings, SetSettings and PreviewRules do once the caller is authorized, apart
// from the bus plumbing (HelperService replies with what these return).
//
// SetSettings is all or nothing, in this order, so that every failure leaves the old state working:
//   1. convert the a{sv} strictly and validate the changes against the current settings: any bad key
//      -> InvalidSettings listing all of them, nothing touched;
//   2. while enabled, make the new upstream's connector when it changed: its host cannot be
//      resolved -> InvalidSettings on the key upstream, nothing touched (disabled: Enable makes it);
//   3. write the new settings file to a temporary file: disk full, unwritable directory -> Failed,
//      nothing touched;
//   4. apply to the engine (a transaction of its own): refused -> Failed, temporary file removed;
//   5. rename the temporary file over settings.conf: failed -> the engine gets the old settings back.
#pragma once

#include <QString>
#include <QVariantMap>

#include <optional>
#include <vector>

#include "config/settings.h"

namespace weir::service {

class Engine;
class SettingsStore;

// A D-Bus error to reply with: a name clients act on, a message users read.
struct CallError {
    QString name;
    QString message;
};

class SettingsApi {
public:
    SettingsApi(Engine* engine, SettingsStore* store);

    QVariantMap get() const;
    // nullopt on success.
    std::optional<CallError> set(const QVariantMap& changes);
    // The rules text, or the error.
    QString preview(const QVariantMap& changes, std::optional<CallError>* error) const;

private:
    // The current settings with the changes applied and validated; nullopt and *error otherwise.
    std::optional<Settings> changedSettings(const QVariantMap& changes,
                                            std::optional<CallError>* error) const;

    Engine* engine_;
    SettingsStore* store_;
};

} // namespace weir::service
