// A Qt Linguist catalogue (.ts) read into plain values, and the checks every Weir catalogue must pass:
// nothing new, unfinished, empty or vanished; the same placeholders, accelerators and rich-text tags
// as the source; the plural forms the language needs; none of the words the language must avoid.
#pragma once

#include <QList>
#include <QString>
#include <QStringList>

namespace weir::i18n {

struct TsMessage {
    QString context;
    QString source;
    QString comment;      // the disambiguation passed to tr(), if any
    bool numerus = false; // tr(..., n): one translation per plural form
    QString type;         // "" (finished), "unfinished", "vanished" or "obsolete"
    QStringList translations;
};

struct Catalogue {
    QString language; // the TS language attribute, like "de" or "zh_CN"
    QList<TsMessage> messages;
};

// Reads a .ts file; on failure returns false and says why in *error.
bool readCatalogue(const QString& path, Catalogue* out, QString* error);
bool parseCatalogue(const QByteArray& xml, Catalogue* out, QString* error);

// Everything wrong with a catalogue, one line per problem naming the context and the source text.
QStringList catalogueProblems(const Catalogue& catalogue);

} // namespace weir::i18n
