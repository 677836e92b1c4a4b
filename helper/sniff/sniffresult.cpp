#include "sniff/sniffresult.h"

namespace weir::sniff {

std::string_view sourceName(HostSource source) {
    switch (source) {
    case HostSource::TlsSni:
        return "tls-sni";
    case HostSource::HttpHost:
        return "http-host";
    case HostSource::None:
        break;
    }
    return "";
}

std::string_view reasonText(GiveUpReason reason) {
    switch (reason) {
    case GiveUpReason::None:
        return "not given up";
    case GiveUpReason::UnknownProtocol:
        return "not TLS or HTTP";
    case GiveUpReason::Malformed:
        return "malformed";
    case GiveUpReason::NoHost:
        return "no host name";
    case GiveUpReason::OverBudget:
        return "over the byte budget";
    case GiveUpReason::Gap:
        return "bytes skipped";
    }
    return "unknown";
}

} // namespace weir::sniff
