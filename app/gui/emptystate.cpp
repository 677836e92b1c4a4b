#include "gui/emptystate.h"

#include <QCoreApplication>
#include <QLabel>
#include <QPushButton>
#include <QVBoxLayout>

namespace weir {

namespace {
QString tr(const char* text) {
    return QCoreApplication::translate("weir::EmptyState", text);
}
} // namespace

EmptyState emptyStateFor(const EmptyInputs& in) {
    using A = HelperClient::Availability;
    if (in.shownRows > 0)
        return {};
    if (in.totalRows > 0) {
        if (in.filtered)
            return {EmptyReason::NothingMatches, tr("No connection matches the filter."),
                    tr("Clear the filter")};
        return {EmptyReason::OnlyClosedHidden,
                tr("Every connection in the list has ended, and ended ones are hidden."),
                tr("Show ended connections")};
    }
    switch (in.availability) {
    case A::Unknown:
        return {EmptyReason::Connecting, tr("Connecting to Weir’s helper…"), {}};
    case A::Unavailable:
        return {EmptyReason::HelperMissing,
                tr("Weir’s helper is not running, so there is nothing to show.\nStart it with “sudo "
                   "systemctl start weir-helper”, or install the weir package if it is missing."),
                tr("Check again")};
    case A::NotAuthorized:
        return {EmptyReason::NotAuthorized,
                tr("Your account is not allowed to see the connections.\nAsk an administrator to allow "
                   "it, or sign in to a desktop session at this computer."),
                tr("Try again")};
    case A::Available:
        break;
    }
    if (!in.enabled)
        return {EmptyReason::InterceptionOff,
                tr("Interception is off: connections go out directly and are not listed.\nTurn it on to "
                   "see them here."),
                tr("Turn interception on")};
    return {EmptyReason::NoConnectionYet,
            tr("No connection yet. Connections appear here as soon as a program opens one."),
            {}};
}

EmptyStateView::EmptyStateView(QWidget* parent)
    : QWidget(parent)
    , label_(new QLabel(this))
    , button_(new QPushButton(this)) {
    setObjectName(QStringLiteral("emptyState"));
    label_->setAlignment(Qt::AlignCenter);
    label_->setWordWrap(true);
    label_->setForegroundRole(QPalette::PlaceholderText);
    auto* layout = new QVBoxLayout(this);
    layout->addStretch(1);
    layout->addWidget(label_);
    layout->addWidget(button_, 0, Qt::AlignHCenter);
    layout->addStretch(1);
    connect(button_, &QPushButton::clicked, this, [this] { Q_EMIT actionTriggered(state_.reason); });
    setState({});
}

void EmptyStateView::setState(const EmptyState& state) {
    state_ = state;
    label_->setText(state.text);
    button_->setText(state.actionText);
    button_->setVisible(!state.actionText.isEmpty());
    setVisible(state.reason != EmptyReason::None);
}

QString EmptyStateView::text() const {
    return isHidden() ? QString() : label_->text();
}

} // namespace weir
