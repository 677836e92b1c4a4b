// RulesPreviewDialog: the text PreviewRules returned (iptables-save sections, ip rules and routes,
// sysctls, listeners), read-only and monospace, with a Copy button.
#pragma once

#include <QDialog>

class QPlainTextEdit;

namespace weir {

class RulesPreviewDialog : public QDialog {
    Q_OBJECT
public:
    explicit RulesPreviewDialog(const QString& text, QWidget* parent = nullptr);
    QString text() const;

private:
    QPlainTextEdit* view_;
};

} // namespace weir
