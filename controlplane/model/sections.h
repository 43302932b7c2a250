// The readers of mesh.yaml's top-level sections; each records its errors and keeps going.
#pragma once

#include <vector>

#include "controlplane/model/model.h"
#include "controlplane/model/yaml_reader.h"

namespace anymesh::model {

std::vector<Region> read_regions(Mapping& top);
// References to regions are checked against regions; a region without a gateway is an error too.
std::vector<Gateway> read_gateways(Mapping& top, const std::vector<Region>& regions);
std::vector<ServiceModel> read_services(Mapping& top, const std::vector<Region>& regions);
Policy read_policy(Mapping& top);

bool region_known(const std::vector<Region>& regions, const std::string& name);

}  // namespace anymesh::model
