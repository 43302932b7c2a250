// The controller's ledger without the network: version numbering, push only on change, restarts.
#include <catch2/catch.hpp>

#include <atomic>
#include <future>

#include "controlplane/server/gateway_ledger.h"
#include "dataplane/agent/signed_snapshot.h"
#include "tests/unit/agent/temp_dir.h"
#include "tests/unit/server/session_fixture.h"

using namespace anymesh;
using namespace anymesh::server;
using namespace anymesh::server::test;

namespace {

v1::GatewayStatus status_of(const GatewayLedger& ledger) {
  auto reply = ledger.status();
  REQUIRE(reply.gateways_size() == 1);
  return reply.gateways(0);
}

// What the session would send next, or nothing when it waits longer than `wait`.
std::optional<v1::SignedSnapshot> sent_within(GatewayLedger& ledger, const SessionTicket& ticket,
                                              std::chrono::milliseconds wait = std::chrono::milliseconds(200)) {
  auto next = std::async(std::launch::async, [&] { return ledger.next_to_send(ticket); });
  if (next.wait_for(wait) == std::future_status::ready) return next.get();
  ledger.close_session(ticket);
  REQUIRE_FALSE(next.get().has_value());
  return std::nullopt;
}

}  // namespace

TEST_CASE("the first version a gateway gets is issued at its Hello, above the version it runs") {
  agent::test::TempDir dir;
  Mesh mesh;
  auto key = SigningKey::generate();
  GatewayLedger ledger({kSelf}, mesh.source(), key, dir.path());
  CHECK(status_of(ledger).version_sent() == 0);

  auto ticket = ledger.open_session(kSelf, 41, [] {});
  REQUIRE(ticket.ok());
  auto sent = ledger.next_to_send(*ticket);
  REQUIRE(sent.has_value());
  CHECK(sent->version() == 42);
  CHECK(agent::open_signed_snapshot(*sent, key.public_key(), kSelf).ok());
  CHECK(status_of(ledger).version_sent() == 42);
  CHECK(status_of(ledger).connected());
  ledger.acked(*ticket, 42);
  CHECK(status_of(ledger).version_acked() == 42);
  CHECK(load_controller_state(dir.path()).at(kSelf).acked == 42);
}

TEST_CASE("a gateway not in the mesh is refused at its Hello") {
  agent::test::TempDir dir;
  Mesh mesh;
  GatewayLedger ledger({kSelf}, mesh.source(), SigningKey::generate(), dir.path());
  auto ticket = ledger.open_session(99, 0, [] {});
  REQUIRE_FALSE(ticket.ok());
  CHECK(ticket.error() == "gateway 99 is not in the mesh");
}

TEST_CASE("a snapshot is pushed again only when it changed") {
  agent::test::TempDir dir;
  Mesh mesh;
  GatewayLedger ledger({kSelf}, mesh.source(), SigningKey::generate(), dir.path());
  auto ticket = ledger.open_session(kSelf, 0, [] {});
  REQUIRE(ticket.ok());
  REQUIRE(ledger.next_to_send(*ticket)->version() == 1);

  CHECK(ledger.refresh() == 0);
  CHECK(ledger.refresh() == 0);
  mesh.change(7);
  CHECK(ledger.refresh() == 1);
  CHECK(ledger.refresh() == 0);
  auto sent = ledger.next_to_send(*ticket);
  REQUIRE(sent.has_value());
  CHECK(sent->version() == 2);
  CHECK_FALSE(sent_within(ledger, *ticket).has_value());
}

TEST_CASE("a newer session of the same gateway cancels the older one") {
  agent::test::TempDir dir;
  Mesh mesh;
  GatewayLedger ledger({kSelf}, mesh.source(), SigningKey::generate(), dir.path());
  std::atomic<int> cancelled{0};
  auto first = ledger.open_session(kSelf, 0, [&] { ++cancelled; });
  REQUIRE(first.ok());
  auto second = ledger.open_session(kSelf, 0, [] {});
  REQUIRE(second.ok());
  CHECK(cancelled == 1);
  CHECK_FALSE(ledger.next_to_send(*first).has_value());  // over: returns at once
  CHECK(ledger.next_to_send(*second)->version() == 1);
  CHECK(status_of(ledger).sessions() == 2);
}

TEST_CASE("a restarted ledger keeps its numbering and does not resend what the gateway runs") {
  agent::test::TempDir dir;
  Mesh mesh;
  auto key = SigningKey::generate();
  std::string first_bytes;
  {
    GatewayLedger ledger({kSelf}, mesh.source(), key, dir.path());
    auto ticket = ledger.open_session(kSelf, 0, [] {});
    first_bytes = ledger.next_to_send(*ticket)->snapshot();
    ledger.acked(*ticket, 1);
  }
  SECTION("unchanged: the gateway's Hello with version 1 gets nothing") {
    GatewayLedger ledger({kSelf}, mesh.source(), key, dir.path());
    auto ticket = ledger.open_session(kSelf, 1, [] {});
    CHECK_FALSE(sent_within(ledger, *ticket).has_value());
    CHECK(status_of(ledger).version_acked() == 1);
    CHECK(status_of(ledger).version_sent() == 1);
  }
  SECTION("unchanged: a gateway that lost its state gets version 1 again, the same bytes") {
    GatewayLedger ledger({kSelf}, mesh.source(), key, dir.path());
    auto ticket = ledger.open_session(kSelf, 0, [] {});
    auto sent = ledger.next_to_send(*ticket);
    CHECK(sent->version() == 1);
    CHECK(sent->snapshot() == first_bytes);
  }
  SECTION("changed while it was down: the next version") {
    mesh.change(9);
    GatewayLedger ledger({kSelf}, mesh.source(), key, dir.path());
    auto ticket = ledger.open_session(kSelf, 1, [] {});
    CHECK(ledger.next_to_send(*ticket)->version() == 2);
  }
  SECTION("state lost: numbering continues above what the gateway runs") {
    std::filesystem::remove(dir.path() / kControllerStateName);
    GatewayLedger ledger({kSelf}, mesh.source(), key, dir.path());
    auto ticket = ledger.open_session(kSelf, 1, [] {});
    CHECK(ledger.next_to_send(*ticket)->version() == 2);
  }
}
