// StateStrip: a line across the top of the connections window that says at a glance whether
// interception is on: icon, words ("Interception is ON …") and a background tint. The words and the
// icon carry the state; the tint only repeats it.
#pragma once

#include <QFrame>

#include "gui/traystate.h"

class QLabel;

namespace weir {

class StateStrip : public QFrame {
    Q_OBJECT
public:
    explicit StateStrip(QWidget* parent = nullptr);
    void setState(const TrayState& state);
    QString text() const;

private:
    QLabel* icon_;
    QLabel* text_;
};

} // namespace weir
