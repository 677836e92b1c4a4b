// The GUI's few colours, in one place: problem banner, error text and marked fields. Chosen to stay
// readable on light themes; every use goes through these names so a dark-theme pass touches one file.
#pragma once

#include <QColor>
#include <QString>

class QWidget;

namespace weir {
enum class StateIcon;
}

namespace weir::palette {

inline const QColor errorText{0xc6, 0x28, 0x28};        // error labels, the status bar's problem text
inline const QColor errorFieldBase{0xfd, 0xec, 0xea};   // background of a field with a bad value
inline const QColor bannerBackground{0xfd, 0xec, 0xea}; // problem banner
inline const QColor bannerBorder{0xe6, 0xa1, 0xa1};
inline const QColor bannerText{0x8a, 0x1c, 0x1c};
inline const QColor successText{0x2e, 0x7d, 0x32};      // "Applied."
inline const QColor noticeBackground{0xe8, 0xf1, 0xfb}; // informational banner
inline const QColor noticeBorder{0x9b, 0xbf, 0xe6};
inline const QColor noticeText{0x1a, 0x3e, 0x66};
// The connections window's state strip: a tint per state (the words carry the state, not this).
inline const QColor stripOn{0xe3, 0xf4, 0xe6};
inline const QColor stripOff{0xec, 0xed, 0xef};
inline const QColor stripProblem{0xfd, 0xf1, 0xdc};
inline const QColor stripText{0x20, 0x24, 0x28};
// The traffic graph's two lines.
inline const QColor graphSent{0xd9, 0x6c, 0x0f};
inline const QColor graphReceived{0x2f, 0x6f, 0xd6};

// Style sheet for the problem banner frame with the given object name.
QString bannerStyleSheet(const QString& objectName);
// Style sheet for a QLabel that shows an error (red, bold when strong).
QString errorLabelStyleSheet(bool strong = false);
QString successLabelStyleSheet();
// Style sheet for an informational banner (not an error).
QString noticeStyleSheet(const QString& objectName);
// Style sheet for the state strip in the given state.
QString stripStyleSheet(const QString& objectName, StateIcon state);
// Marks a field (line edit, text edit, list) as holding a bad value, or clears the mark. Uses the
// widget's palette, not a style sheet, so the platform style keeps drawing the frame.
void markField(QWidget* field, bool bad);

} // namespace weir::palette
