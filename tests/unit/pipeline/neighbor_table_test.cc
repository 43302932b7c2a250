// Specification of the next-hop table workers read: every entry found, absent addresses not,
// later duplicates win, and many consecutive addresses still resolve.
#include <catch2/catch.hpp>

#include "dataplane/pipeline/neighbor_table.h"

using namespace anymesh::pipeline;

TEST_CASE("the neighbour table finds every entry and nothing else") {
  std::vector<NeighborEntry> entries;
  for (std::uint32_t i = 0; i < 1000; ++i) {
    entries.push_back({0x0ac80000u + i, {2, 0, 0, 0, static_cast<std::uint8_t>(i >> 8), static_cast<std::uint8_t>(i)}});
  }
  NeighborTable table(entries);
  CHECK(table.size() == 1000);
  for (std::uint32_t i = 0; i < 1000; ++i) {
    const MacAddress* mac = table.find(0x0ac80000u + i);
    REQUIRE(mac != nullptr);
    CHECK((*mac)[5] == static_cast<std::uint8_t>(i));
  }
  CHECK(table.find(0x0ac80000u + 1000) == nullptr);
  CHECK(table.find(0) == nullptr);
}

TEST_CASE("an empty neighbour table finds nothing; a repeated address keeps the last entry") {
  CHECK(NeighborTable().find(1) == nullptr);
  CHECK(NeighborTable(std::vector<NeighborEntry>{}).find(1) == nullptr);
  NeighborTable t({{7, {1, 1, 1, 1, 1, 1}}, {7, {2, 2, 2, 2, 2, 2}}});
  CHECK(t.size() == 1);
  CHECK((*t.find(7))[0] == 2);
}
