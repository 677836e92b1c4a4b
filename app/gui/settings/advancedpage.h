// AdvancedPage: numbers most users never change: the proxy core's port, the marks, the routing table,
// whether the helper puts its rules back when another tool removes them, and the core's limits
// (connections, threads, timeouts).
#pragma once

#include <optional>

#include "gui/settings/settingspage.h"

class QCheckBox;
class QLineEdit;
class QSpinBox;

namespace weir {

class AdvancedPage : public SettingsPage {
    Q_OBJECT
public:
    explicit AdvancedPage(QWidget* parent = nullptr);

    QString title() const override { return tr("Advanced"); }
    void load(const QVariantMap& settings) override;
    void store(QVariantMap* settings) const override;
    settings::FieldErrors checkFields() const override;

    // "0x5746" or "5746" (hex either way) -> 0x5746; nullopt when not a 32-bit hex number.
    static std::optional<quint32> parseHex(const QString& text);
    static QString formatHex(quint32 value);

private:
    QSpinBox* proxyPort_;
    QLineEdit* outgoingMark_;
    QLineEdit* fwmark_;
    QLineEdit* routeTable_;
    QCheckBox* reapply_;
    QCheckBox* restore_;
    QSpinBox* maxConnections_;
    QSpinBox* workers_;
    QSpinBox* connectTimeout_;
    QSpinBox* idleTimeout_ = nullptr;
    QSpinBox* historyLimit_ = nullptr;
};

} // namespace weir
