#include "gui/statestrip.h"

#include <QHBoxLayout>
#include <QLabel>
#include <QStyle>

#include "gui/icons.h"
#include "gui/palette.h"

namespace weir {

StateStrip::StateStrip(QWidget* parent)
    : QFrame(parent)
    , icon_(new QLabel(this))
    , text_(new QLabel(this)) {
    setObjectName(QStringLiteral("stateStrip"));
    QFont bold = text_->font();
    bold.setBold(true);
    text_->setFont(bold);
    auto* layout = new QHBoxLayout(this);
    layout->setContentsMargins(8, 4, 8, 4);
    layout->addWidget(icon_);
    layout->addWidget(text_, 1);
}

void StateStrip::setState(const TrayState& state) {
    const int size = style()->pixelMetric(QStyle::PM_SmallIconSize);
    icon_->setPixmap(trayIcon(state.icon).pixmap(size, size));
    text_->setText(state.stripText.isEmpty() ? state.summary : state.stripText);
    setToolTip(state.statusText);
    setStyleSheet(palette::stripStyleSheet(objectName(), state.icon));
}

QString StateStrip::text() const {
    return text_->text();
}

} // namespace weir
