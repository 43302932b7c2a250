// ProbeStore: the lane measurements each gateway reported, forgotten after a time window, summed up per gateway pair.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <unordered_map>
#include <utility>

#include "controlplane/proto/anymesh.pb.h"

namespace anymesh::steering {

using GatewayId = std::uint32_t;
using Nanos = std::chrono::nanoseconds;

enum class PathState : std::uint8_t {
  unknown,  // nothing measured within the window: no evidence either way
  up,
  down,     // measured, and no lane is up with loss at or below the threshold
};

// One path as steering compares paths: its state and, when up, its round-trip time.
struct PathMeasurement {
  PathState state = PathState::unknown;
  Nanos rtt{0};  // meaningful when up
  bool operator==(const PathMeasurement&) const = default;
};

struct ProbeStoreConfig {
  // A lane report older than this is forgotten: the reporter went silent, its numbers are history.
  Nanos window = std::chrono::seconds(3);
  // A lane losing more than this percentage of its probes counts as down (policy.loss_threshold_percent).
  double loss_threshold_percent = 5.0;
};

// Keeps the latest report of every (reporter, peer, lane). Reports may list lanes in any order; a
// lane a report leaves out keeps its last sample until it ages out.
class ProbeStore {
 public:
  explicit ProbeStore(const ProbeStoreConfig& config = {}) : config_(config) {}

  // `now` is the controller's clock when the report arrived; it must not go backwards.
  void add(GatewayId reporter, const v1::Report& report, Nanos now);

  // The path from one gateway to a peer, over the lanes `from` reported within the window:
  // unknown when none; down when none of them is usable (up, loss within the threshold);
  // otherwise up, with the mean RTT (EWMA) of the usable lanes, since flows spread over all of them.
  PathMeasurement path(GatewayId from, GatewayId to, Nanos now) const;

  const ProbeStoreConfig& config() const { return config_; }

 private:
  struct LaneSample {
    bool usable = false;
    Nanos rtt{0};
    Nanos at{0};
  };
  bool usable(const v1::LaneReport& lane) const;

  ProbeStoreConfig config_;
  static std::uint64_t pair_key(GatewayId from, GatewayId to) { return std::uint64_t{from} << 32 | to; }
  // (reporter << 32 | peer) -> lane id -> sample. Hashed pairs: a thousand gateways report a
  // million of them; lanes stay ordered, so summing is independent of report order.
  std::unordered_map<std::uint64_t, std::map<std::uint32_t, LaneSample>> lanes_;
};

}  // namespace anymesh::steering
