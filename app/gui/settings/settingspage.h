// SettingsPage: one area of the settings dialog (mode, scope, ...). A page shows some keys of the
// settings map, edits them and writes them back in their bus types; it also shows errors next to the
// field of each key it owns (a red note under the field, the field tinted). The dialog owns the map,
// the helper calls and the tab markers; pages know only their widgets.
#pragma once

#include <QHash>
#include <QVariantMap>
#include <QWidget>

#include "gui/settings/settingsvalues.h"

class QFormLayout;
class QLabel;
class QPlainTextEdit;

namespace weir {

class SettingsPage : public QWidget {
    Q_OBJECT
public:
    explicit SettingsPage(QWidget* parent = nullptr);

    virtual QString title() const = 0;
    // Shows the keys this page owns from a full settings map.
    virtual void load(const QVariantMap& settings) = 0;
    // Writes every key this page owns into *settings, in its bus type. Entries the page cannot turn
    // into a value (a user name that does not exist) are left out and reported by checkFields().
    virtual void store(QVariantMap* settings) const = 0;
    // Checks what only the page can check (syntax of what was typed), in the user's language.
    virtual settings::FieldErrors checkFields() const { return {}; }
    // The full map is known to the dialog; pages that enable fields by another key's value (UDP by
    // mode, LAN fields by scope) follow it here.
    virtual void followSettings(const QVariantMap&) {}

    QStringList keys() const { return fields_.keys(); }
    bool owns(const QString& key) const { return fields_.contains(key); }
    // Shows message under the key's field (empty clears it).
    void setFieldError(const QString& key, const QString& message);
    void clearFieldErrors();
    QString fieldError(const QString& key) const;
    bool hasErrors() const;
    QWidget* field(const QString& key) const;

Q_SIGNALS:
    // The user edited something.
    void edited();

protected:
    // Adds a row "label: field" with an (initially hidden) error note under the field; markWidget is the
    // widget tinted on error (the field itself when null).
    void addField(QFormLayout* form, const QString& key, const QString& label, QWidget* field,
                  QWidget* markWidget = nullptr);
    // For fields laid out by the page itself: registers the key with an error note placed by the page.
    QLabel* registerField(const QString& key, QWidget* markWidget);
    // The page's form, at the top of the page (the rest of the page stays empty below it).
    QFormLayout* makeForm();
    // A text box sized for a few lines that does not grow with the page.
    static void setLines(QPlainTextEdit* edit, int lines);
    // A grey, word-wrapped explanation.
    static QLabel* note(const QString& text, QWidget* parent = nullptr);

private:
    struct Field {
        QWidget* mark = nullptr;
        QLabel* error = nullptr;
    };
    QHash<QString, Field> fields_;
};

// Text helpers shared by pages: one entry per line or comma, blanks dropped.
QStringList splitEntries(const QString& text);

} // namespace weir
