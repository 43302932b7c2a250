// A generated mesh.yaml for the controller benchmark: N gateways in regions of at most 8 (what a
// snapshot's next-hop group takes), one anycast service with a group in the first regions.
#pragma once

#include <cstdint>
#include <string>

namespace anymesh::bench {

struct MeshShape {
  std::uint32_t gateways = 1000;
  std::uint32_t per_region = 8;    // 1 .. 8
  std::uint32_t lanes = 1;         // per peer; gateways x lanes must stay within 1024 lane slots
  std::uint32_t service_groups = 10;  // regions with an endpoint group of service "web"
  bool relay = false;
};

// Region i is "r<i>" (prefix 10.100.<i>.0/24 up to 255 regions, then 10.101...), gateway ids 1..N
// in region (id-1)/per_region, endpoints 192.0.2.x with distinct ports, tunnel addresses 10.200.x.y.
std::string generate_mesh_yaml(const MeshShape& shape);

inline std::uint32_t region_count(const MeshShape& shape) {
  return (shape.gateways + shape.per_region - 1) / shape.per_region;
}
inline std::uint32_t region_of(const MeshShape& shape, std::uint32_t gateway) { return (gateway - 1) / shape.per_region; }

}  // namespace anymesh::bench
