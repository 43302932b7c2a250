// Endpoint-group choice: shares by weight x dial, health, fail open, determinism.
#include <catch2/catch.hpp>

#include <vector>

#include "dataplane/anycast/group_choice.h"

using namespace anymesh::anycast;

namespace {

std::vector<double> shares(const std::vector<GroupCandidate>& groups, int flows = 200000) {
  std::vector<int> n(groups.size(), 0);
  std::uint32_t h = 7;
  for (int i = 0; i < flows; ++i) {
    h = h * 2891336453u + 1;
    auto g = choose_group(groups, h);
    REQUIRE(g.has_value());
    ++n[*g];
  }
  std::vector<double> out;
  for (int x : n) out.push_back(static_cast<double>(x) / flows);
  return out;
}

}  // namespace

TEST_CASE("group choice splits new flows by weight times dial") {
  std::vector<GroupCandidate> groups{{128, 100, true}, {64, 100, true}, {128, 50, true}};
  auto s = shares(groups);
  double total = 128 * 100 + 64 * 100 + 128 * 50;
  CHECK(s[0] == Approx(128 * 100 / total).margin(0.01));
  CHECK(s[1] == Approx(64 * 100 / total).margin(0.01));
  CHECK(s[2] == Approx(128 * 50 / total).margin(0.01));
}

TEST_CASE("group choice sends no new flows to a dial of 0 or a weight of 0") {
  std::vector<GroupCandidate> groups{{128, 0, true}, {128, 100, true}, {0, 100, true}};
  auto s = shares(groups);
  CHECK(s[0] == 0);
  CHECK(s[1] == 1);
  CHECK(s[2] == 0);
}

TEST_CASE("group choice skips a group with no healthy backend") {
  std::vector<GroupCandidate> groups{{128, 100, false}, {128, 100, true}, {128, 100, true}};
  auto s = shares(groups);
  CHECK(s[0] == 0);
  CHECK(s[1] == Approx(0.5).margin(0.01));
}

TEST_CASE("group choice fails open to every group by weight when none is healthy") {
  std::vector<GroupCandidate> groups{{200, 100, false}, {100, 100, false}};
  auto s = shares(groups);
  CHECK(s[0] == Approx(2.0 / 3).margin(0.01));
  CHECK(s[1] == Approx(1.0 / 3).margin(0.01));
}

TEST_CASE("group choice fails open when the healthy groups are dialled to 0") {
  std::vector<GroupCandidate> groups{{128, 0, true}, {128, 100, false}};
  auto s = shares(groups);
  CHECK(s[1] == 1);
}

TEST_CASE("group choice has no answer when every share is 0") {
  std::vector<GroupCandidate> groups{{128, 0, true}, {0, 100, false}};
  CHECK_FALSE(choose_group(groups, 1234).has_value());
  CHECK_FALSE(choose_group({}, 1234).has_value());
}

TEST_CASE("group choice is a function of the hash and the candidates") {
  std::vector<GroupCandidate> groups{{10, 100, true}, {20, 100, true}, {30, 100, true}};
  for (std::uint32_t h = 0; h < 5000; ++h) {
    REQUIRE(choose_group(groups, h * 977u) == choose_group(groups, h * 977u));
  }
  // A different candidate list may give a different answer for the same hash; only pinning keeps
  // established flows in place when shares change (see steering_test.cc).
  auto other = groups;
  other[0].weight = 200;
  int differ = 0;
  for (std::uint32_t h = 0; h < 5000; ++h) differ += choose_group(groups, h * 977u) != choose_group(other, h * 977u);
  CHECK(differ > 0);
}
