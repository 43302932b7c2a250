// ProbeStore: lane samples by reporter, peer and lane; usable-lane RTTs summed into a path measurement.
#include "controlplane/steering/probe_store.h"

#include <algorithm>

namespace anymesh::steering {
namespace {

// An RTT above an hour is a broken report; capping it keeps every sum of RTTs far from overflow.
constexpr std::uint64_t kMaxRttNs = 3'600'000'000'000ull;

}  // namespace

bool ProbeStore::usable(const v1::LaneReport& lane) const {
  const double loss = lane.loss();
  // NaN or a loss outside 0 .. 1 is a broken report: it proves nothing good about the lane.
  if (!(loss >= 0.0 && loss <= 1.0)) return false;
  return lane.up() && loss * 100.0 <= config_.loss_threshold_percent;
}

void ProbeStore::add(GatewayId reporter, const v1::Report& report, Nanos now) {
  for (const auto& lane : report.lanes()) {
    if (lane.peer() == reporter) continue;  // a gateway has no path to itself
    auto& sample = lanes_[pair_key(reporter, lane.peer())][lane.lane()];
    sample.usable = usable(lane);
    sample.rtt = Nanos(static_cast<Nanos::rep>(std::min(lane.rtt_ewma_ns(), kMaxRttNs)));
    sample.at = now;
  }
}

PathMeasurement ProbeStore::path(GatewayId from, GatewayId to, Nanos now) const {
  auto it = lanes_.find(pair_key(from, to));
  if (it == lanes_.end()) return {};
  bool seen = false;
  std::uint64_t usable_count = 0;
  Nanos rtt_sum{0};
  for (const auto& [lane, sample] : it->second) {
    if (now - sample.at > config_.window) continue;
    seen = true;
    if (!sample.usable) continue;
    ++usable_count;
    rtt_sum += sample.rtt;
  }
  if (!seen) return {};
  if (usable_count == 0) return {PathState::down, Nanos(0)};
  return {PathState::up, rtt_sum / static_cast<Nanos::rep>(usable_count)};
}

}  // namespace anymesh::steering
