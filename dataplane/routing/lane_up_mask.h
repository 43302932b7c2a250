// LaneUpMask: which lanes the probes currently see up, one bit per lane slot.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

#include "dataplane/routing/routing_limits.h"

namespace anymesh::routing {

// A plain value: the agent builds a new one as lane states change and workers read it.
class LaneUpMask {
 public:
  void set(LaneSlot slot, bool up) {
    if (slot >= kMaxLaneSlots) return;
    std::uint64_t bit = std::uint64_t{1} << (slot % 64);
    if (up) {
      words_[slot / 64] |= bit;
    } else {
      words_[slot / 64] &= ~bit;
    }
  }
  bool test(LaneSlot slot) const {
    return slot < kMaxLaneSlots && ((words_[slot / 64] >> (slot % 64)) & 1u) != 0;
  }
  static constexpr std::size_t kWords = kMaxLaneSlots / 64;
  // Bit (slot % 64) of words[slot / 64] is the slot's state.
  static LaneUpMask from_words(const std::array<std::uint64_t, kWords>& words) {
    LaneUpMask m;
    m.words_ = words;
    return m;
  }
  static LaneUpMask all_up() {
    LaneUpMask m;
    m.words_.fill(~std::uint64_t{0});
    return m;
  }

 private:
  std::array<std::uint64_t, kMaxLaneSlots / 64> words_{};
};

}  // namespace anymesh::routing
