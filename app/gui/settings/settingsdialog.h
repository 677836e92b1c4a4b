// SettingsDialog: every interception setting, one page per area (mode, scope, what to intercept,
// exclusions, advanced). It loads the helper's settings map, lets the pages edit a copy and sends only
// the keys that changed, in their bus types. Mistakes are shown next to their field before anything is
// sent (the pages' own checks plus weir_config's, the helper's rules); the helper's InvalidSettings
// errors come back per key and land at the same place, the page's tab marked. Apply and Preview are
// asynchronous: Polkit may ask for a password, and the GUI must keep drawing meanwhile.
#pragma once

#include <QDialog>
#include <QList>

#include "client/helperclient.h"
#include "gui/settings/settingsvalues.h"

class QDialogButtonBox;
class QLabel;
class QPushButton;
class QTabWidget;

namespace weir {

class RulesPreviewDialog;
class SettingsPage;

class SettingsDialog : public QDialog {
    Q_OBJECT
public:
    explicit SettingsDialog(HelperClient* client, QWidget* parent = nullptr);
    ~SettingsDialog() override;

    // Shows settings (a full map, as GetSettings returns it) as the unchanged state.
    void load(const QVariantMap& settings);
    // Every key as the pages hold it now, in bus types.
    QVariantMap edited() const;
    // The keys that differ from what was loaded: what Apply sends.
    QVariantMap changes() const;

    // For tests and the integration test: what the user sees.
    QString fieldError(const QString& key) const;
    SettingsPage* pageFor(const QString& key) const;
    int pageIndex(const QString& key) const;
    bool tabMarked(int index) const;
    QString messageText() const;
    // The helper's warnings (e.g. its settings file was unusable and defaults are shown), above the
    // pages; empty and hidden when there are none.
    QString helperWarningsText() const;
    bool helperWarningsShown() const;
    bool isWaiting() const { return waiting_ != Waiting::Nothing; }
    QTabWidget* tabs() const { return tabs_; }
    QPushButton* applyButton() const { return apply_; }
    QPushButton* previewButton() const { return preview_; }
    RulesPreviewDialog* previewDialog() const { return previewDialog_; }
    // Off: Apply sends even what the dialog itself finds wrong, so the helper's answer is shown (the
    // integration test checks the helper's errors this way). On by default.
    void setInlineValidation(bool on);

public Q_SLOTS:
    void refresh(); // asks the helper for its settings
    void apply();
    void preview();
    void onSettingsReceived(const QVariantMap& settings);
    void onSettingsFailed(const QString& message);
    void onSettingsApplied(bool ok, const QString& message, const QMap<QString, QString>& fieldErrors);
    void onPreviewReceived(bool ok, const QString& text, const QString& message,
                           const QMap<QString, QString>& fieldErrors);

Q_SIGNALS:
    // An Apply is waiting for the helper (the tray's mode switch waits meanwhile).
    void busyChanged(bool busy);

private:
    enum class Waiting { Nothing, Load, Apply, Preview };
    void addPage(SettingsPage* page);
    void connectClient();
    void onEdited();
    void revalidate();
    void showErrors(const settings::FieldErrors& errors);
    void showFailure(const QString& message, const settings::FieldErrors& fieldErrors);
    void setWaiting(Waiting waiting);
    void setMessage(const QString& text, bool error);
    void updateButtons();
    void showHelperWarnings(const QStringList& warnings);

    HelperClient* client_;
    QTabWidget* tabs_;
    QList<SettingsPage*> pages_;
    QLabel* message_;
    QLabel* helperWarnings_;
    QDialogButtonBox* buttons_;
    QPushButton* preview_;
    QPushButton* apply_;
    RulesPreviewDialog* previewDialog_ = nullptr;
    QVariantMap base_; // what was loaded (canonical)
    settings::FieldErrors localErrors_;
    Waiting waiting_ = Waiting::Nothing;
    bool loaded_ = false;
    bool inlineValidation_ = true;
    bool loading_ = false; // load() in progress: page edits are not the user's
};

} // namespace weir
