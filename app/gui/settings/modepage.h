// ModePage: REDIRECT or TPROXY, explained in plain words, and whether UDP is intercepted (TPROXY only).
#pragma once

#include "gui/settings/settingspage.h"

class QCheckBox;
class QLabel;
class QRadioButton;

namespace weir {

class ModePage : public SettingsPage {
    Q_OBJECT
public:
    explicit ModePage(QWidget* parent = nullptr);

    QString title() const override { return tr("Mode"); }
    void load(const QVariantMap& settings) override;
    void store(QVariantMap* settings) const override;

private:
    void updateUdp();

    QRadioButton* redirect_;
    QRadioButton* tproxy_;
    QCheckBox* udp_;
    QLabel* udpNote_;
    bool udpWanted_ = false; // the box's state while REDIRECT forces it off
};

} // namespace weir
