// Route table construction from a validated description, and LPM + select over it.
#include "dataplane/routing/route_table.h"

#include <map>
#include <string>

#include "dataplane/routing/route_validation.h"

namespace anymesh::routing {
namespace {

NextHop hop_of(GatewayId gateway, const std::vector<LaneSlot>& lanes, std::uint32_t weight) {
  NextHop hop;
  hop.gateway = gateway;
  hop.weight = weight;
  for (LaneSlot slot : lanes) hop.lanes[hop.lane_count++] = slot;
  return hop;
}

}  // namespace

Result<RouteTable, RouteError> RouteTable::build(const RouteDescription& description) {
  if (auto error = validate_routes(description)) return fail(*error);
  RouteTable table;
  std::map<std::string, std::uint32_t> index;
  for (const auto& group : description.groups) {
    NextHopGroup built;
    for (const auto& hop : group.next_hops) built.add_next_hop(hop_of(hop.gateway, hop.lanes, hop.weight));
    for (const auto& backup : group.backups) {
      built.add_backup(Backup{backup.kind, hop_of(backup.gateway, backup.lanes, 0)});
    }
    index[group.name] = static_cast<std::uint32_t>(table.groups_.size());
    table.groups_.push_back(built);
  }
  for (const auto& route : description.prefixes) table.lpm_.insert(route.prefix, index[route.group]);
  return table;
}

const NextHopGroup* RouteTable::lookup(const IpAddress& address) const {
  auto group = lpm_.lookup(address);
  if (!group) return nullptr;
  return &groups_[*group];
}

Result<Selection, NoRoute> RouteTable::select(const IpAddress& destination, std::uint32_t flow_hash,
                                              const LaneUpMask& up) const {
  const NextHopGroup* group = lookup(destination);
  if (group == nullptr) return fail(NoRoute::no_prefix);
  return group->select(flow_hash, up);
}

}  // namespace anymesh::routing
