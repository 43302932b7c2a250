// Fixed pool of frame slots: every frame the emulator holds lives in one slot, allocated once at start.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace anymesh::lab {

using SlotId = std::uint32_t;

class FramePool {
 public:
  // Largest frame a slot holds: a 1500-byte MTU frame with a VLAN tag fits with room to spare.
  static constexpr std::size_t kSlotBytes = 2048;

  explicit FramePool(std::size_t slots) : bytes_(slots * kSlotBytes), lengths_(slots, 0) {
    free_.reserve(slots);
    for (std::size_t i = slots; i > 0; --i) free_.push_back(static_cast<SlotId>(i - 1));
  }

  // Returns false when every slot is in use; the caller counts that as a pool drop.
  bool take(SlotId& id) {
    if (free_.empty()) return false;
    id = free_.back();
    free_.pop_back();
    return true;
  }
  void give_back(SlotId id) { free_.push_back(id); }

  std::uint8_t* data(SlotId id) { return bytes_.data() + static_cast<std::size_t>(id) * kSlotBytes; }
  std::uint32_t& length(SlotId id) { return lengths_[id]; }
  std::size_t size() const { return lengths_.size(); }
  std::size_t available() const { return free_.size(); }

 private:
  std::vector<std::uint8_t> bytes_;
  std::vector<std::uint32_t> lengths_;
  std::vector<SlotId> free_;
};

}  // namespace anymesh::lab
