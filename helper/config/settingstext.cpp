// The text form of settings: one value as weirctl takes it, and the settings file.
#include "config/settings.h"

#include <cctype>
#include <sstream>

namespace weir {

namespace {

std::string trim(const std::string& s) {
    const auto b = s.find_first_not_of(" \t");
    const auto e = s.find_last_not_of(" \t\r");
    return b == std::string::npos ? std::string() : s.substr(b, e - b + 1);
}

std::vector<std::string> splitList(const std::string& text) {
    std::vector<std::string> out;
    if (trim(text).empty())
        return out;
    std::string item;
    std::istringstream in(text);
    while (std::getline(in, item, ','))
        out.push_back(trim(item));
    if (!text.empty() && text.back() == ',')
        out.emplace_back(); // "a," has an empty last entry: refused later, never dropped silently
    return out;
}

// A file the helper writes starts with kHeaderLine and ends with kEndLine. Every prefix of a good file
// would parse on its own (a number cut in half, the later keys silently at their defaults), so a file
// that starts with kHeaderLine but has no kEndLine was cut short and is refused. Files without
// kHeaderLine (written by hand, or by a helper before the end line) are read as before.
constexpr const char* kHeaderLine =
    "# Weir settings (format 2), written by weir-helper. Change them with weirctl config set or";
constexpr const char* kEndLine = "# end of settings (a file without this line was cut short)";

// TEXT in quotes for an error message: control bytes as \xNN and at most 60 bytes, so a garbage file
// gives a readable one-line warning (bytes that are no UTF-8 become U+FFFD at the bus edge).
std::string quoted(const std::string& text) {
    constexpr std::size_t kMaxBytes = 60;
    std::string out = "\"";
    for (std::size_t i = 0; i < text.size() && i < kMaxBytes; ++i) {
        const auto c = static_cast<unsigned char>(text[i]);
        if (c < 0x20 || c == 0x7f) {
            static const char hex[] = "0123456789abcdef";
            out += std::string("\\x") + hex[c >> 4] + hex[c & 15];
        } else {
            out += static_cast<char>(c);
        }
    }
    return out + (text.size() > kMaxBytes ? "\"..." : "\"");
}

std::optional<std::uint64_t> parseNumber(const std::string& t) {
    const bool hex = t.size() > 2 && t[0] == '0' && (t[1] == 'x' || t[1] == 'X');
    const std::string digits = hex ? t.substr(2) : t;
    if (digits.empty() || digits.size() > 16)
        return std::nullopt;
    for (char c : digits)
        if (!(hex ? std::isxdigit(static_cast<unsigned char>(c))
                  : std::isdigit(static_cast<unsigned char>(c))))
            return std::nullopt;
    return std::stoull(digits, nullptr, hex ? 16 : 10);
}

} // namespace

std::string formatValue(const Value& value) {
    struct Formatter {
        std::string operator()(bool b) const { return b ? "true" : "false"; }
        std::string operator()(std::uint64_t n) const { return std::to_string(n); }
        std::string operator()(const std::string& s) const { return s; }
        std::string operator()(const std::vector<std::string>& list) const {
            std::string out;
            for (const auto& s : list)
                out += (out.empty() ? "" : ",") + s;
            return out;
        }
        std::string operator()(const std::vector<std::uint64_t>& list) const {
            std::string out;
            for (auto n : list)
                out += (out.empty() ? "" : ",") + std::to_string(n);
            return out;
        }
    };
    return std::visit(Formatter{}, value);
}

std::optional<Value> parseValue(const KeyInfo& key, const std::string& raw, std::string* error) {
    const std::string text = trim(raw);
    auto fail = [&](std::string why) -> std::optional<Value> {
        if (error)
            *error = std::move(why);
        return std::nullopt;
    };
    switch (key.kind) {
    case ValueKind::Bool:
        if (text == "true")
            return Value{true};
        if (text == "false")
            return Value{false};
        return fail(quoted(text) + " is not true or false");
    case ValueKind::UInt: {
        const auto n = parseNumber(text);
        if (!n)
            return fail(quoted(text) + " is not a number");
        return Value{*n};
    }
    case ValueKind::String:
        return Value{text};
    case ValueKind::StringList:
        return Value{splitList(text)};
    case ValueKind::UIntList: {
        std::vector<std::uint64_t> out;
        for (const auto& item : splitList(text)) {
            const auto n = parseNumber(item);
            if (!n)
                return fail(quoted(item) + " is not a number");
            out.push_back(*n);
        }
        return Value{out};
    }
    }
    return fail("unknown kind");
}

std::string toFileText(const Settings& settings) {
    std::string out = std::string(kHeaderLine) +
                      "\n# the settings dialog; a file that cannot be read is replaced by defaults.\n";
    const ValueMap values = toValues(settings, Secrets::Clear); // the file is root-only (0600)
    for (const auto& key : settingKeys())
        out += std::string(key.name) + "=" + formatValue(values.at(key.name)) + "\n";
    return out + kEndLine + "\n";
}

std::optional<Settings> fromFileText(const std::string& text, std::string* error) {
    // Empty, or cut inside the header: the helper never writes either (a crash of the filesystem does).
    if (text.empty() ||
        (text.find('\n') == std::string::npos && std::string(kHeaderLine).starts_with(text))) {
        if (error)
            *error = text.empty() ? "the file is empty: it was cut short"
                                  : "the file ends in its first line: it was cut short";
        return std::nullopt;
    }
    ValueMap values;
    std::istringstream in(text);
    std::string line;
    int number = 0;
    auto fail = [&](const std::string& why) -> std::optional<Settings> {
        if (error)
            *error = "line " + std::to_string(number) + ": " + why;
        return std::nullopt;
    };
    bool needsEnd = false;
    bool sawEnd = false;
    while (std::getline(in, line)) {
        ++number;
        const std::string t = trim(line);
        needsEnd = needsEnd || (number == 1 && t == kHeaderLine);
        sawEnd = sawEnd || t == kEndLine;
        if (t.empty() || t[0] == '#')
            continue;
        const auto eq = t.find('=');
        if (eq == std::string::npos)
            return fail("no '=' in " + quoted(t));
        const std::string name = trim(t.substr(0, eq));
        const KeyInfo* key = findKey(name);
        if (!key)
            return fail("unknown setting " + quoted(name));
        std::string why;
        auto value = parseValue(*key, t.substr(eq + 1), &why);
        if (!value)
            return fail(name + ": " + why);
        values[name] = std::move(*value);
    }
    if (needsEnd && !sawEnd)
        return fail(std::string("the file ends before its last line \"") + kEndLine + "\": it was cut short");
    Settings s;
    const auto errors = applyValues(Settings{}, values, &s);
    if (!errors.empty()) {
        if (error)
            *error = describe(errors);
        return std::nullopt;
    }
    return s;
}

} // namespace weir
