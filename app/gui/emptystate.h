// What an empty connections table says, and the button it offers: why it is empty (helper missing,
// not allowed, interception off, nothing yet, nothing matching the filter) and what to do. A pure
// function for the words, so each situation is unit tested; EmptyStateView shows them over the table.
#pragma once

#include <QString>
#include <QWidget>

#include "client/helperclient.h"

class QLabel;
class QPushButton;

namespace weir {

enum class EmptyReason {
    None, // the table has rows to show
    Connecting,
    HelperMissing,
    NotAuthorized,
    InterceptionOff,
    NoConnectionYet,
    OnlyClosedHidden, // every row is closed and closed ones are hidden
    NothingMatches,   // the filter hides every row
};

struct EmptyState {
    EmptyReason reason = EmptyReason::None;
    QString text;
    QString actionText; // the button's label; empty for none
};

struct EmptyInputs {
    HelperClient::Availability availability = HelperClient::Availability::Unknown;
    bool enabled = false;
    int totalRows = 0;     // in the model
    int shownRows = 0;     // after filtering
    bool filtered = false; // a quick or column filter is set
};

EmptyState emptyStateFor(const EmptyInputs& in);

class EmptyStateView : public QWidget {
    Q_OBJECT
public:
    explicit EmptyStateView(QWidget* parent = nullptr);
    void setState(const EmptyState& state);
    const EmptyState& state() const { return state_; }
    QString text() const;
    QPushButton* actionButton() const { return button_; }

Q_SIGNALS:
    void actionTriggered(weir::EmptyReason reason);

private:
    EmptyState state_;
    QLabel* label_;
    QPushButton* button_;
};

} // namespace weir
