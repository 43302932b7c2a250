// The controller's whole path on the example mesh: compile, sign, and the gateway opens what it gets.
#include <catch2/catch.hpp>

#include "controlplane/model/loader.h"
#include "controlplane/server/gateway_ledger.h"
#include "controlplane/server/snapshot_compiler.h"
#include "dataplane/agent/signed_snapshot.h"
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
