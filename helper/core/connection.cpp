#include "core/connection.h"

namespace weir::core {

const char* toString(Protocol p) {
    switch (p) {
    case Protocol::Tcp:
        return "tcp";
    case Protocol::Udp:
        return "udp";
    }
    return "?";
}

const char* toString(InterceptMode m) {
    switch (m) {
    case InterceptMode::Redirect:
        return "redirect";
    case InterceptMode::Tproxy:
        return "tproxy";
    }
    return "?";
}

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
