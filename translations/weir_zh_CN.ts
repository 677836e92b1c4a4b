<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="zh_CN">
<context>
    <name>main</name>
    <message>
        <source>Weir: transparent proxy manager (tray application)</source>
        <translation>Weir：透明代理管理器（托盘程序）</translation>
    </message>
    <message>
        <source>Open the Connections window at start.</source>
        <translation>启动时打开“连接”窗口。</translation>
    </message>
    <message>
        <source>Quit after &lt;ms&gt; milliseconds (for screenshots and tests).</source>
        <translation>在 &lt;ms&gt; 毫秒后退出（用于截图和测试）。</translation>
    </message>
</context>
<context>
    <name>weir</name>
    <message>
        <source>The Weir helper is not available on the system bus (is weir-helper installed and the system bus running?): %1</source>
        <translation>系统总线上没有可用的 Weir 辅助程序（weir-helper 是否已安装，系统总线是否在运行？）：%1</translation>
    </message>
    <message>
        <source>Not authorized: %1</source>
        <translation>未获授权：%1</translation>
    </message>
</context>
<context>
    <name>weir::AppController</name>
    <message>
        <source>Could not enable interception</source>
        <translation>无法开启拦截</translation>
    </message>
    <message>
        <source>Could not disable interception</source>
        <translation>无法关闭拦截</translation>
    </message>
    <message>
        <source>Weir helper stopped</source>
        <translation>Weir 辅助程序已停止</translation>
    </message>
    <message>
        <source>The Weir helper is no longer available.</source>
        <translation>Weir 辅助程序已不可用。</translation>
    </message>
</context>
<context>
    <name>weir::ConnectionModel</name>
    <message>
        <source>Connecting</source>
        <translation>正在连接</translation>
    </message>
    <message>
        <source>Established</source>
        <translation>已建立</translation>
    </message>
    <message>
        <source>Closing</source>
        <translation>正在关闭</translation>
    </message>
    <message>
        <source>Closed</source>
        <translation>已关闭</translation>
    </message>
    <message>
        <source>Failed</source>
        <translation>失败</translation>
    </message>
    <message>
        <source>%1: %2</source>
        <translation>%1：%2</translation>
    </message>
    <message>
        <source>%1 bytes</source>
        <translation>%1 字节</translation>
    </message>
    <message>
        <source>State</source>
        <translation>状态</translation>
    </message>
    <message>
        <source>Protocol</source>
        <translation>协议</translation>
    </message>
    <message>
        <source>Mode</source>
        <translation>模式</translation>
    </message>
    <message>
        <source>Source</source>
        <translation>源地址</translation>
    </message>
    <message>
        <source>Destination</source>
        <translation>目标地址</translation>
    </message>
    <message>
        <source>Sent</source>
        <translation>已发送</translation>
    </message>
    <message>
        <source>Received</source>
        <translation>已接收</translation>
    </message>
    <message>
        <source>Started</source>
        <translation>开始时间</translation>
    </message>
    <message>
        <source>Duration</source>
        <translation>持续时间</translation>
    </message>
    <message>
        <source>Close reason</source>
        <translation>关闭原因</translation>
    </message>
    <message>
        <source>The program&apos;s end of the connection (address:port)</source>
        <translation>连接中程序这一端（地址:端口）</translation>
    </message>
    <message>
        <source>Where the connection was going: the original destination recovered from the kernel</source>
        <translation>连接原本要去的地方：从内核取回的原始目标地址</translation>
    </message>
    <message>
        <source>Bytes sent from the source to the destination</source>
        <translation>从源地址发往目标地址的字节数</translation>
    </message>
    <message>
        <source>Bytes received from the destination</source>
        <translation>从目标地址收到的字节数</translation>
    </message>
    <message>
        <source>When the connection was intercepted (local time)</source>
        <translation>连接被拦截的时间（本地时间）</translation>
    </message>
    <message>
        <source>How the connection was intercepted: REDIRECT (NAT) or TPROXY</source>
        <translation>连接的拦截方式：REDIRECT（NAT）或 TPROXY</translation>
    </message>
</context>
<context>
    <name>weir::ConnectionsWindow</name>
    <message>
        <source>Weir — Connections</source>
        <translation>Weir — 连接</translation>
    </message>
    <message>
        <source>Main</source>
        <translation>主工具栏</translation>
    </message>
    <message>
        <source>Enable interception</source>
        <translation>开启拦截</translation>
    </message>
    <message>
        <source>Filter (any column)…</source>
        <translation>筛选（任意列）…</translation>
    </message>
    <message>
        <source>Show only connections whose text contains this (Ctrl+F)</source>
        <translation>只显示包含此文字的连接（Ctrl+F）</translation>
    </message>
    <message>
        <source>Dismiss</source>
        <translation>关闭此提示</translation>
    </message>
    <message>
        <source>Copy</source>
        <translation>复制</translation>
    </message>
    <message>
        <source>Waiting for the helper…</source>
        <translation>正在等待辅助程序…</translation>
    </message>
    <message>
        <source>Details: %1</source>
        <translation>详细信息：%1</translation>
    </message>
    <message numerus="yes">
        <source>%n connection(s)</source>
        <translation>
            <numerusform>%n 个连接</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%1 of %n connection(s) shown</source>
        <translation>
            <numerusform>显示 %1 个，共 %n 个连接</numerusform>
        </translation>
    </message>
    <message>
        <source>No connection matches the filter.</source>
        <translation>没有符合筛选条件的连接。</translation>
    </message>
    <message>
        <source>Interception is off. Connections appear here once it is on.</source>
        <translation>拦截已关闭。开启后，连接会显示在这里。</translation>
    </message>
    <message>
        <source>No connections yet.</source>
        <translation>暂无连接。</translation>
    </message>
</context>
<context>
    <name>weir::TrayController</name>
    <message>
        <source>Enable interception</source>
        <translation>开启拦截</translation>
    </message>
    <message>
        <source>Connections…</source>
        <translation>连接…</translation>
    </message>
    <message>
        <source>Quit</source>
        <translation>退出</translation>
    </message>
</context>
<context>
    <name>weir::TrayState</name>
    <message>
        <source>Disable interception</source>
        <translation>关闭拦截</translation>
    </message>
    <message>
        <source>Enable interception</source>
        <translation>开启拦截</translation>
    </message>
    <message>
        <source>Connecting to the helper…</source>
        <translation>正在连接辅助程序…</translation>
    </message>
    <message>
        <source>Connecting to the Weir helper…</source>
        <translation>正在连接 Weir 辅助程序…</translation>
    </message>
    <message>
        <source>Helper not available</source>
        <translation>辅助程序不可用</translation>
    </message>
    <message>
        <source>The Weir helper is not running or not installed. Start it as the README describes, or check “systemctl status weir-helper”.</source>
        <translation>Weir 辅助程序未运行或未安装。请按 README 中的说明启动它，或运行“systemctl status weir-helper”查看其状态。</translation>
    </message>
    <message>
        <source>Not authorized to use the helper</source>
        <translation>无权使用辅助程序</translation>
    </message>
    <message>
        <source>You are not authorized to use the Weir helper.</source>
        <translation>您无权使用 Weir 辅助程序。</translation>
    </message>
    <message>
        <source>The Weir helper refused: %1</source>
        <translation>Weir 辅助程序拒绝了请求：%1</translation>
    </message>
    <message>
        <source>Interception off</source>
        <translation>拦截已关闭</translation>
    </message>
    <message numerus="yes">
        <source>%n active connection(s)</source>
        <translation>
            <numerusform>%n 个活动连接</numerusform>
        </translation>
    </message>
    <message>
        <source>Interception on (%1)</source>
        <translation>拦截已开启（%1）</translation>
    </message>
    <message>
        <source>%1 · %2</source>
        <translation>%1 · %2</translation>
    </message>
    <message>
        <source>Problem: %1</source>
        <translation>问题：%1</translation>
    </message>
    <message>
        <source>Weir — %1</source>
        <translation>Weir — %1</translation>
    </message>
</context>
<context>
    <name>weir::format</name>
    <message>
        <source>%1 d %2:%3:%4</source>
        <translation>%1 天 %2:%3:%4</translation>
    </message>
</context>
</TS>
