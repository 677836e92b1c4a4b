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
