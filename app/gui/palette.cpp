#include "gui/palette.h"

#include <QApplication>
#include <QPalette>
#include <QWidget>

#include "gui/traystate.h"

namespace weir::palette {

QString bannerStyleSheet(const QString& objectName) {
    return QStringLiteral("#%1 { background: %2; border: 1px solid %3; border-radius: 4px; }"
                          "#%1 QLabel { color: %4; background: transparent; }")
        .arg(objectName, bannerBackground.name(), bannerBorder.name(), bannerText.name());
}

QString errorLabelStyleSheet(bool strong) {
    return QStringLiteral("color: %1;%2")
        .arg(errorText.name(), strong ? QStringLiteral(" font-weight: bold;") : QString());
}

QString successLabelStyleSheet() {
    return QStringLiteral("color: %1;").arg(successText.name());
}

QString noticeStyleSheet(const QString& objectName) {
    return QStringLiteral("#%1 { background: %2; border: 1px solid %3; border-radius: 4px; }"
                          "#%1 QLabel { color: %4; background: transparent; }")
        .arg(objectName, noticeBackground.name(), noticeBorder.name(), noticeText.name());
}

QString stripStyleSheet(const QString& objectName, StateIcon state) {
    QColor tint = stripOff;
    if (state == StateIcon::Redirect || state == StateIcon::Tproxy)
        tint = stripOn;
    else if (state != StateIcon::Off)
        tint = stripProblem;
    return QStringLiteral("#%1 { background: %2; border-radius: 3px; }"
                          "#%1 QLabel { color: %3; background: transparent; }")
        .arg(objectName, tint.name(), stripText.name());
}

void markField(QWidget* field, bool bad) {
    if (!field)
        return;
    field->setProperty("weirBad", bad);
    if (!bad) {
        field->setPalette(QPalette());
        return;
    }
    QPalette p = field->palette();
    p.setColor(QPalette::Base, errorFieldBase);
    p.setColor(QPalette::Text, bannerText);
    field->setPalette(p);
}

} // namespace weir::palette
