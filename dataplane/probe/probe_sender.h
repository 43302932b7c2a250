// ProbeSender: the probe schedule of one peer gateway, one request per lane every interval.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

#include "dataplane/packet/ip_address.h"
#include "dataplane/packet/result.h"
#include "dataplane/probe/probe_constants.h"
#include "dataplane/probe/probe_error.h"

namespace anymesh::probe {

struct ProbeSenderConfig {
  GatewayId self = 0;
  IpAddress local_tunnel_address;  // IPv4
  IpAddress peer_tunnel_address;   // IPv4
  std::size_t lanes = 1;           // 1 .. kMaxLanesPerPeer
  Nanos interval = kDefaultProbeInterval;
};

// One request that is due: what LaneHealth::on_sent() records and write() puts on the wire.
struct OutgoingProbe {
  LaneId lane = 0;
  std::uint64_t sequence = 0;
  Nanos sent_at{0};
};

// Time is injected: every call takes `now` from the caller's monotonic clock (the pipeline's TSC,
// a test's manual clock), so the schedule is a pure function of the times it is polled at.
//
// Lane i's slots are start + i * interval / lanes + k * interval: lanes are staggered so a peer's
// probes do not leave in one burst. A poll that comes late sends one probe per due lane, never a
// burst to catch up, and the lane's next slot is the first one after `now` on its grid.
class ProbeSender {
 public:
  // Throws std::invalid_argument for a bad config (start-up only).
  ProbeSender(const ProbeSenderConfig& config, Nanos start);

  // Fills out with the probes due at `now` (lanes in order, at most out.size(); the rest stay due
  // for the next poll) and advances their schedule; returns how many were written.
  std::size_t collect_due(Nanos now, std::span<OutgoingProbe> out);

  // Writes the IPv4/UDP request for probe (kProbePacketLength bytes).
  Result<std::size_t, ProbeError> write(const OutgoingProbe& probe, std::span<std::uint8_t> out) const;

  // The earliest slot of any lane: when the caller next needs to poll.
  Nanos next_due() const;
  std::size_t lanes() const { return config_.lanes; }
  Nanos interval() const { return config_.interval; }

 private:
  ProbeSenderConfig config_;
  std::array<Nanos, kMaxLanesPerPeer> due_{};
  std::array<std::uint64_t, kMaxLanesPerPeer> next_sequence_{};
};

}  // namespace anymesh::probe
