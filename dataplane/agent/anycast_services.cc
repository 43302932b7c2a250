// AnycastServices: VIP list and the health-marked rebuild of the ServiceTable.
#include "dataplane/agent/anycast_services.h"

#include <algorithm>
#include <stdexcept>
#include <utility>

namespace anymesh::agent {
namespace {

anycast::ServiceTable empty_table() {
  auto table = anycast::ServiceTable::build({});
  return std::move(*table);
}

}  // namespace

AnycastServices::AnycastServices() : table_(empty_table()) {}

AnycastServices::AnycastServices(std::vector<anycast::Service> services, anycast::ServiceTable table,
                                 std::vector<BackendCheck> checks)
    : services_(std::move(services)), table_(std::move(table)), checks_(std::move(checks)) {}

std::vector<IpAddress> AnycastServices::vips() const {
  std::vector<IpAddress> out;
  for (const auto& s : services_) {
    out.push_back(s.vip);
    out.insert(out.end(), s.extra_vips.begin(), s.extra_vips.end());
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

anycast::ServiceTable AnycastServices::with_health(const std::function<bool(std::uint32_t)>& healthy) const {
  auto services = services_;
  for (auto& s : services) {
    for (auto& g : s.groups) {
      for (auto& b : g.backends) b.healthy = healthy(b.id);
    }
  }
  auto table = anycast::ServiceTable::build(std::move(services));
  // Validated with the same descriptions; only health differs, which build() does not check.
  if (!table) throw std::logic_error("services refused after validation: " + table.error().to_string());
  return std::move(*table);
}

}  // namespace anymesh::agent
