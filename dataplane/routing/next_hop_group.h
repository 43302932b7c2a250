// NextHopGroup: the weighted next hops of a region and their precomputed backups, and the
// per-packet choice of one lane among them.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "dataplane/packet/result.h"
#include "dataplane/routing/lane_up_mask.h"
#include "dataplane/routing/routing_limits.h"

namespace anymesh::routing {

enum class BackupKind : std::uint8_t {
  other_lane,     // the same peer gateway through lanes the primary does not use
  other_gateway,  // another gateway of the destination region
  relay,          // a gateway of a third region, which re-seals towards the destination
};

constexpr std::string_view to_string(BackupKind k) {
  switch (k) {
    case BackupKind::other_lane: return "other_lane";
    case BackupKind::other_gateway: return "other_gateway";
    case BackupKind::relay: return "relay";
  }
  return "unknown";
}

// A peer gateway and the lanes to it that a flow may take.
struct NextHop {
  GatewayId gateway = 0;
  std::uint32_t weight = 0;  // primaries only
  std::array<LaneSlot, kMaxLanesPerHop> lanes{};
  std::uint8_t lane_count = 0;
};

struct Backup {
  BackupKind kind = BackupKind::other_lane;
  NextHop hop;
};

enum class HopRole : std::uint8_t { primary, backup };

struct Selection {
  GatewayId gateway = 0;
  LaneSlot lane = 0;
  HopRole role = HopRole::primary;
  std::uint8_t index = 0;  // into the primaries or the backups
  BackupKind backup_kind = BackupKind::other_lane;  // meaningful for role backup
};

enum class NoRoute : std::uint8_t {
  no_prefix,       // no region prefix covers the destination
  all_lanes_down,  // the group's primaries and every backup have no lane up
};

constexpr std::string_view to_string(NoRoute r) {
  switch (r) {
    case NoRoute::no_prefix: return "no_prefix";
    case NoRoute::all_lanes_down: return "all_lanes_down";
  }
  return "unknown";
}

// Built once by RouteTable::build() from a validated description; read-only afterwards.
class NextHopGroup {
 public:
  // Adds a primary or a backup; false when the fixed arrays are full (validation prevents it).
  bool add_next_hop(const NextHop& hop);
  bool add_backup(const Backup& backup);

  // Deterministic in (flow_hash, up), no allocation:
  // 1. A primary by weight from the flow hash; a lane of it from a remix of the hash. A down lane
  //    is skipped: the flow moves to one of the hop's up lanes, flows on up lanes stay put.
  // 2. If that primary has no lane up: another primary with a lane up, by weight among those.
  // 3. Otherwise the backups in their order: the first with a lane up.
  Result<Selection, NoRoute> select(std::uint32_t flow_hash, const LaneUpMask& up) const;

  std::size_t next_hop_count() const { return next_hop_count_; }
  std::size_t backup_count() const { return backup_count_; }
  const NextHop& next_hop(std::size_t i) const { return next_hops_[i]; }
  const Backup& backup(std::size_t i) const { return backups_[i]; }
  std::uint64_t total_weight() const { return total_weight_; }

 private:
  std::array<NextHop, kMaxNextHops> next_hops_{};
  std::array<Backup, kMaxBackups> backups_{};
  std::uint8_t next_hop_count_ = 0;
  std::uint8_t backup_count_ = 0;
  std::uint64_t total_weight_ = 0;
};

}  // namespace anymesh::routing
