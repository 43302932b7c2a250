// libFuzzer harness: session messages from either side must parse or be refused cleanly, and a
// snapshot in them must be acked only when it verifies and validates.
#include <google/protobuf/stubs/logging.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "controlplane/proto/anymesh.pb.h"
#include "controlplane/server/snapshot_signer.h"
#include "dataplane/agent/controller_session.h"
#include "dataplane/agent/signed_snapshot.h"

namespace {

using namespace anymesh;

void require(bool ok) {
  if (!ok) __builtin_trap();
}

const server::SigningKey& controller_key() {
  static const server::SigningKey key = [] {
    wg::Key seed;
    seed.fill(0x42);
    return server::SigningKey::from_seed(seed);
  }();
  return key;
}

// A fresh gateway per input (no thread, no state dir), so inputs do not depend on each other.
void gateway_takes(const v1::SignedSnapshot& signed_snapshot, bool signed_by_controller) {
  agent::ControllerSessionConfig config;
  config.gateway_id = 11;
  config.controller.address = "127.0.0.1:1";
  config.controller.public_key = controller_key().public_key();
  std::optional<std::uint64_t> applied;
  agent::ControllerSession session(
      config,
      [&](std::shared_ptr<const agent::AppliedSnapshot> snapshot) -> std::optional<std::string> {
        require(snapshot != nullptr && snapshot->version() != 0 && snapshot->self().id == 11);
        applied = snapshot->version();
        return std::nullopt;
      },
      nullptr);
  auto reply = session.handle_snapshot(signed_snapshot);
  if (reply.has_ack()) {
    require(signed_by_controller && applied == signed_snapshot.version() && reply.ack().version() == *applied);
    require(session.status().applied_version == *applied);
  } else {
    require(reply.has_nack() && !reply.nack().reason().empty() && !applied);
    require(reply.nack().version() == signed_snapshot.version());
    require(session.status().applied_version == 0);
  }
  auto opened = agent::open_signed_snapshot(signed_snapshot, controller_key().public_key(), 11);
  require(opened.ok() == reply.has_ack());
}

void snapshot_both_ways(const v1::SignedSnapshot& as_received) {
  gateway_takes(as_received, false);
  v1::SignedSnapshot resigned = as_received;
  resigned.set_signature(controller_key().sign(resigned.snapshot()));
  gateway_takes(resigned, true);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const bool quiet = (google::protobuf::SetLogHandler([](google::protobuf::LogLevel, const char*, int,
                                                                 const std::string&) {}),
                             true);
  (void)quiet;
  const int length = static_cast<int>(size);

  v1::GatewayMessage from_gateway;
  if (from_gateway.ParseFromArray(data, length)) {
    // What the controller reads: it must survive a round trip unchanged.
    std::string bytes;
    require(from_gateway.SerializeToString(&bytes));
    v1::GatewayMessage again;
    require(again.ParseFromString(bytes) && again.kind_case() == from_gateway.kind_case());
  }
  v1::ControllerMessage from_controller;
  if (from_controller.ParseFromArray(data, length) && from_controller.has_snapshot()) {
    snapshot_both_ways(from_controller.snapshot());
  }
  v1::SignedSnapshot bare;
  if (bare.ParseFromArray(data, length)) snapshot_both_ways(bare);
  return 0;
}
