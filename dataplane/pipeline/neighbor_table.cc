// Building and searching the immutable neighbour table.
#include "dataplane/pipeline/neighbor_table.h"

#include <bit>

namespace anymesh::pipeline {
namespace {

std::size_t slot_of(std::uint32_t ipv4, std::size_t mask) {
  std::uint32_t h = ipv4 * 0x9e3779b1u;  // Fibonacci hashing spreads consecutive addresses
  return (h ^ (h >> 16)) & mask;
}

}  // namespace

NeighborTable::NeighborTable(const std::vector<NeighborEntry>& entries) : entries_(entries) {
  std::size_t capacity = std::bit_ceil(std::max<std::size_t>(8, entries.size() * 2));
  slots_.resize(capacity);
  mask_ = capacity - 1;
  for (const auto& e : entries) {
    std::size_t i = slot_of(e.ipv4, mask_);
    while (slots_[i].used && slots_[i].ipv4 != e.ipv4) i = (i + 1) & mask_;
    if (!slots_[i].used) ++size_;
    slots_[i] = Slot{e.ipv4, true, e.mac};
  }
}

const MacAddress* NeighborTable::find(std::uint32_t ipv4) const {
  if (slots_.empty()) return nullptr;
  for (std::size_t i = slot_of(ipv4, mask_);; i = (i + 1) & mask_) {
    const Slot& s = slots_[i];
    if (!s.used) return nullptr;
    if (s.ipv4 == ipv4) return &s.mac;
  }
}

}  // namespace anymesh::pipeline
