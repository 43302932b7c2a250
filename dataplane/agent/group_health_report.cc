// fill_group_health: counts healthy and failing checked backends per (service, group).
#include "dataplane/agent/group_health_report.h"

#include <map>
#include <utility>

namespace anymesh::agent {

void fill_group_health(const AnycastServices& services, const HealthSnapshot& health, v1::Report& report) {
  std::map<std::pair<std::string, std::uint16_t>, v1::EndpointGroupHealth> groups;
  for (const auto& check : services.checks()) {
    auto& g = groups[{check.service, check.group_id}];
    g.set_service(check.service);
    g.set_group(check.group_id);
    g.set_total_backends(g.total_backends() + 1);
    if (health.healthy(check.backend_id)) {
      g.set_healthy_backends(g.healthy_backends() + 1);
    } else {
      g.add_unhealthy(check.backend_id);
    }
  }
  for (auto& [key, g] : groups) *report.add_groups() = std::move(g);
}

}  // namespace anymesh::agent
