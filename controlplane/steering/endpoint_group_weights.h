// Endpoint-group weights of a service: configured weight x traffic dial x health, x an optional latency preference.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

namespace anymesh::steering {

struct EndpointGroupInput {
  std::uint32_t weight = 128;        // 0-255, as configured
  std::uint32_t dial_percent = 100;  // 0-100, as configured
  bool healthy = true;               // the region's verdict on its backends
  // From the ingress gateway to the group's region over the route in use (PathSteering::path_rtt);
  // nullopt when not measured, which applies no preference to this group.
  std::optional<std::chrono::nanoseconds> rtt;
};

// Prefer near groups: a group's share is scaled by half_share_rtt / (half_share_rtt + rtt), so a
// group 0 ms away keeps it all and one half_share_rtt away keeps half.
struct LatencyPreference {
  std::chrono::nanoseconds half_share_rtt = std::chrono::milliseconds(50);
};

// The scale of a full latency factor: shares stay integers, so equal inputs give equal outputs.
inline constexpr std::uint64_t kLatencyScale = 1024;

// One share per input group, in the same order: weight x dial x (healthy ? 1 : 0), times
// kLatencyScale x the latency factor (rounded down) when a preference is given and the group's
// RTT is known, else times kLatencyScale. Only ratios matter. Zero everywhere is a valid answer
// (all groups unhealthy or dialled to 0): what then happens is the data plane's fail-open rule.
std::vector<std::uint64_t> endpoint_group_weights(std::span<const EndpointGroupInput> groups,
                                                  const std::optional<LatencyPreference>& preference = std::nullopt);

}  // namespace anymesh::steering
