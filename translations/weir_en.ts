<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="en_US">
<context>
    <name>weir::ConnectionsWindow</name>
    <message numerus="yes">
        <source>%n connection(s)</source>
        <translation>
            <numerusform>%n connection</numerusform>
            <numerusform>%n connections</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%1 of %n connection(s) shown</source>
        <translation>
            <numerusform>%1 of %n connection shown</numerusform>
            <numerusform>%1 of %n connections shown</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n column filter(s)</source>
        <translation>
            <numerusform>%n column filter</numerusform>
            <numerusform>%n column filters</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Close all %n shown open connection(s)?</source>
        <translation>
            <numerusform>Close the %n shown open connection?</numerusform>
            <numerusform>Close all %n shown open connections?</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Close %n selected connection(s)?</source>
        <translation>
            <numerusform>Close %n selected connection?</numerusform>
            <numerusform>Close %n selected connections?</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Exported %n connection(s) to %1.</source>
        <translation>
            <numerusform>Exported %n connection to %1.</numerusform>
            <numerusform>Exported %n connections to %1.</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>weir::TrayState</name>
    <message numerus="yes">
        <source>%n active connection(s)</source>
        <translation>
            <numerusform>%n active connection</numerusform>
            <numerusform>%n active connections</numerusform>
        </translation>
    </message>
</context>
</TS>
