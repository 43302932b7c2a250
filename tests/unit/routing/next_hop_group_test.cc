// Specification of the next-hop choice: weights, lanes, failover order, determinism.
#include <catch2/catch.hpp>

#include <map>
#include <random>
#include <utility>
#include <vector>

#include "dataplane/routing/route_table.h"
#include "route_fixtures.h"

using namespace anymesh;
using namespace anymesh::routing;
using namespace anymesh::routing::test;

namespace {

constexpr int kFlows = 200'000;

std::vector<std::uint32_t> flow_hashes() {
  std::mt19937 rng(20240601);
  std::vector<std::uint32_t> h(kFlows);
  for (auto& x : h) x = static_cast<std::uint32_t>(rng());
  return h;
}

NextHopGroup group_of(const GroupDescription& g) {
  RouteDescription d;
  d.groups = {g};
  auto built = RouteTable::build(d);
  REQUIRE(built);
  return built->group(0);
}

LaneUpMask up_except(std::initializer_list<LaneSlot> down) {
  auto m = LaneUpMask::all_up();
  for (auto s : down) m.set(s, false);
  return m;
}

std::map<LaneSlot, int> lane_counts(const NextHopGroup& g, const LaneUpMask& up) {
  std::map<LaneSlot, int> counts;
  for (auto h : flow_hashes()) {
    auto s = g.select(h, up);
    REQUIRE(s);
    ++counts[s->lane];
  }
  return counts;
}

double share(int count) { return static_cast<double>(count) / kFlows; }

}  // namespace

TEST_CASE("flows spread over next hops by weight and over a hop's lanes evenly") {
  auto counts = lane_counts(group_of(r3_group()), LaneUpMask::all_up());
  // r3a weight 3 on lanes 0 and 1, r3b weight 1 on lanes 4 and 5.
  CHECK(share(counts[0]) == Approx(0.375).margin(0.01));
  CHECK(share(counts[1]) == Approx(0.375).margin(0.01));
  CHECK(share(counts[4]) == Approx(0.125).margin(0.01));
  CHECK(share(counts[5]) == Approx(0.125).margin(0.01));
  CHECK(counts.size() == 4);  // backups carry nothing while the primaries are up
}

TEST_CASE("uneven weights over three gateways are met within a few percent") {
  GroupDescription g;
  g.name = "r4";
  g.next_hops = {{41, {0}, 10}, {42, {1}, 20}, {43, {2}, 70}};
  auto counts = lane_counts(group_of(g), LaneUpMask::all_up());
  CHECK(share(counts[0]) == Approx(0.10).margin(0.02));
  CHECK(share(counts[1]) == Approx(0.20).margin(0.02));
  CHECK(share(counts[2]) == Approx(0.70).margin(0.02));
}

TEST_CASE("selection is a pure function of the flow hash and the lane mask") {
  auto g = group_of(r3_group());
  auto up = up_except({1});
  for (auto h : flow_hashes()) {
    auto a = g.select(h, up);
    auto b = g.select(h, up);
    REQUIRE(a);
    REQUIRE(b);
    REQUIRE(a->lane == b->lane);
    REQUIRE(a->gateway == b->gateway);
  }
}

TEST_CASE("a down lane's flows move to the hop's other lanes and no other flow moves") {
  auto g = group_of(r3_group());
  auto all = LaneUpMask::all_up();
  auto lane0_down = up_except({0});
  int moved = 0;
  for (auto h : flow_hashes()) {
    auto before = g.select(h, all);
    auto after = g.select(h, lane0_down);
    REQUIRE(after);
    CHECK(after->lane != 0);
    if (before->lane == 0) {
      CHECK(after->lane == 1);  // same gateway, its other lane
      CHECK(after->role == HopRole::primary);
      ++moved;
    } else if (after->lane != before->lane) {
      FAIL("flow " << h << " left lane " << before->lane << " though it stayed up");
    }
  }
  CHECK(share(moved) == Approx(0.375).margin(0.01));
}

TEST_CASE("a gateway with every lane down hands its flows to the other primary") {
  auto g = group_of(r3_group());
  auto counts = lane_counts(g, up_except({0, 1}));
  CHECK(counts.size() == 2);
  CHECK(share(counts[4]) == Approx(0.5).margin(0.01));
  CHECK(share(counts[5]) == Approx(0.5).margin(0.01));
}

TEST_CASE("with every primary down, backups are tried in order down to the relay") {
  auto g = group_of(r3_group());
  struct Step {
    LaneUpMask up;
    GatewayId gateway;
    std::vector<LaneSlot> lanes;
    BackupKind kind;
    std::uint8_t index;
  };
  std::vector<Step> steps = {
      {up_except({0, 1, 4, 5}), kR3a, {2}, BackupKind::other_lane, 0},
      {up_except({0, 1, 2, 4, 5}), kR3c, {8}, BackupKind::other_gateway, 1},
      {up_except({0, 1, 2, 4, 5, 8}), kR2, {12, 13}, BackupKind::relay, 2},
      {up_except({0, 1, 2, 4, 5, 8, 12}), kR2, {13}, BackupKind::relay, 2},
  };
  for (std::size_t i = 0; i < steps.size(); ++i) {
    INFO("step " << i);
    std::map<LaneSlot, int> lanes;
    for (auto h : flow_hashes()) {
      auto s = g.select(h, steps[i].up);
      REQUIRE(s);
      REQUIRE(s->role == HopRole::backup);
      REQUIRE(s->gateway == steps[i].gateway);
      REQUIRE(s->backup_kind == steps[i].kind);
      REQUIRE(s->index == steps[i].index);
      ++lanes[s->lane];
    }
    REQUIRE(lanes.size() == steps[i].lanes.size());
    for (auto lane : steps[i].lanes) CHECK(share(lanes[lane]) == Approx(1.0 / lanes.size()).margin(0.01));
  }
}

TEST_CASE("a primary lane coming back takes precedence over the backups again") {
  auto g = group_of(r3_group());
  auto s = g.select(7, up_except({0, 1, 4}));  // only lane 5 of r3b up among the primaries
  REQUIRE(s);
  CHECK(s->gateway == kR3b);
  CHECK(s->lane == 5);
  CHECK(s->role == HopRole::primary);
}

TEST_CASE("nothing reachable is reported as all_lanes_down") {
  auto g = group_of(r3_group());
  auto r = g.select(99, LaneUpMask{});
  REQUIRE_FALSE(r);
  CHECK(r.error() == NoRoute::all_lanes_down);
}

TEST_CASE("lane up mask keeps one bit per slot and ignores slots beyond its size") {
  LaneUpMask m;
  m.set(0, true);
  m.set(63, true);
  m.set(64, true);
  m.set(kMaxLaneSlots - 1, true);
  m.set(kMaxLaneSlots, true);
  CHECK(m.test(0));
  CHECK(m.test(63));
  CHECK(m.test(64));
  CHECK_FALSE(m.test(65));
  CHECK(m.test(kMaxLaneSlots - 1));
  CHECK_FALSE(m.test(kMaxLaneSlots));
  m.set(63, false);
  CHECK_FALSE(m.test(63));
  CHECK(m.test(64));
}
