// Next-hop choice: weighted primary, up lane by hash, then live primaries, then backups in order.
#include "dataplane/routing/next_hop_group.h"

#include <optional>

#include "bpf/include/flow_hash.h"

namespace anymesh::routing {
namespace {

// Maps a 32-bit hash uniformly onto [0, n) using its high bits (no modulo bias towards low values).
std::uint64_t scale(std::uint32_t hash, std::uint64_t n) { return (std::uint64_t{hash} * n) >> 32; }

// MurmurHash3's finaliser (shared with BPF): decorrelates the lane choice (and the re-pick) from the
// hop choice, which used the hash's high bits.
std::uint32_t remix(std::uint32_t h) { return am_fmix32(h); }

bool any_up(const NextHop& hop, const LaneUpMask& up) {
  for (std::size_t i = 0; i < hop.lane_count; ++i) {
    if (up.test(hop.lanes[i])) return true;
  }
  return false;
}

std::optional<LaneSlot> pick_lane(const NextHop& hop, std::uint32_t hash, const LaneUpMask& up) {
  if (hop.lane_count == 0) return std::nullopt;
  LaneSlot first = hop.lanes[scale(hash, hop.lane_count)];
  if (up.test(first)) return first;
  std::size_t up_count = 0;
  for (std::size_t i = 0; i < hop.lane_count; ++i) up_count += up.test(hop.lanes[i]) ? 1 : 0;
  if (up_count == 0) return std::nullopt;
  std::size_t k = scale(hash, up_count);
  for (std::size_t i = 0; i < hop.lane_count; ++i) {
    if (!up.test(hop.lanes[i])) continue;
    if (k-- == 0) return hop.lanes[i];
  }
  return std::nullopt;  // not reached: k < up_count
}

}  // namespace

bool NextHopGroup::add_next_hop(const NextHop& hop) {
  if (next_hop_count_ == kMaxNextHops) return false;
  next_hops_[next_hop_count_++] = hop;
  total_weight_ += hop.weight;
  return true;
}

bool NextHopGroup::add_backup(const Backup& backup) {
  if (backup_count_ == kMaxBackups) return false;
  backups_[backup_count_++] = backup;
  return true;
}

Result<Selection, NoRoute> NextHopGroup::select(std::uint32_t flow_hash, const LaneUpMask& up) const {
  std::uint32_t lane_hash = remix(flow_hash);
  if (total_weight_ > 0) {
    std::uint64_t point = scale(flow_hash, total_weight_);
    std::size_t chosen = 0;
    for (std::uint64_t below = 0; chosen < next_hop_count_; ++chosen) {
      below += next_hops_[chosen].weight;
      if (point < below) break;
    }
    if (auto lane = pick_lane(next_hops_[chosen], lane_hash, up)) {
      return Selection{next_hops_[chosen].gateway, *lane, HopRole::primary,
                       static_cast<std::uint8_t>(chosen), BackupKind::other_lane};
    }
    // The chosen primary is dead: spread its flows over the live primaries by weight, with a
    // hash independent of the first choice so they do not all land on the next one.
    std::uint64_t live_weight = 0;
    for (std::size_t i = 0; i < next_hop_count_; ++i) {
      if (any_up(next_hops_[i], up)) live_weight += next_hops_[i].weight;
    }
    if (live_weight > 0) {
      std::uint64_t live_point = scale(remix(lane_hash), live_weight);
      std::uint64_t below = 0;
      for (std::size_t i = 0; i < next_hop_count_; ++i) {
        if (!any_up(next_hops_[i], up)) continue;
        below += next_hops_[i].weight;
        if (live_point < below) {
          auto lane = pick_lane(next_hops_[i], lane_hash, up);
          return Selection{next_hops_[i].gateway, *lane, HopRole::primary,
                           static_cast<std::uint8_t>(i), BackupKind::other_lane};
        }
      }
    }
  }
  for (std::size_t i = 0; i < backup_count_; ++i) {
    if (auto lane = pick_lane(backups_[i].hop, lane_hash, up)) {
      return Selection{backups_[i].hop.gateway, *lane, HopRole::backup, static_cast<std::uint8_t>(i),
                       backups_[i].kind};
    }
  }
  return fail(NoRoute::all_lanes_down);
}

}  // namespace anymesh::routing
