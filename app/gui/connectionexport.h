// Export and copy of connection rows, from any model with ConnectionModel's columns and roles (the
// window passes its ConnectionFilterModel and the rows the user sees or selected, in view order).
//
// CSV (RFC 4180: comma separated, CRLF line ends, fields quoted when they hold a comma, a quote or a
// line break) and the clipboard text carry the raw values: bytes and rates as plain numbers, the
// state and close reason as the helper's words. JSON carries each row with the bus keys, as
// `weirctl connections --json` does.
#pragma once

#include <QByteArray>
#include <QList>
#include <QString>

class QAbstractItemModel;

namespace weir::ConnectionExport {

// Columns: the model's columns to write, in this order; empty means every column in model order.
// The header line holds the column keys (ConnectionModel::columnKey); Started is written as
// ISO 8601 UTC ("2026-12-02T04:05:06.789Z"), Duration in milliseconds. UTF-8.
QByteArray toCsv(const QAbstractItemModel* model, const QList<int>& rows, const QList<int>& columns = {});

// A JSON array with one object per row: every bus key of the connection, numbers as numbers.
QByteArray toJson(const QAbstractItemModel* model, const QList<int>& rows);

// For the clipboard: a header line with the columns' titles, then one line per row, fields
// separated by tabs (tabs and line breaks inside a value become spaces), Started as local
// ISO 8601 with its UTC offset, bytes as numbers.
QString toClipboardText(const QAbstractItemModel* model, const QList<int>& rows,
                        const QList<int>& columns = {});

} // namespace weir::ConnectionExport
