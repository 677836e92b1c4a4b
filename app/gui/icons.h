// Icons from the embedded SVGs (resources/icons). When Qt's SVG plugins are missing (Debian:
// libqt6svg6) the tray would be an invisible blank, so a plain painted disc in the state's colour
// stands in, with the same shape per state.
#pragma once

#include <QIcon>

#include "gui/traystate.h"

namespace weir {

QIcon trayIcon(StateIcon icon);
QIcon applicationIcon(); // the theme's io.github.weir.Weir first, then the embedded one
bool svgIconsSupported();
// A padlock for actions that ask for a password (the theme's object-locked, or a painted one).
QIcon padlockIcon();

} // namespace weir
