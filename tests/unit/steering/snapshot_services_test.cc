// The snapshot compiler's services: what each gateway's snapshot says about the lab's "web" service,
// that the gateway's loader keeps only its own region's backends, and order independence.
#include <catch2/catch.hpp>

#include <algorithm>
#include <random>

#include "controlplane/model/loader.h"
#include "controlplane/server/snapshot_compiler.h"
#include "controlplane/steering/path_steering.h"
#include "dataplane/agent/snapshot_loader.h"

namespace anymesh::server {
namespace {

using steering::PathSteering;
using steering::SteeringState;

model::Model lab_mesh() {
  auto loaded = model::load_model_file(ANYMESH_SOURCE_DIR "/configs/mesh.yaml");
  REQUIRE(loaded.ok());
  return *loaded;
}

Result<agent::AppliedSnapshot, agent::SnapshotError> load(const v1::GatewaySnapshot& snapshot) {
  const std::string bytes = serialize_snapshot(snapshot);
  return agent::load_snapshot({reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size()});
}

TEST_CASE("r2's gateway snapshot lists the web service with its own backends marked local") {
  const auto m = lab_mesh();
  const auto snap = compile_snapshot(m, SteeringState{}, 2, 3);
  REQUIRE(snap.services_size() == 1);
  const auto& web = snap.services(0);
  CHECK(web.name() == "web");
  REQUIRE(web.vips_size() == 1);
  CHECK(web.vips(0) == "203.0.113.10");
  CHECK(web.protocol() == v1::PROTOCOL_TCP);
  CHECK(web.port_first() == 80);
  CHECK(web.port_last() == 80);
  CHECK(web.maglev_table_size() == 65537);
  REQUIRE(web.groups_size() == 3);
  CHECK(web.groups(0).id() == 0);
  CHECK(web.groups(0).region() == "r1");
  CHECK(web.groups(0).weight() == 128);
  CHECK(web.groups(0).dial_percent() == 100);
  CHECK(web.groups(0).healthy());
  CHECK(web.groups(1).region() == "r2");
  CHECK(web.groups(1).health_check().type() == v1::HEALTH_CHECK_HTTP);
  CHECK(web.groups(1).health_check().path() == "/");
  CHECK(web.groups(1).health_check().port() == 80);
  CHECK(web.groups(1).health_check().interval_ms() == 1000);
  REQUIRE(web.backends_size() == 6);
  for (int i = 0; i < web.backends_size(); ++i) {
    const auto& b = web.backends(i);
    CHECK(b.id() == static_cast<std::uint32_t>(i + 1));
    CHECK(b.local() == (b.group() == 1));
  }
  CHECK(web.backends(2).address() == "10.200.2.11");

  auto applied = load(snap);
  INFO((applied ? "" : applied.error().to_string()));
  REQUIRE(applied);
  const auto& any = applied->anycast();
  REQUIRE(any.checks().size() == 2);
  CHECK(any.checks()[0].address == *IpAddress::parse("10.200.2.11"));
  CHECK(any.services()[0].groups[0].backends.empty());
  CHECK(any.services()[0].groups[1].backends.size() == 2);
  CHECK(any.table().classify(*IpAddress::parse("203.0.113.10"), 6, 80) != nullptr);
}

TEST_CASE("groups the controller judged unhealthy are compiled as such") {
  const auto m = lab_mesh();
  const auto snap = compile_snapshot(m, SteeringState{}, 1, 3, {{"web", 2}});
  CHECK(snap.services(0).groups(0).healthy());
  CHECK(snap.services(0).groups(1).healthy());
  CHECK_FALSE(snap.services(0).groups(2).healthy());
  auto applied = load(snap);
  REQUIRE(applied);
  CHECK_FALSE(applied->anycast().services()[0].groups[2].healthy);
}

TEST_CASE("the model's order of services, groups and backends does not change a byte") {
  auto m = lab_mesh();
  // A second service, so there is an order to shuffle.
  auto dns = m.services[0];
  dns.service.name = "dns";
  dns.service.protocol = 17;
  dns.service.ports = anycast::PortRange::single(53);
  std::uint32_t id = 100;
  for (auto& g : dns.service.groups) {
    for (auto& b : g.backends) b.id = id++;
  }
  m.services.push_back(dns);
  const auto reference = serialize_snapshot(compile_snapshot(m, SteeringState{}, 1, 4));
  std::mt19937 rng(11);
  for (int round = 0; round < 5; ++round) {
    auto shuffled = m;
    std::shuffle(shuffled.services.begin(), shuffled.services.end(), rng);
    for (auto& s : shuffled.services) {
      for (auto& g : s.service.groups) std::shuffle(g.backends.begin(), g.backends.end(), rng);
    }
    CHECK(serialize_snapshot(compile_snapshot(shuffled, SteeringState{}, 1, 4)) == reference);
  }
  auto applied = load(compile_snapshot(m, SteeringState{}, 1, 4));
  INFO((applied ? "" : applied.error().to_string()));
  CHECK(applied);
}

TEST_CASE("a backend id beyond the XDP backends map is named before compiling") {
  auto m = lab_mesh();
  m.services[0].service.groups[0].backends[0].id = 70000;
  auto problem = snapshot_limits_problem(m);
  REQUIRE(problem);
  CHECK(problem->find("backend id 70000") != std::string::npos);
}

}  // namespace
}  // namespace anymesh::server
