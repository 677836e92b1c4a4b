#include "weirctl/configcommands.h"

#include <QDBusArgument>
#include <QDBusMessage>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

#include "interface/busnames.h"
#include "interface/settingsvariant.h"
#include "weirctl/commands.h"

namespace weir::ctl {

namespace {

constexpr int kReadTimeoutMs = 10'000;
constexpr int kChangeTimeoutMs = 180'000; // Polkit may ask for a password

const char* kindName(ValueKind kind) {
    switch (kind) {
    case ValueKind::Bool:
        return "true|false";
    case ValueKind::UInt:
        return "number";
    case ValueKind::String:
        return "text";
    case ValueKind::StringList:
        return "list";
    case ValueKind::UIntList:
        return "number list";
    }
    return "?";
}

QJsonValue jsonValue(const Value& value) {
    struct ToJson {
        QJsonValue operator()(bool b) const { return b; }
        QJsonValue operator()(std::uint64_t n) const { return static_cast<qint64>(n); }
        QJsonValue operator()(const std::string& s) const { return QString::fromStdString(s); }
        QJsonValue operator()(const std::vector<std::string>& list) const {
            QJsonArray a;
            for (const auto& s : list)
                a.append(QString::fromStdString(s));
            return a;
        }
        QJsonValue operator()(const std::vector<std::uint64_t>& list) const {
            QJsonArray a;
            for (auto n : list)
                a.append(static_cast<qint64>(n));
            return a;
        }
    };
    return std::visit(ToJson{}, value);
}

// Calls a settings method, with interactive authorization for SetSettings (it may need a password).
QDBusMessage callHelper(QDBusConnection bus, const QString& method, const QVariantList& args) {
    QDBusMessage call =
        QDBusMessage::createMethodCall(bus::serviceName, bus::objectPath, bus::interfaceName, method);
    call.setArguments(args);
    const bool change = method == QLatin1String("SetSettings");
    call.setInteractiveAuthorizationAllowed(change);
    return bus.call(call, QDBus::Block, change ? kChangeTimeoutMs : kReadTimeoutMs);
}

int configGet(QDBusConnection bus, bool json, QTextStream& out, QTextStream& err) {
    const QDBusMessage reply = callHelper(bus, QStringLiteral("GetSettings"), {});
    if (reply.type() == QDBusMessage::ErrorMessage)
        return failWith(QDBusError(reply), err);
    ValueMap values;
    // A newer helper may send keys this weirctl does not know: they are left out, not an error.
    valuesFromVariantMap(qdbus_cast<QVariantMap>(reply.arguments().value(0)), &values);
    if (json)
        out << settingsJson(values);
    else
        out << formatSettings(values);
    return Ok;
}

int configChange(QDBusConnection bus, bool set, const ValueMap& values, QTextStream& out, QTextStream& err) {
    const QDBusMessage reply =
        callHelper(bus, set ? QStringLiteral("SetSettings") : QStringLiteral("PreviewRules"),
                   {valuesToVariantMap(values)});
    if (reply.type() == QDBusMessage::ErrorMessage)
        return failWith(QDBusError(reply), err);
    if (set)
        out << "Settings changed (" << values.size() << (values.size() == 1 ? " key" : " keys") << ").\n";
    else
        out << reply.arguments().value(0).toString();
    return Ok;
}

int usageError(const QString& why, QTextStream& err) {
    err << "weirctl: " << why << '\n' << usage();
    return Usage;
}

} // namespace

bool parseAssignments(const QStringList& args, ValueMap* out, QString* error) {
    for (const QString& arg : args) {
        const qsizetype eq = arg.indexOf(QLatin1Char('='));
        if (eq <= 0) {
            *error = QStringLiteral("'%1' is not KEY=VALUE").arg(arg);
            return false;
        }
        const std::string name = arg.left(eq).trimmed().toStdString();
        const KeyInfo* key = findKey(name);
        if (!key) {
            *error = QStringLiteral("unknown setting '%1' (weirctl config keys lists them)")
                         .arg(QString::fromStdString(name));
            return false;
        }
        if (out->count(name)) {
            *error = QStringLiteral("%1 is given twice").arg(QString::fromStdString(name));
            return false;
        }
        std::string why;
        auto value = parseValue(*key, arg.mid(eq + 1).toStdString(), &why);
        if (!value) {
            *error = QString::fromStdString(name + ": " + why);
            return false;
        }
        (*out)[name] = std::move(*value);
    }
    return true;
}

QString formatSettings(const ValueMap& values) {
    QString text;
    for (const KeyInfo& key : settingKeys()) {
        const auto it = values.find(key.name);
        if (it != values.end())
            text += QString::fromStdString(std::string(key.name) + "=" + formatValue(it->second)) + '\n';
    }
    return text;
}

QByteArray settingsJson(const ValueMap& values) {
    QJsonObject o;
    for (const auto& [name, value] : values)
        o.insert(QString::fromStdString(name), jsonValue(value));
    return QJsonDocument(o).toJson(QJsonDocument::Indented);
}

QString formatKeys() {
    QString text;
    for (const KeyInfo& key : settingKeys())
        text += QStringLiteral("%1 %2 %3\n")
                    .arg(QLatin1String(key.name), -20)
                    .arg(QLatin1String(kindName(key.kind)), -12)
                    .arg(QLatin1String(key.description));
    return text;
}

int runConfig(const QStringList& args, QDBusConnection bus, QTextStream& out, QTextStream& err) {
    const QString sub = args.value(0);
    const QStringList rest = args.mid(1);
    const bool json = sub == QLatin1String("get") && rest == QStringList{QStringLiteral("--json")};
    ValueMap values;
    QString error;
    if (sub == QLatin1String("keys") && rest.isEmpty()) {
        out << formatKeys();
        return Ok;
    }
    if (sub == QLatin1String("get")) {
        if (!rest.isEmpty() && !json)
            return usageError(QStringLiteral("config get takes only --json"), err);
    } else if (sub == QLatin1String("set") || sub == QLatin1String("preview")) {
        if (sub == QLatin1String("set") && rest.isEmpty())
            return usageError(QStringLiteral("config set needs at least one KEY=VALUE"), err);
        if (!parseAssignments(rest, &values, &error))
            return usageError(error, err);
    } else {
        return usageError(QStringLiteral("unknown config command '%1'").arg(sub), err);
    }
    if (!bus.isConnected()) {
        err << "weirctl: cannot connect to the system bus: " << bus.lastError().message() << Qt::endl;
        return HelperUnavailable;
    }
    if (sub == QLatin1String("get"))
        return configGet(bus, json, out, err);
    return configChange(bus, sub == QLatin1String("set"), values, out, err);
}

} // namespace weir::ctl
