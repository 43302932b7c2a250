// PeerProbes: everything one gateway does to probe one peer gateway: the schedule, the lanes'
// health, and the routing of echoes back to their lane.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

#include "dataplane/packet/result.h"
#include "dataplane/probe/lane_health.h"
#include "dataplane/probe/probe_error.h"
#include "dataplane/probe/probe_sender.h"

namespace anymesh::probe {

// The lanes currently up, bit i for lane i.
using LaneUpBits = std::uint32_t;
static_assert(kMaxLanesPerPeer <= 32, "LaneUpBits holds one bit per lane");

class PeerProbes {
 public:
  // Throws std::invalid_argument for a bad config (start-up only).
  PeerProbes(const ProbeSenderConfig& sender, const LaneHealthConfig& health, Nanos start);

  // Declares timed-out probes missed, then collects the requests due at now (recorded as sent:
  // the caller must put every returned probe on its lane, written with sender().write()).
  std::size_t tick(Nanos now, std::span<OutgoingProbe> out);

  // An inner packet addressed to our probe port, received at now. Refused unless it is an echo
  // from this peer's tunnel address of a request we sent (sender id ours, lane in range).
  Result<EchoVerdict, ProbeError> on_packet(std::span<const std::uint8_t> packet, Nanos now);

  // Lanes this prober handles (default all): a gateway whose lanes live on several lcores gives
  // each lcore the lanes it owns; tick() sends and on_packet() accepts only those.
  void set_owned_lanes(LaneUpBits owned) { owned_ = owned; }
  LaneUpBits owned_lanes() const { return owned_; }

  LaneUpBits up_lanes() const;
  const LaneHealth& lane(LaneId lane) const { return lanes_[lane]; }
  const ProbeSender& sender() const { return sender_; }
  std::size_t lane_count() const { return sender_.lanes(); }
  std::uint64_t refused() const { return refused_; }

 private:
  bool owns(std::size_t lane) const { return lane < 32 && ((owned_ >> lane) & 1u) != 0; }

  ProbeSenderConfig config_;
  ProbeSender sender_;
  std::array<LaneHealth, kMaxLanesPerPeer> lanes_;
  std::uint64_t refused_ = 0;
  LaneUpBits owned_ = ~LaneUpBits{0};
};

}  // namespace anymesh::probe
