// servable_vips: the announcement rule over a health-marked ServiceTable.
#include "dataplane/agent/vip_announcements.h"

#include <algorithm>

namespace anymesh::agent {

std::vector<IpAddress> servable_vips(const anycast::ServiceTable& table, std::string_view own_region) {
  std::vector<IpAddress> out;
  for (const auto& entry : table.services()) {
    bool has_local = false, local_serving = false, any_serving = false;
    for (std::size_t g = 0; g < entry.service.groups.size(); ++g) {
      bool serving = entry.groups[g].serving;
      any_serving = any_serving || serving;
      if (entry.service.groups[g].region == own_region) {
        has_local = true;
        local_serving = local_serving || serving;
      }
    }
    bool servable = !any_serving || (has_local ? local_serving : true);
    if (!servable) continue;
    out.push_back(entry.service.vip);
    out.insert(out.end(), entry.service.extra_vips.begin(), entry.service.extra_vips.end());
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

}  // namespace anymesh::agent
