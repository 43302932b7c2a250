// The health of this gateway's own endpoint groups, as its checks see them, for the controller's
// report (the controller marks a region's group unhealthy for every other gateway from it).
#pragma once

#include "controlplane/proto/anymesh.pb.h"
#include "dataplane/agent/anycast_services.h"
#include "dataplane/agent/health_checker.h"

namespace anymesh::agent {

// Adds one EndpointGroupHealth per (service, group) that has backends this gateway checks.
void fill_group_health(const AnycastServices& services, const HealthSnapshot& health, v1::Report& report);

}  // namespace anymesh::agent
