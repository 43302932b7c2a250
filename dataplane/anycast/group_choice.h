// Choosing an endpoint group for a new flow: weight x traffic dial x health, from the flow hash.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

namespace anymesh::anycast {

struct GroupCandidate {
  std::uint32_t weight = 128;       // 0-255
  std::uint32_t dial_percent = 100; // 0-100
  bool serving = true;              // healthy and, if it lists backends, at least one healthy
};

// Share of group g = weight_g x dial_g among the serving groups. Fail open as Global Accelerator
// does: when no serving group has a non-zero share, every group is considered by the same shares.
// nullopt only when every share is zero (all dials or weights at 0): the service takes no new flows.
// The same hash always gives the same group for the same candidates (am_hash_reduce, so XDP agrees).
std::optional<std::size_t> choose_group(std::span<const GroupCandidate> groups,
                                        std::uint32_t decision_hash);

}  // namespace anymesh::anycast
