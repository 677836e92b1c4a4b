// The routing calls the engine makes, behind a small interface: the default goes to the kernel
// (routing/policyrouting.h, rtnetlink); unit tests substitute a fake so that no route is ever added
// to the host they run on. Plain C++, no Qt.
#pragma once

#include <memory>
#include <string>

#include "plan/installplan.h"

namespace weir::service {

class RouteOps {
public:
    virtual ~RouteOps() = default;
    // Rule and route together; idempotent both ways.
    virtual bool add(const plan::RouteSpec& route, std::string* error) = 0;
    virtual bool remove(const plan::RouteSpec& route, std::string* error) = 0;
    // true when both are installed; false with *problem saying what is missing or why it is unknown.
    virtual bool check(const plan::RouteSpec& route, std::string* problem) = 0;
    // Once no rule diverts `family` to TPROXY: destroys the sockets its connections left behind
    // (routing/divertedsockets.h), which would otherwise drop LAN clients' new connections.
    virtual bool dropDivertedSockets(Family family, std::size_t* dropped, std::string* error) = 0;
};

std::shared_ptr<RouteOps> netlinkRouteOps();

} // namespace weir::service
