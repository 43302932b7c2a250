// The probe store: per gateway pair, the usable lanes' mean RTT; lossy and down lanes excluded; old reports forgotten.
#include <catch2/catch.hpp>

#include <cmath>
#include <tuple>

#include "controlplane/steering/probe_store.h"
#include "tests/unit/steering/mesh_fixture.h"

namespace anymesh::steering {
namespace {

using namespace std::chrono_literals;
using test::Link;
using test::report;

v1::Report lanes(std::initializer_list<std::tuple<std::uint32_t, bool, std::uint64_t, double>> list) {
  v1::Report r;
  for (const auto& [lane, up, rtt_ns, loss] : list) {
    auto* l = r.add_lanes();
    l->set_peer(2);
    l->set_lane(lane);
    l->set_up(up);
    l->set_rtt_ewma_ns(rtt_ns);
    l->set_loss(loss);
  }
  return r;
}

TEST_CASE("a pair nobody reported is unknown") {
  ProbeStore store;
  CHECK(store.path(1, 2, 0s).state == PathState::unknown);
  store.add(1, report({{3, 10}}), 0s);
  CHECK(store.path(1, 2, 0s).state == PathState::unknown);
  CHECK(store.path(2, 1, 0s).state == PathState::unknown);  // directions are separate
}

TEST_CASE("a pair's RTT is the mean over its usable lanes") {
  ProbeStore store;
  store.add(1, lanes({{0, true, 10'000'000, 0.0}, {1, true, 20'000'000, 0.01}, {2, false, 1'000'000, 0.0}}), 1s);
  auto m = store.path(1, 2, 1s);
  CHECK(m.state == PathState::up);
  CHECK(m.rtt == 15ms);
}

TEST_CASE("a lane losing more than the threshold counts as down, at the threshold it is still up") {
  ProbeStore store(ProbeStoreConfig{3s, 5.0});
  store.add(1, lanes({{0, true, 10'000'000, 0.05}}), 0s);
  CHECK(store.path(1, 2, 0s) == PathMeasurement{PathState::up, 10ms});
  store.add(1, lanes({{0, true, 10'000'000, 0.051}}), 0s);
  CHECK(store.path(1, 2, 0s).state == PathState::down);
}

TEST_CASE("every lane down or lossy makes the pair down") {
  ProbeStore store;
  store.add(1, lanes({{0, false, 10'000'000, 0.0}, {1, true, 10'000'000, 0.5}}), 0s);
  CHECK(store.path(1, 2, 0s).state == PathState::down);
}

TEST_CASE("a broken loss value proves nothing good about a lane") {
  ProbeStore store;
  store.add(1, lanes({{0, true, 10'000'000, -0.1}, {1, true, 10'000'000, std::nan("")}}), 0s);
  CHECK(store.path(1, 2, 0s).state == PathState::down);
}

TEST_CASE("a newer report of a lane replaces the older one, lanes it leaves out keep theirs") {
  ProbeStore store;
  store.add(1, lanes({{0, true, 10'000'000, 0.0}, {1, true, 30'000'000, 0.0}}), 0s);
  store.add(1, lanes({{1, true, 50'000'000, 0.0}}), 1s);
  CHECK(store.path(1, 2, 1s).rtt == 30ms);
}

TEST_CASE("reports older than the window are forgotten") {
  ProbeStore store(ProbeStoreConfig{3s, 5.0});
  store.add(1, report({{2, 10}}), 10s);
  CHECK(store.path(1, 2, 13s).state == PathState::up);
  CHECK(store.path(1, 2, 13s + 1ns).state == PathState::unknown);
}

TEST_CASE("the order of lanes in a report does not matter") {
  ProbeStore a, b;
  a.add(1, lanes({{0, true, 10'000'001, 0.0}, {1, true, 20'000'000, 0.0}, {2, true, 7, 0.0}}), 0s);
  b.add(1, lanes({{2, true, 7, 0.0}, {0, true, 10'000'001, 0.0}, {1, true, 20'000'000, 0.0}}), 0s);
  CHECK(a.path(1, 2, 0s) == b.path(1, 2, 0s));
}

TEST_CASE("a gateway's report about itself is ignored") {
  ProbeStore store;
  store.add(1, report({{1, 10}}), 0s);
  CHECK(store.path(1, 1, 0s).state == PathState::unknown);
}

}  // namespace
}  // namespace anymesh::steering
