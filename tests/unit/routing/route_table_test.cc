// Specification of the route table: longest-prefix match over IPv4 and IPv6 region prefixes.
#include <catch2/catch.hpp>

#include "dataplane/routing/route_table.h"
#include "route_fixtures.h"

using namespace anymesh;
using namespace anymesh::routing;
using namespace anymesh::routing::test;

namespace {

RouteTable table() {
  auto built = RouteTable::build(mesh());
  REQUIRE(built);
  return *built;
}

GatewayId first_primary(const NextHopGroup* g) {
  REQUIRE(g != nullptr);
  return g->next_hop(0).gateway;
}

}  // namespace

TEST_CASE("route table holds every prefix and group of the description") {
  auto t = table();
  CHECK(t.prefix_count() == 4);
  CHECK(t.group_count() == 2);
  CHECK(t.group(0).next_hop_count() == 2);
  CHECK(t.group(0).backup_count() == 3);
  CHECK(t.group(0).total_weight() == 4);
}

TEST_CASE("route table picks the longest matching prefix") {
  auto t = table();
  CHECK(first_primary(t.lookup(*IpAddress::parse("10.3.1.1"))) == kR3a);
  CHECK(first_primary(t.lookup(*IpAddress::parse("10.3.7.5"))) == kR2);  // the /24 inside the /16
  CHECK(first_primary(t.lookup(*IpAddress::parse("10.3.8.0"))) == kR3a);
  CHECK(first_primary(t.lookup(*IpAddress::parse("10.2.255.255"))) == kR2);
  CHECK(first_primary(t.lookup(*IpAddress::parse("fd00:3:1::9"))) == kR3a);
  CHECK(t.lookup(*IpAddress::parse("10.4.0.1")) == nullptr);
  CHECK(t.lookup(*IpAddress::parse("fd00:4::1")) == nullptr);
  // An IPv4 address never matches an IPv6 prefix with the same leading bits, or the reverse.
  CHECK(t.lookup(*IpAddress::parse("::a03:0:0")) == nullptr);
}

TEST_CASE("route table reports no_prefix for an uncovered destination") {
  auto t = table();
  auto r = t.select(*IpAddress::parse("192.0.2.1"), 12345, LaneUpMask::all_up());
  REQUIRE_FALSE(r);
  CHECK(r.error() == NoRoute::no_prefix);
  auto ok = t.select(*IpAddress::parse("10.2.0.1"), 12345, LaneUpMask::all_up());
  REQUIRE(ok);
  CHECK(ok->gateway == kR2);
}

TEST_CASE("route table with a default route catches everything of its family") {
  auto d = mesh();
  d.prefixes.push_back({*IpPrefix::parse("0.0.0.0/0"), "r2"});
  auto built = RouteTable::build(d);
  REQUIRE(built);
  CHECK(first_primary(built->lookup(*IpAddress::parse("192.0.2.1"))) == kR2);
  CHECK(first_primary(built->lookup(*IpAddress::parse("10.3.1.1"))) == kR3a);
  CHECK(built->lookup(*IpAddress::parse("fd00:4::1")) == nullptr);
}
