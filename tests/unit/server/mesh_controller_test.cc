// The controller's operator rpcs over real gRPC on 127.0.0.1 (MeshController + ControllerServer,
// asked through the CLI's ControllerClient): routes, services, weights, drain, counters, the drill,
// with emulated gateways that open sessions, verify and Ack snapshots, and report.
#include <catch2/catch.hpp>

#include <grpcpp/grpcpp.h>
#include <sodium.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <map>
#include <memory>
#include <mutex>
#include <thread>

#include "controlplane/cli/controller_client.h"
#include "controlplane/cli/drill.h"
#include "controlplane/model/loader.h"
#include "controlplane/server/controller_server.h"
#include "controlplane/server/mesh_controller.h"
#include "tests/unit/agent/temp_dir.h"
#include "tests/unit/server/session_fixture.h"

using namespace anymesh;
using namespace anymesh::server;
using std::chrono::milliseconds;

namespace {

model::Model lab_mesh() {
  auto loaded = model::load_model_file(ANYMESH_SOURCE_DIR "/configs/mesh.yaml");
  REQUIRE(loaded.ok());
  return *loaded;
}

// One controller process's worth, with the refresh loop anymesh-controller runs.
class RunningController {
 public:
  RunningController(const model::Model& mesh, const std::filesystem::path& state_dir)
      : key_(SigningKey::generate()),
        controller_(mesh, key_, state_dir),
        server_(controller_.ledger(), [this](GatewayId id, const v1::Report& r) { controller_.on_report(id, r); },
                &controller_) {
    server_.start("127.0.0.1:0");
    refresher_ = std::thread([this] {
      while (!stop_) {
        controller_.refresh();
        std::this_thread::sleep_for(milliseconds(20));
      }
    });
  }
  ~RunningController() {
    stop_ = true;
    refresher_.join();
    server_.stop();
  }
  std::string address() const { return "127.0.0.1:" + std::to_string(server_.port()); }
  const SigningKey& key() const { return key_; }
  MeshController& controller() { return controller_; }

 private:
  SigningKey key_;
  MeshController controller_;
  ControllerServer server_;
  std::atomic<bool> stop_{false};
  std::thread refresher_;
};

// A gateway's controller session reduced to the protocol: Hello, verify each snapshot's signature,
// keep it, Ack it; reports on demand.
class EmulatedGateway {
 public:
  EmulatedGateway(const std::string& address, const wg::Key& pinned, std::uint32_t id)
      : pinned_(pinned), stub_(v1::Control::NewStub(grpc::CreateChannel(address, grpc::InsecureChannelCredentials()))) {
    stream_ = stub_->Session(&context_);
    v1::GatewayMessage hello;
    hello.mutable_hello()->set_gateway_id(id);
    REQUIRE(stream_->Write(hello));
    reader_ = std::thread([this] { read(); });
  }
  ~EmulatedGateway() {
    context_.TryCancel();
    reader_.join();
  }
  void report(const v1::Report& report) {
    v1::GatewayMessage m;
    *m.mutable_report() = report;
    std::lock_guard lock(write_mutex_);
    stream_->Write(m);
  }
  std::optional<v1::GatewaySnapshot> latest() const {
    std::lock_guard lock(mutex_);
    return latest_;
  }

 private:
  void read() {
    v1::ControllerMessage in;
    while (stream_->Read(&in)) {
      const auto& s = in.snapshot();
      const bool good = s.signature().size() == crypto_sign_BYTES &&
                        crypto_sign_verify_detached(reinterpret_cast<const unsigned char*>(s.signature().data()),
                                                    reinterpret_cast<const unsigned char*>(s.snapshot().data()),
                                                    s.snapshot().size(), pinned_.data()) == 0;
      v1::GatewaySnapshot snapshot;
      v1::GatewayMessage answer;
      if (good && snapshot.ParseFromString(s.snapshot())) {
        {
          std::lock_guard lock(mutex_);
          latest_ = snapshot;
        }
        answer.mutable_ack()->set_version(snapshot.version());
      } else {
        answer.mutable_nack()->set_version(s.version());
        answer.mutable_nack()->set_reason("bad signature");
      }
      std::lock_guard lock(write_mutex_);
      stream_->Write(answer);
    }
  }

  wg::Key pinned_;
  std::unique_ptr<v1::Control::Stub> stub_;
  grpc::ClientContext context_;
  std::unique_ptr<grpc::ClientReaderWriter<v1::GatewayMessage, v1::ControllerMessage>> stream_;
  std::mutex write_mutex_;
  mutable std::mutex mutex_;
  std::optional<v1::GatewaySnapshot> latest_;
  std::thread reader_;
};

std::uint32_t dial_of(const v1::GatewaySnapshot& s, const std::string& region) {
  for (const auto& service : s.services()) {
    for (const auto& g : service.groups()) {
      if (g.region() == region) return g.dial_percent();
    }
  }
  return 999;
}

bool all_acked(cli::ControllerClient& client) {
  auto status = client.status();
  if (!status) return false;
  for (const auto& g : status->gateways()) {
    if (!g.connected() || g.version_acked() == 0 || g.version_acked() != g.version_sent()) return false;
  }
  return true;
}

// Gateways 1-3 of the lab mesh, each with its first snapshot acknowledged.
std::vector<std::unique_ptr<EmulatedGateway>> connect_gateways(RunningController& running, cli::ControllerClient& client) {
  std::vector<std::unique_ptr<EmulatedGateway>> gateways;
  for (std::uint32_t id = 1; id <= 3; ++id) {
    gateways.push_back(std::make_unique<EmulatedGateway>(running.address(), running.key().public_key(), id));
  }
  REQUIRE(server::test::eventually([&] { return all_acked(client); }));
  return gateways;
}

v1::Report lanes_report(std::initializer_list<std::pair<std::uint32_t, bool>> peers, std::uint64_t rtt_ns) {
  v1::Report r;
  for (auto [peer, up] : peers) {
    for (std::uint32_t lane = 0; lane < 2; ++lane) {
      auto* l = r.add_lanes();
      l->set_peer(peer);
      l->set_lane(lane);
      l->set_up(up);
      l->set_rtt_ewma_ns(rtt_ns);
      l->set_rtt_min_ns(rtt_ns);
      l->set_loss(up ? 0.0 : 1.0);
    }
  }
  return r;
}

}  // namespace

TEST_CASE("routes, services and weights over gRPC describe the lab mesh as compiled") {
  agent::test::TempDir dir;
  RunningController running(lab_mesh(), dir.path());
  cli::ControllerClient client(running.address());

  auto routes = client.routes(0);
  INFO((routes ? "" : routes.error()));
  REQUIRE(routes);
  REQUIRE(routes->gateways_size() == 3);
  const auto& g1 = routes->gateways(0);
  CHECK(g1.gateway_id() == 1);
  CHECK(g1.region() == "r1");
  REQUIRE(g1.routes_size() == 2);
  CHECK(g1.routes(0).region() == "r2");
  CHECK(g1.routes(0).via().empty());
  REQUIRE(g1.routes(0).next_hops_size() == 1);
  CHECK(g1.routes(0).next_hops(0).gateway() == 2);
  REQUIRE(g1.routes(0).backups_size() == 1);
  CHECK(g1.routes(0).backups(0).kind() == v1::BACKUP_KIND_RELAY);
  CHECK(g1.routes(0).backups(0).gateway() == 3);

  auto one = client.routes(3);
  REQUIRE(one);
  REQUIRE(one->gateways_size() == 1);
  CHECK(one->gateways(0).gateway_id() == 3);
  auto unknown = client.routes(42);
  REQUIRE_FALSE(unknown);
  CHECK(unknown.error().find("gateway 42 is not in the mesh") != std::string::npos);

  auto services = client.services();
  REQUIRE(services);
  REQUIRE(services->services_size() == 1);
  const auto& web = services->services(0);
  CHECK(web.name() == "web");
  CHECK(web.vips(0) == "203.0.113.10");
  REQUIRE(web.groups_size() == 3);
  CHECK(web.groups(1).region() == "r2");
  CHECK(web.groups(1).weight() == 128);
  CHECK(web.groups(1).effective_dial_percent() == 100);
  CHECK(web.groups(1).healthy());
  CHECK(web.groups(1).health_source() == "configured");
  CHECK(web.groups(1).backends() == 2);

  auto weights = client.weights(1);
  REQUIRE(weights);
  REQUIRE(weights->gateways_size() == 1);
  const auto& shares = weights->gateways(0).services(0);
  REQUIRE(shares.groups_size() == 3);
  CHECK(shares.groups(0).share() == 128u * 100u * steering::kLatencyScale);
  CHECK(shares.groups(1).percent() == Approx(100.0 / 3));
  CHECK(weights->gateways(0).routes_size() == 2);
}

TEST_CASE("a drain is compiled as dial 0 for the region's groups, pushed, acknowledged, and restored") {
  agent::test::TempDir dir;
  RunningController running(lab_mesh(), dir.path());
  cli::ControllerClient client(running.address());
  auto gateways = connect_gateways(running, client);
  for (auto& g : gateways) CHECK(dial_of(*g->latest(), "r2") == 100);

  auto drained = client.drain("r2", true);
  REQUIRE(drained);
  CHECK(drained->versions_issued() == 3);
  CHECK(drained->groups() == 1);
  REQUIRE(drained->drained_regions_size() == 1);
  CHECK(drained->drained_regions(0) == "r2");
  REQUIRE(server::test::eventually([&] {
    for (auto& g : gateways) {
      if (dial_of(*g->latest(), "r2") != 0) return false;
    }
    return all_acked(client);
  }));
  for (auto& g : gateways) CHECK(dial_of(*g->latest(), "r1") == 100);
  auto services = client.services();
  REQUIRE(services);
  CHECK(services->services(0).groups(1).drained());
  CHECK(services->services(0).groups(1).effective_dial_percent() == 0);
  CHECK(services->services(0).groups(1).dial_percent() == 100);
  auto weights = client.weights(1);
  REQUIRE(weights);
  CHECK(weights->gateways(0).services(0).groups(1).share() == 0);
  CHECK(weights->gateways(0).services(0).groups(0).percent() == Approx(50.0));

  auto again = client.drain("r2", true);
  REQUIRE(again);
  CHECK(again->versions_issued() == 0);  // nothing changed

  auto restored = client.drain("r2", false);
  REQUIRE(restored);
  CHECK(restored->versions_issued() == 3);
  CHECK(restored->drained_regions_size() == 0);
  REQUIRE(server::test::eventually([&] {
    for (auto& g : gateways) {
      if (dial_of(*g->latest(), "r2") != 100) return false;
    }
    return all_acked(client);
  }));

  auto nowhere = client.drain("r9", true);
  REQUIRE_FALSE(nowhere);
  CHECK(nowhere.error().find("region \"r9\" is not in the mesh") != std::string::npos);
}

TEST_CASE("reports move routes, judge group health and show up as counters") {
  agent::test::TempDir dir;
  RunningController running(lab_mesh(), dir.path());
  cli::ControllerClient client(running.address());
  auto gateways = connect_gateways(running, client);

  // r1 -> r2 dies, r1 -> r3 and r3 -> r2 are fine: gateway 1 relays to r2 through r3 at once.
  gateways[2]->report(lanes_report({{1, true}, {2, true}}, 10'000'000));
  auto report = lanes_report({{2, false}, {3, true}}, 10'000'000);
  (*report.mutable_counters())["pipeline_outer_delivered"] = 1234;
  report.set_applied_version(1);
  gateways[0]->report(report);
  REQUIRE(server::test::eventually([&] {
    auto routes = client.routes(1);
    return routes && routes->gateways(0).routes(0).via() == "r3";
  }));
  auto routes = client.routes(1);
  CHECK(routes->gateways(0).routes(0).next_hops(0).gateway() == 3);
  CHECK(routes->gateways(0).routes(1).rtt_ns() == 10'000'000);
  REQUIRE(server::test::eventually([&] {
    auto s = gateways[0]->latest();
    return s && s->groups(0).next_hops(0).gateway() == 3 && all_acked(client);
  }));

  auto counters = client.counters();
  REQUIRE(counters);
  REQUIRE(counters->gateways_size() == 3);
  CHECK(counters->gateways(0).reports() == 1);
  CHECK(counters->gateways(0).applied_version() == 1);
  CHECK(counters->gateways(0).counters().at("pipeline_outer_delivered") == 1234);
  CHECK(counters->gateways(1).reports() == 0);

  // r2's gateway finds none of its 2 backends healthy: every snapshot marks the group unhealthy.
  v1::Report health;
  auto* g = health.add_groups();
  g->set_service("web");
  g->set_group(1);
  g->set_healthy_backends(0);
  g->set_total_backends(2);
  gateways[1]->report(health);
  REQUIRE(server::test::eventually([&] {
    auto s = client.services();
    return s && !s->services(0).groups(1).healthy();
  }));
  auto services = client.services();
  CHECK(services->services(0).groups(1).health_source() == "reports");
  CHECK(services->services(0).groups(1).total_backends() == 2);
  REQUIRE(server::test::eventually([&] {
    auto s = gateways[0]->latest();
    return s && !s->services(0).groups(1).healthy() && all_acked(client);
  }));
  auto weights = client.weights(3);
  REQUIRE(weights);
  CHECK(weights->gateways(0).services(0).groups(1).share() == 0);
}

TEST_CASE("the drill drains, waits for every Ack, restores, and says when it cannot measure traffic") {
  agent::test::TempDir dir;
  RunningController running(lab_mesh(), dir.path());
  cli::ControllerClient client(running.address());
  auto gateways = connect_gateways(running, client);
  cli::DrillOptions options;
  options.region = "r3";
  options.duration = milliseconds(300);
  char* text = nullptr;
  std::size_t size = 0;
  std::FILE* out = open_memstream(&text, &size);
  const int rc = cli::run_drill(client, options, out);
  std::fclose(out);
  const std::string report(text, size);
  std::free(text);
  INFO(report);
  CHECK(rc == 0);
  CHECK(report.find("control-plane side only") != std::string::npos);
  CHECK(report.find("drain:   3 snapshot(s) issued") != std::string::npos);
  CHECK(report.find("all 3 connected gateway(s) acked") != std::string::npos);
  CHECK(report.find("restore: 3 snapshot(s) issued") != std::string::npos);
  for (auto& g : gateways) CHECK(dial_of(*g->latest(), "r3") == 100);
  auto services = client.services();
  REQUIRE(services);
  CHECK(services->drained_regions_size() == 0);
}

TEST_CASE("a controller that serves sessions only answers the operator's rpcs with a clear refusal") {
  agent::test::TempDir dir;
  auto key = SigningKey::generate();
  GatewayLedger ledger({1}, [](GatewayId) { return std::nullopt; }, key, dir.path());
  ControllerServer server(ledger, nullptr);
  server.start("127.0.0.1:0");
  cli::ControllerClient client("127.0.0.1:" + std::to_string(server.port()));
  CHECK(client.status());
  auto routes = client.routes(0);
  REQUIRE_FALSE(routes);
  CHECK(routes.error().find("does not serve this request") != std::string::npos);
  server.stop();
}

TEST_CASE("an unreachable controller is named in the error") {
  cli::ControllerClient client("127.0.0.1:1", milliseconds(500));
  auto status = client.status();
  REQUIRE_FALSE(status);
  CHECK(status.error().rfind("cannot reach the controller at 127.0.0.1:1: ", 0) == 0);
}

TEST_CASE("a snapshot signed from its unversioned bytes carries exactly the bytes of the versioned snapshot") {
  const auto key = SigningKey::generate();
  auto snapshot = compile_snapshot(lab_mesh(), steering::SteeringState{}, 2, 1);
  for (std::uint64_t version : {1ull, 127ull, 128ull, 300ull, 1ull << 40}) {
    snapshot.set_version(0);
    const std::string unversioned = serialize_deterministic(snapshot);
    snapshot.set_version(version);
    const auto direct = sign_snapshot(key, snapshot);
    const auto prefixed = sign_unversioned(key, unversioned, version);
    CHECK(prefixed.snapshot() == direct.snapshot());
    CHECK(prefixed.signature() == direct.signature());
    CHECK(prefixed.version() == version);
  }
}
