// RouteTable: an immutable snapshot of region prefixes -> next-hop groups, with longest-prefix
// match and the per-packet next-hop choice.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "dataplane/packet/ip_address.h"
#include "dataplane/packet/result.h"
#include "dataplane/routing/lane_up_mask.h"
#include "dataplane/routing/next_hop_group.h"
#include "dataplane/routing/route_description.h"
#include "dataplane/routing/route_error.h"
#include "dataplane/wireguard/allowed_ips.h"

namespace anymesh::routing {

// Built whole from a description and never changed: a new snapshot is a new table, published by
// pointer swap. Lookups and select() never allocate.
class RouteTable {
 public:
  // Validates (validate_routes()) and builds; nothing is built from a refused description.
  static Result<RouteTable, RouteError> build(const RouteDescription& description);

  // The group of the longest prefix covering address, or nullptr.
  const NextHopGroup* lookup(const IpAddress& address) const;
  // lookup() then NextHopGroup::select().
  Result<Selection, NoRoute> select(const IpAddress& destination, std::uint32_t flow_hash,
                                    const LaneUpMask& up) const;

  std::size_t prefix_count() const { return lpm_.size(); }
  std::size_t group_count() const { return groups_.size(); }
  const NextHopGroup& group(std::size_t i) const { return groups_[i]; }

 private:
  RouteTable() = default;

  wg::AllowedIps lpm_;  // prefix -> index into groups_
  std::vector<NextHopGroup> groups_;
};

}  // namespace anymesh::routing
