// SteeringState: what steering decided for every gateway and destination region, as the snapshot compiler reads it.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace anymesh::steering {

using GatewayId = std::uint32_t;

// Every primary gets this weight: the gateways of a hop set share its flows equally (ECMP).
inline constexpr std::uint32_t kEcmpWeight = 1;

struct RouteHop {
  GatewayId gateway = 0;
  std::uint32_t weight = kEcmpWeight;
  bool operator==(const RouteHop&) const = default;
};

enum class RouteBackupKind : std::uint8_t {
  other_gateway,  // a gateway of the destination region that is not a primary
  relay,          // a gateway of a third region that reaches the destination directly
};

struct RouteBackup {
  RouteBackupKind kind = RouteBackupKind::other_gateway;
  GatewayId gateway = 0;
  bool operator==(const RouteBackup&) const = default;
};

// One gateway's route to one other region. Gateways are named, lanes are not: every lane of a
// named gateway carries traffic (the compiler lists them).
struct RegionRoute {
  std::string relay_region;            // "" = direct to the destination's gateways
  std::vector<RouteHop> next_hops;     // 1 .. 8, by gateway id
  std::vector<RouteBackup> backups;    // 0 .. 8, in the order the data plane tries them
  bool relayed() const { return !relay_region.empty(); }
  bool operator==(const RegionRoute&) const = default;
};

struct SteeringState {
  // gateway -> destination region -> route; ordered maps, so iteration is deterministic.
  std::map<GatewayId, std::map<std::string, RegionRoute>> routes;

  // Null when there is none (unknown gateway, its own region).
  const RegionRoute* route(GatewayId gateway, const std::string& region) const {
    auto g = routes.find(gateway);
    if (g == routes.end()) return nullptr;
    auto r = g->second.find(region);
    return r == g->second.end() ? nullptr : &r->second;
  }
  bool operator==(const SteeringState&) const = default;
};

}  // namespace anymesh::steering
