#include "service/routeops.h"

#include "routing/divertedsockets.h"
#include "routing/policyrouting.h"

namespace weir::service {

namespace {

class NetlinkRouteOps final : public RouteOps {
public:
    bool add(const plan::RouteSpec& r, std::string* error) override {
        return routing::addPolicyRouting(r.family, r.route, error);
    }
    bool remove(const plan::RouteSpec& r, std::string* error) override {
        return routing::removePolicyRouting(r.family, r.route, error);
    }
    bool check(const plan::RouteSpec& r, std::string* problem) override {
        std::string error;
        const std::string family = toString(r.family);
        if (!routing::hasFwmarkRule(r.family, r.route, &error)) {
            *problem = error.empty() ? family + " rule \"" + chomp(plan::renderRuleLine(r)) + "\" is missing"
                                     : error;
            return false;
        }
        if (!routing::hasLocalRoute(r.family, r.route, &error)) {
            *problem = error.empty() ? family + " route \"" + chomp(plan::renderRouteLine(r)) +
                                           "\" in table " + std::to_string(r.route.table) + " is missing"
                                     : error;
            return false;
        }
        return true;
    }
    bool dropDivertedSockets(Family family, std::size_t* dropped, std::string* error) override {
        return routing::destroyDivertedLeftovers(family, dropped, error);
    }

private:
    static std::string chomp(std::string s) {
        while (!s.empty() && s.back() == '\n')
            s.pop_back();
        return s;
    }
};

} // namespace

std::shared_ptr<RouteOps> netlinkRouteOps() {
    return std::make_shared<NetlinkRouteOps>();
}

} // namespace weir::service
