// Text for numbers the connection view shows. Locale aware; used by the model's display role only
// (sorting and export use the raw values).
#pragma once

#include <QString>
#include <QtGlobal>

namespace weir {

// "512 bytes", "1.2 KiB", "3.4 MiB" (IEC units, one decimal).
QString formatBytes(quint64 bytes);
// "1.2 KiB/s"; empty for 0 (an idle or closed connection's cell stays quiet).
QString formatRate(quint64 bytesPerSecond);
// "0:00:07", "0:12:34", "1:02:03", "2 d 03:04:05" (h:mm:ss). Negative values are shown as zero.
QString formatDuration(qint64 ms);

} // namespace weir
