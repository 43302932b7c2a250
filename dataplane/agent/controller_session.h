// The gateway's session with the controller: Hello, signed snapshots in, Ack/Nack and Reports out,
// reconnecting with exponential backoff and jitter. Runs on its own thread.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <string>
#include <thread>

#include "controlplane/proto/anymesh.pb.h"
#include "dataplane/agent/applied_snapshot.h"
#include "dataplane/agent/gateway_options.h"
#include "dataplane/agent/probe_settings.h"

namespace grpc {
class ClientContext;
}

namespace anymesh::agent {

// Delays between connection attempts: doubling from `initial` up to `max`, each drawn uniformly
// from its upper half so gateways that lost the controller together do not return together.
class ReconnectBackoff {
 public:
  ReconnectBackoff(std::chrono::milliseconds initial, std::chrono::milliseconds max, std::uint64_t seed);
  std::chrono::milliseconds next();
  void reset() { ceiling_ = initial_; }

 private:
  std::chrono::milliseconds initial_;
  std::chrono::milliseconds max_;
  std::chrono::milliseconds ceiling_;
  std::mt19937_64 random_;
};

struct ControllerSessionConfig {
  GatewayId gateway_id = 0;
  ControllerSettings controller;  // address and pinned ed25519 key
  std::filesystem::path state_dir;  // where applied snapshots are persisted
  ProbeSettings probe_fallback;   // gateway.conf's probe settings, for fields a snapshot leaves 0
  std::chrono::milliseconds report_interval{1000};
  std::chrono::milliseconds backoff_initial{100};
  std::chrono::milliseconds backoff_max{10'000};
};

// Swaps the snapshot into the data plane; returns why it could not, or nothing when it runs.
using ApplySnapshot = std::function<std::optional<std::string>(std::shared_ptr<const AppliedSnapshot>)>;
// Fills the measurements of one report (lanes, counters, group health); applied_version is set by the session.
using FillReport = std::function<void(v1::Report&)>;

struct ControllerSessionStatus {
  bool connected = false;  // the stream is open (Hello sent)
  std::uint64_t applied_version = 0;
  std::uint64_t connects = 0;  // streams opened, the first one included
  std::uint64_t applies = 0;   // snapshots handed to ApplySnapshot
  std::uint64_t acks = 0;
  std::uint64_t nacks = 0;
  std::uint64_t reports = 0;
  std::string last_nack;  // the reason of the last Nack sent
};

class ControllerSession {
 public:
  // last_good: what the gateway runs already (from load_stored_snapshot), so Hello names its
  // version and an identical snapshot is acknowledged without being applied again.
  ControllerSession(ControllerSessionConfig config, ApplySnapshot apply, FillReport fill_report,
                    std::optional<v1::SignedSnapshot> last_good = std::nullopt);
  ~ControllerSession();
  ControllerSession(const ControllerSession&) = delete;
  ControllerSession& operator=(const ControllerSession&) = delete;

  void start();
  // Returns promptly: the open stream is cancelled and every wait is woken.
  void stop();

  ControllerSessionStatus status() const;

  // One snapshot from the controller, checked, applied and persisted; returns the Ack or the Nack
  // to send. Called by the session thread; public so tests and the fuzz harness drive it directly.
  v1::GatewayMessage handle_snapshot(const v1::SignedSnapshot& signed_snapshot);

 private:
  struct Stream;
  void run();
  // One stream from connect to close; true when it was up long enough to count as established.
  bool run_stream();
  void send_reports(Stream& stream);
  bool sleep_unless_stopped(std::chrono::milliseconds delay);

  const ControllerSessionConfig config_;
  const ApplySnapshot apply_;
  const FillReport fill_report_;
  ReconnectBackoff backoff_;

  mutable std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  grpc::ClientContext* open_context_ = nullptr;  // cancelled by stop()
  std::optional<v1::SignedSnapshot> applied_;    // the last good snapshot, as signed
  ControllerSessionStatus status_;
  std::thread thread_;
};

}  // namespace anymesh::agent
