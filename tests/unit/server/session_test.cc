// Gateway <-> controller sessions over real gRPC on 127.0.0.1: push, Ack/Nack, reports, restarts.
#include <catch2/catch.hpp>

#include <chrono>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "controlplane/server/controller_server.h"
#include "controlplane/server/gateway_ledger.h"
#include "dataplane/agent/controller_session.h"
#include "dataplane/agent/snapshot_loader.h"
#include "dataplane/agent/snapshot_store.h"
#include "tests/unit/agent/temp_dir.h"
#include "tests/unit/server/session_fixture.h"

using namespace anymesh;
using namespace anymesh::server;
using namespace anymesh::server::test;
using std::chrono::milliseconds;

namespace {

// One controller process's worth: ledger, server, and the reports it received.
class Controller {
 public:
  Controller(Mesh& mesh, const SigningKey& key, const std::filesystem::path& state_dir,
             const std::string& listen = "127.0.0.1:0")
      : ledger_({kSelf}, mesh.source(), key, state_dir),
        server_(ledger_, [this](GatewayId id, const v1::Report& report) {
          std::lock_guard lock(mutex_);
          if (id == kSelf) reports_.push_back(report);
        }) {
    server_.start(listen);
  }
  std::string address() const { return "127.0.0.1:" + std::to_string(server_.port()); }
  GatewayLedger& ledger() { return ledger_; }
  v1::GatewayStatus status() const { return ledger_.status().gateways(0); }
  std::vector<v1::Report> reports() const {
    std::lock_guard lock(mutex_);
    return reports_;
  }

 private:
  GatewayLedger ledger_;
  ControllerServer server_;
  mutable std::mutex mutex_;
  std::vector<v1::Report> reports_;
};

// A gateway's agent: records what it applies and can be told to refuse.
class Gateway {
 public:
  Gateway(const std::string& address, const wg::Key& pinned, const std::filesystem::path& state_dir,
          std::optional<v1::SignedSnapshot> last_good = std::nullopt,
          milliseconds backoff_max = milliseconds(400)) {
    agent::ControllerSessionConfig config;
    config.gateway_id = kSelf;
    config.controller.address = address;
    config.controller.public_key = pinned;
    config.state_dir = state_dir;
    config.report_interval = milliseconds(50);
    config.backoff_initial = milliseconds(50);
    config.backoff_max = backoff_max;
    session_ = std::make_unique<agent::ControllerSession>(
        config,
        [this](std::shared_ptr<const agent::AppliedSnapshot> snapshot) -> std::optional<std::string> {
          std::lock_guard lock(mutex_);
          if (refusal_) return refusal_;
          applied_.push_back(snapshot->version());
          return std::nullopt;
        },
        [](v1::Report& report) { (*report.mutable_counters())["rx_packets"] = 5; }, std::move(last_good));
  }
  ~Gateway() { session_->stop(); }
  agent::ControllerSession& session() { return *session_; }
  agent::ControllerSessionStatus status() const { return session_->status(); }
  std::vector<std::uint64_t> applied() const {
    std::lock_guard lock(mutex_);
    return applied_;
  }
  void refuse(std::string reason) {
    std::lock_guard lock(mutex_);
    refusal_ = std::move(reason);
  }

 private:
  mutable std::mutex mutex_;
  std::vector<std::uint64_t> applied_;
  std::optional<std::string> refusal_;
  std::unique_ptr<agent::ControllerSession> session_;
};

struct Dirs {
  agent::test::TempDir controller;
  agent::test::TempDir gateway;
};

std::uint64_t persisted_version(const std::filesystem::path& state_dir, const wg::Key& key) {
  auto stored = agent::load_stored_snapshot(state_dir, key, kSelf);
  return stored.ok() ? stored->applied->version() : 0;
}

using Versions = std::vector<std::uint64_t>;

}  // namespace

TEST_CASE("a gateway's Hello gets the snapshot, which it applies, persists and acks") {
  Dirs dirs;
  Mesh mesh;
  auto key = SigningKey::generate();
  Controller controller(mesh, key, dirs.controller.path());
  Gateway gateway(controller.address(), key.public_key(), dirs.gateway.path());
  gateway.session().start();

  REQUIRE(eventually([&] { return controller.status().version_acked() == 1; }));
  auto status = controller.status();
  CHECK(status.connected());
  CHECK(status.version_sent() == 1);
  CHECK(status.nack_reason().empty());
  CHECK(status.session_age_ms() > 0);
  CHECK(status.sessions() == 1);
  CHECK(gateway.applied() == Versions{1});
  CHECK(gateway.status().applied_version == 1);
  CHECK(gateway.status().acks == 1);
  CHECK(persisted_version(dirs.gateway.path(), key.public_key()) == 1);

  // Reports flow every interval, stamped with the applied version.
  REQUIRE(eventually([&] { return controller.reports().size() >= 3; }));
  auto report = controller.reports().back();
  CHECK(report.applied_version() == 1);
  CHECK(report.counters().at("rx_packets") == 5);
  CHECK(controller.status().last_report_age_ms() > 0);

  // Pushed on change only.
  CHECK(controller.ledger().refresh() == 0);
  mesh.change(8);
  CHECK(controller.ledger().refresh() == 1);
  REQUIRE(eventually([&] { return controller.status().version_acked() == 2; }));
  CHECK(persisted_version(dirs.gateway.path(), key.public_key()) == 2);
  CHECK(controller.ledger().refresh() == 0);
  std::this_thread::sleep_for(milliseconds(200));
  CHECK(gateway.applied() == Versions{1, 2});
  CHECK(gateway.status().connects == 1);
}

TEST_CASE("a snapshot signed by another key is nacked and the gateway keeps its last good one") {
  Dirs dirs;
  Mesh mesh;
  auto key = SigningKey::generate();
  std::string address;
  Gateway* gateway_ptr = nullptr;
  std::unique_ptr<Gateway> gateway;
  {
    Controller controller(mesh, key, dirs.controller.path());
    address = controller.address();
    gateway = std::make_unique<Gateway>(address, key.public_key(), dirs.gateway.path());
    gateway_ptr = gateway.get();
    gateway->session().start();
    REQUIRE(eventually([&] { return controller.status().version_acked() == 1; }));
  }
  // The same address now signs with a key the gateway does not pin.
  mesh.change(9);
  Controller impostor(mesh, SigningKey::generate(), dirs.controller.path(), address);
  REQUIRE(eventually([&] { return impostor.status().nack_version() == 2; }));
  CHECK(impostor.status().nack_reason() == "signature: does not verify against the pinned controller key");
  CHECK(impostor.status().version_acked() == 1);
  CHECK(gateway_ptr->applied() == Versions{1});
  CHECK(gateway_ptr->status().applied_version == 1);
  CHECK(gateway_ptr->status().nacks == 1);
  CHECK(persisted_version(dirs.gateway.path(), key.public_key()) == 1);
}

TEST_CASE("a well-signed snapshot that fails validation is nacked with the validator's reason") {
  Dirs dirs;
  Mesh mesh;
  mesh.break_it();
  auto key = SigningKey::generate();
  Controller controller(mesh, key, dirs.controller.path());
  Gateway gateway(controller.address(), key.public_key(), dirs.gateway.path());
  gateway.session().start();

  REQUIRE(eventually([&] { return controller.status().nack_version() == 1; }));
  auto broken = mesh.source()(kSelf);
  broken->set_version(1);
  const std::string bytes = serialize_deterministic(*broken);
  auto expected = agent::load_snapshot({reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size()});
  REQUIRE_FALSE(expected.ok());
  CHECK(controller.status().nack_reason() == expected.error().to_string());
  CHECK(controller.status().nack_reason().rfind("peers[0].lanes[0].port", 0) == 0);
  CHECK(controller.status().version_acked() == 0);
  CHECK(gateway.applied().empty());
  CHECK(persisted_version(dirs.gateway.path(), key.public_key()) == 0);
}

TEST_CASE("the gateway's snapshot handling: malformed, unsigned, old, identical, refused by apply") {
  agent::test::TempDir dir;
  auto key = SigningKey::generate();
  Gateway gateway("127.0.0.1:1", key.public_key(), dir.path());  // never started
  auto& session = gateway.session();

  v1::SignedSnapshot garbage;
  garbage.set_snapshot("\x0a\xff\xff\xff\xff\x0f not a snapshot");
  garbage.set_signature(key.sign(garbage.snapshot()));
  garbage.set_version(3);
  auto reply = session.handle_snapshot(garbage);
  REQUIRE(reply.has_nack());
  CHECK(reply.nack().version() == 3);
  CHECK(reply.nack().reason().rfind("snapshot: not a GatewaySnapshot", 0) == 0);

  garbage.set_signature(std::string(64, '\0'));
  CHECK(session.handle_snapshot(garbage).nack().reason() ==
        "signature: does not verify against the pinned controller key");

  auto good = signed_r1(key, 7);
  reply = session.handle_snapshot(good);
  REQUIRE(reply.has_ack());
  CHECK(reply.ack().version() == 7);
  CHECK(gateway.applied() == Versions{7});

  // The same bytes again (a controller that lost track): acked, not applied twice.
  CHECK(session.handle_snapshot(good).has_ack());
  CHECK(gateway.applied() == Versions{7});

  // Older, however well signed, may be a replay.
  CHECK(session.handle_snapshot(signed_r1(key, 5)).nack().reason() == "version: 5 is not newer than the applied 7");

  gateway.refuse("lane slots exhausted");
  CHECK(session.handle_snapshot(signed_r1(key, 8)).nack().reason() == "apply: lane slots exhausted");
  CHECK(session.status().applied_version == 7);
  CHECK(persisted_version(dir.path(), key.public_key()) == 7);
  CHECK(session.status().nacks == 4);
  CHECK(session.status().last_nack == "apply: lane slots exhausted");
}

TEST_CASE("a restarted controller is found again and does not resend what the gateway runs") {
  Dirs dirs;
  Mesh mesh;
  auto key = SigningKey::generate();
  auto controller = std::make_unique<Controller>(mesh, key, dirs.controller.path());
  const std::string address = controller->address();
  Gateway gateway(address, key.public_key(), dirs.gateway.path());
  gateway.session().start();
  REQUIRE(eventually([&] { return controller->status().version_acked() == 1; }));

  controller.reset();
  REQUIRE(eventually([&] { return !gateway.status().connected; }));
  std::this_thread::sleep_for(milliseconds(500));  // several failed attempts, the backoff grows

  SECTION("nothing changed meanwhile") {
    controller = std::make_unique<Controller>(mesh, key, dirs.controller.path(), address);
    REQUIRE(eventually([&] { return controller->status().connected(); }));
    REQUIRE(eventually([&] { return gateway.status().connected && gateway.status().connects == 2; }));
    CHECK(controller->status().version_acked() == 1);
    CHECK(controller->status().version_sent() == 1);
    std::this_thread::sleep_for(milliseconds(200));
    CHECK(gateway.applied() == Versions{1});
    CHECK(gateway.status().acks == 1);
    CHECK(gateway.status().nacks == 0);
  }
  SECTION("the mesh changed meanwhile") {
    mesh.change(20);
    controller = std::make_unique<Controller>(mesh, key, dirs.controller.path(), address);
    REQUIRE(eventually([&] { return controller->status().version_acked() == 2; }));
    CHECK(gateway.applied() == Versions{1, 2});
    CHECK(gateway.status().connects == 2);
  }
}

TEST_CASE("a restarted gateway runs its persisted snapshot and is not sent it again") {
  Dirs dirs;
  Mesh mesh;
  auto key = SigningKey::generate();
  Controller controller(mesh, key, dirs.controller.path());
  {
    Gateway first(controller.address(), key.public_key(), dirs.gateway.path());
    first.session().start();
    REQUIRE(eventually([&] { return controller.status().version_acked() == 1; }));
  }
  REQUIRE(eventually([&] { return !controller.status().connected(); }));

  // Static stability: what the gateway main does at start, controller or not.
  auto stored = agent::load_stored_snapshot(dirs.gateway.path(), key.public_key(), kSelf);
  REQUIRE(stored.ok());
  CHECK(stored->applied->version() == 1);
  Gateway second(controller.address(), key.public_key(), dirs.gateway.path(), stored->signed_snapshot);
  CHECK(second.status().applied_version == 1);
  second.session().start();
  REQUIRE(eventually([&] { return controller.status().connected() && controller.status().sessions() == 2; }));
  std::this_thread::sleep_for(milliseconds(300));
  CHECK(second.applied().empty());
  CHECK(second.status().acks == 0);
  CHECK(controller.status().version_acked() == 1);
}

TEST_CASE("stopping the session is prompt, connected or waiting to reconnect") {
  Dirs dirs;
  Mesh mesh;
  auto key = SigningKey::generate();
  auto timed_stop = [](Gateway& gateway) {
    auto start = std::chrono::steady_clock::now();
    gateway.session().stop();
    return std::chrono::steady_clock::now() - start;
  };
  SECTION("connected") {
    Controller controller(mesh, key, dirs.controller.path());
    Gateway gateway(controller.address(), key.public_key(), dirs.gateway.path());
    gateway.session().start();
    REQUIRE(eventually([&] { return controller.status().version_acked() == 1; }));
    CHECK(timed_stop(gateway) < milliseconds(500));
    REQUIRE(eventually([&] { return !controller.status().connected(); }));
  }
  SECTION("no controller, long backoff") {
    std::string address;
    { address = Controller(mesh, key, dirs.controller.path()).address(); }  // a port nobody listens on now
    Gateway gateway(address, key.public_key(), dirs.gateway.path(), std::nullopt, std::chrono::seconds(30));
    gateway.session().start();
    std::this_thread::sleep_for(milliseconds(300));
    CHECK(gateway.status().connects == 0);
    CHECK(timed_stop(gateway) < milliseconds(500));
  }
}
