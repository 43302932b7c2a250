// Specification of the per-packet route choice's memory use: lookups and select() never allocate.
#include <catch2/catch.hpp>

#include "tests/unit/allocation_counter.h"

#include "dataplane/routing/route_table.h"
#include "route_fixtures.h"

using anymesh::test::allocations;
using namespace anymesh;
using namespace anymesh::routing;

TEST_CASE("route lookup and next-hop choice allocate nothing") {
  auto table = RouteTable::build(routing::test::mesh());
  REQUIRE(table);
  const IpAddress destinations[] = {*IpAddress::parse("10.3.1.1"), *IpAddress::parse("10.3.7.9"),
                                    *IpAddress::parse("fd00:3::1"), *IpAddress::parse("192.0.2.1")};
  auto up = LaneUpMask::all_up();
  up.set(0, false);
  up.set(4, false);
  long routed = 0;

  std::size_t before = allocations();
  for (std::uint32_t h = 0; h < 100'000; ++h) {
    auto r = table->select(destinations[h % 4], h * 2654435761u, up);
    routed += r.ok();
  }
  std::size_t after = allocations();

  CHECK(after == before);
  CHECK(routed == 75'000);  // every destination but 192.0.2.1 is covered
}
