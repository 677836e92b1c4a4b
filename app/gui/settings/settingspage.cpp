#include "gui/settings/settingspage.h"

#include <QFormLayout>
#include <QLabel>
#include <QPlainTextEdit>
#include <QTextDocument>
#include <QRegularExpression>
#include <QVBoxLayout>

#include "gui/palette.h"

namespace weir {

SettingsPage::SettingsPage(QWidget* parent)
    : QWidget(parent) {}

QLabel* SettingsPage::registerField(const QString& key, QWidget* markWidget) {
    auto* error = new QLabel(this);
    error->setObjectName(key + QStringLiteral("_error"));
    error->setWordWrap(true);
    error->setStyleSheet(palette::errorLabelStyleSheet());
    error->setTextInteractionFlags(Qt::TextSelectableByMouse);
    error->hide();
    fields_.insert(key, Field{markWidget, error});
    return error;
}

void SettingsPage::addField(QFormLayout* form, const QString& key, const QString& label, QWidget* field,
                            QWidget* markWidget) {
    auto* box = new QWidget(this);
    auto* layout = new QVBoxLayout(box);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->setSpacing(2);
    layout->addWidget(field);
    layout->addWidget(registerField(key, markWidget ? markWidget : field));
    if (label.isEmpty())
        form->addRow(box);
    else
        form->addRow(label, box);
}

QFormLayout* SettingsPage::makeForm() {
    auto* page = new QVBoxLayout(this);
    auto* form = new QFormLayout;
    form->setFieldGrowthPolicy(QFormLayout::AllNonFixedFieldsGrow);
    page->addLayout(form);
    page->addStretch(1);
    return form;
}

void SettingsPage::setLines(QPlainTextEdit* edit, int lines) {
    edit->setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Fixed);
    const int frame = 2 * edit->frameWidth() + int(2 * edit->document()->documentMargin());
    edit->setFixedHeight(edit->fontMetrics().lineSpacing() * lines + frame);
}

QLabel* SettingsPage::note(const QString& text, QWidget* parent) {
    auto* label = new QLabel(text, parent);
    label->setWordWrap(true);
    label->setEnabled(false); // the palette's disabled text: grey on every theme
    return label;
}

void SettingsPage::setFieldError(const QString& key, const QString& message) {
    const auto it = fields_.constFind(key);
    if (it == fields_.cend())
        return;
    it->error->setText(message);
    it->error->setVisible(!message.isEmpty());
    palette::markField(it->mark, !message.isEmpty());
}

void SettingsPage::clearFieldErrors() {
    for (auto it = fields_.cbegin(); it != fields_.cend(); ++it)
        setFieldError(it.key(), {});
}

QString SettingsPage::fieldError(const QString& key) const {
    const auto it = fields_.constFind(key);
    return it == fields_.cend() ? QString() : it->error->text();
}

bool SettingsPage::hasErrors() const {
    for (const Field& f : fields_) {
        if (!f.error->text().isEmpty())
            return true;
    }
    return false;
}

QWidget* SettingsPage::field(const QString& key) const {
    return fields_.value(key).mark;
}

QStringList splitEntries(const QString& text) {
    static const QRegularExpression separators(QStringLiteral("[,\\s]+"));
    return text.split(separators, Qt::SkipEmptyParts);
}

} // namespace weir
