// MeshTopology: sorted views of a Model's regions, gateways and prefixes.
#include "controlplane/steering/mesh_topology.h"

#include <algorithm>

namespace anymesh::steering {

MeshTopology::MeshTopology(const model::Model& model) : model_(&model) {
  for (const auto& region : model.regions) {
    regions_.push_back(region.name);
    auto& prefixes = prefixes_[region.name];
    prefixes = region.prefixes;
    std::sort(prefixes.begin(), prefixes.end());
    by_region_[region.name];
  }
  std::sort(regions_.begin(), regions_.end());
  for (const auto& gateway : model.gateways) {
    by_id_[gateway.id] = &gateway;
    by_region_[gateway.region].push_back(gateway.id);
    ids_.push_back(gateway.id);
  }
  std::sort(ids_.begin(), ids_.end());
  for (auto& [region, ids] : by_region_) std::sort(ids.begin(), ids.end());
}

const std::vector<GatewayId>& MeshTopology::gateways_in(const std::string& region) const {
  static const std::vector<GatewayId> kNone;
  auto it = by_region_.find(region);
  return it == by_region_.end() ? kNone : it->second;
}

const model::Gateway* MeshTopology::gateway(GatewayId id) const {
  auto it = by_id_.find(id);
  return it == by_id_.end() ? nullptr : it->second;
}

const std::vector<IpPrefix>& MeshTopology::prefixes_of(const std::string& region) const {
  static const std::vector<IpPrefix> kNone;
  auto it = prefixes_.find(region);
  return it == prefixes_.end() ? kNone : it->second;
}

}  // namespace anymesh::steering
