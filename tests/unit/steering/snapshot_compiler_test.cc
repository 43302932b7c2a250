// The snapshot compiler: what each gateway's snapshot holds, that the gateway's loader accepts it, and byte-for-byte determinism.
#include <catch2/catch.hpp>

#include <algorithm>
#include <random>
#include <set>
#include <stdexcept>
#include <string>

#include "controlplane/model/loader.h"
#include "controlplane/server/snapshot_compiler.h"
#include "controlplane/steering/path_steering.h"
#include "dataplane/agent/snapshot_loader.h"
#include "tests/unit/steering/mesh_fixture.h"

namespace anymesh::server {
namespace {

using namespace std::chrono_literals;
using steering::PathSteering;
using steering::SteeringState;
using steering::test::report;

model::Model lab_mesh() {
  auto loaded = model::load_model_file(ANYMESH_SOURCE_DIR "/configs/mesh.yaml");
  if (!loaded) {
    for (const auto& e : loaded.error()) UNSCOPED_INFO(e.to_string());
  }
  REQUIRE(loaded.ok());
  return *loaded;
}

Result<agent::AppliedSnapshot, agent::SnapshotError> load(const v1::GatewaySnapshot& snapshot) {
  const std::string bytes = serialize_snapshot(snapshot);
  return agent::load_snapshot({reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size()});
}

// Every gateway's snapshot of the model under the state loads; returns the loaded ones.
void require_all_load(const model::Model& m, const SteeringState& state, std::uint64_t version) {
  for (const auto& g : m.gateways) {
    auto snapshot = compile_snapshot(m, state, g.id, version);
    auto loaded = load(snapshot);
    INFO("gateway " << g.id << ": " << (loaded ? std::string() : loaded.error().to_string()));
    REQUIRE(loaded);
    CHECK(loaded->version() == version);
    CHECK(loaded->self().id == g.id);
  }
}

TEST_CASE("every compiled snapshot of configs/mesh.yaml loads with the gateway's own loader") {
  const auto m = lab_mesh();
  REQUIRE_FALSE(snapshot_limits_problem(m).has_value());
  SECTION("before any report") { require_all_load(m, PathSteering(m).state(), 1); }
  SECTION("with an empty state") { require_all_load(m, SteeringState{}, 2); }
  SECTION("with r1 relaying to r2 through r3") {
    PathSteering s(m);
    s.update(3, report({{2, 10}, {1, 10}}), 0s);
    s.update(1, report({{2, 10, 0.5}, {3, 10}}), 0s);
    REQUIRE(s.state().route(1, "r2")->relay_region == "r3");
    require_all_load(m, s.state(), 7);
  }
}

TEST_CASE("the snapshot of r1's gateway in the lab mesh, field by field") {
  const auto m = lab_mesh();
  const auto snap = compile_snapshot(m, PathSteering(m).state(), 1, 42);
  CHECK(snap.version() == 42);
  CHECK(snap.self().id() == 1);
  CHECK(snap.self().region() == "r1");
  CHECK(snap.self().tunnel_address() == "10.200.0.1");
  REQUIRE(snap.peers_size() == 2);
  const auto& p = snap.peers(0);
  CHECK(p.id() == 2);
  CHECK(p.region() == "r2");
  CHECK(p.public_key() == std::string(m.gateways[1].public_key.begin(), m.gateways[1].public_key.end()));
  REQUIRE(p.endpoints_size() == 1);
  CHECK(p.endpoints(0) == "198.51.100.12:51820");
  CHECK(p.tunnel_address() == "10.200.0.2");
  REQUIRE(p.lanes_size() == 2);
  CHECK(p.lanes(0).id() == 0);
  CHECK(p.lanes(0).port() == 51820);
  CHECK(p.lanes(1).id() == 1);
  CHECK(p.lanes(1).port() == 51821);
  CHECK(snap.peers(1).id() == 3);

  REQUIRE(snap.groups_size() == 2);
  const auto& g = snap.groups(0);
  CHECK(g.region() == "r2");
  REQUIRE(g.next_hops_size() == 1);
  CHECK(g.next_hops(0).gateway() == 2);
  CHECK(g.next_hops(0).lanes_size() == 2);
  CHECK(g.next_hops(0).weight() >= 1);
  REQUIRE(g.backups_size() == 1);
  CHECK(g.backups(0).kind() == v1::BACKUP_KIND_RELAY);
  CHECK(g.backups(0).gateway() == 3);
  CHECK(g.backups(0).lanes_size() == 2);
  CHECK(snap.groups(1).region() == "r3");

  REQUIRE(snap.prefixes_size() == 2);
  CHECK(snap.prefixes(0).prefix() == "10.200.2.0/24");
  CHECK(snap.prefixes(0).region() == "r2");
  CHECK(snap.prefixes(1).prefix() == "10.200.3.0/24");
  CHECK(snap.prefixes(1).region() == "r3");

  CHECK(snap.probe().interval_ms() == 10);
  CHECK(snap.probe().miss_threshold() == 3);
  CHECK(snap.probe().recover_threshold() == 5);
  CHECK(snap.probe().timeout_ms() == 20);
}

TEST_CASE("a relayed route compiles to the relay gateway as primary and the direct path as backup") {
  const auto m = lab_mesh();
  PathSteering s(m);
  s.update(3, report({{2, 10}}), 0s);
  s.update(1, report({{2, 10, 0.0, false}, {3, 10}}), 0s);
  const auto snap = compile_snapshot(m, s.state(), 1, 3);
  const auto& g = snap.groups(0);
  REQUIRE(g.region() == "r2");
  REQUIRE(g.next_hops_size() == 1);
  CHECK(g.next_hops(0).gateway() == 3);
  REQUIRE(g.backups_size() == 1);
  CHECK(g.backups(0).kind() == v1::BACKUP_KIND_OTHER_GATEWAY);
  CHECK(g.backups(0).gateway() == 2);

  auto loaded = load(snap);
  REQUIRE(loaded);
  // The loaded route table sends r2's prefix to gateway 3, and to 2 only as the backup.
  const auto& groups = loaded->route_description().groups;
  REQUIRE(groups.size() == 2);
  CHECK(groups[0].next_hops[0].gateway == 3);
  CHECK(groups[0].backups[0].gateway == 2);
}

TEST_CASE("a mesh with several gateways per region and four regions compiles into loadable snapshots") {
  auto m = steering::test::make_mesh({"r1", "r2", "r3", "r4"},
                                     {{1, "r1"}, {7, "r1"}, {2, "r2"}, {5, "r2"}, {6, "r2"}, {3, "r3"}, {4, "r4"}});
  PathSteering s(m);
  require_all_load(m, s.state(), 1);
  s.update(3, report({{2, 10}, {5, 10}, {6, 10}, {1, 5}}), 0s);
  s.update(4, report({{2, 30}, {5, 30}, {6, 30}}), 0s);
  s.update(1, report({{2, 10, 0.0, false}, {5, 30}, {6, 20}, {3, 5}, {4, 5}}), 0s);
  s.update(7, report({{2, 10, 0.0, false}, {5, 10, 0.0, false}, {6, 20, 0.9}, {3, 5}, {4, 5}}), 0s);
  CHECK_FALSE(s.state().route(1, "r2")->relayed());
  CHECK(s.state().route(7, "r2")->relay_region == "r3");
  require_all_load(m, s.state(), 2);
  const auto snap = compile_snapshot(m, s.state(), 1, 2);
  const auto& g = snap.groups(0);
  REQUIRE(g.next_hops_size() == 2);  // 5 and 6; 2 is down
  CHECK(g.next_hops(0).weight() == g.next_hops(1).weight());
  CHECK(g.backups(0).kind() == v1::BACKUP_KIND_OTHER_GATEWAY);
  CHECK(g.backups(0).gateway() == 2);
  CHECK(g.backups(g.backups_size() - 1).kind() == v1::BACKUP_KIND_RELAY);
}

TEST_CASE("two compiles of the same inputs are byte-identical") {
  const auto m = lab_mesh();
  PathSteering s(m);
  s.update(3, report({{2, 10}}), 0s);
  s.update(1, report({{2, 10, 0.0, false}, {3, 10}}), 0s);
  for (const auto& g : m.gateways) {
    CHECK(serialize_snapshot(compile_snapshot(m, s.state(), g.id, 9)) ==
          serialize_snapshot(compile_snapshot(m, s.state(), g.id, 9)));
  }
}

TEST_CASE("the model's order of regions, gateways and prefixes does not change a byte") {
  const auto m = steering::test::make_mesh({"r1", "r2", "r3", "r4"},
                                           {{1, "r1"}, {2, "r2"}, {5, "r2"}, {3, "r3"}, {4, "r4"}});
  auto shuffled = m;
  std::mt19937 rng(7);
  for (int round = 0; round < 5; ++round) {
    std::shuffle(shuffled.regions.begin(), shuffled.regions.end(), rng);
    std::shuffle(shuffled.gateways.begin(), shuffled.gateways.end(), rng);
    for (auto& r : shuffled.regions) std::shuffle(r.prefixes.begin(), r.prefixes.end(), rng);
    PathSteering a(m), b(shuffled);
    const auto ra = report({{2, 10, 0.0, false}, {5, 30}, {3, 10}, {4, 8}});
    v1::Report rb = ra;
    std::shuffle(rb.mutable_lanes()->begin(), rb.mutable_lanes()->end(), rng);
    a.update(3, report({{2, 10}, {5, 10}}), 0s);
    b.update(3, report({{5, 10}, {2, 10}}), 0s);
    a.update(1, ra, 0s);
    b.update(1, rb, 0s);
    for (const auto& g : m.gateways) {
      const auto bytes_a = serialize_snapshot(compile_snapshot(m, a.state(), g.id, 5));
      const auto bytes_b = serialize_snapshot(compile_snapshot(shuffled, b.state(), g.id, 5));
      REQUIRE(bytes_a == bytes_b);
    }
  }
}

TEST_CASE("a snapshot for no version or for a gateway the model lacks is refused") {
  const auto m = lab_mesh();
  CHECK_THROWS_AS(compile_snapshot(m, SteeringState{}, 1, 0), std::invalid_argument);
  CHECK_THROWS_AS(compile_snapshot(m, SteeringState{}, 99, 1), std::invalid_argument);
  SteeringState foreign;
  foreign.routes[1]["r2"].next_hops.push_back({42, 1});
  CHECK_THROWS_AS(compile_snapshot(m, foreign, 1, 1), std::invalid_argument);
}

TEST_CASE("models beyond the snapshot's limits are named before anything is compiled") {
  SECTION("nine gateways in one region") {
    std::vector<std::pair<std::uint32_t, std::string>> gateways{{1, "r1"}};
    for (std::uint32_t id = 10; id < 19; ++id) gateways.emplace_back(id, "r2");
    auto problem = snapshot_limits_problem(steering::test::make_mesh({"r1", "r2"}, gateways));
    REQUIRE(problem);
    CHECK(problem->find("\"r2\" has 9 gateways") != std::string::npos);
  }
  SECTION("lanes past port 65535") {
    auto m = steering::test::three_regions();
    m.gateways[1].endpoints[0].port = 65535;
    auto problem = snapshot_limits_problem(m);
    REQUIRE(problem);
    CHECK(problem->find("gateway 2") != std::string::npos);
    m.gateways[1].lanes = 1;
    CHECK_FALSE(snapshot_limits_problem(m).has_value());
  }
  SECTION("more than 1024 lanes over one gateway's peers") {
    std::vector<std::string> regions;
    std::vector<std::pair<std::uint32_t, std::string>> gateways;
    for (std::uint32_t id = 1; id <= 66; ++id) {
      regions.push_back("r" + std::to_string(id));
      gateways.emplace_back(id, regions.back());
    }
    auto m = steering::test::make_mesh(regions, gateways);
    for (auto& g : m.gateways) g.lanes = 16;  // 65 peers x 16 lanes = 1040
    auto problem = snapshot_limits_problem(m);
    REQUIRE(problem);
    CHECK(problem->find("1040 lanes") != std::string::npos);
  }
}

}  // namespace
}  // namespace anymesh::server
