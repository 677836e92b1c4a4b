#include "catalogue.h"

#include <QFile>
#include <QHash>
#include <QRegularExpression>
#include <QXmlStreamReader>

namespace weir::i18n {

namespace {

// How many plural forms each language has in Qt (lupdate writes that many <numerusform>). A new
// language gets its line here; until then its plurals are reported instead of silently passed.
const QHash<QString, int> kPluralForms = {
    {QStringLiteral("de"), 2},
    {QStringLiteral("en"), 2},
    {QStringLiteral("zh"), 1},
};

// Words a language must not use, with what to write instead. To proxy users "拦截" reads as
// "block"; Weir takes connections over (接管) and is a transparent proxy (透明代理).
struct Avoided {
    QString word;
    QString instead;
};
const QHash<QString, QList<Avoided>> kAvoidedWords = {
    {QStringLiteral("zh"), {{QStringLiteral("拦截"), QStringLiteral("接管 or 透明代理")}}},
};

QString baseLanguage(const QString& language) {
    return language.section(QLatin1Char('_'), 0, 0);
}

void readMessage(QXmlStreamReader& xml, TsMessage* m) {
    m->numerus = xml.attributes().value(QLatin1String("numerus")) == QLatin1String("yes");
    while (xml.readNextStartElement()) {
        if (xml.name() == QLatin1String("source")) {
            m->source = xml.readElementText();
        } else if (xml.name() == QLatin1String("comment")) {
            m->comment = xml.readElementText();
        } else if (xml.name() == QLatin1String("translation")) {
            m->type = xml.attributes().value(QLatin1String("type")).toString();
            if (!m->numerus) {
                m->translations = {xml.readElementText()};
                continue;
            }
            while (xml.readNextStartElement()) {
                if (xml.name() == QLatin1String("numerusform"))
                    m->translations << xml.readElementText();
                else
                    xml.skipCurrentElement();
            }
        } else {
            xml.skipCurrentElement();
        }
    }
}

void readContext(QXmlStreamReader& xml, Catalogue* out) {
    QString name;
    while (xml.readNextStartElement()) {
        if (xml.name() == QLatin1String("name")) {
            name = xml.readElementText();
        } else if (xml.name() == QLatin1String("message")) {
            TsMessage m;
            m.context = name;
            readMessage(xml, &m);
            out->messages << m;
        } else {
            xml.skipCurrentElement();
        }
    }
}

// "%1", "%2", "%n" (also written %L1, %Ln), sorted and without repeats.
QStringList placeholders(const QString& text) {
    static const QRegularExpression re(QStringLiteral("%L?(\\d+|n)"));
    QStringList found;
    for (const auto& match : re.globalMatch(text))
        found << QLatin1Char('%') + match.captured(1);
    found.sort();
    found.removeDuplicates();
    return found;
}

// The names of the rich-text tags, opening and closing, in order ("b", "/b", "br").
QStringList tags(const QString& text) {
    static const QRegularExpression re(QStringLiteral("<(/?[A-Za-z][A-Za-z0-9]*)[^<>]*>"));
    QStringList found;
    for (const auto& match : re.globalMatch(text))
        found << match.captured(1).toLower();
    found.sort();
    return found;
}

// A keyboard accelerator: "&" before a character, "&&" being a literal ampersand.
bool hasAccelerator(const QString& text) {
    QString rest = text;
    rest.remove(QStringLiteral("&&"));
    static const QRegularExpression re(QStringLiteral("&[^\\s&]"));
    return rest.contains(re);
}

QString joined(const QStringList& list) {
    return list.isEmpty() ? QStringLiteral("none") : list.join(QLatin1Char(' '));
}

QStringList formProblems(const TsMessage& m, const QString& form, const QString& language) {
    QStringList p;
    if (form.trimmed().isEmpty()) {
        p << QStringLiteral("empty translation");
        return p;
    }
    QStringList expected = placeholders(m.source);
    if (m.numerus && !expected.contains(QStringLiteral("%n"))) {
        expected << QStringLiteral("%n");
        expected.sort();
    }
    if (placeholders(form) != expected)
        p << QStringLiteral("placeholders differ: the source needs %1, the translation \"%2\" has %3")
                 .arg(joined(expected), form, joined(placeholders(form)));
    if (hasAccelerator(m.source) != hasAccelerator(form))
        p << QStringLiteral("accelerator (&) %1 in the translation \"%2\"")
                 .arg(hasAccelerator(m.source) ? QStringLiteral("missing") : QStringLiteral("added"), form);
    if (tags(m.source) != tags(form))
        p << QStringLiteral("rich-text tags differ: the source has %1, the translation \"%2\" has %3")
                 .arg(joined(tags(m.source)), form, joined(tags(form)));
    for (const Avoided& a : kAvoidedWords.value(baseLanguage(language))) {
        if (form.contains(a.word))
            p << QStringLiteral("uses \"%1\" in \"%2\": write %3").arg(a.word, form, a.instead);
    }
    return p;
}

QStringList messageProblems(const TsMessage& m, const QString& language) {
    if (m.type == QLatin1String("vanished") || m.type == QLatin1String("obsolete"))
        return {
            QStringLiteral("no longer in the sources (%1): run the update_translations target").arg(m.type)};
    if (m.type == QLatin1String("unfinished"))
        return {QStringLiteral("not translated yet (new or changed in the sources)")};
    QStringList p;
    if (m.numerus) {
        const int forms = kPluralForms.value(baseLanguage(language), -1);
        if (forms < 0)
            p << QStringLiteral("no plural rule known for %1: add it to kPluralForms").arg(language);
        else if (m.translations.size() != forms)
            p << QStringLiteral("%1 plural forms where %2 needs %3")
                     .arg(m.translations.size())
                     .arg(language)
                     .arg(forms);
    }
    if (m.translations.isEmpty())
        p << QStringLiteral("empty translation");
    for (const QString& form : m.translations)
        p << formProblems(m, form, language);
    return p;
}

} // namespace

bool parseCatalogue(const QByteArray& text, Catalogue* out, QString* error) {
    *out = {};
    QXmlStreamReader xml(text);
    if (!xml.readNextStartElement() || xml.name() != QLatin1String("TS")) {
        *error = QStringLiteral("not a Qt Linguist catalogue (no <TS> element)");
        return false;
    }
    out->language = xml.attributes().value(QLatin1String("language")).toString();
    while (xml.readNextStartElement()) {
        if (xml.name() == QLatin1String("context"))
            readContext(xml, out);
        else
            xml.skipCurrentElement();
    }
    if (xml.hasError()) {
        *error = QStringLiteral("line %1: %2").arg(xml.lineNumber()).arg(xml.errorString());
        return false;
    }
    return true;
}

bool readCatalogue(const QString& path, Catalogue* out, QString* error) {
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly)) {
        *error = QStringLiteral("cannot read %1: %2").arg(path, file.errorString());
        return false;
    }
    if (!parseCatalogue(file.readAll(), out, error)) {
        *error = path + QStringLiteral(": ") + *error;
        return false;
    }
    return true;
}

QStringList catalogueProblems(const Catalogue& catalogue) {
    QStringList problems;
    if (catalogue.language.isEmpty())
        problems << QStringLiteral("the catalogue names no language (<TS language=\"...\">)");
    for (const TsMessage& m : catalogue.messages) {
        for (const QString& p : messageProblems(m, catalogue.language))
            problems << QStringLiteral("[%1] \"%2\": %3").arg(m.context, m.source, p);
    }
    return problems;
}

} // namespace weir::i18n
