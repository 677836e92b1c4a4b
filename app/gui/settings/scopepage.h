// ScopePage: whose traffic is intercepted (this machine, a LAN behind it, or both), and for a LAN:
// which interfaces, which subnets (suggested from the picked interfaces' own), and IP forwarding.
#pragma once

#include "gui/settings/settingspage.h"

class QCheckBox;
class QGroupBox;
class QListWidget;
class QPlainTextEdit;
class QRadioButton;

namespace weir {

struct LanInterface {
    QString name;
    QStringList subnets; // IPv4 networks of its addresses, "192.168.1.0/24"
};

class ScopePage : public SettingsPage {
    Q_OBJECT
public:
    explicit ScopePage(QWidget* parent = nullptr);

    QString title() const override { return tr("Scope"); }
    void load(const QVariantMap& settings) override;
    void store(QVariantMap* settings) const override;
    settings::FieldErrors checkFields() const override;

    // The machine's interfaces except loopback (QNetworkInterface::allInterfaces()).
    static QList<LanInterface> systemInterfaces();
    // Replaces the interface list (tests use made-up interfaces); keeps the checked names.
    void setInterfaces(const QList<LanInterface>& interfaces);

private:
    void updateEnabled();
    void suggestSubnets(const QStringList& subnets);
    QStringList checkedInterfaces() const;
    void setCheckedInterfaces(const QStringList& names);

    QRadioButton* local_;
    QRadioButton* gateway_;
    QRadioButton* both_;
    QGroupBox* lan_;
    QListWidget* interfaces_;
    QPlainTextEdit* sources_;
    QCheckBox* ipForward_;
};

} // namespace weir
