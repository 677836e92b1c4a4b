#include "gui/problembanner.h"

#include <QHBoxLayout>
#include <QLabel>
#include <QPushButton>
#include <QStyle>
#include <QToolButton>

#include "gui/icons.h"
#include "gui/palette.h"

namespace weir {

ProblemBanner::ProblemBanner(QWidget* parent)
    : QFrame(parent)
    , icon_(new QLabel(this))
    , text_(new QLabel(this))
    , action_(new QPushButton(this))
    , close_(new QToolButton(this)) {
    setObjectName(QStringLiteral("problemBanner"));
    text_->setWordWrap(true);
    text_->setTextInteractionFlags(Qt::TextSelectableByMouse);
    close_->setAutoRaise(true);
    close_->setIcon(style()->standardIcon(QStyle::SP_TitleBarCloseButton));
    close_->setToolTip(tr("Dismiss"));
    connect(close_, &QToolButton::clicked, this, [this] {
        setMessage({});
        Q_EMIT dismissed();
    });
    connect(action_, &QPushButton::clicked, this, &ProblemBanner::actionTriggered);
    auto* layout = new QHBoxLayout(this);
    layout->setContentsMargins(8, 6, 6, 6);
    layout->addWidget(icon_, 0, Qt::AlignTop);
    layout->addWidget(text_, 1);
    layout->addWidget(action_, 0, Qt::AlignVCenter);
    layout->addWidget(close_, 0, Qt::AlignTop);
    setMessage({});
}

void ProblemBanner::setMessage(const QString& text, Kind kind, const QString& actionText, bool dismissable) {
    kind_ = kind;
    text_->setText(text);
    action_->setText(actionText);
    action_->setVisible(!actionText.isEmpty());
    close_->setVisible(dismissable);
    const int size = style()->pixelMetric(QStyle::PM_SmallIconSize) * 2;
    icon_->setPixmap(kind == Kind::Error
                         ? trayIcon(StateIcon::Unavailable).pixmap(size, size)
                         : style()->standardIcon(QStyle::SP_MessageBoxInformation).pixmap(size, size));
    setStyleSheet(kind == Kind::Error ? palette::bannerStyleSheet(objectName())
                                      : palette::noticeStyleSheet(objectName()));
    setVisible(!text.isEmpty());
}

QString ProblemBanner::text() const {
    return isHidden() ? QString() : text_->text();
}

QString ProblemBanner::actionText() const {
    return action_->isHidden() ? QString() : action_->text();
}

} // namespace weir
