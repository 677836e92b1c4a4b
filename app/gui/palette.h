// The GUI's few colours, in one place: problem banner, error text and marked fields. Chosen to stay
// readable on light themes; every use goes through these names so a dark-theme pass touches one file.
#pragma once

#include <QColor>
#include <QString>

class QWidget;

namespace weir::palette {

inline const QColor errorText{0xc6, 0x28, 0x28};        // error labels, the status bar's problem text
inline const QColor errorFieldBase{0xfd, 0xec, 0xea};   // background of a field with a bad value
inline const QColor bannerBackground{0xfd, 0xec, 0xea}; // problem banner
inline const QColor bannerBorder{0xe6, 0xa1, 0xa1};
inline const QColor bannerText{0x8a, 0x1c, 0x1c};
inline const QColor successText{0x2e, 0x7d, 0x32}; // "Applied."

// Style sheet for the problem banner frame with the given object name.
QString bannerStyleSheet(const QString& objectName);
// Style sheet for a QLabel that shows an error (red, bold when strong).
QString errorLabelStyleSheet(bool strong = false);
QString successLabelStyleSheet();
// Marks a field (line edit, text edit, list) as holding a bad value, or clears the mark. Uses the
// widget's palette, not a style sheet, so the platform style keeps drawing the frame.
void markField(QWidget* field, bool bad);

} // namespace weir::palette
