#include "procinfo/processinfo.h"

namespace weir::procinfo {

const char* toString(FailureKind kind) {
    switch (kind) {
    case FailureKind::Gone:
        return "gone";
    case FailureKind::NoProcess:
        return "no-process";
    case FailureKind::PermissionDenied:
        return "permission-denied";
    case FailureKind::Unsupported:
        return "unsupported";
    case FailureKind::Error:
        return "error";
    case FailureKind::Dropped:
        return "dropped";
    }
    return "error";
}

} // namespace weir::procinfo
