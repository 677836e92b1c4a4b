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
        <source>No connection matches the filter.</source>
        <translation>没有符合筛选条件的连接。</translation>
    </message>
    <message>
        <source>Clear the filter</source>
        <translation>清除筛选</translation>
    </message>
    <message>
        <source>Every connection in the list has ended, and ended ones are hidden.</source>
        <translation>列表中的连接都已结束，而已结束的连接当前被隐藏。</translation>
    </message>
    <message>
        <source>Show ended connections</source>
        <translation>显示已结束的连接</translation>
    </message>
    <message>
        <source>Connecting to Weir’s helper…</source>
        <translation>正在连接 Weir 辅助程序…</translation>
    </message>
    <message>
        <source>Weir’s helper is not running, so there is nothing to show.
Start it with “sudo systemctl start weir-helper”, or install the weir package if it is missing.</source>
        <translation>Weir 辅助程序未运行，因此没有可显示的内容。
请用“sudo systemctl start weir-helper”启动它；如果尚未安装，请安装 weir 软件包。</translation>
    </message>
    <message>
        <source>Check again</source>
        <translation>重新检查</translation>
    </message>
    <message>
        <source>Your account is not allowed to see the connections.
Ask an administrator to allow it, or sign in to a desktop session at this computer.</source>
        <translation>您的账户无权查看连接。
请联系管理员授权，或在这台计算机上登录桌面会话。</translation>
    </message>
    <message>
        <source>Try again</source>
        <translation>重试</translation>
    </message>
    <message>
        <source>Interception is off: connections go out directly and are not listed.
Turn it on to see them here.</source>
        <translation>接管已关闭：连接直接发出，不会列在这里。
开启接管后即可在此查看。</translation>
    </message>
    <message>
        <source>Turn interception on</source>
        <translation>开启接管</translation>
    </message>
    <message>
        <source>No connection yet. Connections appear here as soon as a program opens one.</source>
        <translation>暂无连接。程序一旦建立连接，就会显示在这里。</translation>
    </message>
    <message>
        <source>Weir’s helper did not answer in time. Try again; if it keeps happening, restart it with “sudo systemctl restart weir-helper”.</source>
        <translation>Weir 辅助程序未及时响应。请重试；如果反复出现，请用“sudo systemctl restart weir-helper”重启它。</translation>
    </message>
    <message>
        <source>Weir cannot reach the system bus, so it cannot talk to its helper. Log out and in again; if that does not help, restart the computer.</source>
        <translation>Weir 无法访问系统总线，因此无法与辅助程序通信。请注销后重新登录；如果仍然无效，请重启计算机。</translation>
    </message>
    <message>
        <source>The Weir helper is not available: it is not running or not installed. Start it with “sudo systemctl start weir-helper”; if that fails, install the weir package again.</source>
        <translation>Weir 辅助程序不可用：它未运行或未安装。请用“sudo systemctl start weir-helper”启动它；如果失败，请重新安装 weir 软件包。</translation>
    </message>
    <message>
        <source>This needs an administrator’s password, but no password prompt can be shown in this session. Use Weir from a desktop session, or ask an administrator to allow your account.</source>
        <translation>此操作需要管理员密码，但当前会话无法弹出密码输入框。请在桌面会话中使用 Weir，或请管理员为您的账户授权。</translation>
    </message>
    <message>
        <source>This needs an administrator’s password. Try again and enter it when asked.</source>
        <translation>此操作需要管理员密码。请重试，并在提示时输入密码。</translation>
    </message>
    <message>
        <source>Not authorized: the password was not given, or your account may not use Weir. Try again, or ask an administrator to allow your account.</source>
        <translation>未获授权：未输入密码，或您的账户无权使用 Weir。请重试，或请管理员为您的账户授权。</translation>
    </message>
    <message>
        <source>Weir’s helper is busy with another change. Try again in a moment.</source>
        <translation>Weir 辅助程序正在处理另一项更改，请稍后重试。</translation>
    </message>
    <message>
        <source>Weir’s helper is older than this window and cannot do this. Update the weir package and restart the helper.</source>
        <translation>Weir 辅助程序版本比本窗口旧，无法执行此操作。请更新 weir 软件包并重启辅助程序。</translation>
    </message>
    <message>
        <source>Weir’s helper could not do it: %1</source>
        <translation>Weir 辅助程序无法完成此操作：%1</translation>
    </message>
    <message>
        <source>Weir’s helper could not ask Polkit whether you may do this, so it refused; nothing was changed. Polkit may be restarting: try again in a moment. If it keeps happening, restart it with “sudo systemctl restart polkit”.</source>
        <translation>Weir 辅助程序无法向 Polkit 询问你是否可以执行此操作，因此拒绝了；没有做任何更改。Polkit 可能正在重启：请稍后重试。如果一直如此，请用“sudo systemctl restart polkit”重启它。</translation>
    </message>
    <message>
        <source>Weir’s helper stopped before it answered; it may have crashed. Try again: the next call starts it again. If it keeps happening, see “journalctl -u weir-helper”.</source>
        <translation>Weir 辅助程序在响应之前就停止了，可能已崩溃。请重试：下一次调用会重新启动它。如果反复出现，请查看“journalctl -u weir-helper”。</translation>
    </message>
</context>
<context>
    <name>weir::AdvancedPage</name>
    <message>
        <source>Put the rules back when another tool removes them</source>
        <translation>规则被其他工具删除时自动恢复</translation>
    </message>
    <message>
        <source>Proxy port:</source>
        <translation>代理端口：</translation>
    </message>
    <message>
        <source>Outgoing mark (hex):</source>
        <translation>出站标记（十六进制）：</translation>
    </message>
    <message>
        <source>Set on Weir&apos;s own connections so they are never intercepted again.</source>
        <translation>标记 Weir 自身发出的连接，避免它们再次被接管（防止回环）。</translation>
    </message>
    <message>
        <source>TPROXY firewall mark (hex):</source>
        <translation>TPROXY 防火墙标记（十六进制）：</translation>
    </message>
    <message>
        <source>TPROXY routing table:</source>
        <translation>TPROXY 路由表：</translation>
    </message>
    <message>
        <source>Change these only if another tool (a VPN, a container runtime) uses the same mark or table.</source>
        <translation>仅当其他工具（VPN、容器运行时等）占用了相同的标记或路由表时才需要修改。</translation>
    </message>
    <message>
        <source>Write a hexadecimal number, like 0x5746</source>
        <translation>请输入十六进制数，例如 0x5746</translation>
    </message>
    <message>
        <source>Write a table number from 1 to 4294967295</source>
        <translation>请输入 1 到 4294967295 之间的路由表编号</translation>
    </message>
    <message>
        <source>Advanced</source>
        <translation>高级</translation>
    </message>
    <message>
        <source>No limit</source>
        <translation>不限</translation>
    </message>
    <message>
        <source>One per core</source>
        <translation>每个 CPU 核心一个</translation>
    </message>
    <message>
        <source> s</source>
        <translation> 秒</translation>
    </message>
    <message>
        <source>Never</source>
        <translation>永不</translation>
    </message>
    <message>
        <source>Connections at most:</source>
        <translation>最大连接数：</translation>
    </message>
    <message>
        <source>Relay threads:</source>
        <translation>转发线程数：</translation>
    </message>
    <message>
        <source>Connect timeout:</source>
        <translation>连接超时：</translation>
    </message>
    <message>
        <source>Close idle TCP connections after:</source>
        <translation>TCP 连接空闲多久后关闭：</translation>
    </message>
    <message>
        <source>Changing the threads, the limit or a timeout while interception is on restarts the proxy core, which closes the open connections.</source>
        <translation>接管开启时修改线程数、连接上限或超时会重启代理核心，已打开的连接将被关闭。</translation>
    </message>
    <message>
        <source>None</source>
        <translation>不保留</translation>
    </message>
    <message>
        <source>Closed connections kept:</source>
        <translation>保留的已关闭连接数：</translation>
    </message>
    <message>
        <source>Turn interception back on when the helper restarts, if it was on</source>
        <translation>辅助程序重启后，如果之前已开启接管，则重新开启</translation>
    </message>
    <message>
        <source>After a crash, a restart or a reboot. The tray says when it did, or when it could not.</source>
        <translation>适用于崩溃、重启服务或重启计算机之后。托盘会告诉你是否已重新开启，或为何未能开启。</translation>
    </message>
</context>
<context>
    <name>weir::AppController</name>
    <message>
        <source>Could not enable interception</source>
        <translation>无法开启接管</translation>
    </message>
    <message>
        <source>Could not disable interception</source>
        <translation>无法关闭接管</translation>
    </message>
    <message>
        <source>Weir helper stopped</source>
        <translation>Weir 辅助程序已停止</translation>
    </message>
    <message>
        <source>Could not switch the mode</source>
        <translation>无法切换模式</translation>
    </message>
    <message>
        <source>Retry</source>
        <translation>重试</translation>
    </message>
    <message>
        <source>Interception is off</source>
        <translation>接管已关闭</translation>
    </message>
    <message>
        <source>Authenticate</source>
        <translation>验证身份</translation>
    </message>
    <message>
        <source>Check again</source>
        <translation>重新检查</translation>
    </message>
    <message>
        <source>Interception is off: the helper removed its rules, so traffic now goes out directly, without the proxy. Start the helper again to resume.</source>
        <translation>接管已关闭：辅助程序已删除其规则，流量现在不经代理直接发出。重新启动辅助程序即可恢复。</translation>
    </message>
    <message>
        <source>New connections go out directly. The connections Weir was relaying were closed; programs connect again on their own, directly.</source>
        <translation>新连接将直接发出。Weir 正在转发的连接已被关闭；程序会自行重新直接连接。</translation>
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
        <translation>发起连接的程序一端（地址:端口）</translation>
    </message>
    <message>
        <source>Where the connection was going: the original destination recovered from the kernel</source>
        <translation>连接原本的去向：从内核取回的原始目标地址</translation>
    </message>
    <message>
        <source>When the connection was intercepted (local time)</source>
        <translation>连接被接管的时间（本地时间）</translation>
    </message>
    <message>
        <source>How the connection was intercepted: REDIRECT (NAT) or TPROXY</source>
        <translation>连接的接管方式：REDIRECT（NAT）或 TPROXY</translation>
    </message>
    <message>
        <source>Direct</source>
        <translation>直连</translation>
    </message>
    <message>
        <source>Refused by the destination</source>
        <translation>被目标拒绝</translation>
    </message>
    <message>
        <source>The destination did not answer</source>
        <translation>目标无响应</translation>
    </message>
    <message>
        <source>The destination cannot be reached</source>
        <translation>目标不可达</translation>
    </message>
    <message>
        <source>Could not connect (%1)</source>
        <translation>无法连接（%1）</translation>
    </message>
    <message>
        <source>Ended normally</source>
        <translation>正常结束</translation>
    </message>
    <message>
        <source>Reset by the program</source>
        <translation>被程序重置</translation>
    </message>
    <message>
        <source>Reset by the destination</source>
        <translation>被目标重置</translation>
    </message>
    <message>
        <source>Idle for too long</source>
        <translation>空闲时间过长</translation>
    </message>
    <message>
        <source>Closed by you</source>
        <translation>由您关闭</translation>
    </message>
    <message>
        <source>Interception stopped</source>
        <translation>接管已停止</translation>
    </message>
    <message>
        <source>Too many connections at once</source>
        <translation>同时连接数过多</translation>
    </message>
    <message>
        <source>Too many UDP sessions at once</source>
        <translation>同时 UDP 会话过多</translation>
    </message>
    <message>
        <source>Refused by the upstream proxy</source>
        <translation>被上游代理拒绝</translation>
    </message>
    <message>
        <source>The upstream proxy did not answer</source>
        <translation>上游代理无响应</translation>
    </message>
    <message>
        <source>The upstream proxy hung up</source>
        <translation>上游代理断开了连接</translation>
    </message>
    <message>
        <source>Original destination unknown</source>
        <translation>原始目标未知</translation>
    </message>
    <message>
        <source>Refused: it would loop back into Weir</source>
        <translation>已拒绝：会回环到 Weir</translation>
    </message>
    <message>
        <source>Upstream proxy error (%1)</source>
        <translation>上游代理错误（%1）</translation>
    </message>
    <message>
        <source>Source not allowed</source>
        <translation>来源不被允许</translation>
    </message>
    <message>
        <source>Error on the program&apos;s side (%1)</source>
        <translation>程序一端出错（%1）</translation>
    </message>
    <message>
        <source>Error on the destination&apos;s side (%1)</source>
        <translation>目标一端出错（%1）</translation>
    </message>
    <message>
        <source>A client on the network (%1)</source>
        <translation>网络中的客户端（%1）</translation>
    </message>
    <message>
        <source>%1 (pid %2)</source>
        <translation>%1（PID %2）</translation>
    </message>
    <message>
        <source>User: %1 (uid %2)</source>
        <translation>用户：%1（UID %2）</translation>
    </message>
    <message>
        <source>%1 (uid %2)</source>
        <translation>%1（UID %2）</translation>
    </message>
    <message>
        <source>%1 bytes/s</source>
        <translation>%1 字节/秒</translation>
    </message>
    <message>
        <source>Process</source>
        <translation>进程</translation>
    </message>
    <message>
        <source>User</source>
        <translation>用户</translation>
    </message>
    <message>
        <source>Host</source>
        <translation>主机</translation>
    </message>
    <message>
        <source>Upstream</source>
        <translation>上游代理</translation>
    </message>
    <message>
        <source>Interface</source>
        <translation>网络接口</translation>
    </message>
    <message>
        <source>↑ Rate</source>
        <translation>↑ 速率</translation>
    </message>
    <message>
        <source>↓ Rate</source>
        <translation>↓ 速率</translation>
    </message>
    <message>
        <source>The program on this computer that opened the connection (empty for a client on the network)</source>
        <translation>本机上建立此连接的程序（网络中的客户端则为空）</translation>
    </message>
    <message>
        <source>The host name the program asked for (TLS server name or HTTP Host)</source>
        <translation>程序请求的主机名（TLS 服务器名称或 HTTP Host）</translation>
    </message>
    <message>
        <source>What carried the connection: directly, or through which upstream proxy</source>
        <translation>连接的出口：直连，或经由哪个上游代理</translation>
    </message>
    <message>
        <source>The network interface a client on the network came in through</source>
        <translation>网络中的客户端进入本机所经的网络接口</translation>
    </message>
    <message>
        <source>Bytes sent from the source and acknowledged by the destination</source>
        <translation>源地址发出并已被目标确认的字节数</translation>
    </message>
    <message>
        <source>Bytes received from the destination and acknowledged by the program</source>
        <translation>从目标收到并已被程序确认的字节数</translation>
    </message>
    <message>
        <source>Upload speed over the last seconds</source>
        <translation>最近几秒的上传速度</translation>
    </message>
    <message>
        <source>Download speed over the last seconds</source>
        <translation>最近几秒的下载速度</translation>
    </message>
    <message>
        <source>Interception was turned off</source>
        <translation>接管已被关闭</translation>
    </message>
    <message>
        <source>No longer intercepted after a settings change</source>
        <translation>设置更改后不再接管</translation>
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
        <translation>开启接管</translation>
    </message>
    <message>
        <source>Copy</source>
        <translation>复制</translation>
    </message>
    <message>
        <source>Waiting for the helper…</source>
        <translation>正在等待辅助程序…</translation>
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
        <source>Settings…</source>
        <translation>设置…</translation>
    </message>
    <message>
        <source>Mode, scope, what to intercept and exclusions</source>
        <translation>模式、范围、接管内容与排除项</translation>
    </message>
    <message>
        <source>Pause</source>
        <translation>暂停</translation>
    </message>
    <message>
        <source>Freeze the table to read it; the connections themselves go on</source>
        <translation>冻结表格以便查看；连接本身不受影响</translation>
    </message>
    <message>
        <source>Show ended</source>
        <translation>显示已结束</translation>
    </message>
    <message>
        <source>Show connections that have ended (the helper keeps the latest ones)</source>
        <translation>显示已结束的连接（辅助程序保留最近的若干条）</translation>
    </message>
    <message>
        <source>Filter: program, host, address, port…</source>
        <translation>筛选：程序、主机、地址、端口…</translation>
    </message>
    <message>
        <source>Show only connections whose program, host, address or port contains every word typed here (Ctrl+F). Right-click a column title to filter that column.</source>
        <translation>只显示程序、主机、地址或端口包含此处输入的每个词的连接（Ctrl+F）。右键单击列标题可按该列筛选。</translation>
    </message>
    <message>
        <source>Close selected connections…</source>
        <translation>关闭所选连接…</translation>
    </message>
    <message>
        <source>Close all shown connections…</source>
        <translation>关闭所有显示的连接…</translation>
    </message>
    <message>
        <source>Export shown connections…</source>
        <translation>导出显示的连接…</translation>
    </message>
    <message>
        <source>Forget ended connections</source>
        <translation>清除已结束的连接</translation>
    </message>
    <message>
        <source>Could not close the connections: %1</source>
        <translation>无法关闭连接：%1</translation>
    </message>
    <message>
        <source>Could not forget the ended connections: %1</source>
        <translation>无法清除已结束的连接：%1</translation>
    </message>
    <message>
        <source>Resume</source>
        <translation>继续</translation>
    </message>
    <message>
        <source>Paused: the table is not updated. %1</source>
        <translation>已暂停：表格不再更新。%1</translation>
    </message>
    <message>
        <source>%1: your account is not allowed to do this. Ask an administrator.</source>
        <translation>%1：您的账户无权执行此操作，请联系管理员。</translation>
    </message>
    <message>
        <source>%1 (asks for your password)</source>
        <translation>%1（需要输入密码）</translation>
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
        <translation>当前：↑ %1/s ↓ %2/s。列表合计：已发送 %3，已接收 %4。</translation>
    </message>
    <message>
        <source>Filter “%1”…</source>
        <translation>筛选“%1”…</translation>
    </message>
    <message>
        <source>Clear column filters</source>
        <translation>清除列筛选</translation>
    </message>
    <message>
        <source>Columns</source>
        <translation>列</translation>
    </message>
    <message>
        <source>Reset columns</source>
        <translation>重置列</translation>
    </message>
    <message>
        <source>Filter a column</source>
        <translation>按列筛选</translation>
    </message>
    <message>
        <source>Show only rows whose “%1” contains:</source>
        <translation>只显示“%1”包含以下内容的行：</translation>
    </message>
    <message>
        <source>%1 contains “%2”</source>
        <translation>%1 包含“%2”</translation>
    </message>
    <message numerus="yes">
        <source>%n column filter(s)</source>
        <translation>
            <numerusform>%n 个列筛选</numerusform>
        </translation>
    </message>
    <message>
        <source>Click to remove the column filters</source>
        <translation>单击以移除列筛选</translation>
    </message>
    <message>
        <source>None of the shown connections is still open.</source>
        <translation>显示的连接中已没有仍在打开的。</translation>
    </message>
    <message>
        <source>Select one or more open connections to close them.</source>
        <translation>请选择一个或多个打开的连接以将其关闭。</translation>
    </message>
    <message numerus="yes">
        <source>Close all %n shown open connection(s)?</source>
        <translation>
            <numerusform>关闭显示的全部 %n 个打开的连接？</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Close %n selected connection(s)?</source>
        <translation>
            <numerusform>关闭所选的 %n 个连接？</numerusform>
        </translation>
    </message>
    <message>
        <source>Close connections</source>
        <translation>关闭连接</translation>
    </message>
    <message>
        <source>Both ends are reset: the programs see the connection fail and may open a new one.</source>
        <translation>连接两端都会被重置：程序会看到连接失败，并可能重新建立连接。</translation>
    </message>
    <message>
        <source>Export connections</source>
        <translation>导出连接</translation>
    </message>
    <message>
        <source>CSV (*.csv);;JSON (*.json)</source>
        <translation>CSV (*.csv);;JSON (*.json)</translation>
    </message>
    <message>
        <source>Could not write %1: %2. Choose another place.</source>
        <translation>无法写入 %1：%2。请选择其他位置。</translation>
    </message>
    <message numerus="yes">
        <source>Exported %n connection(s) to %1.</source>
        <translation>
            <numerusform>已将 %n 个连接导出到 %1。</numerusform>
        </translation>
    </message>
    <message>
        <source>Warning from the helper: %1</source>
        <translation>辅助程序的警告：%1</translation>
    </message>
</context>
<context>
    <name>weir::ExclusionsPage</name>
    <message>
        <source>These apply to this machine&apos;s own traffic only, not to a LAN behind it.</source>
        <translation>排除项只作用于本机自身的流量，不作用于其后方的局域网。</translation>
    </message>
    <message>
        <source>names or numbers, like alice, 1001</source>
        <translation>用户名或 UID，例如 alice, 1001</translation>
    </message>
    <message>
        <source>names or numbers, like vpn, 1500</source>
        <translation>组名或 GID，例如 vpn, 1500</translation>
    </message>
    <message>
        <source>/system.slice/sshd.service (one cgroup v2 path per line)</source>
        <translation>/system.slice/sshd.service（每行一个 cgroup v2 路径）</translation>
    </message>
    <message>
        <source>Users:</source>
        <translation>用户：</translation>
    </message>
    <message>
        <source>Groups:</source>
        <translation>用户组：</translation>
    </message>
    <message>
        <source>Cgroups:</source>
        <translation>cgroup：</translation>
    </message>
    <message>
        <source>%1 (no such user here)</source>
        <translation>%1（本机无此用户）</translation>
    </message>
    <message>
        <source>%1 (no such group here)</source>
        <translation>%1（本机无此用户组）</translation>
    </message>
    <message>
        <source>No such user: %1</source>
        <translation>用户不存在：%1</translation>
    </message>
    <message>
        <source>No such group: %1</source>
        <translation>用户组不存在：%1</translation>
    </message>
    <message>
        <source>Exclusions need the scope to include this machine.</source>
        <translation>排除项要求范围包含本机。</translation>
    </message>
    <message>
        <source>Exclusions</source>
        <translation>排除项</translation>
    </message>
</context>
<context>
    <name>weir::FilterPage</name>
    <message>
        <source>Intercept IPv6 as well as IPv4</source>
        <translation>除 IPv4 外也接管 IPv6</translation>
    </message>
    <message>
        <source>all ports</source>
        <translation>所有端口</translation>
    </message>
    <message>
        <source>Ports and ranges separated by commas, like 80,443,8000-8100. Empty: all ports.</source>
        <translation>用逗号分隔的端口和端口范围，例如 80,443,8000-8100。留空：所有端口。</translation>
    </message>
    <message>
        <source>203.0.113.0/24 (one address or subnet per line)</source>
        <translation>203.0.113.0/24（每行一个地址或子网）</translation>
    </message>
    <message>
        <source>Leave private ranges alone (192.168.x.x, 10.x.x.x, 172.16–31.x.x, 100.64/10, fc00::/7)</source>
        <translation>私有地址直连，不接管（192.168.x.x、10.x.x.x、172.16–31.x.x、100.64/10、fc00::/7）</translation>
    </message>
    <message>
        <source>Destination ports:</source>
        <translation>目标端口：</translation>
    </message>
    <message>
        <source>For example 80,443,8000-8100. Empty: every port.</source>
        <translation>例如 80,443,8000-8100。留空：所有端口。</translation>
    </message>
    <message>
        <source>Never intercept:</source>
        <translation>不接管（绕过）：</translation>
    </message>
    <message>
        <source>Not a port (1–65535) or a range like 8000-8100: %1</source>
        <translation>不是有效端口（1–65535）或端口范围（如 8000-8100）：%1</translation>
    </message>
    <message>
        <source>Not an address or subnet: %1 (like 203.0.113.7 or 203.0.113.0/24)</source>
        <translation>不是有效的地址或子网：%1（例如 203.0.113.7 或 203.0.113.0/24）</translation>
    </message>
    <message>
        <source>What to intercept</source>
        <translation>接管内容</translation>
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
        <translation>同时接管 UDP</translation>
    </message>
    <message>
        <source>TCP only. The simplest way: the nat table sends connections to Weir. Works almost everywhere, also with Docker.</source>
        <translation>仅 TCP。最简单的方式：由 nat 表把连接转给 Weir。几乎在任何环境都能用，也兼容 Docker。</translation>
    </message>
    <message>
        <source>TCP and UDP. Keeps each packet&apos;s original destination and uses policy routing (a firewall mark and a routing table) to hand traffic to Weir.</source>
        <translation>TCP 和 UDP。保留每个数据包的原始目标地址，通过策略路由（防火墙标记加路由表）把流量交给 Weir。</translation>
    </message>
    <message>
        <source>UDP flows (DNS, QUIC, games) go through Weir as well.</source>
        <translation>UDP 流量（DNS、QUIC、游戏等）也会经过 Weir。</translation>
    </message>
    <message>
        <source>Only TPROXY can intercept UDP: REDIRECT cannot recover the original destination of a UDP packet.</source>
        <translation>只有 TPROXY 能接管 UDP：REDIRECT 无法取回 UDP 数据包的原始目标地址。</translation>
    </message>
    <message>
        <source>Mode</source>
        <translation>模式</translation>
    </message>
</context>
<context>
    <name>weir::ProblemBanner</name>
    <message>
        <source>Dismiss</source>
        <translation>关闭此提示</translation>
    </message>
</context>
<context>
    <name>weir::RulesPreviewDialog</name>
    <message>
        <source>Weir — Rules preview</source>
        <translation>Weir — 规则预览</translation>
    </message>
    <message>
        <source>Copy</source>
        <translation>复制</translation>
    </message>
    <message>
        <source>What these settings would install (nothing has been changed yet):</source>
        <translation>这些设置将会安装的内容（目前尚未做任何更改）：</translation>
    </message>
</context>
<context>
    <name>weir::ScopePage</name>
    <message>
        <source>This machine only</source>
        <translation>仅本机</translation>
    </message>
    <message>
        <source>A LAN behind this machine (gateway)</source>
        <translation>本机后方的局域网（网关）</translation>
    </message>
    <message>
        <source>Both</source>
        <translation>本机和局域网</translation>
    </message>
    <message>
        <source>LAN</source>
        <translation>局域网</translation>
    </message>
    <message>
        <source>192.168.1.0/24 (one subnet per line)</source>
        <translation>192.168.1.0/24（每行一个子网）</translation>
    </message>
    <message>
        <source>Turn on IP forwarding while interception is on</source>
        <translation>接管开启期间打开 IP 转发</translation>
    </message>
    <message>
        <source>Interfaces:</source>
        <translation>网络接口：</translation>
    </message>
    <message>
        <source>Subnets:</source>
        <translation>子网：</translation>
    </message>
    <message>
        <source>Only traffic from these subnets is intercepted. Picking an interface adds its subnet.</source>
        <translation>只接管来自这些子网的流量。勾选接口会自动添加它所在的子网。</translation>
    </message>
    <message>
        <source>%1  (not present)</source>
        <translation>%1  （不存在）</translation>
    </message>
    <message>
        <source>Scope</source>
        <translation>范围</translation>
    </message>
    <message>
        <source>Not a valid subnet: %1 (like 192.168.1.0/24; the prefix length is 0–32 for IPv4, 0–128 for IPv6)</source>
        <translation>不是有效的子网：%1（例如 192.168.1.0/24；IPv4 前缀长度为 0–32，IPv6 为 0–128）</translation>
    </message>
</context>
<context>
    <name>weir::SettingsDialog</name>
    <message>
        <source>Weir — Settings</source>
        <translation>Weir — 设置</translation>
    </message>
    <message>
        <source>Preview rules…</source>
        <translation>预览规则…</translation>
    </message>
    <message>
        <source>Show the firewall rules and routes these settings would install</source>
        <translation>显示这些设置将会安装的防火墙规则和路由</translation>
    </message>
    <message>
        <source>Something on this page needs fixing</source>
        <translation>此页有需要修正的内容</translation>
    </message>
    <message>
        <source>Reading the settings…</source>
        <translation>正在读取设置…</translation>
    </message>
    <message>
        <source>Fix the marked fields first.</source>
        <translation>请先修正标出的字段。</translation>
    </message>
    <message>
        <source>Waiting for the helper (it may ask for your password)…</source>
        <translation>正在等待辅助程序（可能会要求输入密码）…</translation>
    </message>
    <message>
        <source>Asking the helper for the rules…</source>
        <translation>正在向辅助程序获取规则…</translation>
    </message>
    <message>
        <source>Could not read the settings: %1</source>
        <translation>无法读取设置：%1</translation>
    </message>
    <message>
        <source>Applied.</source>
        <translation>已应用。</translation>
    </message>
    <message>
        <source>The helper did not accept the settings: %1</source>
        <translation>辅助程序未接受这些设置：%1</translation>
    </message>
    <message>
        <source>The helper did not accept the settings: see the marked fields.</source>
        <translation>辅助程序未接受这些设置：请查看标出的字段。</translation>
    </message>
    <message>
        <source>Warning from the helper: %1</source>
        <translation>辅助程序的警告：%1</translation>
    </message>
</context>
<context>
    <name>weir::TrafficGraph</name>
    <message>
        <source>Upload (orange) and download (blue) of all connections, last three minutes</source>
        <translation>所有连接最近三分钟的上传（橙色）和下载（蓝色）</translation>
    </message>
</context>
<context>
    <name>weir::TrayController</name>
    <message>
        <source>Enable interception</source>
        <translation>开启接管</translation>
    </message>
    <message>
        <source>Connections…</source>
        <translation>连接…</translation>
    </message>
    <message>
        <source>Quit</source>
        <translation>退出</translation>
    </message>
    <message>
        <source>Mode</source>
        <translation>模式</translation>
    </message>
    <message>
        <source>REDIRECT (TCP)</source>
        <translation>REDIRECT（TCP）</translation>
    </message>
    <message>
        <source>TPROXY (TCP and UDP)</source>
        <translation>TPROXY（TCP 和 UDP）</translation>
    </message>
    <message>
        <source>Settings…</source>
        <translation>设置…</translation>
    </message>
</context>
<context>
    <name>weir::TrayState</name>
    <message>
        <source>Disable interception</source>
        <translation>关闭接管</translation>
    </message>
    <message>
        <source>Enable interception</source>
        <translation>开启接管</translation>
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
        <source>Interception off</source>
        <translation>接管已关闭</translation>
    </message>
    <message numerus="yes">
        <source>%n active connection(s)</source>
        <translation>
            <numerusform>%n 个活动连接</numerusform>
        </translation>
    </message>
    <message>
        <source>Interception on (%1)</source>
        <translation>接管已开启（%1）</translation>
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
    <message>
        <source>Degraded</source>
        <translation>运行异常</translation>
    </message>
    <message>
        <source>Degraded: %1</source>
        <translation>运行异常：%1</translation>
    </message>
    <message>
        <source>Warning: %1</source>
        <translation>警告：%1</translation>
    </message>
    <message>
        <source>Weir’s helper is not running or not installed, so nothing is intercepted. Start it with “sudo systemctl start weir-helper”, or install the weir package if it is missing.</source>
        <translation>Weir 辅助程序未运行或未安装，因此没有接管任何流量。请用“sudo systemctl start weir-helper”启动它；如果尚未安装，请安装 weir 软件包。</translation>
    </message>
    <message>
        <source>Helper not running: nothing is intercepted</source>
        <translation>辅助程序未运行：未接管任何流量</translation>
    </message>
    <message>
        <source>Not allowed to use the helper</source>
        <translation>无权使用辅助程序</translation>
    </message>
    <message>
        <source>Your account is not allowed to use Weir’s helper. Ask an administrator to allow it, or sign in to a desktop session at this computer.</source>
        <translation>您的账户无权使用 Weir 辅助程序。请联系管理员授权，或在这台计算机上登录桌面会话。</translation>
    </message>
    <message>
        <source>Not allowed: Weir cannot show or change anything</source>
        <translation>无权限：Weir 无法显示或更改任何内容</translation>
    </message>
    <message>
        <source>Interception is OFF: connections go out directly</source>
        <translation>接管已关闭：连接直接发出</translation>
    </message>
    <message>
        <source>Interception is ON (%1): connections go through Weir</source>
        <translation>接管已开启（%1）：连接经由 Weir</translation>
    </message>
    <message>
        <source>Interception back on</source>
        <translation>接管已重新开启</translation>
    </message>
    <message>
        <source>Weir turned interception back on after its helper restarted.</source>
        <translation>辅助程序重启后，Weir 已重新开启接管。</translation>
    </message>
    <message>
        <source>Interception is off</source>
        <translation>接管已关闭</translation>
    </message>
    <message>
        <source>Weir could not turn interception back on after its helper restarted: %1. Traffic goes out directly.</source>
        <translation>辅助程序重启后，Weir 未能重新开启接管：%1。流量现在直接发出。</translation>
    </message>
</context>
<context>
    <name>weir::UpstreamPage</name>
    <message>
        <source>Direct (no proxy)</source>
        <translation>直连（不经代理）</translation>
    </message>
    <message>
        <source>SOCKS5 proxy</source>
        <translation>SOCKS5 代理</translation>
    </message>
    <message>
        <source>HTTP proxy (CONNECT)</source>
        <translation>HTTP 代理（CONNECT）</translation>
    </message>
    <message>
        <source>proxy.example.org, 192.0.2.1 or 2001:db8::1</source>
        <translation>proxy.example.org、192.0.2.1 或 2001:db8::1</translation>
    </message>
    <message>
        <source>none</source>
        <translation>无</translation>
    </message>
    <message>
        <source>Send it directly</source>
        <translation>直接发送</translation>
    </message>
    <message>
        <source>Block it</source>
        <translation>阻止</translation>
    </message>
    <message>
        <source>Connections go:</source>
        <translation>连接去向：</translation>
    </message>
    <message>
        <source>Proxy host:</source>
        <translation>代理主机：</translation>
    </message>
    <message>
        <source>Proxy port:</source>
        <translation>代理端口：</translation>
    </message>
    <message>
        <source>User name:</source>
        <translation>用户名：</translation>
    </message>
    <message>
        <source>Password:</source>
        <translation>密码：</translation>
    </message>
    <message>
        <source>The password is stored readable only by root and is never shown again.</source>
        <translation>密码保存在仅 root 可读的文件中，之后不会再显示。</translation>
    </message>
    <message>
        <source>UDP through an HTTP proxy:</source>
        <translation>使用 HTTP 代理时的 UDP：</translation>
    </message>
    <message>
        <source>An HTTP proxy carries TCP only; this says what happens to intercepted UDP then.</source>
        <translation>HTTP 代理只能转发 TCP；此项决定被接管的 UDP 如何处理。</translation>
    </message>
    <message>
        <source>stored (type to replace)</source>
        <translation>已保存（输入新密码以替换）</translation>
    </message>
    <message>
        <source>Enter the proxy&apos;s host name or address</source>
        <translation>请输入代理的主机名或地址</translation>
    </message>
    <message>
        <source>A password needs a user name</source>
        <translation>设置密码时需要填写用户名</translation>
    </message>
    <message>
        <source>Type the password again: the stored one is only kept for the same proxy and user</source>
        <translation>请重新输入密码：已保存的密码仅在代理和用户名都不变时保留</translation>
    </message>
    <message>
        <source>Upstream</source>
        <translation>上游代理</translation>
    </message>
</context>
<context>
    <name>weir::format</name>
    <message>
        <source>%1 d %2:%3:%4</source>
        <translation>%1 天 %2:%3:%4</translation>
    </message>
    <message>
        <source>%1/s</source>
        <translation>%1/s</translation>
    </message>
</context>
</TS>
