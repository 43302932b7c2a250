// ProbeSettings: how often lanes are probed and when they go down and up, with the limits both
// gateway.conf and snapshots are held to.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

#include "dataplane/probe/lane_health.h"
#include "dataplane/probe/probe_constants.h"

namespace anymesh::agent {

inline constexpr std::uint32_t kMaxProbeIntervalMs = 60'000;
inline constexpr std::uint32_t kMaxProbeTimeoutMs = 60'000;
inline constexpr std::uint32_t kMaxProbeThreshold = 1'000;

struct ProbeSettings {
  std::chrono::milliseconds interval =
      std::chrono::duration_cast<std::chrono::milliseconds>(probe::kDefaultProbeInterval);
  std::chrono::milliseconds timeout =
      std::chrono::duration_cast<std::chrono::milliseconds>(probe::kDefaultProbeTimeout);
  unsigned miss_threshold = probe::kDefaultMissesToDown;
  unsigned recover_threshold = probe::kDefaultGoodsToUp;

  // What LaneHealth needs; loss window and RTT gain keep their defaults.
  probe::LaneHealthConfig lane_health() const;
  bool operator==(const ProbeSettings&) const = default;
};

enum class ProbeSetting : std::uint8_t { interval, timeout, miss_threshold, recover_threshold };

struct ProbeSettingsProblem {
  ProbeSetting setting;
  std::string problem;  // e.g. "must be between 1 and 60000 ms, got 0"
};

// The first setting out of range, or nothing. Besides the ranges, the timeout must be shorter
// than kMaxProbesInFlight intervals: LaneHealth tracks that many outstanding probes per lane.
std::optional<ProbeSettingsProblem> check_probe_settings(const ProbeSettings& settings);

}  // namespace anymesh::agent
