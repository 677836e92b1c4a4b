// UpstreamPage: where intercepted connections go on to: straight to their destination, or through a
// SOCKS5 or HTTP CONNECT proxy (host, port, optional user and password), and what UDP does when the
// proxy cannot carry it. The helper never sends the stored password: the page shows that one is
// stored and sends the masked URL back (which keeps it) unless a new password is typed.
#pragma once

#include "config/upstream.h"
#include "gui/settings/settingspage.h"

class QComboBox;
class QLineEdit;
class QSpinBox;

namespace weir {

class UpstreamPage : public SettingsPage {
    Q_OBJECT
public:
    explicit UpstreamPage(QWidget* parent = nullptr);

    QString title() const override { return tr("Upstream"); }
    void load(const QVariantMap& settings) override;
    void store(QVariantMap* settings) const override;
    settings::FieldErrors checkFields() const override;

    // The upstream the fields describe (the password empty when a stored one is kept).
    Upstream upstream() const;
    // Whether the helper holds a password that the page keeps (nothing typed over it).
    bool keepsStoredPassword() const;

private:
    void followKind();

    QComboBox* kind_;
    QLineEdit* host_;
    QSpinBox* port_;
    QLineEdit* user_;
    QLineEdit* password_;
    QComboBox* udp_;
    Upstream loaded_;             // as the helper sent it (password masked)
    bool passwordStored_ = false; // loaded_ has a (masked) password
};

} // namespace weir
