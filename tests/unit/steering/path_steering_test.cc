// PathSteering from reports: hysteresis over reports, dead paths relayed at once, relay choice, ECMP, loop freedom.
#include <catch2/catch.hpp>

#include <vector>

#include "controlplane/steering/path_steering.h"
#include "tests/unit/steering/mesh_fixture.h"

namespace anymesh::steering {
namespace {

using namespace std::chrono_literals;
using test::Link;
using test::report;

std::vector<GatewayId> hops(const RegionRoute& route) {
  std::vector<GatewayId> out;
  for (const auto& h : route.next_hops) out.push_back(h.gateway);
  return out;
}

const RegionRoute& route(const PathSteering& s, GatewayId g, const std::string& region) {
  const auto* r = s.state().route(g, region);
  REQUIRE(r != nullptr);
  return *r;
}

TEST_CASE("before any report every route is direct to all the region's gateways with equal weights") {
  auto m = test::make_mesh({"r1", "r2", "r3"}, {{1, "r1"}, {5, "r2"}, {2, "r2"}, {3, "r3"}});
  PathSteering s(m);
  const auto& r = route(s, 1, "r2");
  CHECK_FALSE(r.relayed());
  CHECK(hops(r) == std::vector<GatewayId>{2, 5});
  CHECK(r.next_hops[0].weight == r.next_hops[1].weight);
  // Nothing measured: the relay backup is the first gateway of the first third region.
  REQUIRE(r.backups.size() == 1);
  CHECK(r.backups[0] == RouteBackup{RouteBackupKind::relay, 3});
  CHECK(s.state().route(1, "r1") == nullptr);  // no route to its own region
  CHECK(route(s, 2, "r1").next_hops.size() == 1);
}

TEST_CASE("a relay 12 ms and 40 % better for N-1 reports stays unused, after N reports it carries the region") {
  PathSteering s(test::three_regions());  // sustained_reports = 3
  Nanos now = 0s;
  s.update(3, report({{2, 9}, {1, 9}}), now);  // r3 reaches r2 in 9 ms
  for (int i = 1; i <= 2; ++i) {
    now += 100ms;
    s.update(1, report({{2, 30}, {3, 9}}), now);  // direct 30 ms, via r3 18 ms
    CHECK_FALSE(route(s, 1, "r2").relayed());
    CHECK(s.decision(1, "r2")->sustained == static_cast<std::uint32_t>(i));
  }
  now += 100ms;
  CHECK(s.update(1, report({{2, 30}, {3, 9}}), now));
  const auto& r = route(s, 1, "r2");
  CHECK(r.relay_region == "r3");
  CHECK(hops(r) == std::vector<GatewayId>{3});
  // The direct path becomes the backup; no fourth region, so no relay backup.
  REQUIRE(r.backups.size() == 1);
  CHECK(r.backups[0] == RouteBackup{RouteBackupKind::other_gateway, 2});
  CHECK(s.path_rtt(1, "r2") == 18ms);
}

TEST_CASE("a relay only 8 ms better never takes over") {
  PathSteering s(test::three_regions());
  s.update(3, report({{2, 5}}), 0s);
  for (int i = 1; i <= 50; ++i) {
    s.update(3, report({{2, 5}}), i * 100ms);
    s.update(1, report({{2, 20}, {3, 7}}), i * 100ms);  // via r3: 12 ms
    REQUIRE_FALSE(route(s, 1, "r2").relayed());
  }
}

TEST_CASE("flapping reports do not flap the route") {
  PathSteering s(test::three_regions());
  s.update(3, report({{2, 9}}), 0s);
  for (int i = 1; i <= 60; ++i) {
    const double via_r3 = i % 3 == 0 ? 40 : 9;  // better twice, then worse, over and over
    s.update(3, report({{2, 9}}), i * 100ms);
    bool changed = s.update(1, report({{2, 30}, {3, via_r3}}), i * 100ms);
    REQUIRE_FALSE(changed);
    REQUIRE_FALSE(route(s, 1, "r2").relayed());
  }
}

TEST_CASE("loss above the threshold is down: the relay is chosen at the first report") {
  PathSteering s(test::three_regions());  // loss threshold 5 %
  s.update(3, report({{2, 40}}), 0s);
  SECTION("6 % loss on every lane") {
    CHECK(s.update(1, report({{2, 10, 0.06}, {3, 40}}), 0s));
    CHECK(route(s, 1, "r2").relay_region == "r3");
  }
  SECTION("every lane down") {
    CHECK(s.update(1, report({{2, 10, 0.0, false}, {3, 40}}), 0s));
    CHECK(route(s, 1, "r2").relay_region == "r3");
  }
  SECTION("5 % loss is not above the threshold: direct stays") {
    CHECK_FALSE(s.update(1, report({{2, 10, 0.05}, {3, 40}}), 0s));
    CHECK_FALSE(route(s, 1, "r2").relayed());
  }
}

TEST_CASE("the relay goes through the third region with the lowest RTT, the next best is the relay backup") {
  auto m = test::make_mesh({"r1", "r2", "r3", "r4"}, {{1, "r1"}, {2, "r2"}, {3, "r3"}, {4, "r4"}});
  PathSteering s(m);
  s.update(3, report({{2, 20}}), 0s);  // via r3: 20 + 20 = 40 ms
  s.update(4, report({{2, 15}}), 0s);  // via r4: 10 + 15 = 25 ms
  s.update(1, report({{2, 10, 1.0, false}, {3, 20}, {4, 10}}), 0s);
  const auto& r = route(s, 1, "r2");
  CHECK(r.relay_region == "r4");
  CHECK(hops(r) == std::vector<GatewayId>{4});
  REQUIRE(r.backups.size() == 2);
  CHECK(r.backups[0] == RouteBackup{RouteBackupKind::other_gateway, 2});
  CHECK(r.backups[1] == RouteBackup{RouteBackupKind::relay, 3});
  CHECK(s.path_rtt(1, "r2") == 25ms);

  SECTION("and a direct route's relay backup is the lowest-RTT third-region gateway") {
    const auto& to_r3 = route(s, 1, "r3");  // r1 -> r3 direct; relays: via r2 (dead leg) or r4
    CHECK_FALSE(to_r3.relayed());
    s.update(4, report({{2, 15}, {3, 1}}), 1s);
    s.update(1, report({{2, 10, 1.0, false}, {3, 20}, {4, 10}}), 1s);
    const auto& again = route(s, 1, "r3");
    REQUIRE(again.backups.size() == 1);
    CHECK(again.backups[0] == RouteBackup{RouteBackupKind::relay, 4});
  }
}

TEST_CASE("a region's gateways share its flows equally, one measured down leaves the primaries for the backups") {
  auto m = test::make_mesh({"r1", "r2", "r3"}, {{1, "r1"}, {2, "r2"}, {5, "r2"}, {6, "r2"}, {3, "r3"}});
  PathSteering s(m);
  s.update(1, report({{2, 10}, {5, 30}, {6, 20}, {3, 10}}), 0s);
  auto r = route(s, 1, "r2");
  CHECK(hops(r) == std::vector<GatewayId>{2, 5, 6});
  for (const auto& h : r.next_hops) CHECK(h.weight == kEcmpWeight);
  CHECK(s.path_rtt(1, "r2") == 20ms);  // flows spread over all three: their mean

  CHECK(s.update(1, report({{2, 10}, {5, 30, 0.0, false}, {6, 20}, {3, 10}}), 1s));
  r = route(s, 1, "r2");
  CHECK_FALSE(r.relayed());
  CHECK(hops(r) == std::vector<GatewayId>{2, 6});
  REQUIRE(r.backups.size() == 2);
  CHECK(r.backups[0] == RouteBackup{RouteBackupKind::other_gateway, 5});
  CHECK(r.backups[1].kind == RouteBackupKind::relay);

  SECTION("all of them down: all stay primaries and the relay takes over at once") {
    s.update(3, report({{2, 10}, {5, 10}, {6, 10}}), 2s);
    s.update(1, report({{2, 10, 1.0, false}, {5, 30, 0.0, false}, {6, 20, 0.5}, {3, 10}}), 2s);
    CHECK(route(s, 1, "r2").relay_region == "r3");
  }
}

TEST_CASE("a gateway that relays is never used as a relay, so routes cannot loop") {
  PathSteering s(test::three_regions());
  s.update(3, report({{2, 10, 1.0, false}, {1, 10}}), 0s);  // r3 cannot reach r2
  s.update(1, report({{2, 10}, {3, 10}}), 0s);
  REQUIRE(route(s, 3, "r2").relay_region == "r1");  // r3 relays through r1
  // r1 loses r2 too: relaying through r3 would loop back, so it stays direct (and dead).
  s.update(1, report({{2, 10, 1.0, false}, {3, 10}}), 1s);
  CHECK_FALSE(route(s, 1, "r2").relayed());
  // ... and r3's relay through r1 is now dead, so r3 left it at once without reporting.
  CHECK_FALSE(route(s, 3, "r2").relayed());
}

TEST_CASE("a gateway relaying by choice is no relay for others: the loop is broken, the dead path repaired") {
  PathSteering s(test::three_regions());
  s.update(1, report({{2, 10}, {3, 5}}), 0s);
  for (int i = 0; i < 3; ++i) s.update(3, report({{2, 100}, {1, 5}}), 0s);  // via r1: 15 ms against 100
  REQUIRE(route(s, 3, "r2").relay_region == "r1");
  // r1 loses r2. Through r3 would be 5 + 100 ms, but r3 relays back through r1: a loop. So r3
  // returns to its slow direct path at once, and only then r1 relays through it.
  s.update(1, report({{2, 10, 1.0, false}, {3, 5}}), 1s);
  CHECK_FALSE(route(s, 3, "r2").relayed());
  CHECK(route(s, 1, "r2").relay_region == "r3");
  CHECK(s.path_rtt(1, "r2") == 105ms);
}

TEST_CASE("hysteresis holding an old relay never lets two gateways relay through each other") {
  PathSteering s(test::three_regions());
  s.update(1, report({{2, 10}, {3, 5}}), 0s);
  for (int i = 0; i < 3; ++i) s.update(3, report({{2, 100}, {1, 5}}), 0s);
  REQUIRE(route(s, 3, "r2").relay_region == "r1");
  // r1's direct path slows to 200 ms (still up): through r3 (105 ms) would be far better, but r3
  // still relays through r1, so r1 may not use it however often it reports.
  for (int i = 1; i <= 5; ++i) s.update(1, report({{2, 200}, {3, 5}}), i * 100ms);
  CHECK_FALSE(route(s, 1, "r2").relayed());
  // Once r3 has moved back to direct on its own reports, r1 may relay through it.
  for (int i = 6; i <= 8; ++i) s.update(3, report({{2, 100}, {1, 5}}), i * 100ms);
  REQUIRE_FALSE(route(s, 3, "r2").relayed());
  for (int i = 9; i <= 11; ++i) s.update(1, report({{2, 200}, {3, 5}}), i * 100ms);
  CHECK(route(s, 1, "r2").relay_region == "r3");
}

TEST_CASE("when a relay gateway stops going direct, routes through it move at once") {
  auto m = test::make_mesh({"r1", "r2", "r3", "r4"}, {{1, "r1"}, {2, "r2"}, {3, "r3"}, {4, "r4"}});
  PathSteering s(m);
  s.update(4, report({{2, 30}, {3, 5}}), 0s);
  s.update(3, report({{2, 10}, {4, 5}}), 0s);
  s.update(1, report({{2, 10, 1.0, false}, {3, 10}, {4, 10}}), 0s);
  REQUIRE(route(s, 1, "r2").relay_region == "r3");  // 20 ms against 40 ms via r4
  // r3 loses r2 and relays through r4 (35 ms): r1's relay through r3 is unfit, r1 moves to r4.
  CHECK(s.update(3, report({{2, 10, 1.0, false}, {4, 5}}), 1s));
  CHECK(route(s, 3, "r2").relay_region == "r4");
  CHECK(route(s, 1, "r2").relay_region == "r4");
}

TEST_CASE("with relays off in the policy a dead path stays direct and no relay backup is listed") {
  auto m = test::three_regions();
  m.policy.relay = false;
  PathSteering s(m);
  s.update(3, report({{2, 5}}), 0s);
  s.update(1, report({{2, 10, 1.0, false}, {3, 5}}), 0s);
  const auto& r = route(s, 1, "r2");
  CHECK_FALSE(r.relayed());
  CHECK(r.backups.empty());
}

TEST_CASE("a relay whose reports went stale holds, and is left at once when its first leg dies") {
  PathSteering s(test::three_regions(), 3s);
  s.update(3, report({{2, 10}}), 0s);
  s.update(1, report({{2, 10, 1.0, false}, {3, 10}}), 0s);
  REQUIRE(route(s, 1, "r2").relay_region == "r3");
  s.update(1, report({{2, 10, 1.0, false}, {3, 10}}), 10s);  // r3 silent for 10 s: its leg is unknown
  CHECK(route(s, 1, "r2").relay_region == "r3");
  s.update(1, report({{2, 50}, {3, 10, 1.0, false}}), 11s);  // r3 unreachable, direct back
  CHECK_FALSE(route(s, 1, "r2").relayed());
}

TEST_CASE("a report that changes no route says so") {
  PathSteering s(test::three_regions());
  CHECK_FALSE(s.update(1, report({{2, 10}, {3, 10}}), 0s));
  CHECK_FALSE(s.update(1, report({{2, 12}, {3, 11}}), 1s));
  CHECK_FALSE(s.update(99, report({{2, 10}}), 2s));  // not a gateway of the mesh
}

TEST_CASE("lane order inside reports does not change the state") {
  auto m = test::make_mesh({"r1", "r2", "r3"}, {{1, "r1"}, {2, "r2"}, {5, "r2"}, {3, "r3"}});
  PathSteering a(m), b(m);
  auto ra = report({{2, 10, 0.0, false}, {5, 30}, {3, 10}});
  v1::Report rb;
  for (int i = ra.lanes_size() - 1; i >= 0; --i) *rb.add_lanes() = ra.lanes(i);
  a.update(1, ra, 0s);
  b.update(1, rb, 0s);
  CHECK(a.state() == b.state());
}

}  // namespace
}  // namespace anymesh::steering
