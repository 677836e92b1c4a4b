#include "gui/settings/exclusionspage.h"

#include <QFormLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>

#include <grp.h>
#include <pwd.h>

namespace weir {

namespace {
const QString kUids = QStringLiteral("exclude_uids");
const QString kGids = QStringLiteral("exclude_gids");
const QString kCgroups = QStringLiteral("exclude_cgroups");
} // namespace

ExclusionsPage::ExclusionsPage(QWidget* parent)
    : SettingsPage(parent) {
    scopeNote_ = note(tr("These apply to this machine's own traffic only, not to a LAN behind it."), this);
    users_ = new QLineEdit(this);
    users_->setObjectName(kUids);
    users_->setPlaceholderText(tr("names or numbers, like alice, 1001"));
    usersResolved_ = note(QString(), this);
    groups_ = new QLineEdit(this);
    groups_->setObjectName(kGids);
    groups_->setPlaceholderText(tr("names or numbers, like vpn, 1500"));
    groupsResolved_ = note(QString(), this);
    cgroups_ = new QPlainTextEdit(this);
    cgroups_->setObjectName(kCgroups);
    cgroups_->setPlaceholderText(tr("/system.slice/sshd.service (one cgroup v2 path per line)"));
    cgroups_->setTabChangesFocus(true);
    setLines(cgroups_, 4);

    auto* form = makeForm();
    form->addRow(scopeNote_);
    addField(form, kUids, tr("Users:"), users_);
    form->addRow(QString(), usersResolved_);
    addField(form, kGids, tr("Groups:"), groups_);
    form->addRow(QString(), groupsResolved_);
    addField(form, kCgroups, tr("Cgroups:"), cgroups_);

    connect(users_, &QLineEdit::textChanged, this, [this] {
        usersResolved_->setText(resolvedText(IdKind::User, users_));
        Q_EMIT edited();
    });
    connect(groups_, &QLineEdit::textChanged, this, [this] {
        groupsResolved_->setText(resolvedText(IdKind::Group, groups_));
        Q_EMIT edited();
    });
    connect(cgroups_, &QPlainTextEdit::textChanged, this, &SettingsPage::edited);
}

std::optional<uint> ExclusionsPage::resolve(IdKind kind, const QString& entry) {
    bool number = false;
    const uint id = entry.toUInt(&number);
    if (number)
        return id;
    const QByteArray name = entry.toLocal8Bit();
    if (kind == IdKind::User) {
        if (const passwd* pw = getpwnam(name.constData()))
            return uint(pw->pw_uid);
    } else if (const group* gr = getgrnam(name.constData())) {
        return uint(gr->gr_gid);
    }
    return std::nullopt;
}

QString ExclusionsPage::displayName(IdKind kind, uint id) {
    if (kind == IdKind::User) {
        if (const passwd* pw = getpwuid(uid_t(id)))
            return QString::fromLocal8Bit(pw->pw_name);
    } else if (const group* gr = getgrgid(gid_t(id))) {
        return QString::fromLocal8Bit(gr->gr_name);
    }
    return QString::number(id);
}

// "alice = 1000, 1001 = (no such user)": what the helper will receive.
QString ExclusionsPage::resolvedText(IdKind kind, const QLineEdit* edit) const {
    QStringList parts;
    for (const QString& entry : splitEntries(edit->text())) {
        const std::optional<uint> id = resolve(kind, entry);
        if (!id)
            continue; // checkFields() reports it
        const QString name = displayName(kind, *id);
        if (name == entry)
            parts << QStringLiteral("%1 = %2").arg(entry).arg(*id);
        else if (name == QString::number(*id))
            parts << (kind == IdKind::User ? tr("%1 (no such user here)") : tr("%1 (no such group here)"))
                         .arg(entry);
        else
            parts << QStringLiteral("%1 = %2").arg(entry, name);
    }
    return parts.join(QStringLiteral(", "));
}

void ExclusionsPage::load(const QVariantMap& settings) {
    QStringList users, groups;
    for (uint id : settings::toUIntList(settings.value(kUids)))
        users << displayName(IdKind::User, id);
    for (uint id : settings::toUIntList(settings.value(kGids)))
        groups << displayName(IdKind::Group, id);
    users_->setText(users.join(QStringLiteral(", ")));
    groups_->setText(groups.join(QStringLiteral(", ")));
    cgroups_->setPlainText(settings.value(kCgroups).toStringList().join(QLatin1Char('\n')));
}

void ExclusionsPage::store(QVariantMap* settings) const {
    const auto ids = [](IdKind kind, const QLineEdit* edit) {
        QList<uint> out;
        for (const QString& entry : splitEntries(edit->text())) {
            if (const std::optional<uint> id = resolve(kind, entry))
                out << *id;
        }
        return out;
    };
    settings->insert(kUids, QVariant::fromValue(ids(IdKind::User, users_)));
    settings->insert(kGids, QVariant::fromValue(ids(IdKind::Group, groups_)));
    settings->insert(kCgroups, splitEntries(cgroups_->toPlainText()));
}

settings::FieldErrors ExclusionsPage::checkFields() const {
    settings::FieldErrors errors;
    const auto unknown = [](IdKind kind, const QLineEdit* edit) {
        QStringList out;
        for (const QString& entry : splitEntries(edit->text())) {
            if (!resolve(kind, entry))
                out << entry;
        }
        return out.join(QStringLiteral(", "));
    };
    if (const QString bad = unknown(IdKind::User, users_); !bad.isEmpty())
        errors.insert(kUids, tr("No such user: %1").arg(bad));
    if (const QString bad = unknown(IdKind::Group, groups_); !bad.isEmpty())
        errors.insert(kGids, tr("No such group: %1").arg(bad));
    return errors;
}

// Exclusions match sockets of local processes; forwarded LAN traffic has no owner. A field that holds
// something stays editable so the user can clear what the helper would refuse.
void ExclusionsPage::followSettings(const QVariantMap& settings) {
    const bool local = settings.value(QStringLiteral("scope")).toString() != QLatin1String("gateway");
    users_->setEnabled(local || !users_->text().isEmpty());
    groups_->setEnabled(local || !groups_->text().isEmpty());
    cgroups_->setEnabled(local || !cgroups_->toPlainText().isEmpty());
    scopeNote_->setText(local ? tr("These apply to this machine's own traffic only, not to a LAN behind it.")
                              : tr("Exclusions need the scope to include this machine."));
}

} // namespace weir
