// The controller's whole path on the example mesh: compile, sign, and the gateway opens what it gets.
#include <catch2/catch.hpp>

#include "controlplane/model/loader.h"
#include "controlplane/server/gateway_ledger.h"
#include "controlplane/server/snapshot_compiler.h"
#include "dataplane/agent/signed_snapshot.h"
#include "dataplane/agent/snapshot_validation.h"
#include "tests/unit/agent/temp_dir.h"

using namespace anymesh;
using namespace anymesh::server;

TEST_CASE("every gateway of configs/mesh.yaml is issued a snapshot its gateway accepts") {
  auto mesh = model::load_model_file(std::string(ANYMESH_SOURCE_DIR) + "/configs/mesh.yaml");
  REQUIRE(mesh.ok());
  REQUIRE(mesh->gateways.size() >= 2);
  agent::test::TempDir dir;
  auto key = SigningKey::generate();
  std::vector<GatewayId> ids;
  for (const auto& gateway : mesh->gateways) ids.push_back(gateway.id);
  const steering::SteeringState direct{};
  GatewayLedger ledger(ids, [&](GatewayId id) -> std::optional<v1::GatewaySnapshot> {
    return compile_snapshot(*mesh, direct, id, 1);
  }, key, dir.path());

  for (GatewayId id : ids) {
    auto ticket = ledger.open_session(id, 0, [] {});
    REQUIRE(ticket.ok());
    auto sent = ledger.next_to_send(*ticket);
    REQUIRE(sent.has_value());
    auto opened = agent::open_signed_snapshot(*sent, key.public_key(), id);
    INFO("gateway " << id << ": " << (opened.ok() ? "" : opened.error().to_string()));
    REQUIRE(opened.ok());
    CHECK(opened->version() == 1);
    CHECK(opened->peers().size() == ids.size() - 1);
    ledger.close_session(*ticket);
  }
}

TEST_CASE("a service's limits compile into the snapshot and come out the same at the gateway") {
  auto mesh = model::load_model_file(std::string(ANYMESH_SOURCE_DIR) + "/configs/mesh.yaml");
  REQUIRE(mesh.ok());
  REQUIRE_FALSE(mesh->services.empty());
  const steering::SteeringState direct{};
  const auto id = mesh->gateways[0].id;
  // Without limits the snapshot carries none (the bytes of a limit-free mesh do not change).
  auto plain = compile_snapshot(*mesh, direct, id, 1);
  for (const auto& s : plain.services()) CHECK_FALSE(s.has_limits());

  anycast::ServiceLimits limits;
  limits.new_flows_per_second = 2000;
  limits.new_flows_burst = 4000;
  limits.source_new_flows_per_second = 20;
  limits.source_new_flows_burst = 40;
  limits.source_packets_per_second = 10000;
  limits.source_packets_burst = 500;
  limits.source_prefix_v4 = 22;
  limits.source_prefix_v6 = 56;
  mesh->services[0].service.limits = limits;
  auto snapshot = compile_snapshot(*mesh, direct, id, 1);
  auto applied = agent::validate_snapshot(snapshot);
  INFO((applied ? std::string() : applied.error().to_string()));
  REQUIRE(applied);
  bool found = false;
  for (const auto& entry : applied->anycast().table().services()) {
    if (entry.service.name != mesh->services[0].service.name) continue;
    CHECK(entry.service.limits == limits);
    found = true;
  }
  CHECK(found);
}
