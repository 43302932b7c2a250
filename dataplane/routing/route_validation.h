// validate_routes(): every rule a route description must satisfy before a table is built from it.
#pragma once

#include <optional>

#include "dataplane/routing/route_description.h"
#include "dataplane/routing/route_error.h"

namespace anymesh::routing {

// The first violation found, in description order, or nothing. Rules:
// - groups: a non-empty, unique name; 1 .. kMaxNextHops next hops; at most kMaxBackups backups.
// - next hops: non-zero gateway, not repeated in the group; weight 1 .. kMaxWeight.
// - lanes (next hops and backups): 1 .. kMaxLanesPerHop slots, each below kMaxLaneSlots, none
//   repeated in the hop, and a slot always belongs to the same gateway across the description.
// - backups: other_lane names a primary's gateway with lanes none of its primaries use;
//   other_gateway and relay name a gateway that is not a primary of the group.
// - prefixes: length within the family, no host bits set, no prefix twice, an existing group.
std::optional<RouteError> validate_routes(const RouteDescription& description);

}  // namespace anymesh::routing
