// MeshTopology: the model's regions and gateways in sorted order, so steering and the compiler iterate deterministically.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "controlplane/model/model.h"

namespace anymesh::steering {

using GatewayId = std::uint32_t;

// An index over a Model, whatever order its file listed things in: regions by name, gateways
// by id. It keeps a pointer to the model, which must outlive it.
class MeshTopology {
 public:
  explicit MeshTopology(const model::Model& model);

  const model::Model& model() const { return *model_; }
  const std::vector<std::string>& regions() const { return regions_; }
  // The gateways of a region, by id; empty for an unknown region.
  const std::vector<GatewayId>& gateways_in(const std::string& region) const;
  // Every gateway id, ascending.
  const std::vector<GatewayId>& gateways() const { return ids_; }
  // Null for an unknown id.
  const model::Gateway* gateway(GatewayId id) const;
  // The region's prefixes, sorted; empty for an unknown region.
  const std::vector<IpPrefix>& prefixes_of(const std::string& region) const;

 private:
  const model::Model* model_;
  std::vector<std::string> regions_;
  std::vector<GatewayId> ids_;
  std::map<std::string, std::vector<GatewayId>> by_region_;
  std::map<std::string, std::vector<IpPrefix>> prefixes_;
  std::map<GatewayId, const model::Gateway*> by_id_;
};

}  // namespace anymesh::steering
