// EmulatedFleet: many gateways' controller sessions over gRPC (callback API, no thread per
// session): Hello, verify and Ack every snapshot, report lanes to every peer on a schedule, with
// paths that the benchmark takes down and brings back.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "bench/controller/mesh_generator.h"
#include "controlplane/proto/anymesh.grpc.pb.h"
#include "dataplane/wireguard/crypto.h"

namespace anymesh::bench {

using Clock = std::chrono::steady_clock;

// What a gateway's snapshot must show for the change under test to have reached it.
using SnapshotCheck = std::function<bool(std::uint32_t gateway, const v1::GatewaySnapshot&)>;

class EmulatedFleet {
 public:
  EmulatedFleet(const MeshShape& shape, const std::string& address, const wg::Key& pinned, std::uint32_t channels);
  ~EmulatedFleet();
  EmulatedFleet(const EmulatedFleet&) = delete;
  EmulatedFleet& operator=(const EmulatedFleet&) = delete;

  // Opens every session (Hello with applied version 0).
  void connect();
  // Gateways holding an acknowledged snapshot (any version).
  std::size_t acked_gateways() const;
  std::size_t open_sessions() const;
  std::uint64_t nacks() const { return nacks_; }
  std::uint64_t snapshots_received() const { return snapshots_; }
  std::uint64_t snapshot_bytes() const { return snapshot_bytes_; }

  // Reports go out every `interval` from every gateway, phases spread evenly, until stop_reports().
  void start_reports(std::chrono::milliseconds interval);
  void stop_reports();
  // The lanes from `from` to `to` are reported down (loss 1) or up again from now on.
  void set_path(std::uint32_t from, std::uint32_t to, bool up);
  // One report now from each of these gateways, out of their schedule: the probe change noticed.
  void report_now(const std::vector<std::uint32_t>& gateways);

  // Arms a watch: each gateway in `gateways` records when it first Acks a snapshot that passes
  // `check`. wait_watch() returns those times (from `since`) once all arrived, or at `limit`
  // with the ones that did (missing ones absent).
  void watch(std::set<std::uint32_t> gateways, SnapshotCheck check);
  std::vector<std::pair<std::uint32_t, double>> wait_watch(Clock::time_point since, std::chrono::milliseconds limit);
  // Versions acknowledged by gateways outside the watched set since watch() (should be none).
  std::uint64_t unwatched_acks() const { return unwatched_acks_; }

 private:
  class Session;
  friend class Session;
  void on_snapshot(std::uint32_t gateway, const v1::GatewaySnapshot& snapshot);
  v1::Report report_of(std::uint32_t gateway);
  void report_loop(std::chrono::milliseconds interval);

  const MeshShape shape_;
  const wg::Key pinned_;
  std::vector<std::shared_ptr<grpc::Channel>> channels_;
  std::vector<std::unique_ptr<v1::Control::Stub>> stubs_;
  std::vector<std::unique_ptr<Session>> sessions_;  // index gateway - 1

  mutable std::mutex paths_mutex_;
  std::set<std::pair<std::uint32_t, std::uint32_t>> down_;

  mutable std::mutex watch_mutex_;
  std::condition_variable watch_changed_;
  std::set<std::uint32_t> watched_;
  SnapshotCheck check_;
  std::vector<std::pair<std::uint32_t, Clock::time_point>> arrived_;
  std::set<std::uint32_t> arrived_set_;

  std::atomic<std::uint64_t> nacks_{0};
  std::atomic<std::uint64_t> snapshots_{0};
  std::atomic<std::uint64_t> snapshot_bytes_{0};
  std::atomic<std::uint64_t> unwatched_acks_{0};
  std::atomic<bool> reporting_{false};
  std::thread reporter_;
};

}  // namespace anymesh::bench
