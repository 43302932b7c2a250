// RouteDescription: region prefixes and next-hop groups as the snapshot states them, before
// validation (the untrusted input of RouteTable::build()).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "dataplane/packet/ip_address.h"
#include "dataplane/routing/next_hop_group.h"
#include "dataplane/routing/routing_limits.h"

namespace anymesh::routing {

struct NextHopDescription {
  GatewayId gateway = 0;
  std::vector<LaneSlot> lanes;
  std::uint32_t weight = 1;
};

struct BackupDescription {
  BackupKind kind = BackupKind::other_lane;
  GatewayId gateway = 0;
  std::vector<LaneSlot> lanes;
};

struct GroupDescription {
  std::string name;  // usually the destination region
  std::vector<NextHopDescription> next_hops;
  std::vector<BackupDescription> backups;  // in the order they are tried
};

struct PrefixDescription {
  IpPrefix prefix;
  std::string group;
};

struct RouteDescription {
  std::vector<GroupDescription> groups;
  std::vector<PrefixDescription> prefixes;
};

}  // namespace anymesh::routing
