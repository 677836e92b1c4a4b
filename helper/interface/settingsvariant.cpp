#include "interface/settingsvariant.h"

#include <QByteArray>
#include <QDBusArgument>
#include <QList>
#include <QStringList>

#include <algorithm>
#include <map>

namespace weir {

namespace {

std::string mustBe(ValueKind kind) {
    return std::string("must be ") + describe(kind);
}

std::string tooMany(std::size_t size) {
    return "too many entries (" + std::to_string(size) + "; at most " + std::to_string(kMaxListEntries) + ")";
}

// A D-Bus integer (y n q i u x t, as QtDBus delivers them): its value when not negative, otherwise
// the negative value for the error message.
struct Integer {
    std::uint64_t value = 0;
    bool negative = false;
    std::int64_t signedValue = 0;
};

std::optional<Integer> integerOf(const QVariant& v) {
    auto fromSigned = [](qlonglong n) {
        return Integer{n < 0 ? 0 : static_cast<std::uint64_t>(n), n < 0, n};
    };
    switch (v.metaType().id()) {
    case QMetaType::UChar:
        return Integer{v.value<uchar>(), false, 0};
    case QMetaType::UShort:
        return Integer{v.value<ushort>(), false, 0};
    case QMetaType::UInt:
        return Integer{v.value<uint>(), false, 0};
    case QMetaType::ULongLong:
        return Integer{v.value<qulonglong>(), false, 0};
    case QMetaType::Short:
        return fromSigned(v.value<short>());
    case QMetaType::Int:
        return fromSigned(v.value<int>());
    case QMetaType::LongLong:
        return fromSigned(v.value<qlonglong>());
    default:
        return std::nullopt;
    }
}

// Appends one element to a number list; false with *why when it is negative.
bool appendNumber(const Integer& n, std::vector<std::uint64_t>* out, std::string* why) {
    if (n.negative) {
        *why = std::to_string(n.signedValue) + " is negative (must be a list of unsigned numbers)";
        return false;
    }
    out->push_back(n.value);
    return true;
}

template <class T> std::optional<Value> numbersFromList(const QList<T>& list, std::string* why) {
    if (static_cast<std::size_t>(list.size()) > kMaxListEntries) {
        *why = tooMany(static_cast<std::size_t>(list.size()));
        return std::nullopt;
    }
    std::vector<std::uint64_t> out;
    for (const T& item : list)
        if (!appendNumber(*integerOf(QVariant::fromValue(item)), &out, why))
            return std::nullopt;
    return Value{std::move(out)};
}

// An array QtDBus left undecoded (au, at, an, ...): read it element by element, refusing anything
// but a flat array of integers before reading a single element.
std::optional<Value> numbersFromArgument(const QDBusArgument& arg, std::string* why) {
    static const QStringList accepted{QStringLiteral("ay"), QStringLiteral("an"), QStringLiteral("aq"),
                                      QStringLiteral("ai"), QStringLiteral("au"), QStringLiteral("ax"),
                                      QStringLiteral("at")};
    if (!accepted.contains(arg.currentSignature())) {
        *why = mustBe(ValueKind::UIntList);
        return std::nullopt;
    }
    std::vector<std::uint64_t> out;
    std::size_t count = 0;
    arg.beginArray();
    while (!arg.atEnd()) {
        const auto n = integerOf(arg.asVariant());
        // Keep counting past the limit (the message says how many) but stop storing.
        if (++count <= kMaxListEntries && (!n || !appendNumber(*n, &out, why))) {
            if (!n)
                *why = mustBe(ValueKind::UIntList);
            arg.endArray();
            return std::nullopt;
        }
    }
    arg.endArray();
    if (count > kMaxListEntries) {
        *why = tooMany(count);
        return std::nullopt;
    }
    return Value{std::move(out)};
}

std::optional<Value> numberList(const QVariant& v, std::string* why) {
    const int type = v.metaType().id();
    if (type == qMetaTypeId<QDBusArgument>())
        return numbersFromArgument(v.value<QDBusArgument>(), why);
    if (type == QMetaType::QByteArray) {
        const QByteArray bytes = v.toByteArray();
        QList<uchar> list(bytes.begin(), bytes.end());
        return numbersFromList(list, why);
    }
    if (type == qMetaTypeId<QList<uint>>())
        return numbersFromList(v.value<QList<uint>>(), why);
    if (type == qMetaTypeId<QList<int>>())
        return numbersFromList(v.value<QList<int>>(), why);
    if (type == qMetaTypeId<QList<qulonglong>>())
        return numbersFromList(v.value<QList<qulonglong>>(), why);
    if (type == qMetaTypeId<QList<qlonglong>>())
        return numbersFromList(v.value<QList<qlonglong>>(), why);
    if (type == qMetaTypeId<QList<ushort>>())
        return numbersFromList(v.value<QList<ushort>>(), why);
    if (type == qMetaTypeId<QList<short>>())
        return numbersFromList(v.value<QList<short>>(), why);
    *why = mustBe(ValueKind::UIntList);
    return std::nullopt;
}

std::optional<Value> stringList(const QVariant& v, std::string* why) {
    if (v.metaType().id() != QMetaType::QStringList) {
        *why = mustBe(ValueKind::StringList);
        return std::nullopt;
    }
    const QStringList list = v.toStringList();
    if (static_cast<std::size_t>(list.size()) > kMaxListEntries) {
        *why = tooMany(static_cast<std::size_t>(list.size()));
        return std::nullopt;
    }
    std::vector<std::string> out;
    out.reserve(static_cast<std::size_t>(list.size()));
    for (const QString& s : list)
        out.push_back(s.toStdString());
    return Value{std::move(out)};
}

// Keys and messages come (partly) from the caller: no line breaks or control characters may reach
// the one-line-per-key error text, and ':' is escaped in keys so "key: why" always splits right.
std::string sanitize(const std::string& text, bool escapeColon) {
    constexpr std::size_t kMaxLine = 300;
    std::string out;
    for (unsigned char c : text) {
        if (out.size() >= kMaxLine) {
            out += "...";
            break;
        }
        if (c < 0x20 || c == 0x7f || (escapeColon && c == ':')) {
            static const char hex[] = "0123456789abcdef";
            out += "\\x";
            out += hex[c >> 4];
            out += hex[c & 15];
        } else {
            out += static_cast<char>(c);
        }
    }
    return out;
}

} // namespace

std::optional<Value> valueFromVariant(const KeyInfo& key, const QVariant& v, std::string* why) {
    switch (key.kind) {
    case ValueKind::Bool:
        if (v.metaType().id() == QMetaType::Bool)
            return Value{v.toBool()};
        break;
    case ValueKind::UInt:
        if (const auto n = integerOf(v)) {
            if (!n->negative)
                return Value{n->value};
            *why = std::to_string(n->signedValue) + " is negative (must be an unsigned number)";
            return std::nullopt;
        }
        break;
    case ValueKind::String:
        if (v.metaType().id() == QMetaType::QString)
            return Value{v.toString().toStdString()};
        break;
    case ValueKind::StringList:
        return stringList(v, why);
    case ValueKind::UIntList:
        return numberList(v, why);
    }
    *why = mustBe(key.kind);
    return std::nullopt;
}

std::vector<SettingError> valuesFromVariantMap(const QVariantMap& map, ValueMap* out) {
    std::vector<SettingError> errors;
    for (auto it = map.begin(); it != map.end(); ++it) {
        const std::string name = it.key().toStdString();
        const KeyInfo* key = findKey(name);
        if (!key) {
            errors.push_back({name, "unknown setting"});
            continue;
        }
        std::string why;
        auto value = valueFromVariant(*key, it.value(), &why);
        if (value)
            (*out)[name] = std::move(*value);
        else
            errors.push_back({name, why});
    }
    return errors;
}

QVariant valueToVariant(const KeyInfo& key, const Value& value) {
    switch (key.kind) {
    case ValueKind::Bool:
        return std::get<bool>(value);
    case ValueKind::UInt: {
        // A number too large for the key's type (a client passing on what a user typed) goes out as
        // t, never cut down, so the helper sees it and says it is too large.
        const auto n = std::get<std::uint64_t>(value);
        if (key.maxValue <= 0xffff && n <= 0xffff)
            return QVariant::fromValue(static_cast<quint16>(n));
        if (key.maxValue <= 0xffffffff && n <= 0xffffffff)
            return QVariant::fromValue(static_cast<quint32>(n));
        return QVariant::fromValue(static_cast<quint64>(n));
    }
    case ValueKind::String:
        return QString::fromStdString(std::get<std::string>(value));
    case ValueKind::StringList: {
        QStringList list;
        for (const auto& s : std::get<std::vector<std::string>>(value))
            list.append(QString::fromStdString(s));
        return list;
    }
    case ValueKind::UIntList: {
        const auto& numbers = std::get<std::vector<std::uint64_t>>(value);
        if (std::any_of(numbers.begin(), numbers.end(), [](std::uint64_t n) { return n > 0xffffffff; }))
            return QVariant::fromValue(QList<qulonglong>(numbers.begin(), numbers.end())); // at, as above
        return QVariant::fromValue(QList<uint>(numbers.begin(), numbers.end()));
    }
    }
    return {};
}

QVariantMap valuesToVariantMap(const ValueMap& values) {
    QVariantMap map;
    for (const auto& [name, value] : values)
        if (const KeyInfo* key = findKey(name))
            map.insert(QString::fromStdString(name), valueToVariant(*key, value));
    return map;
}

QVariantMap plainSettingsMap(const QVariantMap& received) {
    QVariantMap out = received;
    for (auto it = out.begin(); it != out.end(); ++it) {
        const KeyInfo* key = findKey(it.key().toStdString());
        std::string why;
        if (!key)
            continue;
        if (const auto value = valueFromVariant(*key, it.value(), &why))
            it.value() = valueToVariant(*key, *value);
    }
    return out;
}

QString settingErrorsMessage(const std::vector<SettingError>& errors) {
    std::map<std::string, std::string> byKey; // sorted by key, one line each
    for (const auto& e : errors) {
        std::string& line = byKey[sanitize(e.key, true)];
        line += (line.empty() ? "" : "; ") + sanitize(e.message, false);
    }
    QStringList lines;
    for (const auto& [key, why] : byKey) {
        if (lines.size() == kMaxErrorLines) {
            lines.append(QStringLiteral("(and %1 more keys)").arg(byKey.size() - kMaxErrorLines));
            break;
        }
        lines.append(QString::fromStdString(key + ": " + why));
    }
    return lines.join(QLatin1Char('\n'));
}

} // namespace weir
