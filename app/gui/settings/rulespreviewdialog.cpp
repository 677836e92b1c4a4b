#include "gui/settings/rulespreviewdialog.h"

#include <QApplication>
#include <QClipboard>
#include <QDialogButtonBox>
#include <QFontDatabase>
#include <QLabel>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QVBoxLayout>

namespace weir {

RulesPreviewDialog::RulesPreviewDialog(const QString& text, QWidget* parent)
    : QDialog(parent)
    , view_(new QPlainTextEdit(this)) {
    setWindowTitle(tr("Weir — Rules preview"));
    view_->setObjectName(QStringLiteral("previewText"));
    view_->setReadOnly(true);
    view_->setLineWrapMode(QPlainTextEdit::NoWrap);
    view_->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    view_->setPlainText(text);

    auto* buttons = new QDialogButtonBox(QDialogButtonBox::Close, this);
    QPushButton* copy = buttons->addButton(tr("Copy"), QDialogButtonBox::ActionRole);
    connect(copy, &QPushButton::clicked, this,
            [this] { QApplication::clipboard()->setText(view_->toPlainText()); });
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);

    auto* layout = new QVBoxLayout(this);
    layout->addWidget(
        new QLabel(tr("What these settings would install (nothing has been changed yet):"), this));
    layout->addWidget(view_, 1);
    layout->addWidget(buttons);
    resize(fontMetrics().averageCharWidth() * 110, fontMetrics().height() * 34);
}

QString RulesPreviewDialog::text() const {
    return view_->toPlainText();
}

} // namespace weir
