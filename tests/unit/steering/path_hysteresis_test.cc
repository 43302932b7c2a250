// The hysteresis rule on its own: how far and how long a better path must be better before a route moves.
#include <catch2/catch.hpp>

#include <vector>

#include "controlplane/steering/path_hysteresis.h"

namespace anymesh::steering {
namespace {

using namespace std::chrono_literals;

// The lab policy: at least 10 ms and a third better, in 3 consecutive reports.
const model::Policy::Hysteresis kPolicy{10ms, {1, 3}, 3};

PathMeasurement up(Nanos rtt) { return {PathState::up, rtt}; }
const PathMeasurement kDown{PathState::down, Nanos(0)};
const PathMeasurement kUnknown{};

std::vector<CandidatePath> paths(PathMeasurement direct, PathMeasurement via_r3) {
  return {{"", direct}, {"r3", via_r3}};
}

// Feeds the same candidates `steps` times from `start` and returns the decision after each step.
std::vector<PathDecision> run(PathDecision start, const std::vector<std::vector<CandidatePath>>& steps) {
  std::vector<PathDecision> out;
  for (const auto& c : steps) {
    start = next_decision(start, c, kPolicy);
    out.push_back(start);
  }
  return out;
}

TEST_CASE("a path 12 ms and 40 % better for N-1 reports does not move the route, the N-th report does") {
  const auto better = paths(up(30ms), up(18ms));  // 12 ms and 40 % better
  auto trail = run({}, {better, better, better});
  CHECK(trail[0].via == "");
  CHECK(trail[0].sustained == 1);
  CHECK(trail[1].via == "");
  CHECK(trail[1].sustained == 2);
  CHECK(trail[2].via == "r3");
  CHECK(trail[2].sustained == 0);
}

TEST_CASE("a path 8 ms better never moves the route, however long it stays better") {
  PathDecision d;
  for (int i = 0; i < 100; ++i) d = next_decision(d, paths(up(20ms), up(12ms)), kPolicy);  // 40 % but 8 ms
  CHECK(d.via == "");
  CHECK(d.sustained == 0);
}

TEST_CASE("a path 10 ms better but less than a third better never moves the route") {
  PathDecision d;
  for (int i = 0; i < 100; ++i) d = next_decision(d, paths(up(40ms), up(30ms)), kPolicy);  // 25 %
  CHECK(d.via == "");
}

TEST_CASE("exactly 10 ms and exactly a third better is enough") {
  PathDecision d;
  for (int i = 0; i < 3; ++i) d = next_decision(d, paths(up(30ms), up(20ms)), kPolicy);
  CHECK(d.via == "r3");
}

TEST_CASE("flapping input does not flap the route") {
  const auto better = paths(up(30ms), up(18ms));
  const auto worse = paths(up(30ms), up(45ms));
  SECTION("better and worse alternating") {
    PathDecision d;
    for (int i = 0; i < 100; ++i) {
      d = next_decision(d, i % 2 ? worse : better, kPolicy);
      CHECK(d.via == "");
    }
  }
  SECTION("better for N-1 reports, then one worse, over and over") {
    PathDecision d;
    for (int i = 0; i < 99; ++i) {
      d = next_decision(d, i % 3 == 2 ? worse : better, kPolicy);
      CHECK(d.via == "");
    }
  }
  SECTION("once moved, flapping back does not move it back") {
    PathDecision d{"r3", {}, 0};
    const auto direct_better = paths(up(18ms), up(30ms));
    const auto direct_worse = paths(up(45ms), up(30ms));
    for (int i = 0; i < 100; ++i) {
      d = next_decision(d, i % 2 ? direct_worse : direct_better, kPolicy);
      CHECK(d.via == "r3");
    }
  }
}

TEST_CASE("a different challenger restarts the count") {
  std::vector<CandidatePath> r3_best{{"", up(40ms)}, {"r3", up(10ms)}, {"r4", up(12ms)}};
  std::vector<CandidatePath> r4_best{{"", up(40ms)}, {"r3", up(12ms)}, {"r4", up(10ms)}};
  auto trail = run({}, {r3_best, r3_best, r4_best, r4_best});
  CHECK(trail[1].challenger == "r3");
  CHECK(trail[1].sustained == 2);
  CHECK(trail[2].challenger == "r4");
  CHECK(trail[2].sustained == 1);
  CHECK(trail[3].via == "");
}

TEST_CASE("a dead path in use moves at once to the best live one") {
  std::vector<CandidatePath> c{{"", kDown}, {"r3", up(80ms)}, {"r4", up(60ms)}};
  auto d = next_decision({}, c, kPolicy);
  CHECK(d.via == "r4");
  CHECK(d.sustained == 0);
  CHECK(forced_move({}, c) == d);
}

TEST_CASE("a relay that is no longer a candidate is left at once") {
  auto d = next_decision({"r3", {}, 0}, std::vector<CandidatePath>{{"", up(50ms)}}, kPolicy);
  CHECK(d.via == "");
}

TEST_CASE("with nothing up a dead relay falls back to direct and a dead direct stays") {
  CHECK(next_decision({"r3", {}, 0}, paths(kDown, kDown), kPolicy).via == "");
  CHECK(next_decision({}, paths(kDown, kUnknown), kPolicy).via == "");
}

TEST_CASE("a path in use that nobody measured holds, and forgets any challenger") {
  auto d = next_decision({"", "r3", 2}, paths(kUnknown, up(5ms)), kPolicy);
  CHECK(d.via == "");
  CHECK(d.sustained == 0);
  CHECK_FALSE(forced_move({}, paths(kUnknown, up(5ms))).has_value());
}

TEST_CASE("equal RTTs prefer the earlier candidate: direct, then relays by name") {
  std::vector<CandidatePath> c{{"", kDown}, {"r3", up(20ms)}, {"r4", up(20ms)}};
  CHECK(next_decision({}, c, kPolicy).via == "r3");
}

}  // namespace

TEST_CASE("a relay chosen while direct was down returns to direct once it is not clearly better") {
  // Direct dead at start: the relay is taken at once.
  PathDecision d = next_decision({}, paths(kDown, up(12ms)), kPolicy);
  REQUIRE(d.via == "r3");
  // Direct comes up at 14 ms: the relay (12 ms) is not clearly better, direct wins after N reports.
  auto trail = run(d, {paths(up(14ms), up(12ms)), paths(up(14ms), up(12ms)), paths(up(14ms), up(12ms))});
  CHECK(trail[0].via == "r3");
  CHECK(trail[1].via == "r3");
  CHECK(trail[2].via == "");
}

TEST_CASE("a relay clearly better than an up direct path stays") {
  PathDecision d{"r3", {}, 0};
  for (int i = 0; i < 20; ++i) d = next_decision(d, paths(up(60ms), up(10ms)), kPolicy);
  CHECK(d.via == "r3");
}

TEST_CASE("a relay that is sometimes clearly better and sometimes not does not flap back and forth") {
  PathDecision d{"r3", {}, 0};
  for (int i = 0; i < 20; ++i) {
    d = next_decision(d, i % 2 ? paths(up(60ms), up(10ms)) : paths(up(14ms), up(12ms)), kPolicy);
    CHECK(d.via == "r3");
  }
}
}  // namespace anymesh::steering
