#include "gui/settings/settingsdialog.h"

#include <QDialogButtonBox>
#include <QLabel>
#include <QPushButton>
#include <QStyle>
#include <QTabWidget>
#include <QVBoxLayout>

#include "gui/palette.h"
#include "gui/settings/advancedpage.h"
#include "gui/settings/exclusionspage.h"
#include "gui/settings/filterpage.h"
#include "gui/settings/modepage.h"
#include "gui/settings/rulespreviewdialog.h"
#include "gui/settings/scopepage.h"
#include "gui/settings/upstreampage.h"

namespace weir {

SettingsDialog::SettingsDialog(HelperClient* client, QWidget* parent)
    : QDialog(parent)
    , client_(client)
    , tabs_(new QTabWidget(this))
    , message_(new QLabel(this))
    , helperWarnings_(new QLabel(this))
    , buttons_(new QDialogButtonBox(QDialogButtonBox::Apply | QDialogButtonBox::Close, this)) {
    setWindowTitle(tr("Weir — Settings"));
    addPage(new ModePage);
    addPage(new ScopePage);
    addPage(new FilterPage);
    addPage(new ExclusionsPage);
    addPage(new UpstreamPage);
    addPage(new AdvancedPage);

    message_->setObjectName(QStringLiteral("message"));
    message_->setWordWrap(true);
    message_->setTextInteractionFlags(Qt::TextSelectableByMouse);
    apply_ = buttons_->button(QDialogButtonBox::Apply);
    preview_ = buttons_->addButton(tr("Preview rules…"), QDialogButtonBox::ActionRole);
    preview_->setToolTip(tr("Show the firewall rules and routes these settings would install"));
    connect(apply_, &QPushButton::clicked, this, &SettingsDialog::apply);
    connect(preview_, &QPushButton::clicked, this, &SettingsDialog::preview);
    connect(buttons_, &QDialogButtonBox::rejected, this, &QDialog::reject);

    helperWarnings_->setObjectName(QStringLiteral("helperWarnings"));
    helperWarnings_->setWordWrap(true);
    helperWarnings_->setTextInteractionFlags(Qt::TextSelectableByMouse);
    helperWarnings_->setContentsMargins(6, 4, 6, 4);
    helperWarnings_->setStyleSheet(
        palette::noticeStyleSheet(helperWarnings_->objectName()) +
        QStringLiteral(" #helperWarnings { color: %1; }").arg(palette::noticeText.name()));

    auto* layout = new QVBoxLayout(this);
    layout->addWidget(helperWarnings_);
    layout->addWidget(tabs_, 1);
    layout->addWidget(message_);
    layout->addWidget(buttons_);

    connectClient();
    showHelperWarnings(client_->status().warnings);
    load({});
    loaded_ = false;
    updateButtons();
}

SettingsDialog::~SettingsDialog() = default;

void SettingsDialog::connectClient() {
    // HelperClient's results carry no request id: only the call this dialog is waiting for is taken.
    connect(client_, &HelperClient::settingsReceived, this, [this](const QVariantMap& s) {
        if (waiting_ == Waiting::Load)
            onSettingsReceived(s);
    });
    connect(client_, &HelperClient::settingsFailed, this, [this](const QString& m) {
        if (waiting_ == Waiting::Load)
            onSettingsFailed(m);
    });
    connect(client_, &HelperClient::settingsApplied, this,
            [this](bool ok, const QString& m, const QMap<QString, QString>& e) {
                if (waiting_ == Waiting::Apply)
                    onSettingsApplied(ok, m, e);
            });
    connect(client_, &HelperClient::previewReceived, this,
            [this](bool ok, const QString& t, const QString& m, const QMap<QString, QString>& e) {
                if (waiting_ == Waiting::Preview)
                    onPreviewReceived(ok, t, m, e);
            });
    // The mode may change under an open dialog (the tray's switch, weirctl): follow it unless the user
    // has edits of their own, which a reload would throw away.
    connect(client_, &HelperClient::statusChanged, this, [this](const HelperStatus& status) {
        showHelperWarnings(status.warnings);
        if (isVisible() && loaded_ && waiting_ == Waiting::Nothing && changes().isEmpty() &&
            status.mode != base_.value(QStringLiteral("mode")).toString())
            refresh();
    });
}

void SettingsDialog::addPage(SettingsPage* page) {
    pages_ << page;
    tabs_->addTab(page, page->title());
    connect(page, &SettingsPage::edited, this, &SettingsDialog::onEdited);
}

void SettingsDialog::load(const QVariantMap& settings) {
    loading_ = true;
    base_ = settings::canonicalMap(settings);
    for (SettingsPage* page : std::as_const(pages_))
        page->load(base_);
    loading_ = false;
    loaded_ = true;
    revalidate();
}

QVariantMap SettingsDialog::edited() const {
    QVariantMap map = base_;
    for (const SettingsPage* page : pages_)
        page->store(&map);
    return map;
}

QVariantMap SettingsDialog::changes() const {
    return settings::changes(base_, edited());
}

void SettingsDialog::onEdited() {
    if (loading_)
        return;
    setMessage({}, false);
    revalidate();
}

// The pages' own checks first (in the user's language), then the helper's rules over the whole map
// for everything else (combinations such as "scope gateway needs an interface").
void SettingsDialog::revalidate() {
    const QVariantMap full = edited();
    settings::FieldErrors errors;
    for (SettingsPage* page : std::as_const(pages_)) {
        page->followSettings(full);
        errors.insert(page->checkFields());
    }
    const settings::FieldErrors rules = settings::validate(full);
    for (auto it = rules.cbegin(); it != rules.cend(); ++it) {
        if (!errors.contains(it.key()))
            errors.insert(it.key(), it.value());
    }
    localErrors_ = errors;
    showErrors(errors);
    updateButtons();
}

void SettingsDialog::showErrors(const settings::FieldErrors& errors) {
    const QIcon marker = style()->standardIcon(QStyle::SP_MessageBoxWarning);
    for (int i = 0; i < pages_.size(); ++i) {
        SettingsPage* page = pages_[i];
        page->clearFieldErrors();
        for (auto it = errors.cbegin(); it != errors.cend(); ++it)
            page->setFieldError(it.key(), it.value());
        const bool bad = page->hasErrors();
        tabs_->setTabIcon(i, bad ? marker : QIcon());
        tabs_->setTabToolTip(i, bad ? tr("Something on this page needs fixing") : QString());
    }
}

void SettingsDialog::setInlineValidation(bool on) {
    inlineValidation_ = on;
    updateButtons();
}

void SettingsDialog::refresh() {
    if (waiting_ != Waiting::Nothing)
        return;
    setMessage(tr("Reading the settings…"), false);
    setWaiting(Waiting::Load);
    client_->fetchSettings();
}

void SettingsDialog::apply() {
    const QVariantMap toSend = changes();
    if (waiting_ != Waiting::Nothing || toSend.isEmpty())
        return;
    if (inlineValidation_ && !localErrors_.isEmpty()) {
        setMessage(tr("Fix the marked fields first."), true);
        return;
    }
    setMessage(tr("Waiting for the helper (it may ask for your password)…"), false);
    setWaiting(Waiting::Apply);
    client_->applySettings(toSend);
}

void SettingsDialog::preview() {
    if (waiting_ != Waiting::Nothing)
        return;
    setMessage(tr("Asking the helper for the rules…"), false);
    setWaiting(Waiting::Preview);
    client_->previewRules(changes());
}

void SettingsDialog::onSettingsReceived(const QVariantMap& settings) {
    load(settings); // first: loaded_ decides whether the pages may be edited
    setMessage({}, false);
    setWaiting(Waiting::Nothing);
}

void SettingsDialog::onSettingsFailed(const QString& message) {
    setWaiting(Waiting::Nothing);
    if (!loaded_)
        tabs_->setEnabled(false);
    setMessage(tr("Could not read the settings: %1").arg(message), true);
    updateButtons();
}

void SettingsDialog::onSettingsApplied(bool ok, const QString& message,
                                       const QMap<QString, QString>& fieldErrors) {
    setWaiting(Waiting::Nothing);
    if (!ok) {
        showFailure(message, fieldErrors);
        return;
    }
    // What was sent is now the helper's state; the next Apply sends only what changes after this.
    base_ = settings::canonicalMap(edited());
    revalidate();
    setMessage(tr("Applied."), false);
    message_->setStyleSheet(palette::successLabelStyleSheet());
}

void SettingsDialog::onPreviewReceived(bool ok, const QString& text, const QString& message,
                                       const QMap<QString, QString>& fieldErrors) {
    setWaiting(Waiting::Nothing);
    if (!ok) {
        showFailure(message, fieldErrors);
        return;
    }
    setMessage({}, false);
    if (previewDialog_)
        previewDialog_->close();
    previewDialog_ = new RulesPreviewDialog(text, this);
    previewDialog_->setAttribute(Qt::WA_DeleteOnClose);
    connect(previewDialog_, &QObject::destroyed, this, [this] { previewDialog_ = nullptr; });
    previewDialog_->show();
}

// The helper's per-key errors go next to their fields and the first bad page is shown; keys no page
// shows, and failures without keys (Polkit refused, rules could not be installed), go to the message.
void SettingsDialog::showFailure(const QString& message, const settings::FieldErrors& fieldErrors) {
    settings::FieldErrors all = localErrors_;
    QStringList unplaced;
    for (auto it = fieldErrors.cbegin(); it != fieldErrors.cend(); ++it) {
        all.insert(it.key(), it.value());
        if (pageIndex(it.key()) < 0)
            unplaced << it.key() + QStringLiteral(": ") + it.value();
    }
    showErrors(all);
    for (auto it = fieldErrors.cbegin(); it != fieldErrors.cend(); ++it) {
        if (const int index = pageIndex(it.key()); index >= 0) {
            tabs_->setCurrentIndex(index);
            break;
        }
    }
    QString text = fieldErrors.isEmpty() || !unplaced.isEmpty()
                       ? tr("The helper did not accept the settings: %1").arg(message)
                       : tr("The helper did not accept the settings: see the marked fields.");
    if (!unplaced.isEmpty() && !message.contains(unplaced.first()))
        text += QLatin1Char('\n') + unplaced.join(QLatin1Char('\n'));
    setMessage(text, true);
}

QString SettingsDialog::fieldError(const QString& key) const {
    const SettingsPage* page = pageFor(key);
    return page ? page->fieldError(key) : QString();
}

SettingsPage* SettingsDialog::pageFor(const QString& key) const {
    const int index = pageIndex(key);
    return index < 0 ? nullptr : pages_[index];
}

int SettingsDialog::pageIndex(const QString& key) const {
    for (int i = 0; i < pages_.size(); ++i) {
        if (pages_[i]->owns(key))
            return i;
    }
    return -1;
}

bool SettingsDialog::tabMarked(int index) const {
    return !tabs_->tabIcon(index).isNull();
}

QString SettingsDialog::messageText() const {
    return message_->text();
}

QString SettingsDialog::helperWarningsText() const {
    return helperWarnings_->text();
}

bool SettingsDialog::helperWarningsShown() const {
    return !helperWarnings_->isHidden();
}

// A user who opens the dialog after the helper fell back to defaults must see why the values are
// not theirs, not only in the tray's tooltip.
void SettingsDialog::showHelperWarnings(const QStringList& warnings) {
    QStringList lines;
    for (const QString& warning : warnings)
        lines << tr("Warning from the helper: %1").arg(warning);
    helperWarnings_->setText(lines.join(QLatin1Char('\n')));
    helperWarnings_->setHidden(lines.isEmpty());
}

void SettingsDialog::setWaiting(Waiting waiting) {
    const bool wasApplying = waiting_ == Waiting::Apply;
    waiting_ = waiting;
    // While an Apply runs the values on screen are what is being sent: no edits meanwhile.
    tabs_->setEnabled(waiting != Waiting::Apply && (loaded_ || waiting == Waiting::Load));
    updateButtons();
    if (wasApplying != (waiting == Waiting::Apply))
        Q_EMIT busyChanged(waiting == Waiting::Apply);
}

void SettingsDialog::setMessage(const QString& text, bool error) {
    message_->setText(text);
    message_->setStyleSheet(error ? palette::errorLabelStyleSheet() : QString());
    message_->setVisible(!text.isEmpty());
}

void SettingsDialog::updateButtons() {
    const bool idle = waiting_ == Waiting::Nothing && loaded_;
    const bool clean = !inlineValidation_ || localErrors_.isEmpty();
    apply_->setEnabled(idle && clean && !changes().isEmpty());
    preview_->setEnabled(idle && clean);
}

} // namespace weir
