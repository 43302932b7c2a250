// Shared pieces of the session tests: a signed r1 snapshot, and waiting for a condition.
#pragma once

#include <chrono>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "controlplane/server/gateway_ledger.h"
#include "controlplane/server/snapshot_signer.h"
#include "tests/unit/agent/snapshot_fixture.h"

namespace anymesh::server::test {

using agent::test::kSelf;
using agent::test::r1_snapshot;

inline v1::SignedSnapshot signed_r1(const SigningKey& key, std::uint64_t version = 7) {
  auto snapshot = r1_snapshot();
  snapshot.set_version(version);
  return sign_snapshot(key, snapshot);
}

// A mesh of one gateway, kSelf, whose compiled snapshot a test can change or break.
struct Mesh {
  std::mutex mutex;
  unsigned interval_ms = 5;
  bool broken = false;  // peers[0].lanes[0].port 0: well signed, refused by the gateway's validation

  SnapshotSource source() {
    return [this](GatewayId id) -> std::optional<v1::GatewaySnapshot> {
      if (id != kSelf) return std::nullopt;
      auto snapshot = r1_snapshot();
      std::lock_guard lock(mutex);
      snapshot.mutable_probe()->set_interval_ms(interval_ms);
      if (broken) snapshot.mutable_peers(0)->mutable_lanes(0)->set_port(0);
      return snapshot;
    };
  }
  void change(unsigned interval) {
    std::lock_guard lock(mutex);
    interval_ms = interval;
  }
  void break_it() {
    std::lock_guard lock(mutex);
    broken = true;
  }
};

// Polls `condition` until it holds or `limit` passes; the result is the condition's last value.
inline bool eventually(const std::function<bool()>& condition,
                       std::chrono::milliseconds limit = std::chrono::seconds(10)) {
  const auto until = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < until) {
    if (condition()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return condition();
}

}  // namespace anymesh::server::test
