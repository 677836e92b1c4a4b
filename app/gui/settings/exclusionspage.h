// ExclusionsPage: users, groups and cgroups whose own traffic on this machine is left alone. Users and
// groups are typed as names or numbers; the helper stores numbers, the page shows names where the
// system knows them (getpwuid / getgrgid) and resolves names when storing (getpwnam / getgrnam).
#pragma once

#include "gui/settings/settingspage.h"

class QLabel;
class QLineEdit;
class QPlainTextEdit;

namespace weir {

class ExclusionsPage : public SettingsPage {
    Q_OBJECT
public:
    explicit ExclusionsPage(QWidget* parent = nullptr);

    QString title() const override { return tr("Exclusions"); }
    void load(const QVariantMap& settings) override;
    void store(QVariantMap* settings) const override;
    settings::FieldErrors checkFields() const override;
    void followSettings(const QVariantMap& settings) override;

    enum class IdKind { User, Group };
    // "alice" or "1000" -> 1000; nullopt when the name is unknown.
    static std::optional<uint> resolve(IdKind kind, const QString& entry);
    // 1000 -> "alice", or "1000" when the system has no such id.
    static QString displayName(IdKind kind, uint id);

private:
    QString resolvedText(IdKind kind, const QLineEdit* edit) const;

    QLabel* scopeNote_;
    QLineEdit* users_;
    QLabel* usersResolved_;
    QLineEdit* groups_;
    QLabel* groupsResolved_;
    QPlainTextEdit* cgroups_;
};

} // namespace weir
