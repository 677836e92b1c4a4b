// Settings at the bus edge (interface/settingsvariant.h), with values as QtDBus really delivers them:
// every case is sent through a real peer-to-peer D-Bus connection (a QDBusServer in this process), so
// the receiving side sees QDBusArgument arrays, QDBusVariant nesting and the integer types exactly as
// the helper does. Also the InvalidSettings message format and its parser in the client.
#include <QDBusConnection>
#include <QDBusMessage>
#include <QDBusMetaType>
#include <QDBusObjectPath>
#include <QDBusServer>
#include <QDBusVariant>
#include <QDBusVirtualObject>
#include <QTest>

#include "client/errors.h"
#include "interface/busnames.h"
#include "interface/settingsvariant.h"

using namespace weir;

namespace {

// Records every call it receives and answers it.
class Receiver : public QDBusVirtualObject {
public:
    QList<QDBusMessage> received;
    QString introspect(const QString&) const override { return {}; }
    bool handleMessage(const QDBusMessage& message, const QDBusConnection& connection) override {
        received.append(message);
        connection.send(message.createReply());
        return true;
    }
};

std::string errorFor(const QString& key, const QVariantMap& received) {
    ValueMap values;
    const auto errors = valuesFromVariantMap(received, &values);
    return errors.size() == 1 && errors[0].key == key.toStdString() ? errors[0].message : "(no single error)";
}

} // namespace

class TestSettingsVariant : public QObject {
    Q_OBJECT
private:
    QDBusServer* server_ = nullptr;
    Receiver receiver_;
    int sent_ = 0;

    // The map as the receiving side of a real D-Bus connection sees it.
    QVariantMap overTheBus(const QVariantMap& map) {
        QDBusConnection client = QDBusConnection::connectToPeer(server_->address(), QStringLiteral("client"));
        if (!client.isConnected())
            qFatal("no peer connection: %s", qPrintable(client.lastError().message()));
        QDBusMessage call = QDBusMessage::createMethodCall(QString(), QStringLiteral("/t"),
                                                           QStringLiteral("t.T"), QStringLiteral("Set"));
        call << map;
        client.send(call);
        ++sent_;
        if (!QTest::qWaitFor([this] { return receiver_.received.size() == sent_; }, 5000))
            qFatal("the call did not arrive");
        return qdbus_cast<QVariantMap>(receiver_.received.last().arguments().value(0));
    }

    std::string busError(const QString& key, const QVariant& value) {
        return errorFor(key, overTheBus({{key, value}}));
    }

    Value busValue(const QString& key, const QVariant& value) {
        ValueMap values;
        const auto errors = valuesFromVariantMap(overTheBus({{key, value}}), &values);
        if (!errors.empty())
            qFatal("%s: %s", qPrintable(key), errors[0].message.c_str());
        return values.at(key.toStdString());
    }

private Q_SLOTS:
    void initTestCase() {
        server_ = new QDBusServer(QStringLiteral("unix:tmpdir=/tmp"), this);
        QVERIFY(server_->isConnected());
        connect(server_, &QDBusServer::newConnection, this, [this](const QDBusConnection& c) {
            QDBusConnection(c).registerVirtualObject(QStringLiteral("/t"), &receiver_);
        });
    }

    void booleans() {
        QCOMPARE(busValue(QStringLiteral("udp"), true), Value{true});
        QCOMPARE(busError(QStringLiteral("udp"), 1u), std::string("must be a boolean"));
        QCOMPARE(busError(QStringLiteral("udp"), QStringLiteral("true")), std::string("must be a boolean"));
        QCOMPARE(busError(QStringLiteral("udp"), QVariant::fromValue(QDBusVariant(true))),
                 std::string("must be a boolean"));
    }

    // Every D-Bus integer type is a number; negative ones name the value.
    void numbers() {
        const QString key = QStringLiteral("proxy_port");
        const Value port{std::uint64_t{8080}};
        QCOMPARE(busValue(key, QVariant::fromValue<uchar>(200)), Value{std::uint64_t{200}});
        QCOMPARE(busValue(key, QVariant::fromValue<short>(8080)), port);
        QCOMPARE(busValue(key, QVariant::fromValue<ushort>(8080)), port);
        QCOMPARE(busValue(key, 8080), port);
        QCOMPARE(busValue(key, 8080u), port);
        QCOMPARE(busValue(key, 8080ll), port);
        QCOMPARE(busValue(key, 8080ull), port);
        QCOMPARE(busValue(key, 70000u), Value{std::uint64_t{70000}}); // the range is applyValues' job
        QCOMPARE(busError(key, QVariant::fromValue<short>(-1)),
                 std::string("-1 is negative (must be an unsigned number)"));
        QCOMPARE(busError(key, -5), std::string("-5 is negative (must be an unsigned number)"));
        QCOMPARE(busError(key, std::numeric_limits<qlonglong>::min()),
                 std::string("-9223372036854775808 is negative (must be an unsigned number)"));
        QCOMPARE(busError(key, 80.0), std::string("must be an unsigned number"));
        QCOMPARE(busError(key, QStringLiteral("80")), std::string("must be an unsigned number"));
        QCOMPARE(busError(key, true), std::string("must be an unsigned number"));
        QCOMPARE(busError(key, QVariant::fromValue(QDBusVariant(80u))),
                 std::string("must be an unsigned number"));
    }

    void strings() {
        QCOMPARE(busValue(QStringLiteral("mode"), QStringLiteral("tproxy")), Value{std::string("tproxy")});
        QCOMPARE(busValue(QStringLiteral("mode"), QString()), Value{std::string()});
        QCOMPARE(busError(QStringLiteral("mode"), QVariant::fromValue(QDBusObjectPath("/tproxy"))),
                 std::string("must be a string"));
        QCOMPARE(busError(QStringLiteral("mode"), QStringList{QStringLiteral("tproxy")}),
                 std::string("must be a string"));
    }

    void stringLists() {
        const QString key = QStringLiteral("bypass");
        QCOMPARE(busValue(key, QStringList{QStringLiteral("10.0.0.0/8"), QString()}),
                 (Value{std::vector<std::string>{"10.0.0.0/8", ""}}));
        QCOMPARE(busValue(key, QStringList()), Value{std::vector<std::string>{}});
        QCOMPARE(busError(key, QStringLiteral("10.0.0.0/8")), std::string("must be a list of strings"));
        QCOMPARE(busError(key, QVariantList{QStringLiteral("10.0.0.0/8")}),
                 std::string("must be a list of strings"));
        QCOMPARE(busError(key, QVariant::fromValue(QList<uint>{1})),
                 std::string("must be a list of strings"));
        QCOMPARE(busError(key, QVariant::fromValue(QDBusVariant(QStringList{QStringLiteral("x")}))),
                 std::string("must be a list of strings"));
        QStringList many;
        for (int i = 0; i < 300; ++i)
            many.append(QStringLiteral("10.0.%1.0/24").arg(i));
        QCOMPARE(busError(key, many), std::string("too many entries (300; at most 256)"));
    }

    // QtDBus hands every array but as/ay over undecoded; each integer element type is read.
    void numberLists() {
        const QString key = QStringLiteral("exclude_uids");
        const Value ids{std::vector<std::uint64_t>{0, 1000, 65534}};
        QCOMPARE(busValue(key, QVariant::fromValue(QList<uint>{0, 1000, 65534})), ids);
        QCOMPARE(busValue(key, QVariant::fromValue(QList<qulonglong>{0, 1000, 65534})), ids);
        QCOMPARE(busValue(key, QVariant::fromValue(QList<int>{0, 1000, 65534})), ids);
        QCOMPARE(busValue(key, QVariant::fromValue(QList<qlonglong>{0, 1000, 65534})), ids);
        QCOMPARE(busValue(key, QVariant::fromValue(QList<ushort>{0, 1000, 65534})), ids);
        QCOMPARE(busValue(key, QVariant::fromValue(QList<short>{0, 1000})),
                 (Value{std::vector<std::uint64_t>{0, 1000}}));
        QCOMPARE(busValue(key, QByteArray("\x01\x02", 2)), (Value{std::vector<std::uint64_t>{1, 2}}));
        QCOMPARE(busValue(key, QVariant::fromValue(QList<uint>{})), Value{std::vector<std::uint64_t>{}});
        QCOMPARE(busError(key, QVariant::fromValue(QList<int>{1000, -5})),
                 std::string("-5 is negative (must be a list of unsigned numbers)"));
        QCOMPARE(busError(key, QStringList{QStringLiteral("1000")}),
                 std::string("must be a list of unsigned numbers"));
        QCOMPARE(busError(key, QVariantList{1000u}), std::string("must be a list of unsigned numbers"));
        QCOMPARE(busError(key, QVariant::fromValue(QList<double>{1.0})),
                 std::string("must be a list of unsigned numbers"));
        QCOMPARE(busError(key, QVariant::fromValue(QList<bool>{true})),
                 std::string("must be a list of unsigned numbers"));
        QCOMPARE(busError(key, 1000u), std::string("must be a list of unsigned numbers"));
        QCOMPARE(busError(key, QVariantMap{{QStringLiteral("a"), 1u}}),
                 std::string("must be a list of unsigned numbers"));
    }

    void hugeLists() {
        QList<uint> many(1'000'000, 7u);
        QCOMPARE(busError(QStringLiteral("exclude_gids"), QVariant::fromValue(many)),
                 std::string("too many entries (1000000; at most 256)"));
        QCOMPARE(busError(QStringLiteral("exclude_gids"), QVariant::fromValue(QList<uint>(257, 1u))),
                 std::string("too many entries (257; at most 256)"));
        QCOMPARE(busValue(QStringLiteral("exclude_gids"), QVariant::fromValue(QList<uint>(256, 1u))),
                 Value{std::vector<std::uint64_t>(256, 1)});
    }

    void unknownKeysAndSeveralErrors() {
        ValueMap values;
        const auto errors =
            valuesFromVariantMap(overTheBus({{QStringLiteral("frobnicate"), true},
                                             {QStringLiteral("udp"), 1},
                                             {QStringLiteral("mode"), QStringLiteral("tproxy")}}),
                                 &values);
        QCOMPARE(errors.size(), std::size_t{2});
        QCOMPARE(errors[0], (SettingError{"frobnicate", "unknown setting"}));
        QCOMPARE(errors[1].key, std::string("udp"));
        QCOMPARE(values.size(), std::size_t{1}); // the good key converted, for validation
    }

    // GetSettings: each key with its documented D-Bus type, and back without loss.
    void typedOutput() {
        Settings s;
        s.excludeUids = {1000, 4294967294u};
        s.bypass = {*Cidr::parse("192.0.2.0/24")};
        s.mode = Mode::Tproxy;
        const QVariantMap sent = valuesToVariantMap(toValues(s));
        QCOMPARE(sent.size(), qsizetype(settingKeys().size()));
        const QVariantMap received = overTheBus(sent);
        QCOMPARE(received.value(QStringLiteral("proxy_port")).metaType().id(), int(QMetaType::UShort));
        QCOMPARE(received.value(QStringLiteral("outgoing_mark")).metaType().id(), int(QMetaType::UInt));
        QCOMPARE(received.value(QStringLiteral("route_table")).metaType().id(), int(QMetaType::UInt));
        QCOMPARE(received.value(QStringLiteral("udp")).metaType().id(), int(QMetaType::Bool));
        QCOMPARE(received.value(QStringLiteral("bypass")).metaType().id(), int(QMetaType::QStringList));
        QCOMPARE(received.value(QStringLiteral("exclude_uids")).value<QDBusArgument>().currentSignature(),
                 QStringLiteral("au"));
        ValueMap back;
        QVERIFY(valuesFromVariantMap(received, &back).empty());
        QCOMPARE(back, toValues(s));
    }

    // What HelperClient::settingsReceived gives the GUI: plain types, unknown keys untouched.
    void plainForClients() {
        QVariantMap sent = valuesToVariantMap(toValues(Settings{}));
        sent.insert(QStringLiteral("from_a_newer_helper"), QVariant::fromValue(QList<int>{1, 2}));
        sent.insert(QStringLiteral("exclude_gids"), QVariant::fromValue(QList<uint>{10, 20}));
        const QVariantMap plain = plainSettingsMap(overTheBus(sent));
        QCOMPARE(plain.value(QStringLiteral("exclude_gids")).value<QList<uint>>(), (QList<uint>{10, 20}));
        QCOMPARE(plain.value(QStringLiteral("exclude_uids")).metaType().id(), qMetaTypeId<QList<uint>>());
        QCOMPARE(plain.value(QStringLiteral("proxy_port")).toUInt(), 41080u);
        QCOMPARE(plain.value(QStringLiteral("bypass_private")).toBool(), true);
        QCOMPARE(plain.value(QStringLiteral("from_a_newer_helper")).metaType().id(),
                 qMetaTypeId<QDBusArgument>());
    }

    // A number a user typed that does not fit is sent whole (u or t), so the helper can refuse it.
    void tooLargeIsNotCut() {
        const KeyInfo* port = findKey("proxy_port");
        QCOMPARE(valueToVariant(*port, Value{std::uint64_t{70000}}).metaType().id(), int(QMetaType::UInt));
        QCOMPARE(valueToVariant(*port, Value{std::uint64_t{1} << 40}).metaType().id(),
                 int(QMetaType::ULongLong));
        QCOMPARE(valueToVariant(*port, Value{std::uint64_t{8080}}).metaType().id(), int(QMetaType::UShort));
        const KeyInfo* uids = findKey("exclude_uids");
        const QVariant big = valueToVariant(*uids, Value{std::vector<std::uint64_t>{1, 1ull << 40}});
        QCOMPARE(big.value<QList<qulonglong>>(), (QList<qulonglong>{1, 1ull << 40}));
    }

    // The InvalidSettings text: one line per key, safe against what callers put in keys and values,
    // and read back by the client.
    void errorMessage() {
        const QString text = settingErrorsMessage({{"udp", "first"},
                                                   {"bypass", "\"a\nb\" is bad"},
                                                   {"udp", "second"},
                                                   {"evil: key\nudp", "unknown setting"}});
        const QStringList lines = text.split(QLatin1Char('\n'));
        QCOMPARE(lines.size(), 3);
        QCOMPARE(lines[0], QStringLiteral("bypass: \"a\\x0ab\" is bad"));
        QCOMPARE(lines[1], QStringLiteral("evil\\x3a key\\x0audp: unknown setting"));
        QCOMPARE(lines[2], QStringLiteral("udp: first; second"));
        const auto parsed =
            settingErrors(QDBusError(QDBusMessage::createError(bus::errorInvalidSettings, text)));
        QCOMPARE(parsed.value(QStringLiteral("udp")), QStringLiteral("first; second"));
        QCOMPARE(parsed.size(), 3);
        QVERIFY(settingErrors(QDBusError(QDBusMessage::createError(bus::errorFailed, text))).isEmpty());
    }

    void errorMessageLimits() {
        std::vector<SettingError> errors;
        for (int i = 0; i < 100; ++i)
            errors.push_back({"key" + std::to_string(1000 + i), std::string(5000, 'x')});
        const QStringList lines = settingErrorsMessage(errors).split(QLatin1Char('\n'));
        QCOMPARE(lines.size(), kMaxErrorLines + 1);
        QCOMPARE(lines.last(), QStringLiteral("(and 60 more keys)"));
        QVERIFY(lines.first().size() < 320);
    }
};

QTEST_GUILESS_MAIN(TestSettingsVariant)
#include "tst_settingsvariant.moc"
