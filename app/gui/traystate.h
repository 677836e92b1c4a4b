// What the tray and the Connections window say for a helper state. A pure function so every
// combination is unit tested without a tray.
#pragma once

#include <QString>

#include "client/helperclient.h"
#include "interface/helperstatus.h"

namespace weir {

// Each differs in shape, not colour only: Off is a hollow ring (nothing flows), Redirect and Tproxy
// a filled disc with water flowing over the weir (and the mode's letter), Degraded adds a "!" badge,
// Unavailable a slash, NotAuthorized a padlock badge.
enum class StateIcon { Off, Redirect, Tproxy, Degraded, Unavailable, NotAuthorized };

struct TrayState {
    StateIcon icon = StateIcon::Unavailable;
    QString iconPath;           // resource path of the icon's SVG
    QString summary;            // short: "Interception on (REDIRECT)", for the top of the tray menu
    QString toolTip;            // tray tooltip: "Weir — interception on (REDIRECT)" and more lines
    QString statusText;         // the full sentence for the Connections window's status bar
    QString notice;             // degraded health, last error and warnings, for a second line in the menu
    QString toggleText;         // "Enable interception" / "Disable interception"
    bool canToggle = false;     // the helper answers, so Enable/Disable can be asked for
    bool enabled = false;       // interception is on
    bool problem = false;       // statusText is an error the user should act on
    QString stripText;          // the window's state strip: "Interception is on: …" / "… off: …"
    QString mode;               // "redirect" | "tproxy": the tray's mode switch shows it checked
    bool canChangeMode = false; // the helper answers, so a mode change can be asked for
    // What the helper did at start with the user's last choice, in words, while it still describes the
    // state (restored and on, or failed and off); empty otherwise. A tooltip line, and the tray's
    // balloon once per helper (restoreKey tells one restore outcome from another).
    QString restoreTitle;
    QString restoreMessage;
    bool restoreFailed = false;
    QString restoreKey;
};

// clientError: HelperClient::lastError(), the reason when the helper is unavailable or refuses.
TrayState trayStateFor(HelperClient::Availability availability, const HelperStatus& status,
                       const QString& clientError = {});

QString iconPathFor(StateIcon icon);

// Whether the tray's balloon tells state's restore outcome now. *announced holds the outcome told
// last and is updated: each outcome is told once, and once no helper answers it is forgotten, so a
// helper that comes back with the same outcome is news again.
bool takeRestoreAnnouncement(HelperClient::Availability availability, const TrayState& state,
                             QString* announced);

} // namespace weir
