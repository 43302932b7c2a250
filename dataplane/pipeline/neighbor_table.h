// NeighborTable: IPv4 next hop -> Ethernet address, built whole by the agent from the kernel's
// neighbour entries and read by workers without locks (a new table replaces the old one).
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <vector>

namespace anymesh::pipeline {

using MacAddress = std::array<std::uint8_t, 6>;

struct NeighborEntry {
  std::uint32_t ipv4 = 0;  // host order
  MacAddress mac{};
  bool operator==(const NeighborEntry&) const = default;
};

class NeighborTable {
 public:
  NeighborTable() = default;
  // Open addressing at most half full; later entries for the same address win.
  explicit NeighborTable(const std::vector<NeighborEntry>& entries);

  // No allocation, no locks: the hot path's lookup.
  const MacAddress* find(std::uint32_t ipv4) const;
  std::size_t size() const { return size_; }
  const std::vector<NeighborEntry>& entries() const { return entries_; }

 private:
  struct Slot {
    std::uint32_t ipv4 = 0;
    bool used = false;
    MacAddress mac{};
  };
  std::vector<Slot> slots_;
  std::vector<NeighborEntry> entries_;
  std::size_t mask_ = 0;
  std::size_t size_ = 0;
};

}  // namespace anymesh::pipeline
