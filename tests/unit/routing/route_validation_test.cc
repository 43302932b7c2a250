// Specification of route validation: each broken rule is refused naming the field that breaks it.
#include <catch2/catch.hpp>

#include <functional>
#include <string>

#include "dataplane/routing/route_table.h"
#include "dataplane/routing/route_validation.h"
#include "route_fixtures.h"

using namespace anymesh;
using namespace anymesh::routing;
using namespace anymesh::routing::test;

namespace {

// The refusal of the fixture mesh after one edit; fails the test if it is accepted.
RouteError refusal(const std::function<void(RouteDescription&)>& edit) {
  auto d = mesh();
  edit(d);
  auto error = validate_routes(d);
  REQUIRE(error);
  // build() refuses with the same error.
  auto built = RouteTable::build(d);
  REQUIRE_FALSE(built);
  CHECK(built.error().to_string() == error->to_string());
  return *error;
}

}  // namespace

TEST_CASE("route validation accepts the fixture mesh") { CHECK_FALSE(validate_routes(mesh())); }

TEST_CASE("route validation refuses bad groups naming the field") {
  auto e = refusal([](auto& d) { d.groups[1].name = ""; });
  CHECK(e.field == "groups[1].name");
  e = refusal([](auto& d) { d.groups[1].name = "r3"; });
  CHECK(e.field == "groups[1].name");
  CHECK(e.problem.find("groups[0]") != std::string::npos);
  e = refusal([](auto& d) { d.groups[0].next_hops.clear(); });
  CHECK(e.field == "groups[0].next_hops");
  e = refusal([](auto& d) {
    for (GatewayId g = 100; g < 100 + kMaxNextHops; ++g) {
      d.groups[1].next_hops.push_back({g, {static_cast<LaneSlot>(g)}, 1});
    }
  });
  CHECK(e.field == "groups[1].next_hops");
  e = refusal([](auto& d) {
    d.groups[1].backups.assign(kMaxBackups + 1, {BackupKind::relay, kR3a, {0}});
  });
  CHECK(e.field == "groups[1].backups");
}

TEST_CASE("route validation refuses bad weights and gateways naming the field") {
  auto e = refusal([](auto& d) { d.groups[0].next_hops[1].weight = 0; });
  CHECK(e.field == "groups[0].next_hops[1].weight");
  e = refusal([](auto& d) { d.groups[0].next_hops[0].weight = kMaxWeight + 1; });
  CHECK(e.field == "groups[0].next_hops[0].weight");
  e = refusal([](auto& d) { d.groups[0].next_hops[1].gateway = 0; });
  CHECK(e.field == "groups[0].next_hops[1].gateway");
  e = refusal([](auto& d) { d.groups[0].next_hops[1].gateway = kR3a; });
  CHECK(e.field == "groups[0].next_hops[1].gateway");
}

TEST_CASE("route validation refuses bad lanes naming the field") {
  auto e = refusal([](auto& d) { d.groups[0].next_hops[0].lanes.clear(); });
  CHECK(e.field == "groups[0].next_hops[0].lanes");
  e = refusal([](auto& d) { d.groups[0].next_hops[0].lanes.assign(kMaxLanesPerHop + 1, 0); });
  CHECK(e.field == "groups[0].next_hops[0].lanes");
  e = refusal([](auto& d) { d.groups[0].next_hops[1].lanes = {4, kMaxLaneSlots}; });
  CHECK(e.field == "groups[0].next_hops[1].lanes[1]");
  e = refusal([](auto& d) { d.groups[0].next_hops[1].lanes = {4, 5, 4}; });
  CHECK(e.field == "groups[0].next_hops[1].lanes[2]");
  // Slot 0 is a lane of gateway kR3a: it cannot also lead to kR3b.
  e = refusal([](auto& d) { d.groups[0].next_hops[1].lanes = {4, 0}; });
  CHECK(e.field == "groups[0].next_hops[1].lanes[1]");
  CHECK(e.problem.find("groups[0].next_hops[0]") != std::string::npos);
  e = refusal([](auto& d) { d.groups[1].next_hops[0].lanes = {12, 8}; });
  CHECK(e.field == "groups[1].next_hops[0].lanes[1]");
}

TEST_CASE("route validation refuses backups that are no backup naming the field") {
  auto e = refusal([](auto& d) { d.groups[0].backups[0].lanes = {2, 1}; });
  CHECK(e.field == "groups[0].backups[0].lanes[1]");
  e = refusal([](auto& d) { d.groups[0].backups[0].gateway = kR3c; });
  CHECK(e.field == "groups[0].backups[0].gateway");
  e = refusal([](auto& d) { d.groups[0].backups[1].gateway = kR3b; });
  CHECK(e.field == "groups[0].backups[1].gateway");
  e = refusal([](auto& d) { d.groups[0].backups[2].gateway = kR3a; });
  CHECK(e.field == "groups[0].backups[2].gateway");
  e = refusal([](auto& d) { d.groups[0].backups[2].lanes.clear(); });
  CHECK(e.field == "groups[0].backups[2].lanes");
  e = refusal([](auto& d) { d.groups[0].backups[1].gateway = 0; });
  CHECK(e.field == "groups[0].backups[1].gateway");
}

TEST_CASE("route validation refuses bad prefixes naming the field") {
  auto e = refusal([](auto& d) { d.prefixes.push_back({*IpPrefix::parse("10.3.0.0/16"), "r2"}); });
  CHECK(e.field == "prefixes[4].prefix");
  CHECK(e.problem.find("prefixes[0]") != std::string::npos);
  e = refusal([](auto& d) { d.prefixes[1].group = "r9"; });
  CHECK(e.field == "prefixes[1].group");
  e = refusal([](auto& d) {
    IpPrefix p = *IpPrefix::parse("10.9.0.0/16");
    p.address.bytes[3] = 1;  // host bit, as a hand-built snapshot might carry
    d.prefixes.push_back({p, "r2"});
  });
  CHECK(e.field == "prefixes[4].prefix");
  e = refusal([](auto& d) {
    IpPrefix p = *IpPrefix::parse("10.9.0.0/16");
    p.length = 33;
    d.prefixes.push_back({p, "r2"});
  });
  CHECK(e.field == "prefixes[4].prefix");
}
