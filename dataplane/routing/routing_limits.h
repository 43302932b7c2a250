// Fixed limits of the routing tables: they size the arrays that select() reads without allocating.
#pragma once

#include <cstddef>
#include <cstdint>

namespace anymesh::routing {

using GatewayId = std::uint32_t;  // 0 is reserved for "none"
// A lane's index in the gateway-wide lane-up mask; each lane of each peer gateway has one.
using LaneSlot = std::uint16_t;

inline constexpr std::size_t kMaxLaneSlots = 1024;
inline constexpr std::size_t kMaxLanesPerHop = 16;
inline constexpr std::size_t kMaxNextHops = 8;
inline constexpr std::size_t kMaxBackups = 8;
inline constexpr std::uint32_t kMaxWeight = 1'000'000;

}  // namespace anymesh::routing
