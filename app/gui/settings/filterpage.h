// FilterPage: what is intercepted: IPv6 too, which destination ports, which destinations never.
#pragma once

#include "gui/settings/settingspage.h"

class QCheckBox;
class QLineEdit;
class QPlainTextEdit;

namespace weir {

class FilterPage : public SettingsPage {
    Q_OBJECT
public:
    explicit FilterPage(QWidget* parent = nullptr);

    QString title() const override { return tr("What to intercept"); }
    void load(const QVariantMap& settings) override;
    void store(QVariantMap* settings) const override;
    settings::FieldErrors checkFields() const override;

private:
    QCheckBox* ipv6_;
    QLineEdit* ports_;
    QPlainTextEdit* bypass_;
    QCheckBox* bypassPrivate_;
};

} // namespace weir
