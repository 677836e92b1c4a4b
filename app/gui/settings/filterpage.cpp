#include "gui/settings/filterpage.h"

#include <QCheckBox>
#include <QFormLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>

#include "config/cidr.h"
#include "config/settings.h"

namespace weir {

FilterPage::FilterPage(QWidget* parent)
    : SettingsPage(parent) {
    ipv6_ = new QCheckBox(tr("Intercept IPv6 as well as IPv4"), this);
    ipv6_->setObjectName(QStringLiteral("ipv6"));
    ports_ = new QLineEdit(this);
    ports_->setObjectName(QStringLiteral("ports"));
    ports_->setPlaceholderText(tr("all ports"));
    ports_->setToolTip(tr("Ports and ranges separated by commas, like 80,443,8000-8100. Empty: all ports."));
    bypass_ = new QPlainTextEdit(this);
    bypass_->setObjectName(QStringLiteral("bypass"));
    bypass_->setPlaceholderText(tr("203.0.113.0/24 (one address or subnet per line)"));
    bypass_->setTabChangesFocus(true);
    setLines(bypass_, 5);
    bypassPrivate_ = new QCheckBox(tr("Leave private ranges alone (192.168.x.x, 10.x.x.x, 172.16–31.x.x, "
                                      "100.64/10, fc00::/7)"),
                                   this);
    bypassPrivate_->setObjectName(QStringLiteral("bypass_private"));

    auto* form = makeForm();
    addField(form, QStringLiteral("ipv6"), QString(), ipv6_);
    addField(form, QStringLiteral("ports"), tr("Destination ports:"), ports_);
    form->addRow(QString(), note(tr("For example 80,443,8000-8100. Empty: every port."), this));
    addField(form, QStringLiteral("bypass"), tr("Never intercept:"), bypass_);
    addField(form, QStringLiteral("bypass_private"), QString(), bypassPrivate_);

    connect(ipv6_, &QCheckBox::toggled, this, &SettingsPage::edited);
    connect(ports_, &QLineEdit::textChanged, this, &SettingsPage::edited);
    connect(bypass_, &QPlainTextEdit::textChanged, this, &SettingsPage::edited);
    connect(bypassPrivate_, &QCheckBox::toggled, this, &SettingsPage::edited);
}

void FilterPage::load(const QVariantMap& settings) {
    ipv6_->setChecked(settings.value(QStringLiteral("ipv6"), true).toBool());
    ports_->setText(settings.value(QStringLiteral("ports")).toStringList().join(QLatin1Char(',')));
    bypass_->setPlainText(settings.value(QStringLiteral("bypass")).toStringList().join(QLatin1Char('\n')));
    bypassPrivate_->setChecked(settings.value(QStringLiteral("bypass_private"), true).toBool());
}

void FilterPage::store(QVariantMap* settings) const {
    settings->insert(QStringLiteral("ipv6"), ipv6_->isChecked());
    settings->insert(QStringLiteral("ports"), splitEntries(ports_->text()));
    settings->insert(QStringLiteral("bypass"), splitEntries(bypass_->toPlainText()));
    settings->insert(QStringLiteral("bypass_private"), bypassPrivate_->isChecked());
}

settings::FieldErrors FilterPage::checkFields() const {
    settings::FieldErrors errors;
    QStringList bad;
    for (const QString& p : splitEntries(ports_->text())) {
        if (!PortRange::parse(p.toStdString()))
            bad << p;
    }
    if (!bad.isEmpty())
        errors.insert(
            QStringLiteral("ports"),
            tr("Not a port (1–65535) or a range like 8000-8100: %1").arg(bad.join(QStringLiteral(", "))));
    bad.clear();
    for (const QString& c : splitEntries(bypass_->toPlainText())) {
        if (!Cidr::parse(c.toStdString()))
            bad << c;
    }
    if (!bad.isEmpty())
        errors.insert(QStringLiteral("bypass"),
                      tr("Not an address or subnet: %1 (like 203.0.113.7 or 203.0.113.0/24)")
                          .arg(bad.join(QStringLiteral(", "))));
    return errors;
}

} // namespace weir
