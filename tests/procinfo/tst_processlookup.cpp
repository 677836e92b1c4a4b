// ProcessLookup against real sockets of this test process and of child processes: TCP and UDP,
// IPv4 and IPv6, connected and unconnected, closed sockets, the cache and its rate-limited scan.
#include <QProcess>
#include <QTest>

#include <fcntl.h>
#include <pwd.h>
#include <sys/prctl.h>
#include <sys/wait.h>

#include <chrono>
#include <filesystem>

#include "procinfo/processlookup.h"
#include "printers.h"
#include "testsockets.h"

using namespace procinfotest;
using weir::Protocol;
using weir::procinfo::FailureKind;
using weir::procinfo::LookupFailure;
using weir::procinfo::ProcessInfo;
using weir::procinfo::ProcessLookup;
using weir::procinfo::SocketQuery;

namespace {

// Everything a lookup of one of this process's own sockets must report.
void verifyOwnProcess(const std::optional<ProcessInfo>& info, const LookupFailure& failure, int fd) {
    QVERIFY2(info, failure.message.c_str());
    QCOMPARE(info->pid, ::getpid());
    QCOMPARE(info->name, commOf(::getpid()));
    QCOMPARE(info->exe, readLink("/proc/self/exe"));
    QVERIFY(!info->exeDeleted);
    QCOMPARE(info->uid, ::getuid());
    const passwd* pw = ::getpwuid(::getuid());
    QCOMPARE(info->user, std::string(pw ? pw->pw_name : std::to_string(::getuid())));
    QCOMPARE(info->inode, inodeOf(fd));
}

void addFamilyRows() {
    QTest::addColumn<int>("family");
    QTest::addColumn<QString>("ip");
    QTest::newRow("ipv4") << AF_INET << "127.0.0.1";
    QTest::newRow("ipv6") << AF_INET6 << "::1";
}

bool skipWithoutIpv6(int family) {
    return family == AF_INET6 && !haveIpv6Loopback();
}

} // namespace

class TestProcessLookup : public QObject {
    Q_OBJECT

private slots:
    void tcp_data() {
        QTest::addColumn<int>("listenFamily");
        QTest::addColumn<QString>("listenIp");
        QTest::addColumn<int>("clientFamily");
        QTest::addColumn<QString>("connectIp");
        QTest::newRow("ipv4") << AF_INET << "127.0.0.1" << AF_INET << "127.0.0.1";
        QTest::newRow("ipv6") << AF_INET6 << "::1" << AF_INET6 << "::1";
        // A dual-stack IPv6 socket carrying IPv4: the query is plain IPv4, the kernel's socket is IPv6.
        QTest::newRow("ipv4 on an ipv6 socket") << AF_INET << "127.0.0.1" << AF_INET6 << "::ffff:127.0.0.1";
    }
    void tcp() {
        QFETCH(int, listenFamily);
        QFETCH(QString, listenIp);
        QFETCH(int, clientFamily);
        QFETCH(QString, connectIp);
        if (skipWithoutIpv6(listenFamily) || skipWithoutIpv6(clientFamily))
            QSKIP("no ::1 here");
        auto pair = tcpPair(listenFamily, listenIp.toLatin1().constData(), clientFamily,
                            connectIp.toLatin1().constData());
        QVERIFY(pair);
        const SocketQuery query = pair->query();
        QCOMPARE(query.source.family(), listenFamily);
        ProcessLookup lookup;
        LookupFailure failure;
        const auto info = lookup.lookup(query, &failure);
        verifyOwnProcess(info, failure, pair->client.get());
        // The accepted end is a different socket with its own inode, found the other way round.
        const SocketQuery reverse{Protocol::Tcp, query.destination, query.source};
        const auto server = lookup.lookup(reverse, &failure);
        verifyOwnProcess(server, failure, pair->server.get());
    }

    void udpConnected_data() { addFamilyRows(); }
    void udpConnected() {
        QFETCH(int, family);
        QFETCH(QString, ip);
        if (skipWithoutIpv6(family))
            QSKIP("no ::1 here");
        const auto receiver = boundSocket(family, SOCK_DGRAM, ip.toLatin1().constData());
        const auto sender = boundSocket(family, SOCK_DGRAM, ip.toLatin1().constData());
        QVERIFY(receiver.isValid() && sender.isValid());
        const SocketAddress to = localOf(receiver.get());
        QCOMPARE(::connect(sender.get(), to.sockaddrPtr(), to.sockaddrLen()), 0);
        ProcessLookup lookup;
        LookupFailure failure;
        const auto info = lookup.lookup({Protocol::Udp, localOf(sender.get()), to}, &failure);
        verifyOwnProcess(info, failure, sender.get());
        QCOMPARE(lookup.stats().diagDumps, std::uint64_t(0)); // the kernel's exact lookup found it
    }

    // An unconnected socket sends with sendto(): the query still names the destination it sent to.
    void udpUnconnected_data() {
        QTest::addColumn<int>("family");
        QTest::addColumn<QString>("bindIp");
        QTest::addColumn<QString>("ip");
        QTest::newRow("ipv4") << AF_INET << "127.0.0.1"
                              << "127.0.0.1";
        QTest::newRow("ipv4 wildcard") << AF_INET << "0.0.0.0"
                                       << "127.0.0.1";
        QTest::newRow("ipv6") << AF_INET6 << "::1"
                              << "::1";
        QTest::newRow("ipv6 wildcard") << AF_INET6 << "::"
                                       << "::1";
    }
    void udpUnconnected() {
        QFETCH(int, family);
        QFETCH(QString, bindIp);
        QFETCH(QString, ip);
        if (skipWithoutIpv6(family))
            QSKIP("no ::1 here");
        const auto receiver = boundSocket(family, SOCK_DGRAM, ip.toLatin1().constData());
        const auto sender = boundSocket(family, SOCK_DGRAM, bindIp.toLatin1().constData());
        QVERIFY(receiver.isValid() && sender.isValid());
        const SocketAddress to = localOf(receiver.get());
        QCOMPARE(::sendto(sender.get(), "x", 1, 0, to.sockaddrPtr(), to.sockaddrLen()), ssize_t(1));
        // The source the receiver sees: the sender's port on the loopback address.
        const auto source =
            SocketAddress::parse((family == AF_INET ? ip + ":" : "[" + ip + "]:").toStdString() +
                                 std::to_string(localOf(sender.get()).port()));
        QVERIFY(source);
        ProcessLookup lookup;
        LookupFailure failure;
        const auto info = lookup.lookup({Protocol::Udp, *source, to}, &failure);
        verifyOwnProcess(info, failure, sender.get());
        QCOMPARE(lookup.stats().diagDumps, std::uint64_t(0));
    }

    // A socket bound to a device escapes the kernel's exact lookup (it asks for no device); the dump
    // filtered by the source port finds it.
    void udpBoundToDevice() {
        auto sender = boundSocket(AF_INET, SOCK_DGRAM, "0.0.0.0");
        const auto receiver = boundSocket(AF_INET, SOCK_DGRAM, "127.0.0.1");
        if (::setsockopt(sender.get(), SOL_SOCKET, SO_BINDTODEVICE, "lo", 3) != 0)
            QSKIP("SO_BINDTODEVICE needs CAP_NET_RAW");
        const SocketAddress to = localOf(receiver.get());
        const auto source = SocketAddress::parse("127.0.0.1:" + std::to_string(localOf(sender.get()).port()));
        ProcessLookup lookup;
        LookupFailure failure;
        const auto info = lookup.lookup({Protocol::Udp, *source, to}, &failure);
        verifyOwnProcess(info, failure, sender.get());
        QVERIFY(lookup.stats().diagDumps >= 1);
    }

    // A LAN client's source port equal to a local wildcard-bound socket's is not that socket's.
    void nonLocalSourceIsNotMatched() {
        const auto sender = boundSocket(AF_INET, SOCK_DGRAM, "0.0.0.0");
        const auto receiver = boundSocket(AF_INET, SOCK_DGRAM, "127.0.0.1");
        QVERIFY(sender.isValid() && receiver.isValid());
        const auto lanClient =
            SocketAddress::parse("192.0.2.77:" + std::to_string(localOf(sender.get()).port()));
        ProcessLookup lookup;
        LookupFailure failure;
        QVERIFY(!lookup.lookup({Protocol::Udp, *lanClient, localOf(receiver.get())}, &failure));
        COMPARE_KIND(failure.kind, FailureKind::Gone);
        QVERIFY2(failure.message.find("not a local connection") != std::string::npos,
                 failure.message.c_str());
    }

    // A connection made by another program: its pid, name and executable, not ours.
    void childProcess() {
        auto listener = boundSocket(AF_INET, SOCK_STREAM, "127.0.0.1");
        QCOMPARE(::listen(listener.get(), 4), 0);
        const int port = localOf(listener.get()).port();
        QProcess child;
        child.start("python3", {"-c", "import socket,sys\n"
                                      "s=socket.create_connection(('127.0.0.1'," +
                                          QString::number(port) +
                                          "))\n"
                                          "print(s.getsockname()[1],flush=True)\n"
                                          "sys.stdin.read()\n"});
        QVERIFY(child.waitForStarted());
        QVERIFY(child.waitForReadyRead(10000));
        const int childPort = child.readLine().trimmed().toInt();
        QVERIFY(childPort > 0);
        const auto source = SocketAddress::parse("127.0.0.1:" + std::to_string(childPort));
        ProcessLookup lookup;
        LookupFailure failure;
        const auto info = lookup.lookup({Protocol::Tcp, *source, localOf(listener.get())}, &failure);
        const pid_t pid = static_cast<pid_t>(child.processId());
        child.closeWriteChannel();
        QVERIFY(child.waitForFinished(10000));
        QVERIFY2(info, failure.message.c_str());
        QCOMPARE(info->pid, pid);
        QVERIFY2(info->name.starts_with("python3"), info->name.c_str());
        QVERIFY2(info->exe.find("python3") != std::string::npos, info->exe.c_str());
        QCOMPARE(info->uid, ::getuid());
    }

    // A program whose file was removed while it runs: the path without the kernel's mark.
    void deletedExecutable() {
        const std::filesystem::path dir =
            std::filesystem::temp_directory_path() / ("weir-procinfo-" + std::to_string(::getpid()));
        std::filesystem::create_directories(dir);
        const auto copy = dir / "sleep";
        std::filesystem::copy_file("/bin/sleep", copy, std::filesystem::copy_options::overwrite_existing);
        auto pair = tcpPair(AF_INET, "127.0.0.1", AF_INET, "127.0.0.1");
        QVERIFY(pair);
        const SocketQuery query = pair->query();
        const int inherited = ::dup(pair->client.get()); // without FD_CLOEXEC: the child keeps it
        int execed[2]; // closes on exec: end of file tells that exec has happened
        QCOMPARE(::pipe2(execed, O_CLOEXEC), 0);
        const pid_t pid = ::fork();
        if (pid == 0) {
            ::execl(copy.c_str(), "sleep", "30", static_cast<char*>(nullptr));
            ::_exit(127);
        }
        ::close(inherited);
        ::close(execed[1]);
        char byte;
        QCOMPARE(::read(execed[0], &byte, 1), ssize_t(0));
        ::close(execed[0]);
        pair->client.reset(); // only the child holds the socket now
        std::filesystem::remove_all(dir);
        ProcessLookup lookup;
        LookupFailure failure;
        const auto info = lookup.lookup(query, &failure);
        ::kill(pid, SIGKILL);
        ::waitpid(pid, nullptr, 0);
        QVERIFY2(info, failure.message.c_str());
        QCOMPARE(info->pid, pid);
        QCOMPARE(info->name, std::string("sleep"));
        QCOMPARE(info->exe, copy.string());
        QVERIFY(info->exeDeleted);
    }

    // Short connections end before they are looked up: "gone", whichever end closed first.
    void closedSockets_data() {
        QTest::addColumn<QString>("how");
        QTest::newRow("tcp client closed first (TIME_WAIT)") << "tcp-client-first";
        QTest::newRow("tcp server closed first") << "tcp-server-first";
        QTest::newRow("udp") << "udp";
    }
    void closedSockets() {
        QFETCH(QString, how);
        SocketQuery query;
        if (how == "udp") {
            auto receiver = boundSocket(AF_INET, SOCK_DGRAM, "127.0.0.1");
            auto sender = boundSocket(AF_INET, SOCK_DGRAM, "127.0.0.1");
            query = {Protocol::Udp, localOf(sender.get()), localOf(receiver.get())};
        } else {
            auto pair = tcpPair(AF_INET, "127.0.0.1", AF_INET, "127.0.0.1");
            QVERIFY(pair);
            query = pair->query();
            if (how == "tcp-client-first")
                pair->client.reset();
            pair->server.reset();
            pair->client.reset();
            QTest::qWait(50); // the last ACK
        }
        ProcessLookup lookup;
        LookupFailure failure;
        QVERIFY(!lookup.lookup(query, &failure));
        COMPARE_KIND(failure.kind, FailureKind::Gone);
        QVERIFY2(failure.message.find("closed") != std::string::npos, failure.message.c_str());
        if (how == "tcp-client-first")
            QVERIFY2(failure.message.find("TIME_WAIT") != std::string::npos, failure.message.c_str());
        QCOMPARE(lookup.stats().holders.fullScans, std::uint64_t(0)); // no /proc scan for a closed socket
    }

    // A socket that exists but that no process holds: in flight in a unix socket's queue.
    void socketInFlight() {
        auto pair = tcpPair(AF_INET, "127.0.0.1", AF_INET, "127.0.0.1");
        QVERIFY(pair);
        int unixPair[2];
        QCOMPARE(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, unixPair), 0);
        const UniqueFd a(unixPair[0]), b(unixPair[1]);
        const int fd = pair->client.get();
        char cmsgBuf[CMSG_SPACE(sizeof(int))] = {};
        char byte = 'x';
        iovec iov{&byte, 1};
        msghdr msg{};
        msg.msg_iov = &iov;
        msg.msg_iovlen = 1;
        msg.msg_control = cmsgBuf;
        msg.msg_controllen = sizeof cmsgBuf;
        cmsghdr* cmsg = CMSG_FIRSTHDR(&msg);
        cmsg->cmsg_level = SOL_SOCKET;
        cmsg->cmsg_type = SCM_RIGHTS;
        cmsg->cmsg_len = CMSG_LEN(sizeof(int));
        std::memcpy(CMSG_DATA(cmsg), &fd, sizeof fd);
        QCOMPARE(::sendmsg(a.get(), &msg, 0), ssize_t(1));
        const SocketQuery query = pair->query();
        pair->client.reset();
        ProcessLookup lookup;
        LookupFailure failure;
        QVERIFY(!lookup.lookup(query, &failure));
        COMPARE_KIND(failure.kind, FailureKind::NoProcess);
        QVERIFY2(failure.message.find("no process holds") != std::string::npos, failure.message.c_str());
    }

    // One scan fills the cache for every socket it met: later lookups of those do not scan again.
    void cacheAvoidsRescans() {
        auto first = tcpPair(AF_INET, "127.0.0.1", AF_INET, "127.0.0.1");
        auto second = tcpPair(AF_INET, "127.0.0.1", AF_INET, "127.0.0.1");
        QVERIFY(first && second);
        ProcessLookup lookup;
        LookupFailure failure;
        verifyOwnProcess(lookup.lookup(first->query(), &failure), failure, first->client.get());
        QCOMPARE(lookup.stats().holders.fullScans, std::uint64_t(1));
        QVERIFY(lookup.stats().holders.cachedSockets >= 4);
        verifyOwnProcess(lookup.lookup(first->query(), &failure), failure, first->client.get());
        verifyOwnProcess(lookup.lookup(second->query(), &failure), failure, second->client.get());
        QCOMPARE(lookup.stats().holders.fullScans, std::uint64_t(1));
        QCOMPARE(lookup.stats().holders.cacheHits, std::uint64_t(2));
        QCOMPARE(lookup.stats().found, std::uint64_t(3));
    }

    // The cached descriptor number went stale (dup2 elsewhere, original closed): found again among
    // the same process's descriptors without a scan.
    void cachedDescriptorMoved() {
        auto pair = tcpPair(AF_INET, "127.0.0.1", AF_INET, "127.0.0.1");
        QVERIFY(pair);
        ProcessLookup lookup;
        LookupFailure failure;
        QVERIFY2(lookup.lookup(pair->query(), &failure), failure.message.c_str());
        const int moved = ::fcntl(pair->client.get(), F_DUPFD_CLOEXEC, 900);
        QVERIFY(moved >= 900);
        pair->client.reset(moved);
        verifyOwnProcess(lookup.lookup(pair->query(), &failure), failure, moved);
        QCOMPARE(lookup.stats().holders.fullScans, std::uint64_t(1));
        QCOMPARE(lookup.stats().holders.cacheMoved, std::uint64_t(1));
    }

    // A socket newer than the last scan needs a scan, which waits for the rest of the interval.
    void scansAreRateLimited() {
        constexpr auto interval = std::chrono::milliseconds(200);
        ProcessLookup lookup(ProcessLookup::Options{interval});
        auto first = tcpPair(AF_INET, "127.0.0.1", AF_INET, "127.0.0.1");
        QVERIFY(first);
        const auto start = std::chrono::steady_clock::now();
        LookupFailure failure;
        QVERIFY2(lookup.lookup(first->query(), &failure), failure.message.c_str());
        auto second = tcpPair(AF_INET, "127.0.0.1", AF_INET, "127.0.0.1");
        QVERIFY(second);
        verifyOwnProcess(lookup.lookup(second->query(), &failure), failure, second->client.get());
        const auto elapsed = std::chrono::steady_clock::now() - start;
        QCOMPARE(lookup.stats().holders.fullScans, std::uint64_t(2));
        QCOMPARE(lookup.stats().holders.scanWaits, std::uint64_t(1));
        QVERIFY(elapsed >= interval);
    }

    // Without root, another user's descriptors cannot be read: the failure says so.
    void otherUsersNeedRoot() {
        if (::getuid() != 0)
            QSKIP("needs root to become another user");
        auto pair = tcpPair(AF_INET, "127.0.0.1", AF_INET, "127.0.0.1");
        QVERIFY(pair);
        const SocketQuery query = pair->query();
        int report[2];
        QCOMPARE(::pipe2(report, O_CLOEXEC), 0);
        const pid_t pid = ::fork();
        if (pid == 0) {
            // The child drops its copies of the socket, becomes nobody, and asks.
            pair->client.reset();
            pair->server.reset();
            if (::setresgid(65534, 65534, 65534) != 0 || ::setresuid(65534, 65534, 65534) != 0)
                ::_exit(2);
            ::prctl(PR_SET_DUMPABLE, 1);
            ProcessLookup lookup;
            LookupFailure failure;
            const bool found = lookup.lookup(query, &failure).has_value();
            const std::string text =
                std::string(found ? "found" : toString(failure.kind)) + "\n" + failure.message;
            (void)!::write(report[1], text.data(), text.size());
            ::_exit(0);
        }
        ::close(report[1]);
        std::string text;
        char buf[512];
        for (ssize_t n; (n = ::read(report[0], buf, sizeof buf)) > 0;)
            text.append(buf, static_cast<std::size_t>(n));
        ::close(report[0]);
        int status = 0;
        ::waitpid(pid, &status, 0);
        QCOMPARE(WEXITSTATUS(status), 0);
        QVERIFY2(text.starts_with("permission-denied\n"), text.c_str());
        QVERIFY2(text.find("needs root") != std::string::npos, text.c_str());
    }

    void invalidQuery() {
        ProcessLookup lookup;
        LookupFailure failure;
        QVERIFY(!lookup.lookup({Protocol::Tcp, {}, {}}, &failure));
        COMPARE_KIND(failure.kind, FailureKind::Unsupported);
    }
};

QTEST_GUILESS_MAIN(TestProcessLookup)
#include "tst_processlookup.moc"
