// Traffic through the planned rules, inside a network namespace this test creates and deletes:
// REDIRECT and TPROXY (TCP and UDP) deliver a connection to a local listener that recovers the
// original destination the way the proxy core does. The policy routing TPROXY needs (fwmark ->
// table -> local default dev lo) is added here as the routing layer would.
#include "firewall/ruleplan.h"
#include "netnsfixture.h"

#include <QScopeGuard>
#include <QTest>

using namespace weir::firewall;
using namespace weir::firewall::test;

namespace {

// A one-shot HTTP "core": accepts one connection on the listening socket that `setup` makes (s) and
// answers with the original destination that `recover` finds for the accepted socket (c, into orig).
QString originServer(const char* setup, const char* recover) {
    return QStringLiteral("import socket, struct\n") + QLatin1String(setup) +
           QStringLiteral("print('ready', flush=True)\n"
                          "c, peer = s.accept()\n") +
           QLatin1String(recover) +
           QStringLiteral(
               "c.recv(4096)\n"
               "body = ('orig=' + orig + '\\n').encode()\n"
               "c.sendall(b'HTTP/1.0 200 OK\\r\\nContent-Length: %d\\r\\n\\r\\n' % len(body) + body)\n"
               "c.close(); print('served ' + orig, flush=True)\n");
}

} // namespace

class TestFirewallTraffic : public QObject, private NetnsFixture {
    Q_OBJECT

private slots:
    void initTestCase() {
        QVERIFY2(::geteuid() == 0, "this test needs root (it creates network namespaces)");
        QVERIFY(QFile::exists(QStringLiteral(WEIR_FW_DRIVER)));
        QByteArray why;
        QVERIFY2(createNamespace(&why), why.constData());
    }

    void cleanupTestCase() {
        deleteNamespace();
        QFile::remove(m_lockFile);
        QByteArray why;
        QVERIFY2(checkHostUntouched(&why), why.constData());
    }

    // Every test starts from empty nat and mangle tables.
    void init() { QVERIFY(flushTables()); }

    void trafficIsRedirected() {
        Result r = driver({"apply"});
        QVERIFY2(r.code == 0, r.describe().constData());

        // The "core": accepts one connection and answers with its original destination.
        QProcess listener;
        auto stop = qScopeGuard([&listener] {
            listener.kill();
            listener.waitForFinished();
        });
        QByteArray why;
        QVERIFY2(startReadyPeer(&listener,
                                originServer("s = socket.socket()\n"
                                             "s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)\n"
                                             "s.bind(('0.0.0.0', 41080)); s.listen(8); s.settimeout(30)\n",
                                             "raw = c.getsockopt(socket.SOL_IP, 80, 16)  # SO_ORIGINAL_DST\n"
                                             "orig = '%s:%d' % (socket.inet_ntoa(raw[4:8]), "
                                             "struct.unpack('!H', raw[2:4])[0])\n"),
                                &why),
                 why.constData());

        // The core's own sockets carry the bypass mark: not redirected (nobody answers there).
        const Result marked =
            ns({"python3", "-c",
                "import socket\n"
                "s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, 36, 0x5745)  # SO_MARK\n"
                "s.settimeout(1.5)\n"
                "try:\n    s.connect(('203.0.113.9', 80)); print('connected')\n"
                "except OSError as e:\n    print('not connected', e)\n"});
        QVERIFY2(marked.code == 0 && marked.out.startsWith("not connected"), marked.describe().constData());
        QCOMPARE(listener.state(), QProcess::Running);
        static const QRegularExpression markCounter(QStringLiteral("^\\[(\\d+):\\d+\\] .*--mark 0x5745 "),
                                                    QRegularExpression::MultilineOption);
        const auto m = markCounter.match(QString::fromUtf8(save("nat", false, true)));
        QVERIFY(m.hasMatch());
        QVERIFY2(m.captured(1).toInt() >= 1, "the mark RETURN rule saw no packet");

        // Anything else is.
        const Result curl = ns({"curl", "-sS", "--max-time", "10", "http://203.0.113.9:80/"});
        QVERIFY2(curl.code == 0, curl.describe().constData());
        QCOMPARE(curl.out, QByteArray("orig=203.0.113.9:80\n"));
        QVERIFY(listener.waitForFinished(10000));
        QVERIFY(listener.readAllStandardOutput().contains("served 203.0.113.9:80"));

        r = driver({"remove"});
        QVERIFY2(r.code == 0, r.describe().constData());
    }

    // The TPROXY plan for this machine's own traffic, with the policy routing the routing layer adds
    // (fwmark -> table -> local default dev lo): a connection to a remote address reaches a
    // transparent listener on 127.0.0.1, which sees the original destination as its local address;
    // the connection's later packets take the socket shortcut (WEIR_DIVERT), not TPROXY.
    void tproxyTrafficIsIntercepted() {
        Result r = driver({"apply", "tproxy-local-v4"});
        QVERIFY2(r.code == 0, r.describe().constData());
        QVERIFY(sh("ip rule add fwmark 0x5746 lookup 22341\nip route add local default dev lo table 22341"));
        auto unroute = qScopeGuard([this] {
            sh("ip rule del fwmark 0x5746 lookup 22341\nip route flush table 22341");
            driver({"remove", "tproxy-local-v4"});
        });

        QProcess listener;
        auto stop = qScopeGuard([&listener] {
            listener.kill();
            listener.waitForFinished();
        });
        QByteArray why;
        QVERIFY2(startReadyPeer(&listener,
                                originServer("s = socket.socket()\n"
                                             "s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)\n"
                                             "s.setsockopt(socket.SOL_IP, 19, 1)  # IP_TRANSPARENT\n"
                                             "s.bind(('127.0.0.1', 41080)); s.listen(8); s.settimeout(30)\n",
                                             "orig = '%s:%d' % c.getsockname()\n"),
                                &why),
                 why.constData());

        const Result curl = ns({"curl", "-sS", "--max-time", "10", "http://203.0.113.9:80/"});
        QVERIFY2(curl.code == 0, curl.describe().constData());
        QCOMPARE(curl.out, QByteArray("orig=203.0.113.9:80\n"));
        QVERIFY(listener.waitForFinished(10000));

        static const QRegularExpression counter(
            QStringLiteral("^\\[(\\d+):\\d+\\] .*-m socket --transparent"),
            QRegularExpression::MultilineOption);
        const auto m = counter.match(QString::fromUtf8(save("mangle", false, true)));
        QVERIFY(m.hasMatch());
        QVERIFY2(m.captured(1).toInt() >= 1, "no packet took the socket shortcut");
    }

    // UDP in TPROXY mode: a datagram to a remote address reaches a transparent UDP socket on
    // 127.0.0.1, with its original destination in IP_RECVORIGDSTADDR.
    void tproxyUdpIsIntercepted() {
        Result r = driver({"apply", "tproxy-local-udp"});
        QVERIFY2(r.code == 0, r.describe().constData());
        QVERIFY(sh("ip rule add fwmark 0x5746 lookup 22341\nip route add local default dev lo table 22341"));
        auto unroute = qScopeGuard([this] {
            sh("ip rule del fwmark 0x5746 lookup 22341\nip route flush table 22341");
            driver({"remove", "tproxy-local-udp"});
        });
        QProcess listener;
        auto stop = qScopeGuard([&listener] {
            listener.kill();
            listener.waitForFinished();
        });
        QByteArray why;
        QVERIFY2(startReadyPeer(
                     &listener,
                     QStringLiteral(
                         "import socket, struct\n"
                         "s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)\n"
                         "s.setsockopt(socket.SOL_IP, 19, 1)  # IP_TRANSPARENT\n"
                         "s.setsockopt(socket.SOL_IP, 20, 1)  # IP_RECVORIGDSTADDR\n"
                         "s.bind(('127.0.0.1', 41080)); s.settimeout(20)\n"
                         "print('ready', flush=True)\n"
                         "data, anc, flags, peer = s.recvmsg(2048, 256)\n"
                         "for level, kind, raw in anc:\n"
                         "    if level == socket.SOL_IP and kind == 20:\n"
                         "        port = struct.unpack('!H', raw[2:4])[0]\n"
                         "        print('orig=%s:%d %s' % (socket.inet_ntoa(raw[4:8]), port, data.decode()), "
                         "flush=True)\n"),
                     &why),
                 why.constData());
        const Result send = ns({"python3", "-c",
                                "import socket\n"
                                "socket.socket(socket.AF_INET, socket.SOCK_DGRAM).sendto(b'hello', "
                                "('203.0.113.9', 53))\n"});
        QVERIFY2(send.code == 0, send.describe().constData());
        QVERIFY(listener.waitForFinished(10000));
        QCOMPARE(listener.readAllStandardOutput().trimmed(), QByteArray("orig=203.0.113.9:53 hello"));
    }
};

QTEST_GUILESS_MAIN(TestFirewallTraffic)
#include "tst_firewall_traffic.moc"
