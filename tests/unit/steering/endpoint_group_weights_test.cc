// Endpoint-group weights: configured weight x dial x health, and the optional latency preference.
#include <catch2/catch.hpp>

#include <vector>

#include "controlplane/steering/endpoint_group_weights.h"

namespace anymesh::steering {
namespace {

using namespace std::chrono_literals;

TEST_CASE("a group's share is weight x dial x health") {
  std::vector<EndpointGroupInput> groups{{128, 100, true, {}}, {64, 50, true, {}}, {255, 100, false, {}}, {200, 0, true, {}}};
  auto w = endpoint_group_weights(groups);
  REQUIRE(w.size() == 4);
  CHECK(w[0] == 128u * 100 * kLatencyScale);
  CHECK(w[1] == 64u * 50 * kLatencyScale);
  CHECK(w[0] == 4 * w[1]);
  CHECK(w[2] == 0);
  CHECK(w[3] == 0);
}

TEST_CASE("without a preference RTTs change nothing") {
  std::vector<EndpointGroupInput> groups{{128, 100, true, 1ms}, {128, 100, true, 200ms}};
  auto w = endpoint_group_weights(groups);
  CHECK(w[0] == w[1]);
}

TEST_CASE("the latency preference halves a group's share at half_share_rtt") {
  std::vector<EndpointGroupInput> groups{{128, 100, true, 0ms}, {128, 100, true, 50ms}, {128, 100, true, 150ms},
                                         {128, 100, true, std::nullopt}};
  auto w = endpoint_group_weights(groups, LatencyPreference{50ms});
  CHECK(w[0] == 128u * 100 * kLatencyScale);
  CHECK(w[1] * 2 == w[0]);
  CHECK(w[2] * 4 == w[0]);
  CHECK(w[3] == w[0]);  // not measured: no preference applied
}

TEST_CASE("an unhealthy near group still gets nothing") {
  std::vector<EndpointGroupInput> groups{{255, 100, false, 0ms}, {1, 1, true, 500ms}};
  auto w = endpoint_group_weights(groups, LatencyPreference{});
  CHECK(w[0] == 0);
  CHECK(w[1] > 0);
}

TEST_CASE("out-of-range inputs are clamped to the configured ranges") {
  std::vector<EndpointGroupInput> groups{{1000, 1000, true, {}}, {255, 100, true, {}}};
  auto w = endpoint_group_weights(groups);
  CHECK(w[0] == w[1]);
}

}  // namespace
}  // namespace anymesh::steering
