<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="de">
<context>
    <name>main</name>
    <message>
        <source>Weir: transparent proxy manager (tray application)</source>
        <translation>Weir: Verwaltung für den transparenten Proxy (Anwendung für die Systemleiste)</translation>
    </message>
    <message>
        <source>Open the Connections window at start.</source>
        <translation>Beim Start das Fenster „Verbindungen“ öffnen.</translation>
    </message>
    <message>
        <source>Quit after &lt;ms&gt; milliseconds (for screenshots and tests).</source>
        <translation>Nach &lt;ms&gt; Millisekunden beenden (für Bildschirmfotos und Tests).</translation>
    </message>
</context>
<context>
    <name>weir</name>
    <message>
        <source>No connection matches the filter.</source>
        <translation>Keine Verbindung entspricht dem Filter.</translation>
    </message>
    <message>
        <source>Clear the filter</source>
        <translation>Filter leeren</translation>
    </message>
    <message>
        <source>Every connection in the list has ended, and ended ones are hidden.</source>
        <translation>Alle Verbindungen in der Liste sind beendet, und beendete werden ausgeblendet.</translation>
    </message>
    <message>
        <source>Show ended connections</source>
        <translation>Beendete Verbindungen anzeigen</translation>
    </message>
    <message>
        <source>Connecting to Weir’s helper…</source>
        <translation>Verbindung zum Weir-Hilfsdienst wird hergestellt …</translation>
    </message>
    <message>
        <source>Weir’s helper is not running, so there is nothing to show.
Start it with “sudo systemctl start weir-helper”, or install the weir package if it is missing.</source>
        <translation>Der Weir-Hilfsdienst läuft nicht, daher gibt es nichts anzuzeigen.
Starten Sie ihn mit „sudo systemctl start weir-helper“ oder installieren Sie das Paket weir, falls es fehlt.</translation>
    </message>
    <message>
        <source>Check again</source>
        <translation>Erneut prüfen</translation>
    </message>
    <message>
        <source>Your account is not allowed to see the connections.
Ask an administrator to allow it, or sign in to a desktop session at this computer.</source>
        <translation>Ihr Benutzerkonto darf die Verbindungen nicht sehen.
Bitten Sie einen Administrator um die Freigabe oder melden Sie sich direkt an diesem Rechner an einer Desktop-Sitzung an.</translation>
    </message>
    <message>
        <source>Try again</source>
        <translation>Erneut versuchen</translation>
    </message>
    <message>
        <source>Interception is off: connections go out directly and are not listed.
Turn it on to see them here.</source>
        <translation>Das Abfangen ist deaktiviert: Verbindungen gehen direkt hinaus und werden nicht aufgeführt.
Aktivieren Sie es, um sie hier zu sehen.</translation>
    </message>
    <message>
        <source>Turn interception on</source>
        <translation>Abfangen aktivieren</translation>
    </message>
    <message>
        <source>No connection yet. Connections appear here as soon as a program opens one.</source>
        <translation>Noch keine Verbindung. Verbindungen erscheinen hier, sobald ein Programm eine öffnet.</translation>
    </message>
    <message>
        <source>Weir’s helper did not answer in time. Try again; if it keeps happening, restart it with “sudo systemctl restart weir-helper”.</source>
        <translation>Der Weir-Hilfsdienst hat nicht rechtzeitig geantwortet. Versuchen Sie es erneut; passiert das immer wieder, starten Sie ihn mit „sudo systemctl restart weir-helper“ neu.</translation>
    </message>
    <message>
        <source>Weir cannot reach the system bus, so it cannot talk to its helper. Log out and in again; if that does not help, restart the computer.</source>
        <translation>Weir erreicht den Systembus nicht und kann daher nicht mit seinem Hilfsdienst sprechen. Melden Sie sich ab und wieder an; hilft das nicht, starten Sie den Rechner neu.</translation>
    </message>
    <message>
        <source>The Weir helper is not available: it is not running or not installed. Start it with “sudo systemctl start weir-helper”; if that fails, install the weir package again.</source>
        <translation>Der Weir-Hilfsdienst ist nicht verfügbar: Er läuft nicht oder ist nicht installiert. Starten Sie ihn mit „sudo systemctl start weir-helper“; schlägt das fehl, installieren Sie das Paket weir erneut.</translation>
    </message>
    <message>
        <source>This needs an administrator’s password, but no password prompt can be shown in this session. Use Weir from a desktop session, or ask an administrator to allow your account.</source>
        <translation>Dafür ist das Passwort eines Administrators nötig, aber in dieser Sitzung kann keine Passwortabfrage angezeigt werden. Verwenden Sie Weir in einer Desktop-Sitzung oder bitten Sie einen Administrator, Ihr Benutzerkonto freizugeben.</translation>
    </message>
    <message>
        <source>This needs an administrator’s password. Try again and enter it when asked.</source>
        <translation>Dafür ist das Passwort eines Administrators nötig. Versuchen Sie es erneut und geben Sie es ein, wenn Sie danach gefragt werden.</translation>
    </message>
    <message>
        <source>Not authorized: the password was not given, or your account may not use Weir. Try again, or ask an administrator to allow your account.</source>
        <translation>Nicht berechtigt: Das Passwort wurde nicht eingegeben, oder Ihr Benutzerkonto darf Weir nicht verwenden. Versuchen Sie es erneut oder bitten Sie einen Administrator, Ihr Benutzerkonto freizugeben.</translation>
    </message>
    <message>
        <source>Weir’s helper is busy with another change. Try again in a moment.</source>
        <translation>Der Weir-Hilfsdienst ist mit einer anderen Änderung beschäftigt. Versuchen Sie es gleich noch einmal.</translation>
    </message>
    <message>
        <source>Weir’s helper is older than this window and cannot do this. Update the weir package and restart the helper.</source>
        <translation>Der Weir-Hilfsdienst ist älter als dieses Fenster und kann das nicht. Aktualisieren Sie das Paket weir und starten Sie den Hilfsdienst neu.</translation>
    </message>
    <message>
        <source>Weir’s helper could not do it: %1</source>
        <translation>Der Weir-Hilfsdienst konnte das nicht ausführen: %1</translation>
    </message>
    <message>
        <source>Weir’s helper could not ask Polkit whether you may do this, so it refused; nothing was changed. Polkit may be restarting: try again in a moment. If it keeps happening, restart it with “sudo systemctl restart polkit”.</source>
        <translation>Der Weir-Hilfsdienst konnte Polkit nicht fragen, ob Sie das dürfen, und hat deshalb abgelehnt; nichts wurde geändert. Polkit startet vielleicht gerade neu: Versuchen Sie es gleich noch einmal. Passiert das immer wieder, starten Sie es mit „sudo systemctl restart polkit“ neu.</translation>
    </message>
    <message>
        <source>Weir’s helper stopped before it answered; it may have crashed. Try again: the next call starts it again. If it keeps happening, see “journalctl -u weir-helper”.</source>
        <translation>Der Weir-Hilfsdienst wurde beendet, bevor er geantwortet hat; vielleicht ist er abgestürzt. Versuchen Sie es erneut: Der nächste Aufruf startet ihn wieder. Passiert das immer wieder, sehen Sie in „journalctl -u weir-helper“ nach.</translation>
    </message>
</context>
<context>
    <name>weir::AdvancedPage</name>
    <message>
        <source>Put the rules back when another tool removes them</source>
        <translation>Regeln wiederherstellen, wenn ein anderes Programm sie entfernt</translation>
    </message>
    <message>
        <source>No limit</source>
        <translation>Unbegrenzt</translation>
    </message>
    <message>
        <source>One per core</source>
        <translation>Einer je Kern</translation>
    </message>
    <message>
        <source> s</source>
        <translation> s</translation>
    </message>
    <message>
        <source>Never</source>
        <translation>Nie</translation>
    </message>
    <message>
        <source>None</source>
        <translation>Keine</translation>
    </message>
    <message>
        <source>Proxy port:</source>
        <translation>Proxy-Port:</translation>
    </message>
    <message>
        <source>Outgoing mark (hex):</source>
        <translation>Markierung ausgehender Verbindungen (hex):</translation>
    </message>
    <message>
        <source>Set on Weir&apos;s own connections so they are never intercepted again.</source>
        <translation>Wird an Weirs eigene Verbindungen vergeben, damit sie nie ein zweites Mal abgefangen werden.</translation>
    </message>
    <message>
        <source>TPROXY firewall mark (hex):</source>
        <translation>TPROXY-Firewall-Markierung (hex):</translation>
    </message>
    <message>
        <source>TPROXY routing table:</source>
        <translation>TPROXY-Routingtabelle:</translation>
    </message>
    <message>
        <source>Change these only if another tool (a VPN, a container runtime) uses the same mark or table.</source>
        <translation>Nur ändern, wenn ein anderes Programm (ein VPN, eine Container-Laufzeitumgebung) dieselbe Markierung oder Tabelle verwendet.</translation>
    </message>
    <message>
        <source>Connections at most:</source>
        <translation>Höchstzahl an Verbindungen:</translation>
    </message>
    <message>
        <source>Relay threads:</source>
        <translation>Weiterleitungs-Threads:</translation>
    </message>
    <message>
        <source>Connect timeout:</source>
        <translation>Zeitlimit für den Verbindungsaufbau:</translation>
    </message>
    <message>
        <source>Close idle TCP connections after:</source>
        <translation>Inaktive TCP-Verbindungen schließen nach:</translation>
    </message>
    <message>
        <source>Changing the threads, the limit or a timeout while interception is on restarts the proxy core, which closes the open connections.</source>
        <translation>Eine Änderung der Threads, der Höchstzahl oder eines Zeitlimits bei aktivem Abfangen startet den Proxy-Kern neu; dabei werden die offenen Verbindungen geschlossen.</translation>
    </message>
    <message>
        <source>Closed connections kept:</source>
        <translation>Geschlossene Verbindungen aufbewahren:</translation>
    </message>
    <message>
        <source>Write a hexadecimal number, like 0x5746</source>
        <translation>Geben Sie eine Hexadezimalzahl ein, z. B. 0x5746</translation>
    </message>
    <message>
        <source>Write a table number from 1 to 4294967295</source>
        <translation>Geben Sie eine Tabellennummer von 1 bis 4294967295 ein</translation>
    </message>
    <message>
        <source>Advanced</source>
        <translation>Erweitert</translation>
    </message>
    <message>
        <source>Turn interception back on when the helper restarts, if it was on</source>
        <translation>Abfangen wieder aktivieren, wenn der Hilfsdienst neu startet und es vorher aktiv war</translation>
    </message>
    <message>
        <source>After a crash, a restart or a reboot. The tray says when it did, or when it could not.</source>
        <translation>Nach einem Absturz, einem Neustart des Dienstes oder des Rechners. Die Systemleiste meldet, wenn es geschehen ist oder nicht möglich war.</translation>
    </message>
</context>
<context>
    <name>weir::AppController</name>
    <message>
        <source>Could not switch the mode</source>
        <translation>Der Modus konnte nicht gewechselt werden</translation>
    </message>
    <message>
        <source>Could not enable interception</source>
        <translation>Das Abfangen konnte nicht aktiviert werden</translation>
    </message>
    <message>
        <source>Could not disable interception</source>
        <translation>Das Abfangen konnte nicht deaktiviert werden</translation>
    </message>
    <message>
        <source>Weir helper stopped</source>
        <translation>Weir-Hilfsdienst beendet</translation>
    </message>
    <message>
        <source>Retry</source>
        <translation>Wiederholen</translation>
    </message>
    <message>
        <source>Interception is off</source>
        <translation>Abfangen ist deaktiviert</translation>
    </message>
    <message>
        <source>Authenticate</source>
        <translation>Authentifizieren</translation>
    </message>
    <message>
        <source>Check again</source>
        <translation>Erneut prüfen</translation>
    </message>
    <message>
        <source>Interception is off: the helper removed its rules, so traffic now goes out directly, without the proxy. Start the helper again to resume.</source>
        <translation>Das Abfangen ist deaktiviert: Der Hilfsdienst hat seine Regeln entfernt, der Datenverkehr geht jetzt direkt hinaus, ohne Proxy. Starten Sie den Hilfsdienst erneut, um fortzufahren.</translation>
    </message>
    <message>
        <source>New connections go out directly. The connections Weir was relaying were closed; programs connect again on their own, directly.</source>
        <translation>Neue Verbindungen gehen direkt hinaus. Die Verbindungen, die Weir weitergeleitet hat, wurden geschlossen; Programme verbinden sich von selbst neu, direkt.</translation>
    </message>
</context>
<context>
    <name>weir::ConnectionModel</name>
    <message>
        <source>Connecting</source>
        <translation>Verbindungsaufbau</translation>
    </message>
    <message>
        <source>Established</source>
        <translation>Hergestellt</translation>
    </message>
    <message>
        <source>Closing</source>
        <translation>Wird geschlossen</translation>
    </message>
    <message>
        <source>Closed</source>
        <translation>Geschlossen</translation>
    </message>
    <message>
        <source>Failed</source>
        <translation>Fehlgeschlagen</translation>
    </message>
    <message>
        <source>%1: %2</source>
        <translation>%1: %2</translation>
    </message>
    <message>
        <source>%1 bytes</source>
        <translation>%1 Bytes</translation>
    </message>
    <message>
        <source>State</source>
        <translation>Status</translation>
    </message>
    <message>
        <source>Protocol</source>
        <translation>Protokoll</translation>
    </message>
    <message>
        <source>Mode</source>
        <translation>Modus</translation>
    </message>
    <message>
        <source>Source</source>
        <translation>Quelle</translation>
    </message>
    <message>
        <source>Destination</source>
        <translation>Ziel</translation>
    </message>
    <message>
        <source>Sent</source>
        <translation>Gesendet</translation>
    </message>
    <message>
        <source>Received</source>
        <translation>Empfangen</translation>
    </message>
    <message>
        <source>Started</source>
        <translation>Beginn</translation>
    </message>
    <message>
        <source>Duration</source>
        <translation>Dauer</translation>
    </message>
    <message>
        <source>Close reason</source>
        <translation>Beendigungsgrund</translation>
    </message>
    <message>
        <source>The program&apos;s end of the connection (address:port)</source>
        <translation>Das Ende der Verbindung beim Programm (Adresse:Port)</translation>
    </message>
    <message>
        <source>Where the connection was going: the original destination recovered from the kernel</source>
        <translation>Wohin die Verbindung eigentlich wollte: das ursprüngliche Ziel, wie es der Kernel meldet</translation>
    </message>
    <message>
        <source>When the connection was intercepted (local time)</source>
        <translation>Wann die Verbindung abgefangen wurde (Ortszeit)</translation>
    </message>
    <message>
        <source>How the connection was intercepted: REDIRECT (NAT) or TPROXY</source>
        <translation>Wie die Verbindung abgefangen wurde: REDIRECT (NAT) oder TPROXY</translation>
    </message>
    <message>
        <source>Direct</source>
        <translation>Direkt</translation>
    </message>
    <message>
        <source>Refused by the destination</source>
        <translation>Vom Ziel abgelehnt</translation>
    </message>
    <message>
        <source>The destination did not answer</source>
        <translation>Das Ziel hat nicht geantwortet</translation>
    </message>
    <message>
        <source>The destination cannot be reached</source>
        <translation>Das Ziel ist nicht erreichbar</translation>
    </message>
    <message>
        <source>Could not connect (%1)</source>
        <translation>Verbindung fehlgeschlagen (%1)</translation>
    </message>
    <message>
        <source>Ended normally</source>
        <translation>Regulär beendet</translation>
    </message>
    <message>
        <source>Reset by the program</source>
        <translation>Vom Programm zurückgesetzt</translation>
    </message>
    <message>
        <source>Reset by the destination</source>
        <translation>Vom Ziel zurückgesetzt</translation>
    </message>
    <message>
        <source>Idle for too long</source>
        <translation>Zu lange inaktiv</translation>
    </message>
    <message>
        <source>Closed by you</source>
        <translation>Von Ihnen geschlossen</translation>
    </message>
    <message>
        <source>Interception stopped</source>
        <translation>Abfangen beendet</translation>
    </message>
    <message>
        <source>Too many connections at once</source>
        <translation>Zu viele gleichzeitige Verbindungen</translation>
    </message>
    <message>
        <source>Too many UDP sessions at once</source>
        <translation>Zu viele gleichzeitige UDP-Sitzungen</translation>
    </message>
    <message>
        <source>Refused by the upstream proxy</source>
        <translation>Vom Upstream-Proxy abgelehnt</translation>
    </message>
    <message>
        <source>The upstream proxy did not answer</source>
        <translation>Der Upstream-Proxy hat nicht geantwortet</translation>
    </message>
    <message>
        <source>The upstream proxy hung up</source>
        <translation>Der Upstream-Proxy hat die Verbindung getrennt</translation>
    </message>
    <message>
        <source>Original destination unknown</source>
        <translation>Ursprüngliches Ziel unbekannt</translation>
    </message>
    <message>
        <source>Refused: it would loop back into Weir</source>
        <translation>Abgelehnt: Sie würde in einer Schleife zu Weir zurückführen</translation>
    </message>
    <message>
        <source>Upstream proxy error (%1)</source>
        <translation>Fehler des Upstream-Proxys (%1)</translation>
    </message>
    <message>
        <source>Source not allowed</source>
        <translation>Quelle nicht zugelassen</translation>
    </message>
    <message>
        <source>Error on the program&apos;s side (%1)</source>
        <translation>Fehler auf Seite des Programms (%1)</translation>
    </message>
    <message>
        <source>Error on the destination&apos;s side (%1)</source>
        <translation>Fehler auf Seite des Ziels (%1)</translation>
    </message>
    <message>
        <source>A client on the network (%1)</source>
        <translation>Ein Client im Netzwerk (%1)</translation>
    </message>
    <message>
        <source>%1 (pid %2)</source>
        <translation>%1 (PID %2)</translation>
    </message>
    <message>
        <source>User: %1 (uid %2)</source>
        <translation>Benutzer: %1 (UID %2)</translation>
    </message>
    <message>
        <source>%1 (uid %2)</source>
        <translation>%1 (UID %2)</translation>
    </message>
    <message>
        <source>%1 bytes/s</source>
        <translation>%1 Bytes/s</translation>
    </message>
    <message>
        <source>Process</source>
        <translation>Prozess</translation>
    </message>
    <message>
        <source>User</source>
        <translation>Benutzer</translation>
    </message>
    <message>
        <source>Host</source>
        <translation>Host</translation>
    </message>
    <message>
        <source>Upstream</source>
        <translation>Upstream-Proxy</translation>
    </message>
    <message>
        <source>Interface</source>
        <translation>Schnittstelle</translation>
    </message>
    <message>
        <source>↑ Rate</source>
        <translation>↑ Rate</translation>
    </message>
    <message>
        <source>↓ Rate</source>
        <translation>↓ Rate</translation>
    </message>
    <message>
        <source>The program on this computer that opened the connection (empty for a client on the network)</source>
        <translation>Das Programm auf diesem Rechner, das die Verbindung geöffnet hat (leer bei einem Client im Netzwerk)</translation>
    </message>
    <message>
        <source>The host name the program asked for (TLS server name or HTTP Host)</source>
        <translation>Der Hostname, den das Programm angefragt hat (TLS-Servername oder HTTP-Host)</translation>
    </message>
    <message>
        <source>What carried the connection: directly, or through which upstream proxy</source>
        <translation>Worüber die Verbindung lief: direkt oder über welchen Upstream-Proxy</translation>
    </message>
    <message>
        <source>The network interface a client on the network came in through</source>
        <translation>Die Netzwerkschnittstelle, über die ein Client im Netzwerk hereinkam</translation>
    </message>
    <message>
        <source>Bytes sent from the source and acknowledged by the destination</source>
        <translation>Von der Quelle gesendete und vom Ziel bestätigte Bytes</translation>
    </message>
    <message>
        <source>Bytes received from the destination and acknowledged by the program</source>
        <translation>Vom Ziel empfangene und vom Programm bestätigte Bytes</translation>
    </message>
    <message>
        <source>Upload speed over the last seconds</source>
        <translation>Upload-Geschwindigkeit der letzten Sekunden</translation>
    </message>
    <message>
        <source>Download speed over the last seconds</source>
        <translation>Download-Geschwindigkeit der letzten Sekunden</translation>
    </message>
    <message>
        <source>Interception was turned off</source>
        <translation>Abfangen wurde ausgeschaltet</translation>
    </message>
    <message>
        <source>No longer intercepted after a settings change</source>
        <translation>Nach einer Einstellungsänderung nicht mehr abgefangen</translation>
    </message>
</context>
<context>
    <name>weir::ConnectionsWindow</name>
    <message>
        <source>Weir — Connections</source>
        <translation>Weir — Verbindungen</translation>
    </message>
    <message>
        <source>Main</source>
        <translation>Hauptwerkzeugleiste</translation>
    </message>
    <message>
        <source>Enable interception</source>
        <translation>Abfangen aktivieren</translation>
    </message>
    <message>
        <source>Settings…</source>
        <translation>Einstellungen …</translation>
    </message>
    <message>
        <source>Mode, scope, what to intercept and exclusions</source>
        <translation>Modus, Bereich, was abgefangen wird, und Ausnahmen</translation>
    </message>
    <message>
        <source>Copy</source>
        <translation>Kopieren</translation>
    </message>
    <message>
        <source>Waiting for the helper…</source>
        <translation>Warten auf den Hilfsdienst …</translation>
    </message>
    <message numerus="yes">
        <source>%n connection(s)</source>
        <translation>
            <numerusform>%n Verbindung</numerusform>
            <numerusform>%n Verbindungen</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%1 of %n connection(s) shown</source>
        <translation>
            <numerusform>%1 von %n Verbindung angezeigt</numerusform>
            <numerusform>%1 von %n Verbindungen angezeigt</numerusform>
        </translation>
    </message>
    <message>
        <source>Pause</source>
        <translation>Anhalten</translation>
    </message>
    <message>
        <source>Freeze the table to read it; the connections themselves go on</source>
        <translation>Die Tabelle zum Lesen anhalten; die Verbindungen selbst laufen weiter</translation>
    </message>
    <message>
        <source>Show ended</source>
        <translation>Beendete anzeigen</translation>
    </message>
    <message>
        <source>Show connections that have ended (the helper keeps the latest ones)</source>
        <translation>Beendete Verbindungen anzeigen (der Hilfsdienst behält die letzten)</translation>
    </message>
    <message>
        <source>Filter: program, host, address, port…</source>
        <translation>Filtern: Programm, Host, Adresse, Port …</translation>
    </message>
    <message>
        <source>Show only connections whose program, host, address or port contains every word typed here (Ctrl+F). Right-click a column title to filter that column.</source>
        <translation>Nur Verbindungen anzeigen, deren Programm, Host, Adresse oder Port jedes hier eingegebene Wort enthält (Strg+F). Mit einem Rechtsklick auf einen Spaltentitel filtern Sie diese Spalte.</translation>
    </message>
    <message>
        <source>Close selected connections…</source>
        <translation>Ausgewählte Verbindungen schließen …</translation>
    </message>
    <message>
        <source>Close all shown connections…</source>
        <translation>Alle angezeigten Verbindungen schließen …</translation>
    </message>
    <message>
        <source>Export shown connections…</source>
        <translation>Angezeigte Verbindungen exportieren …</translation>
    </message>
    <message>
        <source>Forget ended connections</source>
        <translation>Beendete Verbindungen vergessen</translation>
    </message>
    <message>
        <source>Could not close the connections: %1</source>
        <translation>Die Verbindungen konnten nicht geschlossen werden: %1</translation>
    </message>
    <message>
        <source>Could not forget the ended connections: %1</source>
        <translation>Die beendeten Verbindungen konnten nicht vergessen werden: %1</translation>
    </message>
    <message>
        <source>Resume</source>
        <translation>Fortsetzen</translation>
    </message>
    <message>
        <source>Paused: the table is not updated. %1</source>
        <translation>Angehalten: Die Tabelle wird nicht aktualisiert. %1</translation>
    </message>
    <message>
        <source>%1: your account is not allowed to do this. Ask an administrator.</source>
        <translation>%1: Ihr Benutzerkonto darf das nicht. Fragen Sie einen Administrator.</translation>
    </message>
    <message>
        <source>%1 (asks for your password)</source>
        <translation>%1 (fragt nach Ihrem Passwort)</translation>
    </message>
    <message>
        <source>0 B/s</source>
        <translation>0 B/s</translation>
    </message>
    <message>
        <source>↑ %1  ↓ %2</source>
        <translation>↑ %1  ↓ %2</translation>
    </message>
    <message>
        <source>Now: ↑ %1/s ↓ %2/s. In the list: %3 sent, %4 received.</source>
        <translation>Jetzt: ↑ %1/s ↓ %2/s. In der Liste: %3 gesendet, %4 empfangen.</translation>
    </message>
    <message>
        <source>Filter “%1”…</source>
        <translation>„%1“ filtern …</translation>
    </message>
    <message>
        <source>Clear column filters</source>
        <translation>Spaltenfilter leeren</translation>
    </message>
    <message>
        <source>Columns</source>
        <translation>Spalten</translation>
    </message>
    <message>
        <source>Reset columns</source>
        <translation>Spalten zurücksetzen</translation>
    </message>
    <message>
        <source>Filter a column</source>
        <translation>Eine Spalte filtern</translation>
    </message>
    <message>
        <source>Show only rows whose “%1” contains:</source>
        <translation>Nur Zeilen anzeigen, deren „%1“ Folgendes enthält:</translation>
    </message>
    <message>
        <source>%1 contains “%2”</source>
        <translation>%1 enthält „%2“</translation>
    </message>
    <message numerus="yes">
        <source>%n column filter(s)</source>
        <translation>
            <numerusform>%n Spaltenfilter</numerusform>
            <numerusform>%n Spaltenfilter</numerusform>
        </translation>
    </message>
    <message>
        <source>Click to remove the column filters</source>
        <translation>Klicken, um die Spaltenfilter zu entfernen</translation>
    </message>
    <message>
        <source>None of the shown connections is still open.</source>
        <translation>Keine der angezeigten Verbindungen ist noch offen.</translation>
    </message>
    <message>
        <source>Select one or more open connections to close them.</source>
        <translation>Wählen Sie eine oder mehrere offene Verbindungen aus, um sie zu schließen.</translation>
    </message>
    <message numerus="yes">
        <source>Close all %n shown open connection(s)?</source>
        <translation>
            <numerusform>Die %n angezeigte offene Verbindung schließen?</numerusform>
            <numerusform>Alle %n angezeigten offenen Verbindungen schließen?</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Close %n selected connection(s)?</source>
        <translation>
            <numerusform>%n ausgewählte Verbindung schließen?</numerusform>
            <numerusform>%n ausgewählte Verbindungen schließen?</numerusform>
        </translation>
    </message>
    <message>
        <source>Close connections</source>
        <translation>Verbindungen schließen</translation>
    </message>
    <message>
        <source>Both ends are reset: the programs see the connection fail and may open a new one.</source>
        <translation>Beide Enden werden zurückgesetzt: Die Programme sehen die Verbindung scheitern und öffnen eventuell eine neue.</translation>
    </message>
    <message>
        <source>Export connections</source>
        <translation>Verbindungen exportieren</translation>
    </message>
    <message>
        <source>CSV (*.csv);;JSON (*.json)</source>
        <translation>CSV (*.csv);;JSON (*.json)</translation>
    </message>
    <message>
        <source>Could not write %1: %2. Choose another place.</source>
        <translation>%1 konnte nicht geschrieben werden: %2. Wählen Sie einen anderen Ort.</translation>
    </message>
    <message numerus="yes">
        <source>Exported %n connection(s) to %1.</source>
        <translation>
            <numerusform>%n Verbindung nach %1 exportiert.</numerusform>
            <numerusform>%n Verbindungen nach %1 exportiert.</numerusform>
        </translation>
    </message>
    <message>
        <source>Warning from the helper: %1</source>
        <translation>Warnung des Hilfsdienstes: %1</translation>
    </message>
</context>
<context>
    <name>weir::ExclusionsPage</name>
    <message>
        <source>These apply to this machine&apos;s own traffic only, not to a LAN behind it.</source>
        <translation>Diese gelten nur für den eigenen Datenverkehr dieses Rechners, nicht für ein LAN dahinter.</translation>
    </message>
    <message>
        <source>names or numbers, like alice, 1001</source>
        <translation>Namen oder Nummern, z. B. alice, 1001</translation>
    </message>
    <message>
        <source>names or numbers, like vpn, 1500</source>
        <translation>Namen oder Nummern, z. B. vpn, 1500</translation>
    </message>
    <message>
        <source>/system.slice/sshd.service (one cgroup v2 path per line)</source>
        <translation>/system.slice/sshd.service (ein cgroup-v2-Pfad pro Zeile)</translation>
    </message>
    <message>
        <source>Users:</source>
        <translation>Benutzer:</translation>
    </message>
    <message>
        <source>Groups:</source>
        <translation>Gruppen:</translation>
    </message>
    <message>
        <source>Cgroups:</source>
        <translation>Cgroups:</translation>
    </message>
    <message>
        <source>%1 (no such user here)</source>
        <translation>%1 (Benutzer gibt es hier nicht)</translation>
    </message>
    <message>
        <source>%1 (no such group here)</source>
        <translation>%1 (Gruppe gibt es hier nicht)</translation>
    </message>
    <message>
        <source>No such user: %1</source>
        <translation>Unbekannter Benutzer: %1</translation>
    </message>
    <message>
        <source>No such group: %1</source>
        <translation>Unbekannte Gruppe: %1</translation>
    </message>
    <message>
        <source>Exclusions need the scope to include this machine.</source>
        <translation>Ausnahmen setzen voraus, dass der Bereich diesen Rechner einschließt.</translation>
    </message>
    <message>
        <source>Exclusions</source>
        <translation>Ausnahmen</translation>
    </message>
</context>
<context>
    <name>weir::FilterPage</name>
    <message>
        <source>Intercept IPv6 as well as IPv4</source>
        <translation>Neben IPv4 auch IPv6 abfangen</translation>
    </message>
    <message>
        <source>all ports</source>
        <translation>alle Ports</translation>
    </message>
    <message>
        <source>Ports and ranges separated by commas, like 80,443,8000-8100. Empty: all ports.</source>
        <translation>Ports und Bereiche, durch Kommas getrennt, z. B. 80,443,8000-8100. Leer: alle Ports.</translation>
    </message>
    <message>
        <source>203.0.113.0/24 (one address or subnet per line)</source>
        <translation>203.0.113.0/24 (eine Adresse oder ein Subnetz pro Zeile)</translation>
    </message>
    <message>
        <source>Leave private ranges alone (192.168.x.x, 10.x.x.x, 172.16–31.x.x, 100.64/10, fc00::/7)</source>
        <translation>Private Adressbereiche nicht abfangen (192.168.x.x, 10.x.x.x, 172.16–31.x.x, 100.64/10, fc00::/7)</translation>
    </message>
    <message>
        <source>Destination ports:</source>
        <translation>Zielports:</translation>
    </message>
    <message>
        <source>For example 80,443,8000-8100. Empty: every port.</source>
        <translation>Zum Beispiel 80,443,8000-8100. Leer: jeder Port.</translation>
    </message>
    <message>
        <source>Never intercept:</source>
        <translation>Nie abfangen:</translation>
    </message>
    <message>
        <source>Not a port (1–65535) or a range like 8000-8100: %1</source>
        <translation>Weder ein Port (1–65535) noch ein Bereich wie 8000-8100: %1</translation>
    </message>
    <message>
        <source>Not an address or subnet: %1 (like 203.0.113.7 or 203.0.113.0/24)</source>
        <translation>Weder eine Adresse noch ein Subnetz: %1 (z. B. 203.0.113.7 oder 203.0.113.0/24)</translation>
    </message>
    <message>
        <source>What to intercept</source>
        <translation>Was abgefangen wird</translation>
    </message>
</context>
<context>
    <name>weir::ModePage</name>
    <message>
        <source>REDIRECT</source>
        <translation>REDIRECT</translation>
    </message>
    <message>
        <source>TPROXY</source>
        <translation>TPROXY</translation>
    </message>
    <message>
        <source>Intercept UDP too</source>
        <translation>Auch UDP abfangen</translation>
    </message>
    <message>
        <source>TCP only. The simplest way: the nat table sends connections to Weir. Works almost everywhere, also with Docker.</source>
        <translation>Nur TCP. Der einfachste Weg: Die nat-Tabelle leitet die Verbindungen an Weir weiter. Funktioniert fast überall, auch mit Docker.</translation>
    </message>
    <message>
        <source>TCP and UDP. Keeps each packet&apos;s original destination and uses policy routing (a firewall mark and a routing table) to hand traffic to Weir.</source>
        <translation>TCP und UDP. Behält das ursprüngliche Ziel jedes Pakets bei und übergibt den Datenverkehr per Policy-Routing (eine Firewall-Markierung und eine Routingtabelle) an Weir.</translation>
    </message>
    <message>
        <source>UDP flows (DNS, QUIC, games) go through Weir as well.</source>
        <translation>Auch UDP-Datenströme (DNS, QUIC, Spiele) laufen über Weir.</translation>
    </message>
    <message>
        <source>Only TPROXY can intercept UDP: REDIRECT cannot recover the original destination of a UDP packet.</source>
        <translation>Nur TPROXY kann UDP abfangen: REDIRECT kann das ursprüngliche Ziel eines UDP-Pakets nicht ermitteln.</translation>
    </message>
    <message>
        <source>Mode</source>
        <translation>Modus</translation>
    </message>
</context>
<context>
    <name>weir::ProblemBanner</name>
    <message>
        <source>Dismiss</source>
        <translation>Ausblenden</translation>
    </message>
</context>
<context>
    <name>weir::RulesPreviewDialog</name>
    <message>
        <source>Weir — Rules preview</source>
        <translation>Weir — Regelvorschau</translation>
    </message>
    <message>
        <source>Copy</source>
        <translation>Kopieren</translation>
    </message>
    <message>
        <source>What these settings would install (nothing has been changed yet):</source>
        <translation>Was diese Einstellungen einrichten würden (noch wurde nichts geändert):</translation>
    </message>
</context>
<context>
    <name>weir::ScopePage</name>
    <message>
        <source>This machine only</source>
        <translation>Nur dieser Rechner</translation>
    </message>
    <message>
        <source>A LAN behind this machine (gateway)</source>
        <translation>Ein LAN hinter diesem Rechner (Gateway)</translation>
    </message>
    <message>
        <source>Both</source>
        <translation>Beides</translation>
    </message>
    <message>
        <source>LAN</source>
        <translation>LAN</translation>
    </message>
    <message>
        <source>192.168.1.0/24 (one subnet per line)</source>
        <translation>192.168.1.0/24 (ein Subnetz pro Zeile)</translation>
    </message>
    <message>
        <source>Turn on IP forwarding while interception is on</source>
        <translation>IP-Weiterleitung einschalten, solange das Abfangen aktiv ist</translation>
    </message>
    <message>
        <source>Interfaces:</source>
        <translation>Schnittstellen:</translation>
    </message>
    <message>
        <source>Subnets:</source>
        <translation>Subnetze:</translation>
    </message>
    <message>
        <source>Only traffic from these subnets is intercepted. Picking an interface adds its subnet.</source>
        <translation>Nur Datenverkehr aus diesen Subnetzen wird abgefangen. Wenn Sie eine Schnittstelle auswählen, wird ihr Subnetz hinzugefügt.</translation>
    </message>
    <message>
        <source>%1  (not present)</source>
        <translation>%1  (nicht vorhanden)</translation>
    </message>
    <message>
        <source>Not a valid subnet: %1 (like 192.168.1.0/24; the prefix length is 0–32 for IPv4, 0–128 for IPv6)</source>
        <translation>Kein gültiges Subnetz: %1 (z. B. 192.168.1.0/24; die Präfixlänge beträgt 0–32 für IPv4 und 0–128 für IPv6)</translation>
    </message>
    <message>
        <source>Scope</source>
        <translation>Bereich</translation>
    </message>
</context>
<context>
    <name>weir::SettingsDialog</name>
    <message>
        <source>Weir — Settings</source>
        <translation>Weir — Einstellungen</translation>
    </message>
    <message>
        <source>Preview rules…</source>
        <translation>Regelvorschau …</translation>
    </message>
    <message>
        <source>Show the firewall rules and routes these settings would install</source>
        <translation>Die Firewall-Regeln und Routen anzeigen, die diese Einstellungen einrichten würden</translation>
    </message>
    <message>
        <source>Something on this page needs fixing</source>
        <translation>Auf dieser Seite muss etwas korrigiert werden</translation>
    </message>
    <message>
        <source>Reading the settings…</source>
        <translation>Einstellungen werden gelesen …</translation>
    </message>
    <message>
        <source>Fix the marked fields first.</source>
        <translation>Korrigieren Sie zuerst die markierten Felder.</translation>
    </message>
    <message>
        <source>Waiting for the helper (it may ask for your password)…</source>
        <translation>Warten auf den Hilfsdienst (eventuell werden Sie nach Ihrem Passwort gefragt) …</translation>
    </message>
    <message>
        <source>Asking the helper for the rules…</source>
        <translation>Die Regeln werden beim Hilfsdienst abgefragt …</translation>
    </message>
    <message>
        <source>Could not read the settings: %1</source>
        <translation>Die Einstellungen konnten nicht gelesen werden: %1</translation>
    </message>
    <message>
        <source>Applied.</source>
        <translation>Übernommen.</translation>
    </message>
    <message>
        <source>The helper did not accept the settings: %1</source>
        <translation>Der Hilfsdienst hat die Einstellungen nicht angenommen: %1</translation>
    </message>
    <message>
        <source>The helper did not accept the settings: see the marked fields.</source>
        <translation>Der Hilfsdienst hat die Einstellungen nicht angenommen: siehe die markierten Felder.</translation>
    </message>
    <message>
        <source>Warning from the helper: %1</source>
        <translation>Warnung des Hilfsdienstes: %1</translation>
    </message>
</context>
<context>
    <name>weir::TrafficGraph</name>
    <message>
        <source>Upload (orange) and download (blue) of all connections, last three minutes</source>
        <translation>Upload (orange) und Download (blau) aller Verbindungen, letzte drei Minuten</translation>
    </message>
</context>
<context>
    <name>weir::TrayController</name>
    <message>
        <source>Enable interception</source>
        <translation>Abfangen aktivieren</translation>
    </message>
    <message>
        <source>Mode</source>
        <translation>Modus</translation>
    </message>
    <message>
        <source>REDIRECT (TCP)</source>
        <translation>REDIRECT (TCP)</translation>
    </message>
    <message>
        <source>TPROXY (TCP and UDP)</source>
        <translation>TPROXY (TCP und UDP)</translation>
    </message>
    <message>
        <source>Connections…</source>
        <translation>Verbindungen …</translation>
    </message>
    <message>
        <source>Settings…</source>
        <translation>Einstellungen …</translation>
    </message>
    <message>
        <source>Quit</source>
        <translation>Beenden</translation>
    </message>
</context>
<context>
    <name>weir::TrayState</name>
    <message>
        <source>Degraded</source>
        <translation>Beeinträchtigt</translation>
    </message>
    <message>
        <source>Degraded: %1</source>
        <translation>Beeinträchtigt: %1</translation>
    </message>
    <message>
        <source>Problem: %1</source>
        <translation>Problem: %1</translation>
    </message>
    <message>
        <source>Warning: %1</source>
        <translation>Warnung: %1</translation>
    </message>
    <message>
        <source>Disable interception</source>
        <translation>Abfangen deaktivieren</translation>
    </message>
    <message>
        <source>Enable interception</source>
        <translation>Abfangen aktivieren</translation>
    </message>
    <message>
        <source>Connecting to the helper…</source>
        <translation>Verbindung zum Hilfsdienst wird hergestellt …</translation>
    </message>
    <message>
        <source>Connecting to the Weir helper…</source>
        <translation>Verbindung zum Weir-Hilfsdienst wird hergestellt …</translation>
    </message>
    <message>
        <source>Helper not available</source>
        <translation>Hilfsdienst nicht verfügbar</translation>
    </message>
    <message>
        <source>Interception off</source>
        <translation>Abfangen inaktiv</translation>
    </message>
    <message numerus="yes">
        <source>%n active connection(s)</source>
        <translation>
            <numerusform>%n aktive Verbindung</numerusform>
            <numerusform>%n aktive Verbindungen</numerusform>
        </translation>
    </message>
    <message>
        <source>Interception on (%1)</source>
        <translation>Abfangen aktiv (%1)</translation>
    </message>
    <message>
        <source>%1 · %2</source>
        <translation>%1 · %2</translation>
    </message>
    <message>
        <source>Weir — %1</source>
        <translation>Weir — %1</translation>
    </message>
    <message>
        <source>Weir’s helper is not running or not installed, so nothing is intercepted. Start it with “sudo systemctl start weir-helper”, or install the weir package if it is missing.</source>
        <translation>Der Weir-Hilfsdienst läuft nicht oder ist nicht installiert, daher wird nichts abgefangen. Starten Sie ihn mit „sudo systemctl start weir-helper“ oder installieren Sie das Paket weir, falls es fehlt.</translation>
    </message>
    <message>
        <source>Helper not running: nothing is intercepted</source>
        <translation>Hilfsdienst läuft nicht: Nichts wird abgefangen</translation>
    </message>
    <message>
        <source>Not allowed to use the helper</source>
        <translation>Keine Berechtigung für den Hilfsdienst</translation>
    </message>
    <message>
        <source>Your account is not allowed to use Weir’s helper. Ask an administrator to allow it, or sign in to a desktop session at this computer.</source>
        <translation>Ihr Benutzerkonto darf den Weir-Hilfsdienst nicht verwenden. Bitten Sie einen Administrator um die Freigabe oder melden Sie sich direkt an diesem Rechner an einer Desktop-Sitzung an.</translation>
    </message>
    <message>
        <source>Not allowed: Weir cannot show or change anything</source>
        <translation>Keine Berechtigung: Weir kann nichts anzeigen oder ändern</translation>
    </message>
    <message>
        <source>Interception is OFF: connections go out directly</source>
        <translation>Abfangen ist AUS: Verbindungen gehen direkt hinaus</translation>
    </message>
    <message>
        <source>Interception is ON (%1): connections go through Weir</source>
        <translation>Abfangen ist AN (%1): Verbindungen laufen über Weir</translation>
    </message>
    <message>
        <source>Interception back on</source>
        <translation>Abfangen wieder aktiv</translation>
    </message>
    <message>
        <source>Weir turned interception back on after its helper restarted.</source>
        <translation>Weir hat das Abfangen nach dem Neustart seines Hilfsdienstes wieder aktiviert.</translation>
    </message>
    <message>
        <source>Interception is off</source>
        <translation>Abfangen ist deaktiviert</translation>
    </message>
    <message>
        <source>Weir could not turn interception back on after its helper restarted: %1. Traffic goes out directly.</source>
        <translation>Weir konnte das Abfangen nach dem Neustart seines Hilfsdienstes nicht wieder aktivieren: %1. Der Datenverkehr geht direkt hinaus.</translation>
    </message>
</context>
<context>
    <name>weir::UpstreamPage</name>
    <message>
        <source>Direct (no proxy)</source>
        <translation>Direkt (ohne Proxy)</translation>
    </message>
    <message>
        <source>SOCKS5 proxy</source>
        <translation>SOCKS5-Proxy</translation>
    </message>
    <message>
        <source>HTTP proxy (CONNECT)</source>
        <translation>HTTP-Proxy (CONNECT)</translation>
    </message>
    <message>
        <source>proxy.example.org, 192.0.2.1 or 2001:db8::1</source>
        <translation>proxy.example.org, 192.0.2.1 oder 2001:db8::1</translation>
    </message>
    <message>
        <source>none</source>
        <translation>keine Angabe</translation>
    </message>
    <message>
        <source>Send it directly</source>
        <translation>Direkt senden</translation>
    </message>
    <message>
        <source>Block it</source>
        <translation>Blockieren</translation>
    </message>
    <message>
        <source>Connections go:</source>
        <translation>Verbindungsweg:</translation>
    </message>
    <message>
        <source>Proxy host:</source>
        <translation>Proxy-Host:</translation>
    </message>
    <message>
        <source>Proxy port:</source>
        <translation>Proxy-Port:</translation>
    </message>
    <message>
        <source>User name:</source>
        <translation>Benutzername:</translation>
    </message>
    <message>
        <source>Password:</source>
        <translation>Passwort:</translation>
    </message>
    <message>
        <source>The password is stored readable only by root and is never shown again.</source>
        <translation>Das Passwort wird nur für root lesbar gespeichert und nie wieder angezeigt.</translation>
    </message>
    <message>
        <source>UDP through an HTTP proxy:</source>
        <translation>UDP bei einem HTTP-Proxy:</translation>
    </message>
    <message>
        <source>An HTTP proxy carries TCP only; this says what happens to intercepted UDP then.</source>
        <translation>Ein HTTP-Proxy überträgt nur TCP; hier legen Sie fest, was dann mit abgefangenem UDP geschieht.</translation>
    </message>
    <message>
        <source>stored (type to replace)</source>
        <translation>gespeichert (zum Ersetzen neu eingeben)</translation>
    </message>
    <message>
        <source>Enter the proxy&apos;s host name or address</source>
        <translation>Geben Sie den Hostnamen oder die Adresse des Proxys ein</translation>
    </message>
    <message>
        <source>A password needs a user name</source>
        <translation>Zu einem Passwort gehört ein Benutzername</translation>
    </message>
    <message>
        <source>Type the password again: the stored one is only kept for the same proxy and user</source>
        <translation>Geben Sie das Passwort erneut ein: Das gespeicherte bleibt nur für denselben Proxy und Benutzer erhalten</translation>
    </message>
    <message>
        <source>Upstream</source>
        <translation>Upstream-Proxy</translation>
    </message>
</context>
<context>
    <name>weir::format</name>
    <message>
        <source>%1 d %2:%3:%4</source>
        <translation>%1 Tg. %2:%3:%4</translation>
    </message>
    <message>
        <source>%1/s</source>
        <translation>%1/s</translation>
    </message>
</context>
</TS>
