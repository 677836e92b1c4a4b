#include "core/connection.h"

namespace weir::core {

const char* toString(ConnectionState s) {
    switch (s) {
    case ConnectionState::Connecting:
        return "connecting";
    case ConnectionState::Established:
        return "established";
    case ConnectionState::Closing:
        return "closing";
    case ConnectionState::Closed:
        return "closed";
    case ConnectionState::Failed:
        return "failed";
    }
    return "?";
}

} // namespace weir::core
